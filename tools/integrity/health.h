/*
 * The parts of `lcbp3-integrity health` (health.c runs them in this order): MariaDB
 * (health_mariadb.c), every Redis node (health_redis.c), the backend's /health URL
 * (health_http.c) and the free space of the spool and the targets (health.c). Each
 * adds its results to the report's current group ("health"); none fails: a server
 * that cannot be reached is a CRITICAL result, a query that cannot run UNKNOWN.
 */
#ifndef LC_TOOLS_INTEGRITY_HEALTH_H
#define LC_TOOLS_INTEGRITY_HEALTH_H

#include <time.h>

#include "common/config.h"
#include "tools/integrity/integrity.h"

/* mariadb.reachable, .replication[.NAME], .binlog, .long_transactions, .lock_waits */
void ic_health_mariadb(const struct lc_config *cfg, struct ic_report *r);

/* redis.<node>.ping/.role/.memory/.persistence[/.cluster], redis.cluster.nodes,
 * redis.sentinel.master, per [redis] mode */
void ic_health_redis(const struct lc_config *cfg, struct ic_report *r);

/* backend.health: GET [dr] health_url (not run when it is unset) */
void ic_health_http(const struct lc_config *cfg, struct ic_report *r);

/* Milliseconds since `start` (CLOCK_MONOTONIC), for latencies. */
double ic_health_elapsed_ms(const struct timespec *start);

#endif
