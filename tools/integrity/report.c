/*
 * The report of a run of lcbp3-integrity: the results of every check, printed as a
 * table for a terminal (or cron mail with -q), as one JSON document, or as a
 * Prometheus textfile; and the overall status that becomes the exit code.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "common/mem.h"
#include "tools/integrity/integrity.h"

struct ic_entry {
    char *group;
    char *check;
    enum ic_status status;
    char *value;
    char *threshold;
    char *detail;
    char *action;
    char *runbook;
};

struct ic_report {
    struct ic_entry *entries;
    size_t n_entries;
    char *group;
    struct lc_metrics *metrics;
};

static char *dup_or_null(const char *s)
{
    return s ? lc_xstrdup(s) : NULL;
}

struct ic_report *ic_report_new(void)
{
    struct ic_report *r = lc_xcalloc(1, sizeof(*r));

    r->group = lc_xstrdup("");
    r->metrics = lc_metrics_new();
    return r;
}

void ic_report_free(struct ic_report *r)
{
    if (!r)
        return;
    for (size_t idx = 0; idx < r->n_entries; idx++) {
        struct ic_entry *e = &r->entries[idx];

        free(e->group);
        free(e->check);
        free(e->value);
        free(e->threshold);
        free(e->detail);
        free(e->action);
        free(e->runbook);
    }
    free(r->entries);
    free(r->group);
    lc_metrics_free(r->metrics);
    free(r);
}

void ic_report_group(struct ic_report *r, const char *group)
{
    free(r->group);
    r->group = lc_xstrdup(group);
}

void ic_report_add(struct ic_report *r, const struct ic_result *res)
{
    struct ic_entry *e;

    r->entries = lc_xrealloc(r->entries, (r->n_entries + 1) * sizeof(*r->entries));
    e = &r->entries[r->n_entries++];
    e->group = lc_xstrdup(r->group);
    e->check = lc_xstrdup(res->check);
    e->status = res->status;
    e->value = dup_or_null(res->value);
    e->threshold = dup_or_null(res->threshold);
    e->detail = dup_or_null(res->detail);
    e->action = dup_or_null(res->action);
    e->runbook = dup_or_null(res->runbook);
}

void ic_report_addf(struct ic_report *r, const char *check, enum ic_status status,
                    const char *threshold, const char *detail, const char *action,
                    const char *runbook, const char *value_fmt, ...)
{
    struct ic_result res = {check, status, NULL, threshold, detail, action, runbook};
    char *value;
    va_list ap;

    va_start(ap, value_fmt);
    value = lc_xvasprintf(value_fmt, ap);
    va_end(ap);
    res.value = value;
    ic_report_add(r, &res);
    free(value);
}

void ic_report_unknown(struct ic_report *r, const char *check, const struct lc_err *err,
                       const char *action)
{
    struct ic_result res = {check, IC_UNKNOWN, NULL, NULL, err->msg,
                            err->hint[0] ? err->hint : action, NULL};

    ic_report_add(r, &res);
}

struct lc_metrics *ic_report_metrics(struct ic_report *r)
{
    return r->metrics;
}

int ic_status_rank(enum ic_status status)
{
    static const int ranks[] = {[IC_OK] = 0, [IC_WARNING] = 1, [IC_UNKNOWN] = 2, [IC_CRITICAL] = 3};

    return ranks[status];
}

enum ic_status ic_status_worse(enum ic_status a, enum ic_status b)
{
    return ic_status_rank(a) >= ic_status_rank(b) ? a : b;
}

enum ic_status ic_report_status(const struct ic_report *r)
{
    enum ic_status worst = IC_OK;

    for (size_t idx = 0; idx < r->n_entries; idx++)
        worst = ic_status_worse(worst, r->entries[idx].status);
    return worst;
}

const char *ic_status_name(enum ic_status status)
{
    static const char *const names[] = {"OK", "WARNING", "CRITICAL", "UNKNOWN"};

    return names[status];
}

static size_t count_of(const struct ic_report *r, enum ic_status status)
{
    size_t n = 0;

    for (size_t idx = 0; idx < r->n_entries; idx++)
        n += r->entries[idx].status == status;
    return n;
}

static void json_set_string(json_object *obj, const char *key, const char *value)
{
    json_object_object_add(obj, key, value ? json_object_new_string(value) : NULL);
}

static void print_json(const struct ic_report *r)
{
    static const char *const count_keys[] = {"ok", "warning", "critical", "unknown"};
    json_object *root = json_object_new_object();
    json_object *checks = json_object_new_array();
    json_object *counts = json_object_new_object();
    enum ic_status overall = ic_report_status(r);

    json_object_object_add(root, "status", json_object_new_string(ic_status_name(overall)));
    json_object_object_add(root, "exit_code", json_object_new_int((int)overall));
    for (int status = IC_OK; status <= IC_UNKNOWN; status++)
        json_object_object_add(counts, count_keys[status],
                               json_object_new_int64((int64_t)count_of(r, (enum ic_status)status)));
    json_object_object_add(root, "counts", counts);
    for (size_t idx = 0; idx < r->n_entries; idx++) {
        const struct ic_entry *e = &r->entries[idx];
        json_object *obj = json_object_new_object();

        json_set_string(obj, "group", e->group);
        json_set_string(obj, "check", e->check);
        json_set_string(obj, "status", ic_status_name(e->status));
        json_object_object_add(obj, "status_code", json_object_new_int((int)e->status));
        json_set_string(obj, "value", e->value);
        json_set_string(obj, "threshold", e->threshold);
        json_set_string(obj, "detail", e->detail);
        json_set_string(obj, "action", e->action);
        json_set_string(obj, "runbook", e->runbook);
        json_object_array_add(checks, obj);
    }
    json_object_object_add(root, "checks", checks);
    puts(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(root);
}

/* Column widths of the table: the longest check id and value, within bounds. */
static void table_widths(const struct ic_report *r, int quiet, int *check_w, int *value_w)
{
    *check_w = 5;
    *value_w = 5;
    for (size_t idx = 0; idx < r->n_entries; idx++) {
        const struct ic_entry *e = &r->entries[idx];
        int len;

        if (quiet && e->status == IC_OK)
            continue;
        len = (int)strlen(e->check) + (int)strlen(e->group) + 1;
        if (len > *check_w)
            *check_w = len < 48 ? len : 48;
        len = e->value ? (int)strlen(e->value) : 1;
        if (len > *value_w)
            *value_w = len < 24 ? len : 24;
    }
}

static void print_table(const struct ic_report *r, int quiet)
{
    int check_w, value_w;

    table_widths(r, quiet, &check_w, &value_w);
    if (!quiet)
        printf("%-8s  %-*s  %-*s  %s\n", "STATUS", check_w, "CHECK", value_w, "VALUE", "THRESHOLD");
    for (size_t idx = 0; idx < r->n_entries; idx++) {
        const struct ic_entry *e = &r->entries[idx];
        char check[512];

        if (quiet && e->status == IC_OK)
            continue;
        snprintf(check, sizeof(check), "%s.%s", e->group, e->check);
        printf("%-8s  %-*s  %-*s  %s\n", ic_status_name(e->status), check_w, check, value_w,
               e->value ? e->value : "-", e->threshold ? e->threshold : "");
        if (e->detail && (e->status != IC_OK || !quiet))
            printf("          %s\n", e->detail);
        if (e->status != IC_OK && e->action)
            printf("          -> %s\n", e->action);
        if (e->status != IC_OK && e->runbook)
            printf("          -> runbook: lcbp3-dr runbook %s\n", e->runbook);
    }
    if (!quiet || ic_report_status(r) != IC_OK)
        printf("%s: %zu checks, %zu ok, %zu warning, %zu critical, %zu unknown\n",
               ic_status_name(ic_report_status(r)), r->n_entries, count_of(r, IC_OK),
               count_of(r, IC_WARNING), count_of(r, IC_CRITICAL), count_of(r, IC_UNKNOWN));
}

void ic_report_print(const struct ic_report *r, int json, int quiet)
{
    if (json)
        print_json(r);
    else
        print_table(r, quiet);
    fflush(stdout);
}

int ic_report_write_prometheus(struct ic_report *r, const char *path, const char *only_group,
                               struct lc_err *err)
{
    struct lc_metrics *m = r->metrics;
    enum ic_status overall = ic_report_status(r);

    for (size_t idx = 0; idx < r->n_entries; idx++) {
        const struct ic_entry *e = &r->entries[idx];
        char *labels = lc_metrics_labels("group", e->group, "check", e->check, NULL);

        lc_metrics_gauge(m, "lcbp3_integrity_check_status",
                         "result of one check: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN", labels,
                         (double)e->status);
        free(labels);
    }
    if (only_group)
        overall = ic_status_worse(overall, ic_report_carry_over(m, path, only_group));
    lc_metrics_gauge(m, "lcbp3_integrity_status",
                     "overall result of the checks in this file: 0 OK, 1 WARNING, 2 CRITICAL, "
                     "3 UNKNOWN", NULL, (double)overall);
    lc_metrics_gauge(m, "lcbp3_integrity_last_run_timestamp_seconds",
                     "when lcbp3-integrity last wrote this file", NULL, (double)time(NULL));
    return lc_metrics_write_textfile(m, path, err);
}
