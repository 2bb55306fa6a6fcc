/*
 * lcbp3-integrity backups --deep: every listed set re-read in full, least recently
 * verified first, so that a --budget that stops early still gets round every set in
 * turn. A spool set is checked by lc_set_verify_deep() (sidecar, every member's
 * SHA-256, every gzip member inflated to its end) and its "<set>.verified" marker
 * renewed. A set on a target is read back whole and its SHA-256 compared with its
 * sidecar there and with the spool's sidecar: the same bytes as a spool copy that is
 * itself verified member by member. When the spool has no copy, the set is fetched
 * into the work directory and verified member by member there. When each target set
 * was last verified is kept in a state file next to the spool.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "common/buf.h"
#include "common/fs.h"
#include "common/log.h"
#include "common/mem.h"
#include "common/set_verify.h"
#include "common/ship.h"
#include "common/signals.h"
#include "common/units.h"
#include "tools/integrity/backups.h"

#define STATE_FILE ".lcbp3-integrity-verified.json"

struct deep_item {
    struct ic_place *place;
    const struct lc_spool_set *set;
    time_t last;                  /* last deep verification, 0 never */
    enum { PENDING, VERIFIED, CORRUPT, FAILED } outcome;
    struct lc_err err;            /* CORRUPT, FAILED: why */
};

/* ---- the state file ------------------------------------------------------------------ */

static char *state_path(const struct lc_config *cfg)
{
    const char *dir = lc_config_work_dir(cfg);

    return dir && dir[0] ? lc_xasprintf("%s/" STATE_FILE, dir) : NULL;
}

/* The state: {"target.NAME/<set>": <unix time>, ...}; a missing or unreadable file is
 * an empty state (everything is then due). */
static json_object *state_load(const char *path)
{
    json_object *state = path ? json_object_from_file(path) : NULL;

    if (state && !json_object_is_type(state, json_type_object)) {
        json_object_put(state);
        state = NULL;
    }
    if (!state && path && access(path, F_OK) == 0)
        lc_log_warn("'%s' is not a JSON object: starting the deep-verification record afresh",
                    path);
    return state ? state : json_object_new_object();
}

static void state_save(const char *path, json_object *state)
{
    struct lc_err err = LC_ERR_INIT;
    const char *text;

    if (!path)
        return;
    text = json_object_to_json_string_ext(state, JSON_C_TO_STRING_PLAIN);
    if (lc_fs_write_atomic(path, text, strlen(text), 0600, &err) < 0)
        lc_log_warn("the deep-verification record was not saved: %s", err.msg);
}

static char *state_key(const struct deep_item *item)
{
    return lc_xasprintf("%s/%s", item->place->label, item->set->name);
}

/* ---- verifying one set --------------------------------------------------------------- */

static const struct lc_spool_set *spool_copy(struct ic_place *places, size_t n, const char *name)
{
    if (n == 0 || places[0].target || !places[0].listed)
        return NULL;
    for (size_t idx = 0; idx < places[0].sets.len; idx++) {
        const struct lc_spool_set *s = &places[0].sets.items[idx];

        if (strcmp(s->name, name) == 0 && s->has_sidecar)
            return s;
    }
    return NULL;
}

/* A target's set without a spool copy: fetched into the work directory, verified member
 * by member there, removed. */
static int verify_fetched(const struct lc_config *cfg, struct deep_item *item,
                          struct lc_progress *progress, struct lc_err *err)
{
    char *dir = lc_xasprintf("%s/.work-integrity-%ld", lc_config_work_dir(cfg), (long)getpid());
    char *path = lc_xasprintf("%s/%s", dir, item->set->name);
    struct lc_set_verify_stats stats;
    struct lc_err ignored = LC_ERR_INIT;
    int rc = -1;

    if (lc_fs_mkdir_p(dir, 0700, err) == 0 &&
        lc_target_fetch_set(item->place->target, item->set->name, dir, progress, err) == 0)
        rc = lc_set_verify_deep(path, progress, &stats, err);
    if (lc_fs_remove_tree(dir, &ignored) < 0)
        lc_log_warn("%s", ignored.msg);
    free(path);
    free(dir);
    return rc;
}

static int verify_item(const struct lc_config *cfg, struct ic_place *places, size_t n,
                       struct deep_item *item, struct lc_err *err)
{
    struct lc_progress *progress = lc_progress_new(item->set->name, item->set->size);
    struct lc_set_verify_stats stats;
    const struct lc_spool_set *copy;
    char hex[65];
    int rc;

    if (!item->place->target) {
        rc = lc_set_verify_deep(item->set->path, progress, &stats, err);
        if (rc == 0 && lc_spool_mark_verified(item->set->path, err) < 0) {
            lc_log_warn("%s", err->msg);
            lc_err_clear(err);
        }
    } else if ((copy = spool_copy(places, n, item->set->name)) &&
               lc_sidecar_read(copy->path, hex, err) == 0) {
        rc = lc_target_verify_set(item->place->target, item->set->name, copy->size, hex,
                                  LC_VERIFY_FULL, progress, NULL, err);
    } else {
        lc_err_clear(err);
        rc = verify_fetched(cfg, item, progress, err);
    }
    lc_progress_free(progress);
    return rc;
}

/* ---- the order and the results ------------------------------------------------------- */

/* Least recently verified first; among equals, the newest set first. */
static int item_order(const void *a, const void *b)
{
    const struct deep_item *x = a, *y = b;

    if (x->last != y->last)
        return x->last < y->last ? -1 : 1;
    if (x->set->id.when != y->set->id.when)
        return x->set->id.when > y->set->id.when ? -1 : 1;
    return strcmp(x->place->label, y->place->label);
}

static struct deep_item *collect_items(const struct ic_opts *opts, struct ic_place *places,
                                       size_t n, json_object *state, size_t *out_len)
{
    struct deep_item *items = NULL;
    size_t len = 0;

    for (size_t pidx = 0; pidx < n; pidx++) {
        struct ic_place *p = &places[pidx];

        if (!p->listed || (!p->target && opts->target))
            continue;
        for (size_t sidx = 0; sidx < p->sets.len; sidx++) {
            struct deep_item *item;
            json_object *when;
            char *key;

            if (p->target && !p->sets.items[sidx].has_sidecar)
                continue;   /* incomplete: reported by the completeness check */
            items = lc_xrealloc(items, (len + 1) * sizeof(*items));
            item = &items[len++];
            memset(item, 0, sizeof(*item));
            item->place = p;
            item->set = &p->sets.items[sidx];
            item->err = (struct lc_err)LC_ERR_INIT;
            key = state_key(item);
            if (!p->target)
                item->last = item->set->verified_at;
            else if (json_object_object_get_ex(state, key, &when))
                item->last = (time_t)json_object_get_int64(when);
            free(key);
        }
    }
    if (len)
        qsort(items, len, sizeof(*items), item_order);
    *out_len = len;
    return items;
}

/* One result per place: CRITICAL with every corrupt set, else UNKNOWN with every set
 * that could not be read, else OK. */
static void report_place(const struct ic_place *p, const struct deep_item *items, size_t len,
                         struct ic_report *r)
{
    struct lc_buf detail = LC_BUF_INIT;
    size_t verified = 0, corrupt = 0, failed = 0;
    char *id = lc_xasprintf("%s.deep", p->label);
    char *labels = lc_metrics_labels("target", p->target ? p->target->cfg->name : "spool", NULL);
    enum ic_status status = IC_OK;
    char *action = NULL;

    for (size_t idx = 0; idx < len; idx++) {
        const struct deep_item *item = &items[idx];

        if (item->place != p)
            continue;
        verified += item->outcome == VERIFIED;
        if (item->outcome == CORRUPT || item->outcome == FAILED) {
            lc_buf_printf(&detail, "%s%s %s: %s", detail.len ? "; " : "",
                          item->outcome == CORRUPT ? "CORRUPT" : "not checked", item->set->name,
                          item->err.msg);
            corrupt += item->outcome == CORRUPT;
            failed += item->outcome == FAILED;
        }
    }
    lc_metrics_gauge(ic_report_metrics(r), "lcbp3_backup_corrupt_sets",
                     "sets found corrupt by the last deep verification", labels, (double)corrupt);
    if (corrupt) {
        status = IC_CRITICAL;
        action = p->target ? lc_xasprintf("do not restore from the corrupt copies; 'lcbp3-backup "
                                          "verify --target %s' drops their shipped record and "
                                          "'lcbp3-backup ship' uploads the spool's copy again",
                                          p->target->cfg->name)
                           : lc_xstrdup("do not restore from the corrupt sets; keep them for "
                                        "analysis, check the disk (dmesg, SMART) and make a new "
                                        "set with 'lcbp3-backup run'");
    } else if (failed) {
        status = IC_UNKNOWN;
        action = lc_xstrdup("check the target with 'lcbp3-integrity health' and run again");
    }
    ic_report_addf(r, id, status, "every set whole", detail.len ? detail.data : NULL, action,
                   NULL, "%zu verified, %zu corrupt, %zu not checked", verified, corrupt, failed);
    free(action);
    lc_buf_done(&detail);
    free(labels);
    free(id);
}

/* How far the rotation got: sets left for a later run, and whether one of them has gone
 * unverified for too long. */
static void report_coverage(const struct deep_item *items, size_t len, int64_t budget_ms,
                            struct ic_report *r)
{
    time_t stale_before = time(NULL) - (time_t)IC_DEEP_STALE_DAYS * 86400;
    size_t done = 0, left = 0, stale = 0;
    char threshold[64];

    for (size_t idx = 0; idx < len; idx++) {
        const struct deep_item *item = &items[idx];

        if (item->outcome != PENDING) {
            done++;
            continue;
        }
        left++;
        if ((item->last ? item->last : item->set->id.when) < stale_before)
            stale++;
    }
    snprintf(threshold, sizeof(threshold), "every set verified within %d days", IC_DEEP_STALE_DAYS);
    ic_report_addf(r, "deep.coverage", stale ? IC_WARNING : IC_OK, threshold,
                   left ? "the sets verified longest ago come first in the next run" : NULL,
                   stale ? "give --budget more time, or run 'lcbp3-integrity backups --deep' "
                           "without a budget once"
                         : NULL,
                   NULL, "%zu verified this run, %zu not reached%s", done, left,
                   left && budget_ms >= 0 ? " (budget reached)" : "");
}

void ic_backups_deep(const struct lc_config *cfg, const struct ic_opts *opts,
                     struct ic_place *places, size_t n_places, struct ic_report *r)
{
    char *path = state_path(cfg);
    json_object *state = state_load(path);
    struct timespec t0;
    size_t len;
    struct deep_item *items = collect_items(opts, places, n_places, state, &len);

    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (size_t idx = 0; idx < len && !lc_interrupted(); idx++) {
        struct deep_item *item = &items[idx];
        char *key;

        if (opts->budget_ms >= 0 && lc_seconds_since(&t0) * 1000.0 >= (double)opts->budget_ms)
            break;
        if (verify_item(cfg, places, n_places, item, &item->err) == 0) {
            item->outcome = VERIFIED;
            lc_log_info("'%s' on the %s is whole", item->set->name, item->place->label);
            if (item->place->target) {
                key = state_key(item);
                json_object_object_add(state, key, json_object_new_int64((int64_t)time(NULL)));
                free(key);
                state_save(path, state);   /* a run killed later keeps what it did */
            }
        } else {
            item->outcome = item->err.status == LC_E_DATA ? CORRUPT : FAILED;
        }
    }
    for (size_t pidx = 0; pidx < n_places; pidx++)
        if (places[pidx].listed && (places[pidx].target || !opts->target))
            report_place(&places[pidx], items, len, r);
    report_coverage(items, len, opts->budget_ms, r);
    json_object_put(state);
    free(items);
    free(path);
}
