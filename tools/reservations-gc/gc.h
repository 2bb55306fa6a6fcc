/*
 * lcbp3-reservations-gc: its options, what a run found and did, and the two halves of
 * the job. main.c parses, loads the config and calls gc_run(); gc_redis.c (with
 * gc_redis_scan.c) cleans Redis (leaked reservation keys, stuck numbering locks), gc_db.c
 * the reservations table in MariaDB; gc_report.c prints the listing and the end line.
 */
#ifndef LC_TOOLS_GC_H
#define LC_TOOLS_GC_H

#include <stddef.h>
#include <stdint.h>

#include "common/cli.h"
#include "common/config.h"
#include "common/error.h"

#define GC_DEFAULT_BATCH 500    /* keys per SCAN COUNT and per script call; rows per UPDATE */
#define GC_MAX_BATCH 10000      /* a bigger script call would block Redis for too long */
#define GC_DEFAULT_LIMIT 20     /* items listed per kind */

struct gc_opts {
    struct lc_cli cli;
    int dry_run;              /* --dry-run: count and list, change nothing */
    const char *pattern;      /* --pattern GLOB, else [numbering] reservation_pattern */
    long batch;               /* --batch N [GC_DEFAULT_BATCH] */
    double max_rate;          /* --max-rate N: keys (Redis) or rows (MariaDB) per second; 0 = no limit */
    int64_t older_than_ms;    /* --older-than DURATION; -1 when not given */
    long limit;               /* --limit N: items listed per kind [GC_DEFAULT_LIMIT] */
    int fix_locks;            /* --fix-locks: also delete stuck numbering locks */
    int no_atomic;            /* --no-atomic: plain UNLINK instead of the script (racy); not with --older-than */
    int redis_only;           /* --redis-only */
    int db_only;              /* --db-only */
};

/* What a listed item is. */
enum gc_item_kind {
    GC_ITEM_LEAKED,           /* reservation key without TTL */
    GC_ITEM_STALE,            /* reservation key with a TTL whose value is older than --older-than */
    GC_ITEM_STUCK_LOCK,       /* numbering lock without TTL */
    GC_ITEM_OVERDUE_ROW,      /* RESERVED row past expires_at */
    GC_ITEM_KINDS,
};

/* One listed item: where (node or table), what (key or row id), why (detail). */
struct gc_item {
    enum gc_item_kind kind;
    char *where;
    char *name;               /* key (may hold any bytes: print it escaped) or "id=N" */
    size_t name_len;
    char *detail;             /* e.g. "expires_at 2025-01-15T08:00:00Z"; may be NULL */
};

struct gc_report {
    /* Redis */
    uint64_t scanned;         /* reservation keys seen by SCAN */
    uint64_t leaked;          /* of those without TTL */
    uint64_t stale;           /* with a TTL, older than --older-than */
    uint64_t deleted;         /* reservation keys deleted */
    uint64_t skipped;         /* candidates that got a TTL (or a new value) before the delete */
    uint64_t locks_scanned;
    uint64_t locks_stuck;
    uint64_t locks_deleted;   /* with --fix-locks */
    size_t nodes;             /* Redis masters cleaned */
    /* MariaDB */
    uint64_t rows_overdue;    /* RESERVED rows past expires_at */
    uint64_t rows_cancelled;
    uint64_t rows_skipped;    /* confirmed or cancelled by the application meanwhile */
    /* up to opts->limit items per kind */
    struct gc_item *items;
    size_t n_items;
    size_t n_items_of[GC_ITEM_KINDS];
};

extern const char gc_usage[];

/* <0 error (64), 0 parsed. */
int gc_parse_args(int argc, char **argv, struct gc_opts *opts, struct lc_err *err);

/*
 * The whole job under the run lock "lcbp3-reservations-gc": Redis unless --db-only,
 * MariaDB unless --redis-only (when [numbering] reservations_table is set), then the
 * report on stdout (listing) and the end line. Returns 0, 1 for a dry run that found
 * something to remove, or -1 with err set. A Redis node that fails does not stop the
 * others; the run then fails with that node's error.
 */
int gc_run(const struct lc_config *cfg, const struct gc_opts *opts, struct gc_report *report,
           struct lc_err *err);

/* The Redis half: every master of [redis]. */
int gc_redis(const struct lc_config *cfg, const struct gc_opts *opts, struct gc_report *report,
             struct lc_err *err);

/*
 * The MariaDB half: RESERVED rows of [numbering] reservations_table whose expires_at is
 * before the server's NOW() become CANCELLED with cancelled_at = NOW(6), in batches of
 * opts->batch rows by primary key, each UPDATE its own transaction that re-checks the
 * condition. Rows are never deleted. With opts->dry_run, counts and lists only.
 */
int gc_db(const struct lc_config *cfg, const struct gc_opts *opts, struct gc_report *report,
          struct lc_err *err);

/* Records an item unless opts->limit items of that kind are listed already. */
void gc_report_item(struct gc_report *report, const struct gc_opts *opts, enum gc_item_kind kind,
                    const char *where, const char *name, size_t name_len, const char *detail);

/* Prints the listed items (text, or one JSON document with the counts under --json). */
void gc_report_print(const struct gc_report *report, const struct gc_opts *opts);

/* The end line (to the log): scanned, deleted, skipped, locks, rows, wall time. */
void gc_report_log_end(const struct gc_report *report, const struct gc_opts *opts, double seconds);

void gc_report_done(struct gc_report *report);

#endif
