/*
 * `lcbp3-backup list` and `lcbp3-backup prune`: the sets in the spool or on a target,
 * and retention, which says for every set why it is kept or removed. In the spool a
 * set not yet shipped to every target is kept whatever its age; on a target only
 * complete sets (with their sidecar) are counted and removed, incomplete ones are left
 * for shipping to complete, and leftovers of interrupted uploads older than a day go.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/lock.h"
#include "common/log.h"
#include "common/mem.h"
#include "common/retention.h"
#include "common/ship.h"
#include "common/spool.h"
#include "tools/backup/backup.h"

/* Interrupted uploads younger than this may still be running (another host's ship). */
#define TEMP_MAX_AGE (24 * 3600)

int backup_list(const struct lc_config *cfg, const struct backup_opts *opts, struct lc_err *err)
{
    return lc_sets_print(cfg, opts->target, opts->cli.json, stdout, err);
}

/* The targets a spool set still has to reach, as "'a', 'b'" (new string), or NULL. */
static char *unshipped_to(const struct lc_config *cfg, const char *set_name)
{
    char *list = NULL;

    for (size_t idx = 0; idx < cfg->n_targets; idx++) {
        const char *name = cfg->targets[idx].name;
        char *longer;

        if (lc_ship_is_marked(cfg->backup.spool_dir, set_name, name))
            continue;
        longer = lc_xasprintf("%s%s'%s'", list ? list : "", list ? ", " : "", name);
        free(list);
        list = longer;
    }
    return list;
}

/*
 * Plans and (unless dry_run) applies retention to `sets`, in the spool when t is NULL,
 * else on t. Reports each verdict to `report` when given.
 */
static int apply_retention(const struct lc_config *cfg, struct lc_target *t,
                           const struct lc_spool_list *sets, int dry_run, FILE *report,
                           size_t *out_doomed, struct lc_err *err)
{
    struct lc_retention_cfg retention = lc_config_target_retention(cfg, t ? t->cfg : NULL);
    struct lc_retention_item *items = lc_xcalloc(sets->len ? sets->len : 1, sizeof(*items));
    size_t *map = lc_xcalloc(sets->len ? sets->len : 1, sizeof(*map));
    const char *where = t ? t->cfg->name : "spool";
    size_t n = 0, doomed = 0;
    int rc = -1;

    /* on a target, incomplete sets are neither counted nor removed */
    for (size_t idx = 0; idx < sets->len; idx++) {
        if (t && !sets->items[idx].has_sidecar) {
            if (report)
                fprintf(report, "%-12s %s  (incomplete on '%s': shipping completes it)\n", "leave",
                        sets->items[idx].name, where);
            continue;
        }
        items[n].name = sets->items[idx].name;
        items[n].when = sets->items[idx].id.when;
        items[n].verified = sets->items[idx].has_sidecar;
        map[n++] = idx;
    }
    lc_retention_plan(items, n, &retention, time(NULL));
    for (size_t idx = 0; idx < n; idx++) {
        const char *name = sets->items[map[idx]].name;
        char *pending = t || items[idx].keep ? NULL : unshipped_to(cfg, name);

        if (pending) {
            items[idx].keep = 1;
            snprintf(items[idx].reason, sizeof(items[idx].reason), "not yet shipped to %s",
                     pending);
            free(pending);
        }
        doomed += !items[idx].keep;
        if (report)
            fprintf(report, "%-12s %s%s%s  (%s)\n",
                    items[idx].keep ? "keep" : dry_run ? "would remove" : "remove", name,
                    t ? " on " : "", t ? where : "", items[idx].reason);
    }
    for (size_t idx = 0; !dry_run && idx < n; idx++) {
        const char *name = sets->items[map[idx]].name;

        if (items[idx].keep)
            continue;
        if ((t ? lc_target_remove_set(t, name, err)
               : lc_spool_remove_set(cfg->backup.spool_dir, name, err)) < 0)
            goto out;
        lc_log_info("retention: removed '%s' from %s%s (%s)", name, t ? "target " : "the ",
                    where, items[idx].reason);
    }
    if (out_doomed)
        *out_doomed += doomed;
    rc = 0;
out:
    if (report)
        fflush(report);
    free(map);
    free(items);
    return rc;
}

int backup_apply_retention(const struct lc_config *cfg, int dry_run, FILE *report,
                           size_t *out_doomed, struct lc_err *err)
{
    struct lc_spool_list sets = {NULL, 0};
    int rc;

    if (lc_spool_list(cfg->backup.spool_dir, &sets, err) < 0)
        return -1;
    rc = apply_retention(cfg, NULL, &sets, dry_run, report, out_doomed, err);
    lc_spool_list_done(&sets);
    return rc;
}

int backup_apply_target_retention(const struct lc_config *cfg, struct lc_target *t, int dry_run,
                                  FILE *report, size_t *out_doomed, struct lc_err *err)
{
    struct lc_spool_list sets = {NULL, 0};
    struct lc_target_objects temps = {NULL, 0};
    time_t now = time(NULL);
    int rc = -1;

    if (lc_target_list_sets(t, &sets, &temps, err) < 0)
        goto out;
    if (apply_retention(cfg, t, &sets, dry_run, report, out_doomed, err) < 0)
        goto out;
    for (size_t idx = 0; idx < temps.len; idx++) {
        const struct lc_target_object *o = &temps.items[idx];

        if (o->mtime && now - o->mtime < TEMP_MAX_AGE)
            continue;
        if (report)
            fprintf(report, "%-12s %s on %s  (left by an interrupted upload more than a day ago)\n",
                    dry_run ? "would remove" : "remove", o->name, t->cfg->name);
        if (!dry_run) {
            if (lc_target_remove(t, o->name, err) < 0)
                goto out;
            lc_log_info("removed '%s' from target %s, left by an interrupted upload", o->name,
                        t->cfg->name);
        }
        if (out_doomed)
            (*out_doomed)++;
    }
    rc = 0;
out:
    lc_target_objects_done(&temps);
    lc_spool_list_done(&sets);
    return rc;
}

int backup_prune(const struct lc_config *cfg, const struct backup_opts *opts, struct lc_err *err)
{
    struct lc_lock lock = LC_LOCK_INIT;
    size_t doomed = 0;
    int failed = 0;
    int rc = -1;

    if (opts->target && !lc_target_find(cfg, opts->target, err))
        return -1;
    /* A run in progress may be writing the set that retention counts on: do not race it. */
    if (!opts->dry_run && lc_lock_take(&lock, cfg->backup.lock_dir, BACKUP_LOCK_NAME, err) < 0)
        return -1;
    if (!opts->target && backup_apply_retention(cfg, opts->dry_run, stdout, &doomed, err) < 0)
        goto out;
    /* every target (or the one named), each on its own: one that is down does not keep
     * the others from being pruned */
    for (size_t idx = 0; idx < cfg->n_targets; idx++) {
        struct lc_target *t = NULL;
        struct lc_err terr = LC_ERR_INIT;

        if (opts->target && strcmp(opts->target, cfg->targets[idx].name) != 0)
            continue;
        if (lc_target_open(&cfg->targets[idx], &t, &terr) < 0 ||
            backup_apply_target_retention(cfg, t, opts->dry_run, stdout, &doomed, &terr) < 0) {
            if (!failed++)
                *err = terr;
            else
                lc_log_error("prune of target '%s': %s", cfg->targets[idx].name, terr.msg);
        }
        lc_target_free(t);
    }
    if (failed)
        goto out;
    if (!opts->dry_run)
        lc_log_info("lcbp3-backup prune end: removed %zu sets", doomed);
    /* --dry-run: 1 tells a script that there is something to remove. */
    rc = opts->dry_run && doomed > 0 ? 1 : 0;
out:
    lc_lock_release(&lock);
    return rc;
}
