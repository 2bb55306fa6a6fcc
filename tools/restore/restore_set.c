/*
 * `lcbp3-restore set SET`: Redis, then MariaDB, from one verified set, in the order of
 * the disaster-recovery runbook, under one lock and one verification.
 */
#include <stdio.h>
#include <stdlib.h>

#include "common/confirm.h"
#include "common/lock.h"
#include "tools/restore/restore.h"

/* Names what `set` replaces and asks once: the production database name typed back, or
 * "yes" when the set has no MariaDB part. */
static int confirm_both(const struct lc_config *cfg, const struct lc_set_reader *set,
                        const struct restore_opts *opts, struct lc_err *err)
{
    const char *db = !set->manifest.mariadb_version ? NULL
                     : opts->into                   ? opts->into
                     : cfg->mariadb.databases       ? cfg->mariadb.databases[0]
                                                    : NULL;

    printf("restore plan (each part prints its own plan when it starts)\n"
           "  This restores %s%s%s%s from '%s':\n"
           "  keys in the set replace those in Redis, tables in the set replace those in MariaDB.\n",
           set->manifest.redis_version ? "Redis" : "",
           set->manifest.redis_version && db ? " and " : "", db ? "the database " : "",
           db ? db : "", set->manifest.set_name ? set->manifest.set_name : set->path);
    fflush(stdout);
    return lc_confirm_typed("Both parts run without another question.", db ? db : "yes", "--yes",
                            err);
}

int restore_set(const struct lc_config *cfg, const struct restore_opts *opts, struct lc_err *err)
{
    struct lc_lock lock = LC_LOCK_INIT;
    struct lc_set_reader set = LC_SET_READER_INIT;
    struct restore_opts all;
    char *path = NULL;
    int rc = -1;

    if (opts->redis_db > 0 && cfg->redis.mode == LC_REDIS_CLUSTER)
        return lc_err_set(err, LC_E_USAGE, "--redis-db %ld: a Redis Cluster has only database 0",
                          opts->redis_db);
    if (restore_find_source(cfg, opts, &path, err))
        return -1;
    lc_cli_log_begin(&opts->cli, cfg, "set", path);
    if (restore_is_legacy_sql(path)) {
        lc_err_set(err, LC_E_USAGE, "'%s' is a legacy dump, not a set: use 'lcbp3-restore db'",
                   path);
        goto out;
    }
    if (lc_lock_take(&lock, cfg->backup.lock_dir, RESTORE_LOCK_NAME, err) ||
        restore_open_set(path, &set, err))
        goto out;
    /* One question for both parts, before either is touched. */
    if (!opts->yes && confirm_both(cfg, &set, opts, err))
        goto out;
    all = *opts;
    all.yes = 1;
    if (set.manifest.redis_version && restore_redis_from_set(cfg, &set, 1, opts->redis_db, err))
        goto out;
    if (set.manifest.mariadb_version && restore_db_from_set(cfg, &set, &all, err)) {
        if (set.manifest.redis_version)
            lc_err_prefix(err, "Redis was restored from the set, MariaDB was not");
        goto out;
    }
    rc = 0;
out:
    lc_set_reader_close(&set);
    lc_lock_release(&lock);
    restore_release_source(cfg, path);
    return rc;
}
