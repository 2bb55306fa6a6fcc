/*
 * `lcbp3-backup list` and `lcbp3-backup prune`: the sets in the local spool, and the
 * spool's retention, which says for every set why it is kept or removed.
 */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/lock.h"
#include "common/log.h"
#include "common/mem.h"
#include "common/retention.h"
#include "common/spool.h"
#include "common/units.h"
#include "tools/backup/backup.h"

static int targets_not_ready(const struct backup_opts *opts, struct lc_err *err)
{
    if (!opts->target)
        return 0;
    return lc_err_set(err, LC_E_SOFTWARE, "'--target' is not implemented yet: only the spool "
                                          "can be listed and pruned");
}

int backup_list(const struct lc_config *cfg, const struct backup_opts *opts, struct lc_err *err)
{
    struct lc_spool_list sets = {NULL, 0};

    if (targets_not_ready(opts, err) < 0 || lc_spool_list(cfg->backup.spool_dir, &sets, err) < 0)
        return -1;
    lc_spool_print(&sets, cfg->backup.spool_dir, opts->cli.json, stdout);
    lc_spool_list_done(&sets);
    return 0;
}

int backup_apply_retention(const struct lc_config *cfg, int dry_run, FILE *report,
                           size_t *out_doomed, struct lc_err *err)
{
    struct lc_retention_cfg retention = lc_config_target_retention(cfg, NULL);
    struct lc_spool_list sets = {NULL, 0};
    struct lc_retention_item *items = NULL;
    size_t doomed = 0;
    int rc = -1;

    if (lc_spool_list(cfg->backup.spool_dir, &sets, err) < 0)
        return -1;
    items = lc_xcalloc(sets.len, sizeof(*items));
    for (size_t idx = 0; idx < sets.len; idx++) {
        items[idx].name = sets.items[idx].name;
        items[idx].when = sets.items[idx].id.when;
        items[idx].verified = sets.items[idx].has_sidecar;
    }
    lc_retention_plan(items, sets.len, &retention, time(NULL));
    for (size_t idx = 0; idx < sets.len; idx++) {
        doomed += !items[idx].keep;
        if (report)
            fprintf(report, "%-12s %s  (%s)\n",
                    items[idx].keep ? "keep" : dry_run ? "would remove" : "remove",
                    sets.items[idx].name, items[idx].reason);
    }
    for (size_t idx = 0; !dry_run && idx < sets.len; idx++) {
        if (items[idx].keep)
            continue;
        if (lc_spool_remove_set(cfg->backup.spool_dir, sets.items[idx].name, err) < 0)
            goto out;
        lc_log_info("retention: removed '%s' (%s)", sets.items[idx].name, items[idx].reason);
    }
    if (out_doomed)
        *out_doomed = doomed;
    rc = 0;
out:
    if (report)
        fflush(report);
    free(items);
    lc_spool_list_done(&sets);
    return rc;
}

int backup_prune(const struct lc_config *cfg, const struct backup_opts *opts, struct lc_err *err)
{
    struct lc_lock lock = LC_LOCK_INIT;
    size_t doomed = 0;
    int rc = -1;

    if (targets_not_ready(opts, err) < 0)
        return -1;
    /* A run in progress may be writing the set that retention counts on: do not race it. */
    if (!opts->dry_run && lc_lock_take(&lock, cfg->backup.lock_dir, BACKUP_LOCK_NAME, err) < 0)
        return -1;
    if (backup_apply_retention(cfg, opts->dry_run, stdout, &doomed, err) < 0)
        goto out;
    if (!opts->dry_run)
        lc_log_info("lcbp3-backup prune end: removed %zu sets", doomed);
    /* --dry-run: 1 tells a script that there is something to remove. */
    rc = opts->dry_run && doomed > 0 ? 1 : 0;
out:
    lc_lock_release(&lock);
    return rc;
}
