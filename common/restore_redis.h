/*
 * Restoring Redis from a backup set's logical export (redis/keys.dump.gz: SELECT and
 * RESTORE ... REPLACE ABSTTL commands in RESP, see common/redis_keys.h) into a running
 * server, and placing an RDB snapshot for a stopped one.
 *
 * Keys: the RESP stream is parsed by a small streaming parser (the export holds only
 * arrays of bulk strings) and each RESTORE is forwarded as the bytes it already is,
 * pipelined in batches of up to LC_REDIS_KEYS_BATCH commands or LC_RESTORE_PIPELINE_BYTES
 * per node, two batches in flight (the server works on one while the next is parsed),
 * one thread. A key whose absolute expiry has already passed on the server's clock
 * is skipped, not sent (RESTORE with a past ABSTTL and REPLACE would delete a live key
 * of that name, and a stale reservation must never be revived). Keys not in the export
 * are left alone. Works without FLUSHALL/FLUSHDB/CONFIG. Standalone and Sentinel: the
 * master from lc_redis_masters(); Cluster: each key to its slot's master
 * (common/redis_slot.h), database 0 only.
 *
 * RDB: common/restore_redis_rdb.c.
 */
#ifndef LC_RESTORE_REDIS_H
#define LC_RESTORE_REDIS_H

#include <stddef.h>
#include <stdint.h>

#include "common/config.h"
#include "common/error.h"
#include "common/progress.h"

/* Bytes of RESTORE commands in one batch to one node. */
#define LC_RESTORE_PIPELINE_BYTES (8 * 1024 * 1024)

/* The largest argument the export parser accepts (a DUMP payload), in bytes. */
#define LC_RESTORE_MAX_BULK ((uint64_t)4 << 30)

/* Supplies the decompressed export: 0 with *out_len bytes (0 at the end), or -1. */
typedef int (*lc_restore_read_fn)(void *ctx, char *buf, size_t cap, size_t *out_len,
                                  struct lc_err *err);

struct lc_restore_redis_opts {
    int db_override;          /* -1: the databases of the export; N: every key into db N */
    int only_db;              /* -1: every database of the export; N: only the keys exported
                               * from database N, the others skipped (counted in other_db) */
    struct lc_progress *progress; /* bytes of export consumed; may be NULL */
};

struct lc_restore_redis_stats {
    uint64_t keys;            /* keys restored (acknowledged by the server) */
    uint64_t expired;         /* keys skipped because their expiry had passed */
    uint64_t bytes;           /* export bytes replayed */
    unsigned dbs;             /* SELECTs seen */
    uint64_t other_db;        /* keys skipped: exported from another database than only_db */
};

/*
 * Replays one export stream into the servers of `cfg` (opts NULL: the export's
 * databases, no progress). Errors: LC_E_UNAVAILABLE with the server's message (naming
 * the node and the key for a refused RESTORE, e.g. NOPERM: the restore user needs
 * +restore +select +time +ping), LC_E_DATA for a stream that is not a valid export
 * (naming the byte offset) or a payload the server rejects as corrupt or of a newer
 * RDB version (with a hint to use the same or a newer Redis),
 * LC_E_CONFIG when a cluster would need a database other than 0 or the server has
 * fewer databases than the export, LC_E_TEMPFAIL when interrupted or when the cluster
 * answers MOVED/ASK/TRYAGAIN/CLUSTERDOWN (resharding or failover during the restore).
 * Stats are added to (the caller zeroes them; several exports can be summed), as far
 * as the restore got, also on failure.
 */
int lc_restore_redis_keys(const struct lc_redis_cfg *cfg, lc_restore_read_fn read, void *ctx,
                          const struct lc_restore_redis_opts *opts,
                          struct lc_restore_redis_stats *stats, struct lc_err *err);

/* What an export holds, from lc_restore_redis_scan(), without a server. */
struct lc_restore_redis_scan {
    uint64_t keys;            /* RESTORE commands */
    uint64_t keys_not_db0;    /* of which in a database other than 0 */
    long first_other_db;      /* the first such database, -1 when none */
    uint64_t bytes;           /* export bytes */
    unsigned dbs;             /* SELECTs */
};

#define LC_RESTORE_REDIS_SCAN_INIT {0, 0, -1, 0, 0}

/*
 * Reads a whole export and checks that it parses, adding to *out (initialised with
 * LC_RESTORE_REDIS_SCAN_INIT). Used before a cluster restore so that an export with
 * keys outside db 0 fails before anything is sent. Errors: LC_E_DATA as above, the
 * read function's error.
 */
int lc_restore_redis_scan(lc_restore_read_fn read, void *ctx, struct lc_progress *progress,
                          struct lc_restore_redis_scan *out, struct lc_err *err);

/* One command of an export, pointing into the parsed buffer. */
struct lc_export_cmd {
    int restore;              /* 1: RESTORE, 0: SELECT */
    unsigned db;              /* SELECT */
    const char *key;          /* RESTORE (binary-safe) */
    size_t key_len;
    int64_t abs_ms;           /* RESTORE: absolute expiry, Unix ms; 0 for none */
    const char *raw;          /* the whole command as RESP */
    size_t raw_len;
};

/*
 * Parses the command at the start of buf[0..len): 1 with *out and *out_used (bytes of
 * the command) set; 0 when buf holds only the beginning of a command; -1 (LC_E_DATA,
 * saying what is wrong, without the offset) for anything that is not an export command:
 * not a RESP array of bulk strings, a command other than SELECT and RESTORE, a RESTORE
 * without ABSTTL or with a bad expiry, an argument above LC_RESTORE_MAX_BULK.
 */
int lc_restore_redis_parse(const char *buf, size_t len, struct lc_export_cmd *out,
                           size_t *out_used, struct lc_err *err);

/*
 * Writes an RDB snapshot (decompressed, from `read`) as `dir`/dump.rdb for a Redis
 * server that is stopped: creates `dir` (0700) when missing, checks the RDB header
 * ("REDIS" and a 4-digit version) and its CRC-64 trailer while writing
 * dump.rdb.partial (0600; when run as root, owned by the owner of the existing
 * dump.rdb, else of `dir`, so that the redis user can read it), fsyncs, keeps an
 * existing dump.rdb as dump.rdb.before-restore-<UTC yyyymmddThhmmssZ> (a hard link,
 * so dump.rdb never disappears), renames, fsyncs the directory. *out_kept (optional)
 * gets the path of the kept file (heap string) or NULL; *out_bytes (optional) the size
 * written. Errors: LC_E_DATA for a bad RDB (nothing is left behind), LC_E_CANTCREAT /
 * LC_E_IO for the files, the read function's error.
 */
int lc_restore_redis_rdb(const char *dir, lc_restore_read_fn read, void *ctx, char **out_kept,
                         uint64_t *out_bytes, struct lc_err *err);

#endif
