/*
 * The Redis snapshot: for the standalone server, the Sentinel's master, or every master
 * of a Cluster,
 *   - an RDB fetched over the replication protocol (REPLCONF capa eof, REPLCONF
 *     rdb-only 1, SYNC; EOF-marker mode handled, the RDB's CRC64 trailer checked),
 *     written as redis/dump.rdb.gz (cluster: redis/<host>_<port>/dump.rdb.gz);
 *   - a logical export (SCAN + DUMP + PTTL for every database in INFO keyspace) as a
 *     stream of RESP commands "SELECT db" and "RESTORE key abs-ms payload REPLACE
 *     ABSTTL", written as redis/keys.dump.gz (cluster: redis/<host>_<port>/keys.dump.gz),
 *     so `zcat keys.dump.gz | redis-cli --pipe` restores it into a running server and an
 *     expired reservation is not revived.
 * Neither FLUSHALL nor CONFIG is used.
 */
#ifndef LC_DUMP_REDIS_H
#define LC_DUMP_REDIS_H

#include <stdint.h>

#include "common/config.h"
#include "common/dump_mariadb.h"
#include "common/error.h"
#include "common/member.h"

struct lc_dump_redis_info {
    char *version;            /* redis_version of the (first) master */
    char *mode;               /* "standalone", "sentinel", "cluster" */
    unsigned masters;         /* nodes snapshotted */
    uint64_t keys;            /* keys exported */
    uint64_t rdb_bytes;       /* uncompressed RDB bytes, all masters */
    uint64_t used_memory;     /* sum of INFO memory used_memory */
};

int lc_dump_redis(const struct lc_redis_cfg *cfg, const struct lc_dump_opts *opts,
                  struct lc_member_list *members, struct lc_dump_redis_info *info,
                  struct lc_err *err);

void lc_dump_redis_info_done(struct lc_dump_redis_info *info);

#endif
