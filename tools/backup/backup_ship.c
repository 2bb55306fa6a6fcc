/*
 * Shipping: every complete set in the spool that a target does not have yet goes
 * there, newest first, is verified and marked; then that target's retention applies.
 * `lcbp3-backup run` calls it after the set is written, `lcbp3-backup ship` on its own.
 * Targets are independent: one that is down or full is reported and skipped, the
 * others are still served, and its sets stay in the spool for the next run. The
 * per-target outcome goes to the metrics file "<stem>-ship.prom". Also here:
 * `lcbp3-backup verify`, which checks the sets already on the targets.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "common/lock.h"
#include "common/log.h"
#include "common/mem.h"
#include "common/metrics.h"
#include "common/metrics_run.h"
#include "common/progress.h"
#include "common/set_writer.h"
#include "common/ship.h"
#include "common/ship_stream.h"
#include "common/signals.h"
#include "common/spool.h"
#include "common/units.h"
#include "tools/backup/backup.h"

struct target_outcome {
    int attempted;
    int ok;
    size_t sets;              /* shipped this run */
    size_t pending;           /* still waiting in the spool afterwards */
    struct lc_ship_stats stats;
};

static enum lc_verify verify_mode(const struct backup_opts *opts, const struct lc_target_cfg *tc)
{
    enum lc_verify mode = LC_VERIFY_FULL;

    if (opts->verify_given)
        return opts->verify;
    if (tc->verify)
        (void)lc_verify_parse(tc->verify, &mode); /* checked when the config was loaded */
    return mode;
}

static void record_metrics(const struct lc_config *cfg, const struct target_outcome *outcomes)
{
    const char *last = "lcbp3_backup_target_last_success_timestamp_seconds";
    const char *bytes = "lcbp3_backup_target_bytes_shipped_total";
    const char *fails = "lcbp3_backup_target_failures_total";
    struct lc_metrics *m;

    if (!cfg->metrics.textfile && !cfg->metrics.pushgateway_url)
        return;
    m = lc_metrics_new();
    for (size_t idx = 0; idx < cfg->n_targets; idx++) {
        const struct target_outcome *o = &outcomes[idx];
        char *labels = lc_metrics_labels("target", cfg->targets[idx].name, NULL);
        char *key = NULL;
        double prev;

        /* a target not tried this time keeps what the file said */
        key = lc_xasprintf("%s{%s}", last, labels);
        prev = lc_metrics_run_previous(&cfg->metrics, "ship", key);
        free(key);
        if (o->ok || prev > 0)
            lc_metrics_gauge(m, last, "time every waiting set last reached this target, verified",
                             labels, o->ok ? (double)time(NULL) : prev);
        key = lc_xasprintf("%s{%s}", bytes, labels);
        lc_metrics_counter(m, bytes, "bytes uploaded to this target", labels,
                           lc_metrics_run_previous(&cfg->metrics, "ship", key) +
                               (double)o->stats.bytes_sent);
        free(key);
        key = lc_xasprintf("%s{%s}", fails, labels);
        lc_metrics_counter(m, fails, "runs that could not ship everything to this target", labels,
                           lc_metrics_run_previous(&cfg->metrics, "ship", key) +
                               (o->attempted && !o->ok));
        free(key);
        if (o->attempted)
            lc_metrics_gauge(m, "lcbp3_backup_target_pending_sets",
                             "sets in the spool not yet on this target", labels, (double)o->pending);
        free(labels);
    }
    lc_metrics_run_publish(m, &cfg->metrics, "ship");
    lc_metrics_free(m);
}

/* The complete spool sets not yet shipped to target `name`. */
static size_t count_pending(const struct lc_config *cfg, const struct lc_spool_list *sets,
                            const char *name)
{
    size_t pending = 0;

    for (size_t idx = 0; idx < sets->len; idx++)
        pending += sets->items[idx].has_sidecar &&
                   !lc_ship_is_marked(cfg->backup.spool_dir, sets->items[idx].name, name);
    return pending;
}

/* Ships what `t` lacks (o->pending counted before); stops at the first failure (the
 * target's state is unknown). */
static int ship_to(const struct lc_config *cfg, const struct backup_opts *opts, struct lc_target *t,
                   const struct lc_spool_list *sets, struct target_outcome *o, struct lc_err *err)
{
    enum lc_verify verify = verify_mode(opts, t->cfg);

    for (size_t idx = 0; idx < sets->len; idx++) {
        const struct lc_spool_set *s = &sets->items[idx];
        struct lc_ship_stats one = {0, 0, 0};
        struct lc_progress *progress;
        char size[32], rate[32];
        int rc;

        /* a set without its sidecar is not complete in the spool: never shipped */
        if (!s->has_sidecar || lc_ship_is_marked(cfg->backup.spool_dir, s->name, t->cfg->name))
            continue;
        progress = lc_progress_new(t->cfg->name, s->size);
        rc = lc_ship_set(t, cfg->backup.spool_dir, s->name, verify, progress, &one, err);
        lc_progress_free(progress);
        o->stats.bytes_sent += one.bytes_sent;
        o->stats.bytes_read_back += one.bytes_read_back;
        o->stats.seconds += one.seconds;
        if (rc < 0)
            return -1;
        o->sets++;
        o->pending--;
        lc_format_size(s->size, size, sizeof(size));
        lc_format_size(one.seconds > 0 ? (uint64_t)((double)one.bytes_sent / one.seconds) : 0,
                       rate, sizeof(rate));
        lc_log_info("shipped '%s' to target '%s': %s in %.1fs (%s/s), verified (%s)", s->name,
                    t->cfg->name, size, one.seconds, rate,
                    verify == LC_VERIFY_FULL ? "size and SHA-256 read back" : "size");
        if (lc_check_interrupted(err) < 0)
            return -1;
    }
    return 0;
}

/* Records one target's failure: the first is the run's error (printed by main), the
 * others are logged here. */
static void target_failed(struct lc_err *terr, size_t *failed, struct lc_err *err)
{
    if ((*failed)++ == 0)
        *err = *terr;
    else
        lc_log_error("%s", terr->msg);
}

/* After every target was tried: metrics, and the run's error when some failed. */
static int targets_done(const struct lc_config *cfg, const struct target_outcome *outcomes,
                        size_t attempted, size_t failed, struct lc_err *err)
{
    record_metrics(cfg, outcomes);
    if (failed == 0)
        return lc_check_interrupted(err);
    if (failed > 1 || attempted > 1)
        lc_err_prefix(err, "%zu of %zu targets failed; the first", failed, attempted);
    if (!err->hint[0] && cfg->backup.spool_dir)
        lc_err_hint(err, "the sets stay in the spool '%s'; the next 'lcbp3-backup run' or "
                         "'lcbp3-backup ship' retries", cfg->backup.spool_dir);
    else if (!err->hint[0])
        lc_err_hint(err, "without a spool the set is lost for the targets that failed; the next "
                         "'lcbp3-backup run' makes a new one");
    return -1;
}

/* A target has everything it should: its retention, which never fails the run. */
static void after_success(const struct lc_config *cfg, struct lc_target *t)
{
    struct lc_err terr = LC_ERR_INIT;

    if (backup_apply_target_retention(cfg, t, 0, NULL, NULL, &terr) < 0)
        lc_log_warn("retention on target '%s': %s, skipping", t->cfg->name, terr.msg);
}

int backup_ship_all(const struct lc_config *cfg, const struct backup_opts *opts, struct lc_err *err)
{
    struct target_outcome *outcomes = lc_xcalloc(cfg->n_targets ? cfg->n_targets : 1,
                                                 sizeof(*outcomes));
    struct lc_spool_list sets = {NULL, 0};
    size_t attempted = 0, failed = 0, shipped = 0;
    int rc = -1;

    if (lc_spool_list(cfg->backup.spool_dir, &sets, err) < 0)
        goto out;
    for (size_t idx = 0; idx < cfg->n_targets; idx++) {
        const struct lc_target_cfg *tc = &cfg->targets[idx];
        struct target_outcome *o = &outcomes[idx];
        struct lc_err terr = LC_ERR_INIT;
        struct lc_target *t = NULL;

        if (opts->target && strcmp(opts->target, tc->name) != 0)
            continue;
        if (lc_interrupted())
            break;
        o->attempted = 1;
        o->pending = count_pending(cfg, &sets, tc->name); /* also when it cannot be opened */
        attempted++;
        if (lc_target_open(tc, &t, &terr) < 0 || ship_to(cfg, opts, t, &sets, o, &terr) < 0) {
            target_failed(&terr, &failed, err);
        } else {
            o->ok = 1;
            shipped += o->sets;
            after_success(cfg, t);
        }
        lc_target_free(t);
    }
    if (targets_done(cfg, outcomes, attempted, failed, err) < 0)
        goto out;
    lc_log_info("shipping: %zu set(s) shipped to %zu target(s)", shipped, attempted);
    rc = 0;
out:
    lc_spool_list_done(&sets);
    free(outcomes);
    return rc;
}

int backup_stream_set(const struct lc_config *cfg, const struct backup_opts *opts,
                      struct lc_set_header *header, struct lc_member_list *members,
                      uint64_t *out_size, struct lc_err *err)
{
    struct target_outcome *outcomes = lc_xcalloc(cfg->n_targets, sizeof(*outcomes));
    struct lc_target **open = lc_xcalloc(cfg->n_targets, sizeof(*open));
    enum lc_verify *verify = lc_xcalloc(cfg->n_targets, sizeof(*verify));
    struct lc_err *errs = lc_xcalloc(cfg->n_targets, sizeof(*errs));
    size_t *which = lc_xcalloc(cfg->n_targets, sizeof(*which));
    struct lc_ship_stream *stream = NULL;
    struct lc_set_sink sink = {lc_ship_stream_write, NULL};
    size_t n = 0, failed = 0;
    uint64_t size = 0;
    char hex[65];
    int reported = 0;
    int rc = -1;

    for (size_t idx = 0; idx < cfg->n_targets; idx++) {
        struct lc_err terr = LC_ERR_INIT;

        outcomes[idx].attempted = 1;
        if (lc_target_open(&cfg->targets[idx], &open[n], &terr) < 0) {
            target_failed(&terr, &failed, err);
            continue;
        }
        verify[n] = verify_mode(opts, &cfg->targets[idx]);
        which[n++] = idx;
    }
    if (n == 0) {
        lc_err_prefix(err, "no target to stream '%s' to", header->set_name);
        goto out;
    }
    if (lc_ship_stream_start(open, n, header->set_name, &stream, err) < 0)
        goto out;
    sink.ctx = stream;
    if (lc_set_write_to(header, members, &sink, hex, &size, err) < 0) {
        lc_ship_stream_abort(stream);
        lc_err_prefix(err, "streaming '%s'", header->set_name);
        goto out;
    }
    (void)lc_ship_stream_finish(stream, hex, size, verify, errs);
    for (size_t k = 0; k < n; k++) {
        struct target_outcome *o = &outcomes[which[k]];

        if (errs[k].status != LC_OK) {
            target_failed(&errs[k], &failed, err);
            continue;
        }
        o->ok = 1;
        o->sets = 1;
        o->stats.bytes_sent = size;
        lc_log_info("streamed '%s' to target '%s': %llu bytes, verified (%s)", header->set_name,
                    open[k]->cfg->name, (unsigned long long)size,
                    verify[k] == LC_VERIFY_FULL ? "size and SHA-256 read back" : "size");
        after_success(cfg, open[k]);
    }
    if (out_size)
        *out_size = size;
    rc = targets_done(cfg, outcomes, cfg->n_targets, failed, err);
    reported = 1;
out:
    if (!reported)
        record_metrics(cfg, outcomes);
    for (size_t k = 0; k < n; k++)
        lc_target_free(open[k]);
    free(which);
    free(errs);
    free(verify);
    free(open);
    free(outcomes);
    return rc;
}

int backup_ship(const struct lc_config *cfg, const struct backup_opts *opts, struct lc_err *err)
{
    struct lc_lock lock = LC_LOCK_INIT;
    int rc;

    if (cfg->n_targets == 0)
        return lc_err_set(err, LC_E_CONFIG, "no [target.NAME] is configured in '%s': nothing "
                          "to ship to", cfg->path ? cfg->path : "the config");
    if (opts->target && !lc_target_find(cfg, opts->target, err))
        return -1;
    /* one writer of the spool at a time: a run writing a set, or another ship */
    if (lc_lock_take(&lock, cfg->backup.lock_dir, BACKUP_LOCK_NAME, err) < 0)
        return -1;
    lc_cli_log_begin(&opts->cli, cfg, "ship", opts->target ? opts->target : "every target");
    rc = backup_ship_all(cfg, opts, err);
    if (rc == 0)
        lc_log_info("lcbp3-backup ship end: completed successfully");
    lc_lock_release(&lock);
    return rc;
}

/* The size of the spool's copy of a set, 0 when the spool does not hold it. */
static uint64_t spool_size(const struct lc_config *cfg, const char *set_name)
{
    struct stat st;
    char *path;
    uint64_t size = 0;

    if (!cfg->backup.spool_dir)
        return 0;
    path = lc_xasprintf("%s/%s", cfg->backup.spool_dir, set_name);
    if (stat(path, &st) == 0)
        size = (uint64_t)st.st_size;
    free(path);
    return size;
}

/* Checks every complete set on one target; corrupt ones are counted, and their spool
 * marker dropped so that the next ship uploads them again. */
static int verify_target(const struct lc_config *cfg, const struct backup_opts *opts,
                         struct lc_target *t, size_t *checked, size_t *corrupt, struct lc_err *err)
{
    enum lc_verify verify = verify_mode(opts, t->cfg);
    struct lc_spool_list sets = {NULL, 0};
    int rc = -1;

    if (lc_target_list_sets(t, &sets, NULL, err) < 0)
        return -1;
    for (size_t idx = 0; idx < sets.len; idx++) {
        const struct lc_spool_set *s = &sets.items[idx];
        struct lc_progress *progress;
        struct lc_err verr = LC_ERR_INIT;
        int vrc;

        if (!s->has_sidecar) {
            lc_log_warn("'%s' on target '%s' is incomplete (no sidecar), skipping", s->name,
                        t->cfg->name);
            continue;
        }
        progress = lc_progress_new(s->name, s->size);
        vrc = lc_target_verify_set(t, s->name, spool_size(cfg, s->name), NULL, verify, progress,
                                   NULL, &verr);
        lc_progress_free(progress);
        (*checked)++;
        if (vrc == 0) {
            lc_log_info("'%s' on target '%s' is whole", s->name, t->cfg->name);
            printf("ok       %s on %s\n", s->name, t->cfg->name);
            continue;
        }
        if (verr.status != LC_E_DATA) {
            *err = verr;
            goto out;
        }
        (*corrupt)++;
        printf("CORRUPT  %s on %s: %s\n", s->name, t->cfg->name, verr.msg);
        lc_log_error("%s", verr.msg);
        if (lc_ship_unmark(cfg->backup.spool_dir, s->name, t->cfg->name))
            lc_log_info("the spool still holds '%s': the next 'lcbp3-backup ship' uploads it "
                        "to target '%s' again", s->name, t->cfg->name);
    }
    rc = 0;
out:
    fflush(stdout);
    lc_spool_list_done(&sets);
    return rc;
}

int backup_verify(const struct lc_config *cfg, const struct backup_opts *opts, struct lc_err *err)
{
    size_t checked = 0, corrupt = 0;

    if (cfg->n_targets == 0)
        return lc_err_set(err, LC_E_CONFIG, "no [target.NAME] is configured in '%s': nothing "
                          "to verify", cfg->path ? cfg->path : "the config");
    if (opts->target && !lc_target_find(cfg, opts->target, err))
        return -1;
    for (size_t idx = 0; idx < cfg->n_targets; idx++) {
        struct lc_target *t = NULL;
        int rc;

        if (opts->target && strcmp(opts->target, cfg->targets[idx].name) != 0)
            continue;
        rc = lc_target_open(&cfg->targets[idx], &t, err);
        if (rc == 0)
            rc = verify_target(cfg, opts, t, &checked, &corrupt, err);
        lc_target_free(t);
        if (rc < 0)
            return -1;
    }
    if (corrupt)
        return lc_err_set(err, LC_E_DATA, "%zu of %zu sets on the targets are corrupt", corrupt,
                          checked);
    lc_log_info("lcbp3-backup verify end: %zu set(s) whole", checked);
    return 0;
}
