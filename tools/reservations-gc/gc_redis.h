/*
 * Between the two files of the Redis half of lcbp3-reservations-gc: gc_redis.c finds the
 * masters, connects and walks a node page by page from this side (SCAN, pipelined PTTL,
 * then re-checking delete scripts: what --older-than, --no-atomic and the read-only
 * passes need); gc_redis_scan.c has a script walk the pages on the server (the default
 * when keys are deleted).
 */
#ifndef LC_TOOLS_GC_REDIS_H
#define LC_TOOLS_GC_REDIS_H

#include <stdint.h>

#include <hiredis/hiredis.h>

#include "common/error.h"
#include "common/progress.h"
#include "common/rate.h"
#include "common/redis_script.h"
#include "tools/reservations-gc/gc.h"

enum gc_pass_kind {
    GC_PASS_RESERVATIONS,
    GC_PASS_LOCKS,
};

/* One master being cleaned. */
struct gc_node {
    const struct gc_opts *opts;
    struct gc_report *report;
    const struct lc_rate *rate;
    struct lc_progress *progress;
    const struct lc_redis_script *no_ttl;     /* deletes the given keys that have no TTL */
    const struct lc_redis_script *unchanged;  /* deletes the given keys whose value is as read */
    const struct lc_redis_script *scan;       /* one SCAN page, its keys without TTL deleted */
    redisContext *c;
    const char *name;
    int cluster;
    int64_t now_ms;           /* the server's clock, for --older-than */
};

/* The two forms of node->scan: plain, and flagged for a Redis >= 7 cluster (gc_redis_scan.c). */
void gc_scan_scripts_init(struct lc_redis_script *plain, struct lc_redis_script *flagged);

/*
 * One SCAN over the node for `pattern` by node->scan, one call per page, each deleting
 * the keys of its page that have no TTL (reservations; locks, with --fix-locks); counts
 * them in node->report and lists the locks. Returns 0, or -1 with err set (77 when the
 * server refuses the script or a command in it).
 */
int gc_scan_script_pass(struct gc_node *node, enum gc_pass_kind kind, const char *pattern,
                        struct lc_err *err);

#endif
