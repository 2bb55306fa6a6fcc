/*
 * `lcbp3-restore set SET`: Redis, then MariaDB, from one verified set, in the order of
 * the disaster-recovery runbook, under one lock and one verification.
 */
#include <stdlib.h>
#include <string.h>

#include "common/lock.h"
#include "tools/restore/restore.h"

int restore_set(const struct lc_config *cfg, const struct restore_opts *opts, struct lc_err *err)
{
    struct lc_lock lock = LC_LOCK_INIT;
    struct lc_set_reader set;
    char *path = NULL;
    int rc = -1;

    memset(&set, 0, sizeof(set));
    set.fd = -1;
    if (restore_find_source(cfg, opts->source, &path, err))
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
    if (set.manifest.redis_version && restore_redis_from_set(cfg, &set, opts->yes, err))
        goto out;
    if (set.manifest.mariadb_version && restore_db_from_set(cfg, &set, opts, err))
        goto out;
    rc = 0;
out:
    lc_set_reader_close(&set);
    lc_lock_release(&lock);
    free(path);
    return rc;
}
