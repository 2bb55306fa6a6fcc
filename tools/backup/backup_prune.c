/*
 * `lcbp3-backup list` and `lcbp3-backup prune`: the sets in the spool or on a target,
 * and retention, which says for every set why it is kept or removed. In the spool a
 * set not yet shipped to every target is kept whatever its age; on a target only
 * complete sets (with their sidecar) are counted and removed, incomplete ones are left
 * for shipping to complete, and leftovers of interrupted uploads older than a day go.
 *
 * When binlog archiving is on ([backup] binlog_client_id), the binlog segments of each
 * place follow its sets: once set retention has decided which sets stay, the segments
 * older than every staying set's snapshot position go (common/binlog_retention.h); in
 * the spool, a segment not yet shipped to every target stays.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/binlog_archive.h"
#include "common/binlog_retention.h"
#include "common/binlog_sets.h"
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

/* The targets a spool set (or binlog segment, by its path in the spool) still has to
 * reach, as "'a', 'b'" (new string), or NULL. */
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

/* What a prune removed (or would remove). */
struct prune_counts {
    size_t sets;
    size_t segments;
};

/* ---- binlog segments ----------------------------------------------------------------- */

/* The spool's gen directory: removes "<name>.sha256", "<name>", then its other files
 * ("<name>.shipped-<target>"). */
static int spool_remove_segment(const char *spool_dir, const char *rel_dir, const char *name,
                                struct lc_err *err)
{
    char *dir = lc_xasprintf("%s/%s", spool_dir, rel_dir);
    char *sidecar = lc_xasprintf("%s/%s.sha256", dir, name);
    char *path = lc_xasprintf("%s/%s", dir, name);
    size_t len = strlen(name);
    DIR *d = NULL;
    struct dirent *de;
    int rc = -1;

    if (unlink(sidecar) < 0 && errno != ENOENT) {
        lc_err_sys(err, LC_E_IO, "cannot remove '%s'", sidecar);
        goto out;
    }
    if (unlink(path) < 0 && errno != ENOENT) {
        lc_err_sys(err, LC_E_IO, "cannot remove '%s'", path);
        goto out;
    }
    if ((d = opendir(dir)) == NULL) {
        lc_err_sys(err, LC_E_IO, "cannot list '%s'", dir);
        goto out;
    }
    while ((de = readdir(d)) != NULL) {
        char *mark;

        if (strncmp(de->d_name, name, len) != 0 ||
            strncmp(de->d_name + len, LC_SPOOL_SHIPPED_MARK, strlen(LC_SPOOL_SHIPPED_MARK)) != 0)
            continue;
        mark = lc_xasprintf("%s/%s", dir, de->d_name);
        if (unlink(mark) < 0 && errno != ENOENT) {
            lc_err_sys(err, LC_E_IO, "cannot remove '%s'", mark);
            free(mark);
            goto out;
        }
        free(mark);
    }
    rc = 0;
out:
    if (d)
        closedir(d);
    free(path);
    free(sidecar);
    free(dir);
    return rc;
}

/* A target: the sidecar first (so the segment no longer counts as closed), the
 * segment, then its ".open-<size>" copies. */
static int target_remove_segment(struct lc_target *t, const char *rel_dir, const char *name,
                                 struct lc_err *err)
{
    struct lc_target_objects objs = {NULL, 0};
    char *obj = lc_xasprintf("%s/%s", rel_dir, name);
    size_t len = strlen(name);
    int rc = -1;

    if (lc_target_remove_set(t, obj, err) < 0 || lc_target_list(t, rel_dir, &objs, err) < 0)
        goto out;
    for (size_t idx = 0; idx < objs.len; idx++) {
        const char *o = objs.items[idx].name;
        char *copy;

        if (strncmp(o, name, len) != 0 ||
            strncmp(o + len, LC_BINLOG_OPEN_MARK, strlen(LC_BINLOG_OPEN_MARK)) != 0)
            continue;
        copy = lc_xasprintf("%s/%s", rel_dir, o);
        rc = lc_target_remove(t, copy, err);
        free(copy);
        if (rc < 0)
            goto out;
    }
    rc = 0;
out:
    lc_target_objects_done(&objs);
    free(obj);
    return rc;
}

/* The segments of one server id in a place, with what the plan needs. */
struct seg_plan {
    struct lc_binlog_retention_item *items;
    char **dirs;              /* items[i]'s "binlogs/<id>/<gen>" */
    size_t len;
};

static void seg_plan_done(struct seg_plan *p)
{
    for (size_t idx = 0; idx < p->len; idx++) {
        free((char *)p->items[idx].name);
        free((char *)p->items[idx].unshipped_to);
        free(p->dirs[idx]);
    }
    free(p->items);
    free(p->dirs);
}

static int seg_plan_list(const struct lc_config *cfg, struct lc_target *t, uint32_t server_id,
                         struct seg_plan *p, struct lc_err *err)
{
    unsigned *gens = NULL;
    size_t n_gens = 0;
    int rc = -1;

    memset(p, 0, sizeof(*p));
    if (lc_binlog_generations(cfg->backup.spool_dir, t, server_id, &gens, &n_gens, err) < 0)
        return -1;
    for (size_t g = 0; g < n_gens; g++) {
        struct lc_binlog_segments segs;

        if (lc_binlog_segments_list(t ? NULL : cfg->backup.spool_dir, t, server_id, gens[g],
                                    &segs, err) < 0)
            goto out;
        p->items = lc_xrealloc(p->items, (p->len + segs.len + 1) * sizeof(*p->items));
        p->dirs = lc_xrealloc(p->dirs, (p->len + segs.len + 1) * sizeof(*p->dirs));
        for (size_t idx = 0; idx < segs.len; idx++) {
            struct lc_binlog_retention_item *it = &p->items[p->len];
            char *object;

            memset(it, 0, sizeof(*it));
            it->generation = gens[g];
            it->name = segs.items[idx].name;
            segs.items[idx].name = NULL;
            p->dirs[p->len] = lc_binlog_gen_dir(server_id, gens[g]);
            p->len++;
            if (t)
                continue;
            object = lc_xasprintf("%s/%s", p->dirs[p->len - 1], it->name);
            it->unshipped_to = unshipped_to(cfg, object);
            free(object);
        }
        lc_binlog_segments_done(&segs);
    }
    rc = 0;
out:
    if (rc < 0)
        seg_plan_done(p);
    free(gens);
    return rc;
}

/*
 * Binlog retention of one place (the spool when t is NULL) once set retention kept
 * `kept`: each server id's segments go through lc_binlog_retention_plan() with the
 * positions of the kept sets of that server id (and every kept set whose position is
 * unknown, which keeps everything). Verdicts go to `report`, removals to the log.
 */
static int apply_binlog_retention(const struct lc_config *cfg, struct lc_target *t,
                                  const char *const *kept, size_t n_kept, int dry_run,
                                  FILE *report, struct prune_counts *counts, struct lc_err *err)
{
    const char *where = t ? t->cfg->name : "spool";
    struct lc_set_binlogs *positions;
    struct lc_set_binlog *pos;
    struct lc_binlog_need *needs;
    uint32_t *ids = NULL;
    size_t n_ids = 0;
    int rc = -1;

    if (!cfg->backup.binlog_client_id || !cfg->backup.spool_dir || !cfg->backup.spool_dir[0])
        return 0;
    positions = lc_set_binlogs_open(cfg);
    pos = lc_xcalloc(n_kept + 1, sizeof(*pos));
    needs = lc_xcalloc(n_kept + 1, sizeof(*needs));
    if (lc_binlog_server_ids(cfg->backup.spool_dir, &ids, &n_ids, err) < 0)
        goto out;
    for (size_t idx = 0; idx < n_kept; idx++) {
        size_t have = 0;

        lc_set_binlogs_get(positions, kept[idx], &pos[idx]);
        if (!pos[idx].known || pos[idx].server_id == 0)
            continue;
        while (have < n_ids && ids[have] != pos[idx].server_id)
            have++;
        if (have == n_ids) {
            ids = lc_xrealloc(ids, (n_ids + 1) * sizeof(*ids));
            ids[n_ids++] = pos[idx].server_id;
        }
    }
    for (size_t i = 0; i < n_ids; i++) {
        struct seg_plan plan;
        size_t n_needs = 0;

        for (size_t idx = 0; idx < n_kept; idx++) {
            if (pos[idx].known && pos[idx].server_id != ids[i])
                continue;
            needs[n_needs].set = kept[idx];
            needs[n_needs].known = pos[idx].known;
            needs[n_needs].generation = pos[idx].generation;
            needs[n_needs++].file = pos[idx].file;
        }
        if (seg_plan_list(cfg, t, ids[i], &plan, err) < 0)
            goto out;
        lc_binlog_retention_plan(plan.items, plan.len, needs, n_needs);
        for (size_t idx = 0; idx < plan.len; idx++) {
            const struct lc_binlog_retention_item *it = &plan.items[idx];

            if (report)
                fprintf(report, "%-12s %s/%s%s%s  (%s)\n",
                        it->keep ? "keep" : dry_run ? "would remove" : "remove", plan.dirs[idx],
                        it->name, t ? " on " : "", t ? where : "", it->reason);
            if (it->keep)
                continue;
            counts->segments++;
            if (dry_run)
                continue;
            if ((t ? target_remove_segment(t, plan.dirs[idx], it->name, err)
                   : spool_remove_segment(cfg->backup.spool_dir, plan.dirs[idx], it->name,
                                          err)) < 0) {
                seg_plan_done(&plan);
                goto out;
            }
            lc_log_info("retention: removed binlog segment '%s/%s' from %s%s (%s)",
                        plan.dirs[idx], it->name, t ? "target " : "the ", where, it->reason);
        }
        seg_plan_done(&plan);
    }
    rc = 0;
out:
    for (size_t idx = 0; idx < n_kept; idx++)
        lc_set_binlog_done(&pos[idx]);
    free(pos);
    free(needs);
    free(ids);
    lc_set_binlogs_close(positions);
    return rc;
}

/* ---- sets ---------------------------------------------------------------------------- */

/*
 * Plans and (unless dry_run) applies retention to `sets`, in the spool when t is NULL,
 * else on t, then to the place's binlog segments. Reports each verdict to `report` when
 * given.
 */
static int apply_retention(const struct lc_config *cfg, struct lc_target *t,
                           const struct lc_spool_list *sets, int dry_run, FILE *report,
                           struct prune_counts *counts, struct lc_err *err)
{
    struct lc_retention_cfg retention = lc_config_target_retention(cfg, t ? t->cfg : NULL);
    struct lc_retention_item *items = lc_xcalloc(sets->len ? sets->len : 1, sizeof(*items));
    size_t *map = lc_xcalloc(sets->len ? sets->len : 1, sizeof(*map));
    const char **kept = lc_xcalloc(sets->len ? sets->len : 1, sizeof(*kept));
    const char *where = t ? t->cfg->name : "spool";
    size_t n = 0, n_kept = 0;
    int rc = -1;

    /* on a target, incomplete sets are neither counted nor removed */
    for (size_t idx = 0; idx < sets->len; idx++) {
        if (t && !sets->items[idx].has_sidecar) {
            if (report)
                fprintf(report, "%-12s %s  (incomplete on '%s': shipping completes it)\n", "leave",
                        sets->items[idx].name, where);
            /* being shipped: it will need its binlog segments */
            kept[n_kept++] = sets->items[idx].name;
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
        if (items[idx].keep)
            kept[n_kept++] = name;
        else
            counts->sets++;
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
    if (apply_binlog_retention(cfg, t, kept, n_kept, dry_run, report, counts, err) < 0) {
        lc_err_prefix(err, "binlog retention on %s%s", t ? "target " : "the ", where);
        goto out;
    }
    rc = 0;
out:
    if (report)
        fflush(report);
    free(kept);
    free(map);
    free(items);
    return rc;
}

static int spool_retention(const struct lc_config *cfg, int dry_run, FILE *report,
                           struct prune_counts *counts, struct lc_err *err)
{
    struct lc_spool_list sets = {NULL, 0};
    int rc;

    if (lc_spool_list(cfg->backup.spool_dir, &sets, err) < 0)
        return -1;
    rc = apply_retention(cfg, NULL, &sets, dry_run, report, counts, err);
    lc_spool_list_done(&sets);
    return rc;
}

int backup_apply_retention(const struct lc_config *cfg, int dry_run, FILE *report,
                           size_t *out_doomed, struct lc_err *err)
{
    struct prune_counts counts = {0, 0};
    int rc = spool_retention(cfg, dry_run, report, &counts, err);

    if (out_doomed)
        *out_doomed += counts.sets + counts.segments;
    return rc;
}

static int target_retention(const struct lc_config *cfg, struct lc_target *t, int dry_run,
                            FILE *report, struct prune_counts *counts, struct lc_err *err)
{
    struct lc_spool_list sets = {NULL, 0};
    struct lc_target_objects temps = {NULL, 0};
    time_t now = time(NULL);
    int rc = -1;

    if (lc_target_list_sets(t, &sets, &temps, err) < 0)
        goto out;
    if (apply_retention(cfg, t, &sets, dry_run, report, counts, err) < 0)
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
        counts->sets++;
    }
    rc = 0;
out:
    lc_target_objects_done(&temps);
    lc_spool_list_done(&sets);
    return rc;
}

int backup_apply_target_retention(const struct lc_config *cfg, struct lc_target *t, int dry_run,
                                  FILE *report, size_t *out_doomed, struct lc_err *err)
{
    struct prune_counts counts = {0, 0};
    int rc = target_retention(cfg, t, dry_run, report, &counts, err);

    if (out_doomed)
        *out_doomed += counts.sets + counts.segments;
    return rc;
}

int backup_prune(const struct lc_config *cfg, const struct backup_opts *opts, struct lc_err *err)
{
    struct lc_lock lock = LC_LOCK_INIT;
    struct prune_counts counts = {0, 0};
    int failed = 0;
    int rc = -1;

    if (opts->target && !lc_target_find(cfg, opts->target, err))
        return -1;
    /* A run in progress may be writing the set that retention counts on: do not race it. */
    if (!opts->dry_run && lc_lock_take(&lock, cfg->backup.lock_dir, BACKUP_LOCK_NAME, err) < 0)
        return -1;
    if (!opts->target && spool_retention(cfg, opts->dry_run, stdout, &counts, err) < 0)
        goto out;
    /* every target (or the one named), each on its own: one that is down does not keep
     * the others from being pruned */
    for (size_t idx = 0; idx < cfg->n_targets; idx++) {
        struct lc_target *t = NULL;
        struct lc_err terr = LC_ERR_INIT;

        if (opts->target && strcmp(opts->target, cfg->targets[idx].name) != 0)
            continue;
        if (lc_target_open(&cfg->targets[idx], &t, &terr) < 0 ||
            target_retention(cfg, t, opts->dry_run, stdout, &counts, &terr) < 0) {
            if (!failed++)
                *err = terr;
            else
                lc_log_error("prune of target '%s': %s", cfg->targets[idx].name, terr.msg);
        }
        lc_target_free(t);
    }
    if (failed)
        goto out;
    if (!opts->dry_run && cfg->backup.binlog_client_id)
        lc_log_info("lcbp3-backup prune end: removed %zu sets, %zu binlog segments", counts.sets,
                    counts.segments);
    else if (!opts->dry_run)
        lc_log_info("lcbp3-backup prune end: removed %zu sets", counts.sets);
    /* --dry-run: 1 tells a script that there is something to remove. */
    rc = opts->dry_run && counts.sets + counts.segments > 0 ? 1 : 0;
out:
    lc_lock_release(&lock);
    return rc;
}
