/*
 * The logical Redis export: every key of every database listed in INFO keyspace,
 * enumerated with SCAN (never KEYS) and read with pipelined DUMP + PTTL, written as a
 * stream of RESP commands:
 *     SELECT <db>                                   once per database
 *     RESTORE <key> <abs-ms|0> <payload> REPLACE ABSTTL   per key
 * so that `zcat keys.dump.gz | redis-cli --pipe` loads it into a running server, and a
 * key whose absolute expiry has passed by then is not revived. Keys and payloads are
 * binary-safe. The export is not a point-in-time snapshot across keys (SCAN is not):
 * the RDB is; this file is the one that can be restored without restarting Redis.
 */
#ifndef LC_REDIS_KEYS_H
#define LC_REDIS_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include <hiredis/hiredis.h>

#include "common/buf.h"
#include "common/error.h"
#include "common/gz.h"
#include "common/progress.h"

/* SCAN COUNT, and the number of keys read per pipelined DUMP + PTTL round trip. */
#define LC_REDIS_KEYS_BATCH 1000

struct lc_redis_keys_stats {
    uint64_t keys;     /* RESTORE commands written */
    uint64_t vanished; /* keys SCAN returned that were gone (or expired) by DUMP/PTTL */
    uint64_t bytes;    /* RESP bytes written (before compression) */
    unsigned dbs;      /* databases exported */
};

/*
 * Exports every database of INFO keyspace on the connected context into `w` (not closed
 * here). The context is left SELECTed on the last database exported. Absolute expiry
 * times are taken from the server's clock (TIME, sent first in each pipeline; the local
 * clock when TIME is refused). Errors: LC_E_UNAVAILABLE with the server's message
 * (e.g. NOPERM for a user without +scan +dump +pttl +select +info), the writer's error,
 * LC_E_TEMPFAIL when interrupted.
 */
int lc_redis_keys_export(redisContext *c, struct lc_gz_writer *w, struct lc_progress *progress,
                         struct lc_redis_keys_stats *out_stats, struct lc_err *err);

/*
 * The database numbers of INFO keyspace text ("db3:keys=1,expires=0,avg_ttl=0"), in
 * the order listed, as a new array (NULL when there are none, *out_n = 0).
 */
void lc_redis_keyspace_dbs(const char *info, unsigned **out_dbs, size_t *out_n);

/* Appends one command in RESP ("*argc", then "$len" + bytes per argument) to b; lens
 * may be NULL for C strings. */
void lc_redis_resp_command(struct lc_buf *b, int argc, const char *const *argv, const size_t *lens);

#endif
