/*
 * `lcbp3-restore db SET|FILE`: verify the set, print the plan, confirm when the target
 * is a production database, restore, and report rows per table and the wall time. A
 * legacy .sql/.sql.gz dump goes straight to the server on one connection.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/buf.h"
#include "common/confirm.h"
#include "common/db.h"
#include "common/lock.h"
#include "common/log.h"
#include "common/mem.h"
#include "common/progress.h"
#include "common/restore_mariadb.h"
#include "common/set_reader.h"
#include "common/spool.h"
#include "common/units.h"
#include "tools/restore/restore.h"

int restore_is_legacy_sql(const char *path)
{
    return restore_has_suffix(path, ".sql") || restore_has_suffix(path, ".sql.gz");
}

char **restore_set_databases(const struct lc_set_reader *set)
{
    char **dbs = lc_xcalloc(set->n_entries + 1, sizeof(char *));
    size_t n = 0;

    for (size_t idx = 0; idx < set->n_entries; idx++) {
        const char *db = set->entries[idx].member->db;
        int seen = 0;

        for (size_t k = 0; db && k < n && !seen; k++)
            seen = strcmp(dbs[k], db) == 0;
        if (db && !seen)
            dbs[n++] = lc_xstrdup(db);
    }
    return dbs;
}

int restore_is_production(const struct lc_config *cfg, const char *db)
{
    for (size_t idx = 0; cfg->mariadb.databases && cfg->mariadb.databases[idx]; idx++)
        if (strcmp(cfg->mariadb.databases[idx], db) == 0)
            return 1;
    return 0;
}

static void print_plan(const struct lc_config *cfg, const struct lc_restore_db_plan *plan)
{
    const struct lc_manifest *m = &plan->set->manifest;
    char where[300], age[32], size[32];

    lc_db_describe(&cfg->mariadb, where, sizeof(where));
    lc_format_duration((int64_t)(time(NULL) - m->started_at) * 1000, age, sizeof(age));
    lc_format_size(plan->bytes, size, sizeof(size));
    printf("restore plan\n");
    printf("  source:   %s (taken %s ago, MariaDB %s)\n", m->set_name ? m->set_name : plan->set->path,
           age, m->mariadb_version ? m->mariadb_version : "?");
    if (m->binlog_file)
        printf("            binlog position %s:%llu%s%s\n", m->binlog_file,
               (unsigned long long)m->binlog_pos, m->gtid ? ", GTID " : "", m->gtid ? m->gtid : "");
    printf("  target:   database '%s' on %s%s\n", plan->req.target_db, where,
           plan->target_exists ? "" : " (does not exist: it will be created)");
    printf("  tables:   %zu (%s compressed)%s\n", plan->n_tables, size,
           plan->whole ? ", then routines, views and events" : ", with their triggers");
    if (plan->n_replaced) {
        printf("  replaces: %zu existing table%s:", plan->n_replaced, plan->n_replaced == 1 ? "" : "s");
        for (size_t idx = 0; idx < plan->n_tables; idx++)
            if (plan->tables[idx].exists)
                printf(" %s", plan->tables[idx].name);
        printf("\n            (loaded into '%s' first, then swapped in)\n", plan->staging_db);
    }
    if (plan->extra_tables && plan->extra_tables[0]) {
        printf("  keeps:    tables not in the set:");
        for (size_t idx = 0; plan->extra_tables[idx]; idx++)
            printf(" %s", plan->extra_tables[idx]);
        printf("\n");
    }
    fflush(stdout);
}

/* "t1 120, t2 45, ..." */
static void log_end(const struct lc_restore_db_plan *plan, const struct lc_restore_db_stats *stats,
                    double seconds)
{
    struct lc_buf per_table = LC_BUF_INIT;
    char took[32];

    for (size_t idx = 0; idx < plan->n_tables; idx++)
        lc_buf_printf(&per_table, "%s%s %llu", idx ? ", " : "", plan->tables[idx].name,
                      (unsigned long long)plan->tables[idx].rows);
    lc_format_duration((int64_t)(seconds * 1000), took, sizeof(took));
    lc_log_info("restored database '%s' from '%s': %zu tables, %llu rows in %s (%s)",
                plan->req.target_db,
                plan->set->manifest.set_name ? plan->set->manifest.set_name : plan->set->path,
                plan->n_tables,
                (unsigned long long)stats->rows, took, per_table.data ? per_table.data : "");
    if (!stats->binlog_off)
        lc_log_warn("the binary log was on for this restore (the account lacks BINLOG ADMIN or "
                    "SUPER): replicas will replay it");
    lc_buf_done(&per_table);
}

/* One database of the set: plan, confirm, run. */
static int restore_one(const struct lc_config *cfg, MYSQL *db, const struct lc_set_reader *set,
                       const struct restore_opts *opts, const char *source_db,
                       struct lc_err *err)
{
    struct lc_restore_db_request req = {source_db, opts->into ? opts->into : source_db,
                                        opts->tables, lc_config_threads(cfg)};
    struct lc_restore_db_plan plan;
    struct lc_restore_db_stats stats;
    struct lc_progress *progress = NULL;
    struct timespec start;
    int rc = -1;

    if (lc_restore_db_plan_make(db, set, &req, &plan, err))
        return -1;
    if (!opts->cli.json && opts->cli.verbosity >= 0)
        print_plan(cfg, &plan);
    if (restore_is_production(cfg, req.target_db) && plan.target_exists && !opts->yes) {
        char question[200];

        snprintf(question, sizeof(question),
                 "This replaces data in the production database '%s'.", req.target_db);
        if (lc_confirm_typed(question, req.target_db, "--yes", err))
            goto out;
    }
    clock_gettime(CLOCK_MONOTONIC, &start);
    progress = lc_progress_new("restoring", plan.bytes);
    rc = lc_restore_db_run(&cfg->mariadb, db, &plan, progress, &stats, err);
    lc_progress_free(progress);
    if (rc == 0)
        log_end(&plan, &stats, lc_seconds_since(&start));
out:
    lc_restore_db_plan_done(&plan);
    return rc;
}

int restore_db_from_set(const struct lc_config *cfg, const struct lc_set_reader *set,
                        const struct restore_opts *opts, struct lc_err *err)
{
    char **dbs = restore_set_databases(set);
    MYSQL *db = NULL;
    int rc = -1;

    if (!dbs[0]) {
        lc_err_set(err, LC_E_USAGE, "the set '%s' has no MariaDB part", set->path);
        goto out;
    }
    if (opts->into && dbs[1]) {
        lc_err_set(err, LC_E_USAGE, "the set holds %zu databases; --into takes one",
                   lc_strv_len(dbs));
        goto out;
    }
    db = lc_db_connect(&cfg->mariadb, "lcbp3-restore", err);
    if (!db)
        goto out;
    for (size_t idx = 0; dbs[idx]; idx++)
        if (restore_one(cfg, db, set, opts, dbs[idx], err))
            goto out;
    rc = 0;
out:
    lc_db_close(db);
    lc_strv_free(dbs);
    return rc;
}

/* A legacy dump into --into, or the configured database. */
static int restore_legacy(const struct lc_config *cfg, const struct restore_opts *opts,
                          const char *path, struct lc_err *err)
{
    const char *target = opts->into ? opts->into
                         : cfg->mariadb.databases ? cfg->mariadb.databases[0] : NULL;
    struct lc_restore_db_stats stats;
    struct lc_progress *progress = NULL;
    struct timespec start;
    char where[300], took[32];
    MYSQL *db = NULL;
    int rc = -1;

    if (opts->tables)
        return lc_err_set(err, LC_E_USAGE, "--tables needs a backup set; '%s' is a legacy dump "
                                           "and is loaded whole", path);
    if (!target)
        return lc_err_set(err, LC_E_USAGE, "no target database: give --into DB");
    lc_db_describe(&cfg->mariadb, where, sizeof(where));
    if (!opts->cli.json && opts->cli.verbosity >= 0)
        printf("restore plan\n  source:   legacy dump '%s' (loaded in place, statement by "
               "statement: not atomic)\n  target:   database '%s' on %s\n",
               path, target, where);
    fflush(stdout);
    if (restore_is_production(cfg, target) && !opts->yes) {
        char question[200];

        snprintf(question, sizeof(question), "This loads a dump into the production database '%s'.",
                 target);
        if (lc_confirm_typed(question, target, "--yes", err))
            return -1;
    }
    db = lc_db_connect(&cfg->mariadb, "lcbp3-restore", err);
    if (!db)
        return -1;
    clock_gettime(CLOCK_MONOTONIC, &start);
    progress = lc_progress_new("restoring", 0);
    rc = lc_restore_db_legacy(db, path, target, progress, &stats, err);
    lc_progress_free(progress);
    if (rc == 0) {
        lc_format_duration((int64_t)(lc_seconds_since(&start) * 1000), took, sizeof(took));
        lc_log_info("restored database '%s' from the legacy dump '%s': %llu statements, %llu rows "
                    "in %s", target, path, (unsigned long long)stats.statements,
                    (unsigned long long)stats.rows, took);
    }
    lc_db_close(db);
    return rc;
}

int restore_open_set(const char *path, struct lc_set_reader *set, struct lc_err *err)
{
    struct lc_progress *progress = lc_progress_new("verifying", 0);
    struct lc_err ignored = LC_ERR_INIT;
    int rc = lc_set_reader_open(path, progress, set, err);

    lc_progress_free(progress);
    if (rc)
        return -1;
    lc_log_info("verified '%s': %zu members%s", path, set->n_entries,
                set->sidecar_checked ? " and the sidecar" : "");
    if (lc_spool_mark_verified(path, &ignored))
        lc_log_debug("not recorded as verified: %s", ignored.msg);
    return 0;
}

int restore_db(const struct lc_config *cfg, const struct restore_opts *opts, struct lc_err *err)
{
    struct lc_lock lock = LC_LOCK_INIT;
    struct lc_set_reader set = LC_SET_READER_INIT;
    char *path = NULL;
    int rc = -1;

    if (restore_find_source(cfg, opts, &path, err))
        return -1;
    lc_cli_log_begin(&opts->cli, cfg, "db", path);
    if (lc_lock_take(&lock, cfg->backup.lock_dir, RESTORE_LOCK_NAME, err))
        goto out;
    if (restore_is_legacy_sql(path) && (opts->until || opts->until_gtid)) {
        lc_err_set(err, LC_E_USAGE, "'%s' is a legacy dump without binlog coordinates: "
                   "point-in-time recovery needs a backup set", path);
        goto out;
    }
    if (restore_is_legacy_sql(path)) {
        rc = restore_legacy(cfg, opts, path, err);
        goto out;
    }
    if (restore_open_set(path, &set, err) == 0)
        rc = opts->until || opts->until_gtid ? restore_until(cfg, &set, opts, err)
                                             : restore_db_from_set(cfg, &set, opts, err);
out:
    lc_set_reader_close(&set);
    lc_lock_release(&lock);
    restore_release_source(cfg, path);
    return rc;
}
