/*
 * lcbp3-integrity sequences: reads every numbering sequence (with its config), the issue
 * rate of the last 30 days from the audit table and the yearly configs, each in one
 * statement inside one read-only snapshot, then judges them in memory: exceeded,
 * utilization against [integrity] warn_/crit_utilization, days to exhaustion, orphans,
 * yearly configs without a current-year sequence and numbers issued twice. One result
 * line per non-OK sequence (at most IC_SEQ_MAX_LINES, worst first) and one summary line
 * per check, OK when nothing is wrong; the gauges go to ic_report_metrics().
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/buf.h"
#include "common/db.h"
#include "common/log.h"
#include "common/mem.h"
#include "tools/integrity/integrity.h"
#include "tools/integrity/sequences.h"

/* Non-OK sequences listed one per line; the rest are counted in the summary. */
#define IC_SEQ_MAX_LINES 100
/* Sequences whose utilization gauge is written besides the listed ones: the fullest. */
#define IC_SEQ_TOP_METRICS 20
/* Keys named in a summary's detail. */
#define IC_SEQ_SAMPLE 10

#define RUNBOOK_UTIL "high-utilization"
#define RUNBOOK_DUP "version-conflicts"

struct seq {
    char *key;        /* the audit join key */
    char *cfg;        /* the config's key ("4", "1-3-2-0") */
    char *label;      /* config_label_column, or NULL */
    long year;
    int64_t value;
    int64_t max;      /* -1: unknown (orphan) */
    int orphan, yearly, active, live;
    int64_t issued;   /* numbers issued in the window; -1: unknown */
    int64_t dups;     /* of which repeated a number the sequence issued before */
    double ratio;     /* value / max; -1 when unknown */
    double days;      /* days to exhaustion; -1: no rate; 0: exhausted */
    enum ic_status util_status;
};

struct rate {
    char *key;
    int64_t issued, dups;
};

struct run {
    const struct lc_config *cfg;
    struct ic_report *r;
    MYSQL *db;
    struct lc_numbering_tables t;
    long year;            /* the database's current year */
    long day_of_year;
    long days_left;       /* days to 1 January */
    struct seq *seqs;
    size_t n_seqs;
    int rate_known;       /* the audit statement ran */
};

/* ---- small helpers ---- */

static int parse_i64(const char *s, int64_t *out)
{
    char *end;
    long long v;

    if (!s)
        return -1;
    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno || end == s || *end)
        return -1;
    *out = v;
    return 0;
}

/* 9999 -> "9 999" (a space between thousands, as the issue writes figures). */
static char *fmt_count(int64_t v)
{
    char digits[32], out[48];
    size_t len, o = 0;
    int neg = v < 0;

    snprintf(digits, sizeof(digits), "%llu", neg ? 0ULL - (unsigned long long)v : (unsigned long long)v);
    len = strlen(digits);
    if (neg)
        out[o++] = '-';
    for (size_t idx = 0; idx < len; idx++) {
        if (idx && (len - idx) % 3 == 0)
            out[o++] = ' ';
        out[o++] = digits[idx];
    }
    out[o] = '\0';
    return lc_xstrdup(out);
}

static void scope_of(const struct seq *s, char *buf, size_t size)
{
    if (!s->yearly && s->year == 0)
        snprintf(buf, size, "none");
    else
        snprintf(buf, size, "%ld", s->year);
}


static void seqs_free(struct run *run)
{
    for (size_t idx = 0; idx < run->n_seqs; idx++) {
        free(run->seqs[idx].key);
        free(run->seqs[idx].cfg);
        free(run->seqs[idx].label);
    }
    free(run->seqs);
    run->seqs = NULL;
    run->n_seqs = 0;
}

/* ---- reading ---- */

static double now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* lc_db_query() with the statement and its time at debug level (-v): what EXPLAIN needs. */
static MYSQL_RES *timed_query(MYSQL *db, const char *what, const char *sql, struct lc_err *err)
{
    double t0 = now_ms();
    MYSQL_RES *res;

    lc_log_debug("sequences: %s: %s", what, sql);
    res = lc_db_query(db, sql, err);
    if (res)
        lc_log_debug("sequences: %s: %llu rows in %.0f ms", what,
                     (unsigned long long)mysql_num_rows(res), now_ms() - t0);
    return res;
}

static int read_clock(struct run *run, struct lc_err *err)
{
    MYSQL_RES *res = lc_db_query(run->db, "SELECT YEAR(CURDATE()), DAYOFYEAR(CURDATE()), "
                                 "DATEDIFF(MAKEDATE(YEAR(CURDATE()) + 1, 1), CURDATE())", err);
    MYSQL_ROW row;
    int64_t y, d, left;
    int rc = -1;

    if (!res)
        return -1;
    row = mysql_fetch_row(res);
    if (!row || parse_i64(row[0], &y) < 0 || parse_i64(row[1], &d) < 0 ||
        parse_i64(row[2], &left) < 0) {
        lc_err_set(err, LC_E_SOFTWARE, "the server's date could not be read");
        goto out;
    }
    run->year = (long)y;
    run->day_of_year = (long)d;
    run->days_left = (long)left;
    rc = 0;
out:
    mysql_free_result(res);
    return rc;
}

static int read_sequences(struct run *run, struct lc_err *err)
{
    char *sql = lc_numbering_sql_sequences(run->db, &run->cfg->numbering, &run->t);
    MYSQL_RES *res = timed_query(run->db, "sequences", sql, err);
    MYSQL_ROW row;
    int rc = -1;

    free(sql);
    if (!res)
        return -1;
    run->seqs = lc_xcalloc(mysql_num_rows(res) + 1, sizeof(*run->seqs));
    while ((row = mysql_fetch_row(res)) != NULL) {
        struct seq *s = &run->seqs[run->n_seqs];
        int64_t year, orphan, yearly, active;

        if (parse_i64(row[2], &year) < 0 || parse_i64(row[3], &s->value) < 0 ||
            parse_i64(row[5], &orphan) < 0 || parse_i64(row[6], &yearly) < 0 ||
            parse_i64(row[7], &active) < 0) {
            lc_err_set(err, LC_E_DATA, "a row of '%s' has a NULL or non-integer year or value "
                       "(sequence '%s', year '%s', value '%s')", run->t.where[LC_NUM_SEQUENCES],
                       row[1] ? row[1] : "NULL", row[2] ? row[2] : "NULL", row[3] ? row[3] : "NULL");
            goto out;
        }
        if (!row[4] || parse_i64(row[4], &s->max) < 0)
            s->max = -1;
        s->key = lc_xstrdup(row[0] ? row[0] : "");
        s->cfg = lc_xstrdup(row[1] ? row[1] : "");
        s->label = row[8] ? lc_xstrdup(row[8]) : NULL;
        s->year = (long)year;
        s->orphan = orphan != 0;
        s->yearly = yearly != 0;
        s->active = active != 0;
        s->issued = -1;
        run->n_seqs++;
    }
    rc = 0;
out:
    mysql_free_result(res);
    return rc;
}

static int rate_cmp(const void *a, const void *b)
{
    return strcmp(((const struct rate *)a)->key, ((const struct rate *)b)->key);
}

/* The audit rows of the window, grouped per sequence, merged into run->seqs by key. */
static int read_rates(struct run *run, struct lc_err *err)
{
    char *sql = lc_numbering_sql_audit(run->db, &run->cfg->numbering, &run->t);
    MYSQL_RES *res = timed_query(run->db, "audit", sql, err);
    struct rate *rates = NULL;
    size_t n = 0;
    MYSQL_ROW row;

    free(sql);
    if (!res)
        return -1;
    rates = lc_xcalloc(mysql_num_rows(res) + 1, sizeof(*rates));
    while ((row = mysql_fetch_row(res)) != NULL) {
        if (!row[0] || parse_i64(row[1], &rates[n].issued) < 0 ||
            parse_i64(row[2], &rates[n].dups) < 0)
            continue;
        rates[n++].key = row[0];  /* borrowed from res until the merge is done */
    }
    qsort(rates, n, sizeof(*rates), rate_cmp);
    for (size_t idx = 0; idx < run->n_seqs; idx++) {
        struct rate probe = {run->seqs[idx].key, 0, 0};
        const struct rate *hit = n ? bsearch(&probe, rates, n, sizeof(*rates), rate_cmp) : NULL;

        run->seqs[idx].issued = hit ? hit->issued : 0;
        run->seqs[idx].dups = hit ? hit->dups : 0;
    }
    free(rates);
    mysql_free_result(res);
    run->rate_known = 1;
    return 0;
}

/* ---- judging ---- */

static void judge(struct run *run)
{
    const struct lc_integrity_cfg *ic = &run->cfg->integrity;

    for (size_t idx = 0; idx < run->n_seqs; idx++) {
        struct seq *s = &run->seqs[idx];

        s->live = !s->yearly || s->year >= run->year;
        s->ratio = s->max > 0 ? (double)s->value / (double)s->max : (s->max == 0 ? 1e9 : -1);
        s->days = -1;
        s->util_status = IC_OK;
        if (s->max >= 0 && s->value > s->max) {
            s->util_status = IC_CRITICAL;
            s->days = 0;
            continue;
        }
        if (s->max < 0 || !s->live || !s->active)
            continue;
        if (s->ratio * 100.0 > (double)ic->crit_utilization)
            s->util_status = IC_CRITICAL;
        else if (s->ratio * 100.0 > (double)ic->warn_utilization)
            s->util_status = IC_WARNING;
        if (s->value >= s->max)
            s->days = 0;
        else if (s->issued > 0)
            s->days = (double)(s->max - s->value) * IC_SEQ_RATE_DAYS / (double)s->issued;
    }
}

static int exceeded(const struct seq *s)
{
    return s->max >= 0 && s->value > s->max;
}

/* "config 4 (LCBP3-C1-O01-RFA-{YEAR}-{SEQ:4}), 2026" for details. */
static char *describe(const struct seq *s)
{
    char scope[32];

    scope_of(s, scope, sizeof(scope));
    return s->label ? lc_xasprintf("config %s (%s), %s %s", s->cfg, s->label,
                                   strcmp(scope, "none") ? "year" : "scope", scope)
                    : lc_xasprintf("config %s, %s %s", s->cfg,
                                   strcmp(scope, "none") ? "year" : "scope", scope);
}

/* What the issue rate says about s, appended to b. */
static void put_rate(struct run *run, const struct seq *s, struct lc_buf *b)
{
    if (!run->t.name[LC_NUM_AUDIT]) {
        lc_buf_puts(b, "; days to exhaustion unknown: [numbering] audit_table is unset");
        return;
    }
    if (!run->rate_known) {
        lc_buf_puts(b, "; days to exhaustion unknown: the audit table could not be read");
        return;
    }
    if (s->issued <= 0) {
        lc_buf_printf(b, "; no number issued in the last %d days", IC_SEQ_RATE_DAYS);
        return;
    }
    lc_buf_printf(b, "; %.1f a day over the last %d days", (double)s->issued / IC_SEQ_RATE_DAYS,
                  IC_SEQ_RATE_DAYS);
    if (s->days > 0) {
        lc_buf_printf(b, ": exhausted in %.0f days", s->days);
        if (s->yearly && s->days > (double)run->days_left)
            lc_buf_printf(b, " (after the yearly reset in %ld days)", run->days_left);
    }
}

static void add_sequence_line(struct run *run, const struct seq *s)
{
    const struct lc_integrity_cfg *ic = &run->cfg->integrity;
    char scope[32], *check, *who, *value, *max, *threshold, *action;
    struct lc_buf detail = LC_BUF_INIT;

    scope_of(s, scope, sizeof(scope));
    who = describe(s);
    value = fmt_count(s->value);
    max = fmt_count(s->max);
    if (exceeded(s)) {
        check = lc_xasprintf("sequence.%s.%s.exceeded", s->cfg, scope);
        threshold = lc_xstrdup("crit: current value > max_value");
        lc_buf_printf(&detail, "%s: exceeded, numbers above max_value %s were issued (last %s)",
                      who, max, value);
        action = lc_xasprintf("check the documents numbered above %s, then raise max_value of "
                              "config %s: lcbp3-dr runbook " RUNBOOK_UTIL, max, s->cfg);
    } else {
        check = lc_xasprintf("sequence.%s.%s.utilization", s->cfg, scope);
        threshold = lc_xasprintf("warn > %lld %%, crit > %lld %%", (long long)ic->warn_utilization,
                                 (long long)ic->crit_utilization);
        if (s->value >= s->max)
            lc_buf_printf(&detail, "%s: exhausted, the next number fails", who);
        else {
            char *left = fmt_count(s->max - s->value);

            lc_buf_printf(&detail, "%s: %s numbers left", who, left);
            free(left);
        }
        put_rate(run, s, &detail);
        action = lc_xasprintf("raise max_value of config %s before it runs out: lcbp3-dr "
                              "runbook " RUNBOOK_UTIL, s->cfg);
    }
    ic_report_addf(run->r, check, s->util_status, threshold, detail.data, action, RUNBOOK_UTIL,
                   "%.1f %% (%s of %s)", s->ratio * 100.0, value, max);
    free(check);
    free(who);
    free(value);
    free(max);
    free(threshold);
    free(action);
    lc_buf_done(&detail);
}

static void add_duplicates_line(struct run *run, const struct seq *s)
{
    char scope[32], *check, *who, *detail;

    scope_of(s, scope, sizeof(scope));
    check = lc_xasprintf("sequence.%s.%s.duplicates", s->cfg, scope);
    who = describe(s);
    detail = lc_xasprintf("%s: %lld of the %lld numbers issued in the last %d days repeat a "
                          "number issued before", who, (long long)s->dups, (long long)s->issued,
                          IC_SEQ_RATE_DAYS);
    ic_report_addf(run->r, check, IC_CRITICAL, "crit > 0", detail,
                   "find the documents sharing a number and renumber all but one: lcbp3-dr "
                   "runbook " RUNBOOK_DUP, RUNBOOK_DUP, "%lld", (long long)s->dups);
    free(check);
    free(who);
    free(detail);
}

/* One non-OK finding about one sequence: a line to list. */
struct finding {
    const struct seq *s;
    enum ic_status status;
    int dup;              /* the duplicates line, not the utilization one */
};

static int finding_cmp(const void *a, const void *b)
{
    const struct finding *x = a, *y = b;

    if (ic_status_rank(x->status) != ic_status_rank(y->status))
        return ic_status_rank(y->status) - ic_status_rank(x->status);
    if (x->dup != y->dup)
        return x->dup - y->dup;
    if (x->s->ratio != y->s->ratio)
        return x->s->ratio < y->s->ratio ? 1 : -1;
    return strcmp(x->s->cfg, y->s->cfg);
}

static int ratio_desc(const void *a, const void *b)
{
    const struct seq *x = *(const struct seq *const *)a, *y = *(const struct seq *const *)b;

    return x->ratio < y->ratio ? 1 : x->ratio > y->ratio ? -1 : 0;
}

static void put_gauges(struct run *run, const struct seq *s)
{
    struct lc_metrics *m = ic_report_metrics(run->r);
    char scope[32], *labels;

    if (s->ratio < 0)
        return;
    scope_of(s, scope, sizeof(scope));
    labels = lc_metrics_labels("type", s->cfg, "scope", scope, NULL);
    lc_metrics_gauge(m, "lcbp3_sequence_utilization_ratio",
                     "last number issued / max_value of a sequence (the fullest and the non-OK ones)",
                     labels, s->ratio);
    if (s->days >= 0)
        lc_metrics_gauge(m, "lcbp3_sequence_days_to_exhaustion",
                         "days until the sequence runs out at the issue rate of the last 30 days",
                         labels, s->days);
    free(labels);
}

/* The per-sequence lines (worst first, capped) and their gauges, plus the fullest. */
static size_t list_sequences(struct run *run, size_t *out_unlisted)
{
    struct finding *f = lc_xcalloc(2 * run->n_seqs + 1, sizeof(*f));
    const struct seq **top = lc_xcalloc(run->n_seqs + 1, sizeof(*top));
    size_t n = 0, n_top = 0, listed;

    for (size_t idx = 0; idx < run->n_seqs; idx++) {
        const struct seq *s = &run->seqs[idx];

        if (s->util_status != IC_OK)
            f[n++] = (struct finding){s, s->util_status, 0};
        if (s->dups > 0)
            f[n++] = (struct finding){s, IC_CRITICAL, 1};
        if (s->ratio >= 0 && (s->live || exceeded(s)))
            top[n_top++] = s;
    }
    qsort(f, n, sizeof(*f), finding_cmp);
    listed = n < IC_SEQ_MAX_LINES ? n : IC_SEQ_MAX_LINES;
    for (size_t idx = 0; idx < listed; idx++) {
        if (f[idx].dup)
            add_duplicates_line(run, f[idx].s);
        else
            add_sequence_line(run, f[idx].s);
        put_gauges(run, f[idx].s);
    }
    qsort(top, n_top, sizeof(*top), ratio_desc);
    for (size_t idx = 0; idx < n_top && idx < IC_SEQ_TOP_METRICS; idx++)
        put_gauges(run, top[idx]);
    *out_unlisted = n - listed;
    free(f);
    free(top);
    return n;
}

/* ---- the summaries ---- */

static void summary_utilization(struct run *run, size_t unlisted)
{
    const struct lc_integrity_cfg *ic = &run->cfg->integrity;
    struct lc_metrics *m = ic_report_metrics(run->r);
    size_t n_exceeded = 0, n_crit = 0, n_warn = 0, n_past = 0, n_inactive = 0, n_judged = 0;
    enum ic_status st = IC_OK;
    const struct seq *high = NULL, *soon = NULL;
    struct lc_buf detail = LC_BUF_INIT;
    char *threshold, *labels;

    for (size_t idx = 0; idx < run->n_seqs; idx++) {
        const struct seq *s = &run->seqs[idx];

        st = ic_status_worse(st, s->util_status);
        if (exceeded(s))
            n_exceeded++;
        else if (s->util_status == IC_CRITICAL)
            n_crit++;
        else if (s->util_status == IC_WARNING)
            n_warn++;
        if (s->max < 0)
            continue;
        if (!s->live && !exceeded(s)) {
            n_past++;
            continue;
        }
        if (!s->active && !exceeded(s)) {
            n_inactive++;
            continue;
        }
        n_judged++;
        if (!high || s->ratio > high->ratio)
            high = s;
        if (s->days > 0 && (!soon || s->days < soon->days))
            soon = s;
    }
    lc_buf_printf(&detail, "%zu exceeded, %zu over %lld %%, %zu over %lld %%", n_exceeded, n_crit,
                  (long long)ic->crit_utilization, n_warn, (long long)ic->warn_utilization);
    if (n_past)
        lc_buf_printf(&detail, "; %zu of past years (checked for exceeded only)", n_past);
    if (n_inactive)
        lc_buf_printf(&detail, "; %zu of inactive configs", n_inactive);
    if (soon) {
        char scope[32];

        scope_of(soon, scope, sizeof(scope));
        lc_buf_printf(&detail, "; soonest exhaustion: sequence %s.%s in %.0f days", soon->cfg,
                      scope, soon->days);
    }
    if (unlisted)
        lc_buf_printf(&detail, "; %zu more non-OK lines not listed (at most %d are)", unlisted,
                      IC_SEQ_MAX_LINES);
    threshold = lc_xasprintf("warn > %lld %%, crit > %lld %%", (long long)ic->warn_utilization,
                             (long long)ic->crit_utilization);
    if (high)
        ic_report_addf(run->r, "utilization", st, threshold, detail.data,
                       st == IC_OK ? NULL : "raise max_value of the configs listed above: lcbp3-dr "
                                            "runbook " RUNBOOK_UTIL,
                       st == IC_OK ? NULL : RUNBOOK_UTIL, "%zu sequences, highest %.1f %%",
                       run->n_seqs, high->ratio * 100.0);
    else
        ic_report_addf(run->r, "utilization", st, threshold, detail.data, NULL, NULL,
                       "%zu sequences, none in use", run->n_seqs);
    lc_metrics_gauge(m, "lcbp3_sequence_utilization_max_ratio",
                     "highest utilization of a live sequence", NULL, high ? high->ratio : 0.0);
    if (soon)
        lc_metrics_gauge(m, "lcbp3_sequence_days_to_exhaustion_min",
                         "fewest days to exhaustion of any sequence at the rate of the last 30 days",
                         NULL, soon->days);
    {
        static const char *const help = "numbering sequences by state";
        const struct {
            const char *state;
            size_t n;
        } counts[] = {{"all", run->n_seqs}, {"exceeded", n_exceeded}, {"critical", n_crit},
                      {"warning", n_warn}};

        for (size_t idx = 0; idx < sizeof(counts) / sizeof(counts[0]); idx++) {
            labels = lc_metrics_labels("state", counts[idx].state, NULL);
            lc_metrics_gauge(m, "lcbp3_sequence_count", help, labels, (double)counts[idx].n);
            free(labels);
        }
    }
    free(threshold);
    lc_buf_done(&detail);
}

static void summary_orphans(struct run *run)
{
    struct lc_buf sample = LC_BUF_INIT;
    size_t n = 0;

    if (!run->t.name[LC_NUM_CONFIGS]) {
        ic_report_addf(run->r, "orphans", IC_OK, NULL,
                       "not checked: [numbering] configs_table is unset", NULL, NULL, "-");
        return;
    }
    for (size_t idx = 0; idx < run->n_seqs; idx++) {
        const struct seq *s = &run->seqs[idx];
        char scope[32];

        if (!s->orphan)
            continue;
        if (n++ < IC_SEQ_SAMPLE) {
            scope_of(s, scope, sizeof(scope));
            lc_buf_printf(&sample, "%s%s.%s", sample.len ? ", " : "", s->cfg, scope);
        }
    }
    lc_metrics_gauge(ic_report_metrics(run->r), "lcbp3_sequence_orphans",
                     "sequences whose config row is missing", NULL, (double)n);
    if (n == 0) {
        ic_report_addf(run->r, "orphans", IC_OK, "warn > 0", NULL, NULL, NULL,
                       "0 sequences without a config");
    } else {
        char *detail = lc_xasprintf("no row in '%s' for sequence%s %s%s: their utilization cannot "
                                    "be judged", run->t.where[LC_NUM_CONFIGS], n > 1 ? "s" : "",
                                    sample.data, n > IC_SEQ_SAMPLE ? ", ..." : "");

        ic_report_addf(run->r, "orphans", IC_WARNING, "warn > 0", detail,
                       "restore the missing config rows (from the latest backup: lcbp3-restore db "
                       "latest --tables ...), or retire the sequences", NULL,
                       "%zu sequences without a config", n);
        free(detail);
    }
    lc_buf_done(&sample);
}

static void summary_yearly(struct run *run)
{
    char *sql = lc_numbering_sql_yearly(run->db, &run->cfg->numbering, &run->t);
    struct lc_err err = LC_ERR_INIT;
    MYSQL_RES *res = NULL;
    MYSQL_ROW row;
    int64_t total, missing;

    if (!sql) {
        ic_report_addf(run->r, "yearly_scope", IC_OK, NULL,
                       run->t.name[LC_NUM_CONFIGS] ? "not checked: [numbering] config_reset_column is unset"
                                                   : "not checked: [numbering] configs_table is unset",
                       NULL, NULL, "-");
        return;
    }
    res = timed_query(run->db, "yearly", sql, &err);
    if (!res) {
        lc_err_prefix(&err, "reading the yearly configs of '%s'", run->t.where[LC_NUM_CONFIGS]);
        ic_report_unknown(run->r, "yearly_scope", &err, "check the [mariadb] connection and "
                          "privileges, then run lcbp3-integrity sequences again");
        goto out;
    }
    row = mysql_fetch_row(res);
    if (!row || parse_i64(row[0], &total) < 0 || parse_i64(row[1], &missing) < 0) {
        lc_err_set(&err, LC_E_SOFTWARE, "the count of yearly configs could not be read");
        ic_report_unknown(run->r, "yearly_scope", &err, NULL);
        goto out;
    }
    lc_metrics_gauge(ic_report_metrics(run->r), "lcbp3_sequence_yearly_missing",
                     "active yearly configs without a sequence for the current year", NULL,
                     run->day_of_year > 1 ? (double)missing : 0.0);
    if (missing == 0 || run->day_of_year <= 1) {
        ic_report_addf(run->r, "yearly_scope", IC_OK, "warn > 0 after 1 January",
                       run->day_of_year <= 1 && missing ? "1 January: sequences of the new year "
                                                          "appear with their first number" : NULL,
                       NULL, NULL, "%lld yearly configs, all with a %ld sequence",
                       (long long)total, run->year);
    } else {
        char *detail = lc_xasprintf("no %ld row in '%s' for config%s %s", run->year,
                                    run->t.where[LC_NUM_SEQUENCES], missing > 1 ? "s" : "",
                                    row[2] ? row[2] : "?");
        char *action = lc_xasprintf("the first number of %ld creates a config's sequence: if "
                                    "these configs numbered documents this year, find where the "
                                    "numbering service writes them; otherwise mark them inactive",
                                    run->year);

        ic_report_addf(run->r, "yearly_scope", IC_WARNING, "warn > 0 after 1 January", detail,
                       action, NULL, "%lld of %lld yearly configs without a %ld sequence",
                       (long long)missing, (long long)total, run->year);
        free(detail);
        free(action);
    }
out:
    mysql_free_result(res);
    free(sql);
}

static void summary_duplicates(struct run *run)
{
    struct lc_buf sample = LC_BUF_INIT;
    int64_t dups = 0;
    size_t n = 0;

    if (!run->t.name[LC_NUM_AUDIT]) {
        ic_report_addf(run->r, "duplicates", IC_OK, NULL,
                       "not checked: [numbering] audit_table is unset", NULL, NULL, "-");
        return;
    }
    if (!run->rate_known)
        return; /* the UNKNOWN line was added where the read failed */
    for (size_t idx = 0; idx < run->n_seqs; idx++) {
        const struct seq *s = &run->seqs[idx];
        char scope[32];

        if (s->dups <= 0)
            continue;
        dups += s->dups;
        if (n++ < IC_SEQ_SAMPLE) {
            scope_of(s, scope, sizeof(scope));
            lc_buf_printf(&sample, "%s%s.%s (%lld)", sample.len ? ", " : "", s->cfg, scope,
                          (long long)s->dups);
        }
    }
    lc_metrics_gauge(ic_report_metrics(run->r), "lcbp3_sequence_duplicate_numbers",
                     "numbers issued again by the same sequence in the last 30 days", NULL,
                     (double)dups);
    if (dups == 0) {
        ic_report_addf(run->r, "duplicates", IC_OK, "crit > 0", NULL, NULL, NULL,
                       "0 numbers issued twice in the last %d days", IC_SEQ_RATE_DAYS);
    } else {
        char *detail = lc_xasprintf("in %zu sequence%s: %s%s", n, n > 1 ? "s" : "", sample.data,
                                    n > IC_SEQ_SAMPLE ? ", ..." : "");

        ic_report_addf(run->r, "duplicates", IC_CRITICAL, "crit > 0", detail,
                       "find the documents sharing a number and renumber all but one: lcbp3-dr "
                       "runbook " RUNBOOK_DUP, RUNBOOK_DUP, "%lld numbers issued twice in the "
                       "last %d days", (long long)dups, IC_SEQ_RATE_DAYS);
        free(detail);
    }
    lc_buf_done(&sample);
}

/* ---- the run ---- */

static const char connect_action[] =
    "check [mariadb] in the config and that the server is up: lcbp3-integrity health";

void ic_check_sequences(const struct lc_config *cfg, const struct ic_opts *opts, struct ic_report *r)
{
    struct run run;
    struct lc_err err = LC_ERR_INIT;
    size_t unlisted = 0;

    (void)opts;
    memset(&run, 0, sizeof(run));
    run.cfg = cfg;
    run.r = r;
    ic_report_group(r, "sequences");
    if (lc_numbering_resolve(cfg, &run.t, &err) < 0) {
        ic_report_unknown(r, "schema", &err, "fix [numbering] in the config");
        goto out;
    }
    run.db = lc_db_connect(&cfg->mariadb, "lcbp3-integrity", &err);
    if (!run.db) {
        ic_report_unknown(r, "mariadb", &err, connect_action);
        goto out;
    }
    if (lc_numbering_schema_check(run.db, &cfg->numbering, &run.t, &err) < 0) {
        ic_report_unknown(r, "schema", &err, "fix [numbering] in the config");
        goto out;
    }
    /* one snapshot: the sequences, the audit rows and the configs agree with each other */
    if (lc_db_exec(run.db, "START TRANSACTION READ ONLY, WITH CONSISTENT SNAPSHOT", &err) < 0 ||
        read_clock(&run, &err) < 0) {
        ic_report_unknown(r, "mariadb", &err, connect_action);
        goto out;
    }
    if (read_sequences(&run, &err) < 0) {
        lc_err_prefix(&err, "reading the sequences of '%s'", run.t.where[LC_NUM_SEQUENCES]);
        ic_report_unknown(r, "utilization", &err, "check the [mariadb] user's SELECT privilege "
                          "on the [numbering] tables");
        goto out;
    }
    if (run.t.name[LC_NUM_AUDIT] && read_rates(&run, &err) < 0) {
        lc_err_prefix(&err, "reading the audit rows of '%s'", run.t.where[LC_NUM_AUDIT]);
        ic_report_unknown(r, "duplicates", &err, "check the [mariadb] user's SELECT privilege "
                          "on [numbering] audit_table");
        lc_err_clear(&err);
    }
    judge(&run);
    list_sequences(&run, &unlisted);
    summary_utilization(&run, unlisted);
    summary_orphans(&run);
    summary_yearly(&run);
    summary_duplicates(&run);
    (void)lc_db_exec(run.db, "COMMIT", &err);
out:
    seqs_free(&run);
    lc_db_close(run.db);
    lc_numbering_done(&run.t);
}
