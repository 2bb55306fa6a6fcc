/*
 * Runbook version-conflicts (lcbp3-integrity's sequences.duplicates; the backend
 * logging "version conflict: giving up"): the requests per counter in the last 5
 * minutes of the audit table, their peak per second (two in the same second race for
 * the same row version), and numbers issued twice in that window. Diagnosis only.
 */
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/db.h"
#include "common/mem.h"
#include "common/numbering.h"
#include "tools/dr/runbook.h"
#include "tools/dr/runbook_report.h"

#define VC_WINDOW_MIN 5
#define VC_SHOW_MAX 20

/* "<key> AS k ... FROM audit a WHERE <time> >= the window" pieces */
static void put_key(struct lc_buf *b, const struct lc_numbering_cfg *num)
{
    lc_numbering_put_key(b, "'-'", "a", num->audit_sequence_columns);
    lc_buf_puts(b, " AS k");
}

static void put_window(struct lc_buf *b, const struct lc_numbering_cfg *num,
                       const struct lc_numbering_tables *t)
{
    lc_buf_printf(b, " FROM %s a WHERE ", t->quoted[LC_NUM_AUDIT]);
    lc_numbering_put_col(b, "a", num->audit_time_column);
    lc_buf_printf(b, " >= NOW() - INTERVAL %d MINUTE", VC_WINDOW_MIN);
}

/* IF(action = issue, number, NULL), or the number when there is no action column */
static void put_issued(MYSQL *db, struct lc_buf *b, const struct lc_numbering_cfg *num)
{
    if (!num->audit_action_column) {
        lc_numbering_put_col(b, "a", num->audit_number_column);
        return;
    }
    lc_buf_puts(b, "IF(");
    lc_numbering_put_col(b, "a", num->audit_action_column);
    lc_buf_puts(b, " = ");
    lc_db_quote_string(db, b, num->audit_issue_action ? num->audit_issue_action : "");
    lc_buf_puts(b, ", ");
    lc_numbering_put_col(b, "a", num->audit_number_column);
    lc_buf_puts(b, ", NULL)");
}

/*
 * Per counter: requests in the window, the most in one second, and the numbers issued
 * more than once (issued rows - distinct issued numbers). Two range reads of the time
 * column's index.
 */
static char *sql_window(MYSQL *db, const struct lc_numbering_cfg *num,
                        const struct lc_numbering_tables *t)
{
    struct lc_buf b = LC_BUF_INIT;

    lc_buf_puts(&b, "SELECT w.k, SUM(w.n), MAX(w.n), MAX(d.dups) FROM (SELECT ");
    put_key(&b, num);
    lc_buf_puts(&b, ", COUNT(*) AS n");
    put_window(&b, num, t);
    lc_buf_puts(&b, " GROUP BY 1, FLOOR(UNIX_TIMESTAMP(");
    lc_numbering_put_col(&b, "a", num->audit_time_column);
    lc_buf_puts(&b, "))) w JOIN (SELECT ");
    put_key(&b, num);
    lc_buf_puts(&b, ", COUNT(");
    put_issued(db, &b, num);
    lc_buf_puts(&b, ") - COUNT(DISTINCT ");
    put_issued(db, &b, num);
    lc_buf_puts(&b, ") AS dups");
    put_window(&b, num, t);
    lc_buf_puts(&b, " GROUP BY 1) d ON d.k = w.k GROUP BY w.k ORDER BY MAX(w.n) DESC, SUM(w.n) DESC");
    return lc_buf_steal(&b);
}

int dr_runbook_version_conflicts(const struct lc_config *cfg, const struct dr_opts *opts,
                                 struct lc_err *err)
{
    const struct lc_numbering_cfg *num = &cfg->numbering;
    struct lc_numbering_tables t;
    struct dr_rb rb;
    MYSQL *db = NULL;
    MYSQL_RES *res = NULL;
    MYSQL_ROW row;
    char *sql = NULL;
    size_t counters = 0, contended = 0;
    long long total = 0;
    int rc = -1;

    memset(&t, 0, sizeof(t));
    dr_rb_init(&rb, "version-conflicts");
    if (dr_rb_no_apply(opts, err) < 0 || lc_numbering_resolve(cfg, &t, err) < 0)
        goto out;
    if (!t.name[LC_NUM_AUDIT]) {
        lc_err_set(err, LC_E_CONFIG, "[numbering] audit_table is unset: the requests per "
                   "counter are read from it");
        goto out;
    }
    db = dr_rb_connect(cfg, err);
    if (!db || lc_numbering_schema_check(db, num, &t, err) < 0)
        goto out;
    sql = sql_window(db, num, &t);
    res = lc_db_query(db, sql, err);
    if (!res) {
        lc_err_prefix(err, "reading the audit rows of '%s'", t.where[LC_NUM_AUDIT]);
        dr_rb_grant_hint(db, err, "SELECT", t.quoted[LC_NUM_AUDIT]);
        goto out;
    }
    while ((row = mysql_fetch_row(res)) != NULL) {
        long long n = strtoll(row[1], NULL, 10), peak = strtoll(row[2], NULL, 10);
        long long dups = strtoll(row[3], NULL, 10);

        counters++;
        total += n;
        if (dups > 0)
            dr_rb_finding(&rb, "counter %s issued %lld numbers twice in the last %d minutes",
                          row[0], dups, VC_WINDOW_MIN);
        if (peak < 2)
            continue;
        if (++contended <= VC_SHOW_MAX)
            dr_rb_finding(&rb, "counter %s: %lld requests in the last %d minutes, up to %lld in "
                          "the same second (they race for the same row version)", row[0], n,
                          VC_WINDOW_MIN, peak);
    }
    if (contended > VC_SHOW_MAX)
        dr_rb_finding(&rb, "... and %zu more counters with concurrent requests",
                      contended - VC_SHOW_MAX);
    dr_rb_fact(&rb, "%lld requests on %zu counters in the last %d minutes of '%s'", total,
               counters, VC_WINDOW_MIN, t.where[LC_NUM_AUDIT]);
    if (contended) {
        dr_rb_action(&rb, "concurrent requests on one counter are serialised by the Redis lock "
                     "(lock:docnum:*); when it is missing or slow they meet in the database "
                     "and retry: lcbp3-dr runbook redis-down");
        dr_rb_action(&rb, "a transaction holding the counter's row makes every retry wait: "
                     "lcbp3-dr runbook lock-wait");
        dr_rb_action(&rb, "a bulk import numbering many documents at once: run it outside "
                     "office hours or slow it down");
    }
    if (rb.n_findings > contended && contended <= VC_SHOW_MAX)
        dr_rb_action(&rb, "numbers issued twice: lcbp3-integrity sequences lists them; correct "
                     "the documents with the backend's override before anyone uses the number");
    rc = dr_rb_print(&rb, opts->cli.json);
out:
    mysql_free_result(res);
    free(sql);
    lc_db_close(db);
    lc_numbering_done(&t);
    dr_rb_done(&rb);
    return rc;
}
