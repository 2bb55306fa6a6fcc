/*
 * Restoring MariaDB from a verified backup set, or from a legacy dump file.
 *
 * A set is restored in parallel, one connection per thread, the parts of the data
 * members largest first, with foreign_key_checks, unique_checks and (when the account
 * may) the binary log off for the session; rows go as LOAD DATA LOCAL INFILE where the
 * INSERT converts (common/sql_load_data.h), and large tables get their secondary
 * indexes after their rows. When the target database exists, everything
 * is loaded into a staging database first and only then moved in, so a failure while
 * loading leaves the target exactly as it was:
 *   - tables no foreign key refers to are swapped in one RENAME TABLE statement
 *     (atomic: the old ones move to a second scratch database and are dropped);
 *   - a table that foreign keys refer to cannot be renamed away (InnoDB would move
 *     the references with it), so it is dropped and the new one renamed in: two
 *     statements, milliseconds apart;
 *   - old triggers are dropped just before the swap (a table with triggers cannot
 *     change database) and the set's triggers created right after it.
 * Then, for a whole-database restore, routines, views and events. Restoring into
 * another database (--into) rewrites database qualifiers and drops DEFINER clauses so
 * the copy works without the original's accounts and never touches the original.
 *
 * A legacy dump (mysqldump/mariadb-dump output, plain or gzip) is one stream, loaded
 * in order on one connection straight into the target, as `mariadb DB < file` would;
 * its USE and CREATE DATABASE statements are skipped so it lands where it is told.
 */
#ifndef LC_RESTORE_MARIADB_H
#define LC_RESTORE_MARIADB_H

#include <stddef.h>
#include <stdint.h>

#include <mysql.h>

#include "common/config.h"
#include "common/error.h"
#include "common/progress.h"
#include "common/set_reader.h"

/* What to restore and where. */
struct lc_restore_db_request {
    const char *source_db;    /* database in the set */
    const char *target_db;    /* where to restore it (== source_db for an in-place restore) */
    char *const *tables;      /* NULL-terminated; NULL means every table */
    unsigned threads;         /* connections loading in parallel */
};

struct lc_restore_table {
    char *name;
    const struct lc_set_entry *schema;
    const struct lc_set_entry *data;      /* NULL for a table without a data member */
    const struct lc_set_entry *triggers;  /* NULL when it has none */
    int exists;               /* the target already has a table of that name */
    int referenced;           /* a foreign key refers to it (dropped, not swapped) */
    char *deferred_keys;      /* "ADD KEY ..." built after the rows are in, or NULL */
    size_t parts_left;        /* parts of the data member not loaded yet */
    unsigned loaders;         /* connections loading a part of it right now */
    uint64_t rows;            /* rows loaded */
};

/* The plan, made before anything is changed, then run. */
struct lc_restore_db_plan {
    struct lc_restore_db_request req;
    const struct lc_set_reader *set;
    struct lc_restore_table *tables;
    size_t n_tables;
    int whole;                /* no --tables: database defaults, routines, views, events too */
    int target_exists;        /* the target database exists now */
    size_t n_replaced;        /* tables that exist and will be replaced */
    char **extra_tables;      /* tables of the target that are not in the set (left alone) */
    uint64_t bytes;           /* compressed bytes of the members to load */
    char *staging_db;         /* set when tables are replaced */
    char *old_db;             /* where swapped-out tables go before they are dropped */
};

/*
 * Checks the request against the set and the server (read-only): the source database
 * and every --tables name are in the set (LC_E_USAGE naming the missing one), and
 * which tables exist in the target. `db` is a connection made with lc_db_connect.
 */
int lc_restore_db_plan_make(MYSQL *db, const struct lc_set_reader *set,
                            const struct lc_restore_db_request *req,
                            struct lc_restore_db_plan *out, struct lc_err *err);

struct lc_restore_db_stats {
    uint64_t rows;
    uint64_t statements;
    int binlog_off;           /* the session's binary log could be turned off */
};

/*
 * Runs a plan. `db` is the control connection; loaders connect with `cfg`. Progress
 * counts compressed bytes of members. On failure the message says what state the
 * target is in (untouched before the swap; otherwise exactly which step failed).
 */
int lc_restore_db_run(const struct lc_mariadb_cfg *cfg, MYSQL *db, struct lc_restore_db_plan *plan,
                      struct lc_progress *progress, struct lc_restore_db_stats *stats,
                      struct lc_err *err);

void lc_restore_db_plan_done(struct lc_restore_db_plan *plan);

/*
 * Loads a legacy dump (plain or gzip, sniffed) into `target_db` (created when missing)
 * on `db`. Errors name the file and the line of the failing statement; a dump cut off
 * mid-statement is LC_E_DATA after the statements before the cut have run.
 */
int lc_restore_db_legacy(MYSQL *db, const char *path, const char *target_db,
                         struct lc_progress *progress, struct lc_restore_db_stats *stats,
                         struct lc_err *err);

#endif
