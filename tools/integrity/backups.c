/*
 * lcbp3-integrity backups: on the spool and on every target, the newest complete set
 * is younger than [integrity] max_backup_age; every set is complete (its sidecar is
 * there); and the spool and each target agree both ways: a set the spool records as
 * shipped is complete on the target with the same size, and every file on the target
 * belongs to a complete set (a stray file, an orphaned sidecar, an upload abandoned
 * more than a day ago are reported). With --deep, backups_deep.c re-reads the sets.
 * With binlog archiving on, backups_binlog*.c check each place's binlog archive too.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/buf.h"
#include "common/mem.h"
#include "common/metrics.h"
#include "common/set_name.h"
#include "common/ship.h"
#include "common/units.h"
#include "tools/integrity/backups.h"

#define SIDECAR_SUFFIX ".sha256"
#define ABANDONED_AFTER (24 * 3600)  /* an upload older than this is not in progress */
#define LISTED_NAMES 5               /* names quoted in one detail line */

/* "label.what" for a check id (a new string). */
static char *check_id(const struct ic_place *p, const char *what)
{
    return lc_xasprintf("%s.%s", p->label, what);
}

static const char *place_name(const struct ic_place *p)
{
    return p->target ? p->target->cfg->name : "spool";
}

/* Appends a name to a detail list, or counts it past LISTED_NAMES. */
static void list_name(struct lc_buf *b, size_t *count, const char *name)
{
    if (*count < LISTED_NAMES)
        lc_buf_printf(b, "%s'%s'", *count ? ", " : "", name);
    else if (*count == LISTED_NAMES)
        lc_buf_puts(b, ", ...");
    (*count)++;
}

/* ---- freshness ----------------------------------------------------------------------- */

static void check_newest(const struct lc_config *cfg, const struct ic_place *p, struct ic_report *r)
{
    const struct lc_spool_set *newest = NULL;
    char *id = check_id(p, "newest");
    char *labels = lc_metrics_labels("target", place_name(p), NULL);
    char threshold[64], age[64], max[32];
    size_t complete = 0;

    for (size_t idx = 0; idx < p->sets.len; idx++) {
        if (p->target && !p->sets.items[idx].has_sidecar)
            continue;
        if (!newest)
            newest = &p->sets.items[idx];
        complete++;
    }
    lc_metrics_gauge(ic_report_metrics(r), "lcbp3_backup_sets", "complete backup sets", labels,
                     (double)complete);
    lc_format_duration(cfg->integrity.max_backup_age_ms, max, sizeof(max));
    snprintf(threshold, sizeof(threshold), "younger than %s", max);
    if (!newest) {
        char *detail = lc_xasprintf("no complete set on %s", p->target ? "the target" : "the spool");

        ic_report_addf(r, id, IC_CRITICAL, threshold, detail,
                       "run 'lcbp3-backup run' now and check why the scheduled backup did not "
                       "(journalctl -u lcbp3-backup, or the cron mail)", NULL, "none");
        free(detail);
    } else {
        int64_t age_ms = ((int64_t)time(NULL) - (int64_t)newest->id.when) * 1000;
        char *detail = lc_xasprintf("newest: %s", newest->name);
        int old = age_ms > cfg->integrity.max_backup_age_ms;

        if (age_ms < 1000)
            snprintf(age, sizeof(age), "0s");   /* names have whole seconds, so has the age */
        else
            lc_format_duration(age_ms, age, sizeof(age));
        lc_metrics_gauge(ic_report_metrics(r), "lcbp3_backup_age_seconds",
                         "age of the newest complete set", labels, (double)age_ms / 1000.0);
        ic_report_addf(r, id, old ? IC_CRITICAL : IC_OK, threshold, detail,
                       !old ? NULL
                       : p->target ? "ship the waiting sets: 'lcbp3-backup ship'; if it fails, "
                                     "'lcbp3-integrity health' shows whether the target is up"
                                   : "run 'lcbp3-backup run' now and check why the scheduled "
                                     "backup did not (journalctl -u lcbp3-backup, or the cron mail)",
                       NULL, "%s", age);
        free(detail);
    }
    free(labels);
    free(id);
}

/* ---- completeness -------------------------------------------------------------------- */

/* The spool: every set has its sidecar (lc_spool_list leaves out *.partial files). */
static void check_spool_complete(const struct ic_place *p, struct ic_report *r)
{
    struct lc_buf names = LC_BUF_INIT;
    char *id = check_id(p, "complete");
    size_t missing = 0;

    for (size_t idx = 0; idx < p->sets.len; idx++)
        if (!p->sets.items[idx].has_sidecar)
            list_name(&names, &missing, p->sets.items[idx].name);
    if (missing) {
        char *detail = lc_xasprintf("without a .sha256 sidecar: %s", names.data);

        ic_report_addf(r, id, IC_CRITICAL, "every set has its sidecar", detail,
                       "a set without its sidecar cannot be checked with sha256sum nor shipped; "
                       "verify it with 'lcbp3-integrity backups --deep' and make a new set with "
                       "'lcbp3-backup run'", NULL, "%zu of %zu sets", missing, p->sets.len);
        free(detail);
    } else {
        ic_report_addf(r, id, IC_OK, "every set has its sidecar", NULL, NULL, NULL, "%zu set%s",
                       p->sets.len, p->sets.len == 1 ? "" : "s");
    }
    lc_buf_done(&names);
    free(id);
}

/* Whether `name` is "<a listed set>.sha256". */
static int is_sidecar_of_listed(const struct ic_place *p, const char *name)
{
    size_t len = strlen(name), suffix = strlen(SIDECAR_SUFFIX);

    if (len <= suffix || strcmp(name + len - suffix, SIDECAR_SUFFIX) != 0)
        return 0;
    for (size_t idx = 0; idx < p->sets.len; idx++)
        if (strlen(p->sets.items[idx].name) == len - suffix &&
            strncmp(p->sets.items[idx].name, name, len - suffix) == 0)
            return 1;
    return 0;
}

struct target_findings {
    struct lc_buf incomplete, strays, abandoned;
    size_t n_incomplete, n_strays, n_abandoned, n_in_progress;
};

/* Sorts every object of a target's listing into what it is. */
static void classify_objects(const struct ic_place *p, const struct lc_target_objects *objects,
                             struct target_findings *f)
{
    time_t now = time(NULL);

    for (size_t idx = 0; idx < objects->len; idx++) {
        const struct lc_target_object *o = &objects->items[idx];
        struct lc_set_id id;
        int recent = o->mtime == 0 || now - o->mtime < ABANDONED_AFTER;

        if (lc_target_is_temp(o->name)) {
            if (recent)
                f->n_in_progress++;
            else
                list_name(&f->abandoned, &f->n_abandoned, o->name);
        } else if (lc_set_name_parse(o->name, &id) == 0) {
            continue;   /* a set: complete or not is decided below */
        } else if (!is_sidecar_of_listed(p, o->name)) {
            list_name(&f->strays, &f->n_strays, o->name);
        }
    }
    for (size_t idx = 0; idx < p->sets.len; idx++) {
        const struct lc_spool_set *s = &p->sets.items[idx];

        if (s->has_sidecar)
            continue;
        if (now - s->id.when < ABANDONED_AFTER)
            f->n_in_progress++;   /* being verified before its sidecar goes up */
        else
            list_name(&f->incomplete, &f->n_incomplete, s->name);
    }
}

/* A target: complete sets only, no stray file, no abandoned upload. */
static void check_target_complete(const struct ic_place *p, struct ic_report *r)
{
    struct target_findings f = {LC_BUF_INIT, LC_BUF_INIT, LC_BUF_INIT, 0, 0, 0, 0};
    struct lc_target_objects objects = {NULL, 0};
    struct lc_err err = LC_ERR_INIT;
    char *id = check_id(p, "complete");
    char *stray_id = check_id(p, "strays");

    if (lc_target_list(p->target, "", &objects, &err) < 0) {
        ic_report_unknown(r, id, &err, "check the target with 'lcbp3-integrity health'");
        goto out;
    }
    classify_objects(p, &objects, &f);
    if (f.n_incomplete) {
        char *detail = lc_xasprintf("sets without their sidecar for more than a day (interrupted "
                                    "shipments): %s", f.incomplete.data);

        ic_report_addf(r, id, IC_CRITICAL, "every set has its sidecar", detail,
                       "'lcbp3-backup ship' ships them again while the spool holds them; "
                       "otherwise 'lcbp3-backup prune' leaves them alone: remove them by hand",
                       NULL, "%zu incomplete", f.n_incomplete);
        free(detail);
    } else {
        char *note = f.n_in_progress ? lc_xasprintf("%zu upload(s) in progress", f.n_in_progress)
                                     : NULL;

        ic_report_addf(r, id, IC_OK, "every set has its sidecar", note, NULL, NULL, "%zu set%s",
                       p->sets.len, p->sets.len == 1 ? "" : "s");
        free(note);
    }
    if (f.n_strays || f.n_abandoned) {
        struct lc_buf detail = LC_BUF_INIT;
        char *action = f.n_strays ? lc_xstrdup("only lcbp3-backup should write here: find out "
                                               "who put the file(s) there, then move them away")
                                  : lc_xasprintf("'lcbp3-backup prune --target %s' removes "
                                                 "abandoned uploads", place_name(p));

        if (f.n_strays)
            lc_buf_printf(&detail, "not part of a complete set: %s", f.strays.data);
        if (f.n_abandoned)
            lc_buf_printf(&detail, "%suploads abandoned more than a day ago: %s",
                          f.n_strays ? "; " : "", f.abandoned.data);
        ic_report_addf(r, stray_id, f.n_strays ? IC_CRITICAL : IC_WARNING,
                       "only complete sets and their sidecars", detail.data, action, NULL,
                       "%zu stray, %zu abandoned", f.n_strays, f.n_abandoned);
        free(action);
        lc_buf_done(&detail);
    } else {
        ic_report_addf(r, stray_id, IC_OK, "only complete sets and their sidecars", NULL, NULL,
                       NULL, "none");
    }
out:
    lc_target_objects_done(&objects);
    lc_buf_done(&f.incomplete);
    lc_buf_done(&f.strays);
    lc_buf_done(&f.abandoned);
    free(stray_id);
    free(id);
}

/* ---- the spool against a target ------------------------------------------------------ */

static const struct lc_spool_set *find_set(const struct ic_place *p, const char *name)
{
    for (size_t idx = 0; idx < p->sets.len; idx++)
        if (strcmp(p->sets.items[idx].name, name) == 0)
            return &p->sets.items[idx];
    return NULL;
}

/* Every set the spool records as shipped to this target is complete there, and every
 * set on both has the same size. */
static void check_shipped(const struct lc_config *cfg, const struct ic_place *spool,
                          const struct ic_place *p, struct ic_report *r)
{
    struct lc_buf missing = LC_BUF_INIT, resized = LC_BUF_INIT;
    char *id = check_id(p, "shipped");
    size_t n_missing = 0, n_resized = 0, n_marked = 0;

    for (size_t idx = 0; idx < spool->sets.len; idx++) {
        const struct lc_spool_set *s = &spool->sets.items[idx];
        const struct lc_spool_set *there = find_set(p, s->name);

        if (there && there->has_sidecar && there->size != s->size)
            list_name(&resized, &n_resized, s->name);
        if (!lc_ship_is_marked(cfg->backup.spool_dir, s->name, p->target->cfg->name))
            continue;
        n_marked++;
        if (!there || !there->has_sidecar)
            list_name(&missing, &n_missing, s->name);
    }
    if (n_missing || n_resized) {
        struct lc_buf detail = LC_BUF_INIT;
        char *action = lc_xasprintf("'lcbp3-backup verify --target %s' drops the record of a "
                                    "bad copy, then 'lcbp3-backup ship --target %s' uploads it "
                                    "again", place_name(p), place_name(p));

        if (n_missing)
            lc_buf_printf(&detail, "recorded as shipped but not complete on the target: %s",
                          missing.data);
        if (n_resized)
            lc_buf_printf(&detail, "%snot the spool's size on the target: %s",
                          n_missing ? "; " : "", resized.data);
        ic_report_addf(r, id, IC_CRITICAL, "the spool's shipped sets are there, same size",
                       detail.data, action, NULL, "%zu missing, %zu resized", n_missing, n_resized);
        free(action);
        lc_buf_done(&detail);
    } else {
        ic_report_addf(r, id, IC_OK, "the spool's shipped sets are there, same size", NULL, NULL,
                       NULL, "%zu of %zu", n_marked, n_marked);
    }
    lc_buf_done(&missing);
    lc_buf_done(&resized);
    free(id);
}

/* ---- the places ---------------------------------------------------------------------- */

/* Lists a place's sets; a failure is an UNKNOWN result and the place is skipped. */
static void list_place(const struct lc_config *cfg, struct ic_place *p,
                       const struct lc_target_cfg *tcfg, struct ic_report *r)
{
    struct lc_err err = LC_ERR_INIT;
    char *id = check_id(p, "listed");
    int rc;

    if (!tcfg)
        rc = lc_spool_list(cfg->backup.spool_dir, &p->sets, &err);
    else if ((rc = lc_target_open(tcfg, &p->target, &err)) == 0) {
        lc_target_no_retries(p->target);   /* a check answers promptly; cron runs it again */
        rc = lc_target_list_sets(p->target, &p->sets, NULL, &err);
    }
    if (rc < 0)
        ic_report_unknown(r, id, &err, tcfg ? "check the target with 'lcbp3-integrity health' "
                                              "and its [target.NAME] keys"
                                            : "check [backup] spool_dir");
    p->listed = rc == 0;
    free(id);
}

/* The places: the spool (unless disabled; with --target it is listed for the cross-check
 * only) and the targets (or the one named). */
static size_t collect_places(const struct lc_config *cfg, const struct ic_opts *opts,
                             struct ic_place *places, struct ic_report *r)
{
    size_t n = 0;

    if (cfg->backup.spool_dir && cfg->backup.spool_dir[0]) {
        places[n].label = lc_xstrdup("spool");
        list_place(cfg, &places[n++], NULL, r);
    }
    for (size_t idx = 0; idx < cfg->n_targets; idx++) {
        const struct lc_target_cfg *t = &cfg->targets[idx];

        if (opts->target && strcmp(opts->target, t->name) != 0)
            continue;
        places[n].label = lc_xasprintf("target.%s", t->name);
        places[n].target = NULL;
        list_place(cfg, &places[n++], t, r);
    }
    return n;
}

void ic_check_backups(const struct lc_config *cfg, const struct ic_opts *opts, struct ic_report *r)
{
    struct ic_place *places = lc_xcalloc(cfg->n_targets + 1, sizeof(*places));
    const struct ic_place *spool = NULL;
    size_t n;

    ic_report_group(r, "backups");
    n = collect_places(cfg, opts, places, r);
    if (n > 0 && !places[0].target && places[0].listed)
        spool = &places[0];
    for (size_t idx = 0; idx < n; idx++) {
        struct ic_place *p = &places[idx];

        if (!p->listed || (!p->target && opts->target))
            continue;
        check_newest(cfg, p, r);
        if (!p->target) {
            check_spool_complete(p, r);
            continue;
        }
        check_target_complete(p, r);
        if (spool)
            check_shipped(cfg, spool, p, r);
    }
    if (cfg->backup.binlog_client_id)
        ic_backups_binlog(cfg, opts, places, n, r);
    if (opts->deep) {
        struct timespec t0;
        int64_t left = opts->budget_ms;

        clock_gettime(CLOCK_MONOTONIC, &t0);
        ic_backups_deep(cfg, opts, places, n, r);
        /* the segments get what the sets left of the budget */
        if (left >= 0) {
            left -= (int64_t)(lc_seconds_since(&t0) * 1000.0);
            if (left < 0)
                left = 0;
        }
        if (cfg->backup.binlog_client_id)
            ic_backups_binlog_deep(cfg, opts, places, n, left, r);
    }
    for (size_t idx = 0; idx < n; idx++) {
        ic_binlog_place_done(&places[idx]);
        lc_target_free(places[idx].target);
        lc_spool_list_done(&places[idx].sets);
        free(places[idx].label);
    }
    free(places);
}
