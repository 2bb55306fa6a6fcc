/*
 * A drill's record, written out: DIR/drill-<UTC stamp>.json (stable field names, for
 * scripts and the next auditor), DIR/drill-<UTC stamp>.md (the same for a person), both
 * written atomically; and the metrics lcbp3_dr_drill_* (last success only moves on a
 * passing drill).
 */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/fs.h"
#include "common/mem.h"
#include "common/metrics_run.h"
#include "common/units.h"
#include "tools/dr/drill.h"

static json_object *utc_string(time_t when)
{
    char buf[32];

    if (when <= 0)
        return NULL;
    lc_format_utc(when, buf, sizeof(buf));
    return json_object_new_string(buf);
}

static json_object *str_or_null(const char *s)
{
    return s ? json_object_new_string(s) : NULL;
}

/* seconds to the millisecond, printed as such ("0.101", not 0.10100000000000001);
 * null when not measured */
static json_object *seconds(double s)
{
    char text[32];

    if (s < 0)
        return NULL;
    snprintf(text, sizeof(text), "%.3f", s);
    return json_object_new_double_s(strtod(text, NULL), text);
}

static json_object *steps_json(const struct drill *d)
{
    json_object *arr = json_object_new_array();

    for (size_t idx = 0; idx < d->n_steps; idx++) {
        const struct drill_step *s = &d->steps[idx];
        json_object *o = json_object_new_object();

        json_object_object_add(o, "name", json_object_new_string(s->name));
        json_object_object_add(o, "started_at", utc_string(s->started_at));
        json_object_object_add(o, "seconds", seconds(s->seconds));
        json_object_object_add(o, "result", json_object_new_string(s->result));
        json_object_object_add(o, "detail", str_or_null(s->detail));
        json_object_array_add(arr, o);
    }
    return arr;
}

static json_object *checks_json(const struct drill *d)
{
    json_object *arr = json_object_new_array();

    for (size_t idx = 0; idx < d->n_checks; idx++) {
        json_object *o = json_object_new_object();

        json_object_object_add(o, "name", json_object_new_string(d->checks[idx].name));
        json_object_object_add(o, "status", json_object_new_string(d->checks[idx].status));
        json_object_object_add(o, "detail", str_or_null(d->checks[idx].detail));
        json_object_array_add(arr, o);
    }
    return arr;
}

static json_object *targets_json(const struct drill *d)
{
    json_object *arr = json_object_new_array();

    for (size_t idx = 0; idx < DRILL_N_TARGETS; idx++) {
        const struct drill_target *t = &d->targets[idx];
        json_object *o = json_object_new_object();

        json_object_object_add(o, "scenario", json_object_new_string(t->scenario));
        json_object_object_add(o, "description", json_object_new_string(t->label));
        json_object_object_add(o, "rto_target_seconds", seconds((double)t->rto_ms / 1000));
        json_object_object_add(o, "rpo_target_seconds", seconds((double)t->rpo_ms / 1000));
        json_object_object_add(o, "rto_met", json_object_new_boolean(t->rto_met));
        json_object_object_add(o, "rpo_met", json_object_new_boolean(t->rpo_met));
        json_object_array_add(arr, o);
    }
    return arr;
}

static char *report_json(const struct drill *d)
{
    json_object *o = json_object_new_object();
    char *text;

    json_object_object_add(o, "set", str_or_null(d->set));
    json_object_object_add(o, "set_time", utc_string(d->set_time));
    json_object_object_add(o, "started_at", utc_string(d->started_at));
    json_object_object_add(o, "finished_at", utc_string(d->finished_at));
    json_object_object_add(o, "scratch_database", json_object_new_string(d->scratch_db));
    json_object_object_add(o, "scratch_redis_db",
                           d->scratch_redis_db >= 0 ? json_object_new_int64(d->scratch_redis_db) : NULL);
    json_object_object_add(o, "steps", steps_json(d));
    json_object_object_add(o, "checks", checks_json(d));
    json_object_object_add(o, "tables_compared", json_object_new_int64((int64_t)d->tables_compared));
    json_object_object_add(o, "rows_compared", json_object_new_int64((int64_t)d->rows_compared));
    json_object_object_add(o, "checksums_compared",
                           json_object_new_int64((int64_t)d->checksums_compared));
    json_object_object_add(o, "rto_seconds", seconds(d->rto_seconds));
    json_object_object_add(o, "rpo_seconds", seconds(d->rpo_seconds));
    json_object_object_add(o, "targets", targets_json(d));
    json_object_object_add(o, "verdict", json_object_new_string(d->verdict));
    json_object_object_add(o, "log", str_or_null(d->log_path));
    text = lc_xasprintf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
                                                                      JSON_C_TO_STRING_SPACED |
                                                                      JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(o);
    return text;
}

static const char *met(int yes)
{
    return yes ? "met" : "MISSED";
}

static void md_figures(struct lc_buf *b, const struct drill *d)
{
    char rto[32] = "not measured", rpo[32] = "unknown";

    if (d->rto_seconds >= 0)
        lc_format_duration((int64_t)(d->rto_seconds * 1000), rto, sizeof(rto));
    if (d->rpo_seconds >= 0)
        lc_format_duration((int64_t)(d->rpo_seconds * 1000), rpo, sizeof(rpo));
    lc_buf_printf(b, "- RTO (drill start until restored and verified): %s (%.3f s)\n", rto,
                  d->rto_seconds);
    lc_buf_printf(b, "- RPO (drill start minus the set's snapshot time): %s (%.0f s)\n\n", rpo,
                  d->rpo_seconds);
    lc_buf_puts(b, "| scenario | RTO target | RTO | RPO target | RPO |\n|---|---|---|---|---|\n");
    for (size_t idx = 0; idx < DRILL_N_TARGETS; idx++) {
        const struct drill_target *t = &d->targets[idx];
        char rto_t[32], rpo_t[32];

        lc_format_duration(t->rto_ms, rto_t, sizeof(rto_t));
        lc_format_duration(t->rpo_ms, rpo_t, sizeof(rpo_t));
        lc_buf_printf(b, "| %s | %s | %s | %s | %s%s |\n", t->label, rto_t, met(t->rto_met), rpo_t,
                      met(t->rpo_met),
                      t->rpo_ms == 0 ? " (RPO 0 needs binlog point-in-time recovery, which a "
                                       "drill of a set does not show)" : "");
    }
}

/* ": RPO of database failure within a site, ..." after the verdict. */
static void md_missed(struct lc_buf *b, const struct drill *d)
{
    const char *sep = ": missed ";

    if (!d->verified)
        return;
    for (size_t idx = 0; idx < DRILL_N_TARGETS; idx++) {
        const struct drill_target *t = &d->targets[idx];

        if (!t->rto_met || !t->rpo_met) {
            lc_buf_printf(b, "%s%s%s%s of %s", sep, t->rto_met ? "" : "RTO",
                          !t->rto_met && !t->rpo_met ? " and " : "", t->rpo_met ? "" : "RPO",
                          t->label);
            sep = "; ";
        }
    }
}

static char *report_md(const struct drill *d)
{
    struct lc_buf b = LC_BUF_INIT;
    char set_time[32] = "?", started[32] = "?", finished[32] = "?";

    if (d->set_time > 0)
        lc_format_utc(d->set_time, set_time, sizeof(set_time));
    lc_format_utc(d->started_at, started, sizeof(started));
    lc_format_utc(d->finished_at, finished, sizeof(finished));
    lc_buf_printf(&b, "# DR drill %s: %s\n\n", started, d->verdict);
    lc_buf_printf(&b, "- set: `%s` (snapshot %s)\n", d->set ? d->set : "none", set_time);
    lc_buf_printf(&b, "- restored into: database `%s`", d->scratch_db);
    if (d->scratch_redis_db >= 0)
        lc_buf_printf(&b, ", Redis database %ld\n", d->scratch_redis_db);
    else
        lc_buf_printf(&b, "; Redis: %s\n", d->redis_note ? d->redis_note : "not restored");
    lc_buf_printf(&b, "- started %s, finished %s\n", started, finished);
    if (d->log_path)
        lc_buf_printf(&b, "- output of the restore: `%s`\n", d->log_path);
    lc_buf_puts(&b, "\n## Steps\n\n| step | started | seconds | result | detail |\n|---|---|---|---|---|\n");
    for (size_t idx = 0; idx < d->n_steps; idx++) {
        const struct drill_step *s = &d->steps[idx];
        char at[32];

        lc_format_utc(s->started_at, at, sizeof(at));
        lc_buf_printf(&b, "| %s | %s | %.3f | %s | %s |\n", s->name, at, s->seconds, s->result,
                      s->detail ? s->detail : "");
    }
    lc_buf_puts(&b, "\n## Checks\n\n| check | status | detail |\n|---|---|---|\n");
    for (size_t idx = 0; idx < d->n_checks; idx++)
        lc_buf_printf(&b, "| %s | %s | %s |\n", d->checks[idx].name, d->checks[idx].status,
                      d->checks[idx].detail ? d->checks[idx].detail : "");
    lc_buf_puts(&b, "\n## RTO and RPO\n\n");
    md_figures(&b, d);
    lc_buf_printf(&b, "\n## Verdict\n\n%s", d->verdict);
    md_missed(&b, d);
    lc_buf_puts(&b, "\n");
    return lc_buf_steal(&b);
}

int drill_write_report(const struct drill *d, const char *dir, char **out_md_path,
                       struct lc_err *err)
{
    char *json = report_json(d), *md = report_md(d);
    char *json_path = lc_xasprintf("%s/drill-%s.json", dir, d->stamp);
    char *md_path = lc_xasprintf("%s/drill-%s.md", dir, d->stamp);
    int rc = -1;

    if (lc_fs_write_atomic(json_path, json, strlen(json), 0600, err) < 0 ||
        lc_fs_write_atomic(md_path, md, strlen(md), 0600, err) < 0)
        goto out;
    *out_md_path = md_path;
    md_path = NULL;
    rc = 0;
out:
    free(json);
    free(md);
    free(json_path);
    free(md_path);
    return rc;
}

void drill_publish_metrics(const struct lc_config *cfg, const struct drill *d, int exit_code)
{
    struct lc_metrics_run run = {"dr", "lcbp3_dr_drill", d->started_at, drill_elapsed(d),
                                 exit_code};
    struct lc_metrics *m;

    if (!cfg->metrics.textfile && !cfg->metrics.pushgateway_url)
        return;
    m = lc_metrics_new();
    lc_metrics_run_add(m, &cfg->metrics, &run);
    if (d->rto_seconds >= 0)
        lc_metrics_gauge(m, "lcbp3_dr_drill_rto_seconds",
                         "recovery time of the last drill: start until restored and verified",
                         NULL, d->rto_seconds);
    if (d->rpo_seconds >= 0)
        lc_metrics_gauge(m, "lcbp3_dr_drill_rpo_seconds",
                         "data loss of the last drill: start minus the set's snapshot time", NULL,
                         d->rpo_seconds);
    lc_metrics_run_publish(m, &cfg->metrics, "dr");
    lc_metrics_free(m);
}
