/*
 * Runbook slow-generation (numbers slow to come, the backend's numbering timing out):
 * the slow-log entries of the last 24 h that touch the numbering tables (when the slow
 * log goes to mysql.slow_log), whether the lookup columns are indexed (the sequences by
 * their config columns and year, the configs by their key, the audit rows by their
 * sequence columns and by time), and the Redis latency. Diagnosis only; a missing index
 * comes with the ALTER TABLE to run.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/buf.h"
#include "common/db.h"
#include "common/mem.h"
#include "common/numbering.h"
#include "tools/dr/runbook.h"
#include "tools/dr/runbook_report.h"

#define SG_REDIS_SLOW_MS 20.0

/* Whether an index of table `which` starts with exactly the columns `cols` (any order
 * among them, as an equality lookup on all of them uses it). */
static int has_index(MYSQL *db, const struct lc_numbering_tables *t, int which, char *const *cols,
                     int *out, struct lc_err *err)
{
    struct lc_buf sql = LC_BUF_INIT;
    MYSQL_RES *res;
    MYSQL_ROW row;
    size_t n = lc_strv_len(cols);
    char *index = NULL;
    size_t matched = 0;

    lc_buf_puts(&sql, "SELECT INDEX_NAME, SEQ_IN_INDEX, COLUMN_NAME FROM "
                      "information_schema.STATISTICS WHERE TABLE_SCHEMA = ");
    lc_db_quote_string(db, &sql, t->schema[which]);
    lc_buf_puts(&sql, " AND TABLE_NAME = ");
    lc_db_quote_string(db, &sql, t->name[which]);
    lc_buf_puts(&sql, " ORDER BY INDEX_NAME, SEQ_IN_INDEX");
    res = lc_db_query(db, sql.data, err);
    lc_buf_done(&sql);
    if (!res)
        return -1;
    *out = 0;
    while (!*out && (row = mysql_fetch_row(res)) != NULL) {
        int in = 0;

        if (!index || strcmp(index, row[0]) != 0) {
            free(index);
            index = lc_xstrdup(row[0]);
            matched = 0;
        }
        if (strtoull(row[1], NULL, 10) != matched + 1)
            continue; /* past a column that is not ours */
        for (size_t idx = 0; idx < n; idx++)
            in = in || strcasecmp(cols[idx], row[2]) == 0;
        if (in)
            matched++;
        else
            matched = n + 1; /* this index starts otherwise */
        *out = matched == n;
    }
    free(index);
    mysql_free_result(res);
    return 0;
}

static void check_index(MYSQL *db, const struct lc_numbering_tables *t, int which,
                        char *const *cols, const char *what, struct dr_rb *rb, struct lc_err *err,
                        int *failed)
{
    struct lc_buf list = LC_BUF_INIT, ddl = LC_BUF_INIT;
    int found = 0;

    if (*failed || !t->name[which])
        return;
    if (has_index(db, t, which, cols, &found, err) < 0) {
        *failed = 1;
        return;
    }
    for (size_t idx = 0; cols[idx]; idx++) {
        lc_buf_puts(&list, idx ? ", " : "");
        lc_db_quote_ident(&list, cols[idx]);
    }
    if (found) {
        dr_rb_fact(rb, "index on %s (%s): present", t->where[which], list.data);
    } else {
        dr_rb_finding(rb, "no index on %s (%s): %s reads the whole table", t->where[which],
                      list.data, what);
        lc_buf_printf(&ddl, "ALTER TABLE %s ADD INDEX (%s), ALGORITHM=INPLACE, LOCK=NONE;",
                      t->quoted[which], list.data);
        dr_rb_action(rb, "add the index (online) as the schema owner: %s", ddl.data);
    }
    lc_buf_done(&list);
    lc_buf_done(&ddl);
}

static int check_indexes(MYSQL *db, const struct lc_numbering_cfg *num,
                         const struct lc_numbering_tables *t, struct dr_rb *rb,
                         struct lc_err *err)
{
    size_t n = lc_strv_len(num->sequence_config_columns);
    char **seq_cols = lc_xcalloc(n + 2, sizeof(char *));
    char *time_col[2] = {num->audit_time_column, NULL};
    int failed = 0;

    for (size_t idx = 0; idx < n; idx++)
        seq_cols[idx] = num->sequence_config_columns[idx];
    seq_cols[n] = num->sequence_year_column;
    check_index(db, t, LC_NUM_SEQUENCES, seq_cols, "every number's lookup of its sequence", rb,
                err, &failed);
    if (num->config_id_columns)
        check_index(db, t, LC_NUM_CONFIGS, num->config_id_columns,
                    "every number's lookup of its config", rb, err, &failed);
    if (t->name[LC_NUM_AUDIT]) {
        check_index(db, t, LC_NUM_AUDIT, num->audit_sequence_columns,
                    "the audit history of a sequence", rb, err, &failed);
        check_index(db, t, LC_NUM_AUDIT, time_col, "every time-window read of the audit log",
                    rb, err, &failed);
    }
    free(seq_cols);
    return failed ? -1 : 0;
}

static int check_slow_log(MYSQL *db, const struct lc_numbering_tables *t, struct dr_rb *rb,
                          struct lc_err *err)
{
    struct lc_buf sql = LC_BUF_INIT;
    MYSQL_RES *res = NULL;
    MYSQL_ROW row;
    char *on = NULL, *output = NULL, *long_time = NULL;
    int rc = -1;

    if (lc_db_query_value(db, "SELECT @@slow_query_log", &on, err) < 0 ||
        lc_db_query_value(db, "SELECT @@log_output", &output, err) < 0 ||
        lc_db_query_value(db, "SELECT @@long_query_time", &long_time, err) < 0)
        goto out;
    dr_rb_fact(rb, "slow log: %s, log_output %s, long_query_time %s s",
               on && strcmp(on, "1") == 0 ? "on" : "off", output ? output : "?",
               long_time ? long_time : "?");
    if (!on || strcmp(on, "1") != 0 || !output || !strcasestr(output, "TABLE")) {
        dr_rb_fact(rb, "slow-log entries: not readable over SQL (needs slow_query_log=1 and "
                   "log_output including TABLE; otherwise read the slow-log file)");
        rc = 0;
        goto out;
    }
    lc_buf_puts(&sql, "SELECT start_time, TIME_TO_SEC(query_time), rows_examined, "
                      "LEFT(REPLACE(CONVERT(sql_text USING utf8mb4), '\\n', ' '), 160) FROM "
                      "mysql.slow_log WHERE start_time >= NOW() - INTERVAL 1 DAY AND (");
    for (int which = 0, first = 1; which < 3; which++) {
        if (!t->name[which])
            continue;
        lc_buf_puts(&sql, first ? "" : " OR ");
        lc_buf_puts(&sql, "sql_text LIKE CONCAT('%', ");
        lc_db_quote_string(db, &sql, t->name[which]);
        lc_buf_puts(&sql, ", '%')");
        first = 0;
    }
    lc_buf_puts(&sql, ") ORDER BY query_time DESC LIMIT 20");
    res = lc_db_query(db, sql.data, err);
    if (!res) {
        lc_err_prefix(err, "reading mysql.slow_log");
        dr_rb_grant_hint(db, err, "SELECT", "mysql.slow_log");
        goto out;
    }
    while ((row = mysql_fetch_row(res)) != NULL)
        dr_rb_finding(rb, "slow query at %s: %s s, %s rows examined: %s", row[0],
                      row[1] ? row[1] : "?", row[2] ? row[2] : "?", row[3] ? row[3] : "");
    if (mysql_num_rows(res) == 0)
        dr_rb_fact(rb, "slow-log entries on the numbering tables in the last 24 h: none");
    else
        dr_rb_action(rb, "read each slow statement with EXPLAIN: a full scan wants the index "
                     "above; a lock wait: lcbp3-dr runbook lock-wait");
    rc = 0;
out:
    mysql_free_result(res);
    lc_buf_done(&sql);
    free(on);
    free(output);
    free(long_time);
    return rc;
}

int dr_runbook_slow_generation(const struct lc_config *cfg, const struct dr_opts *opts,
                               struct lc_err *err)
{
    struct lc_numbering_tables t;
    struct dr_rb rb;
    MYSQL *db = NULL;
    int rc = -1;

    memset(&t, 0, sizeof(t));
    dr_rb_init(&rb, "slow-generation");
    if (dr_rb_no_apply(opts, err) < 0 || lc_numbering_resolve(cfg, &t, err) < 0)
        goto out;
    db = dr_rb_connect(cfg, err);
    if (!db || lc_numbering_schema_check(db, &cfg->numbering, &t, err) < 0)
        goto out;
    if (check_slow_log(db, &t, &rb, err) < 0)
        goto out;
    if (check_indexes(db, &cfg->numbering, &t, &rb, err) < 0) {
        lc_err_prefix(err, "reading the indexes of the numbering tables");
        goto out;
    }
    dr_rb_redis_latency(cfg, &rb, SG_REDIS_SLOW_MS);
    rc = dr_rb_print(&rb, opts->cli.json);
out:
    lc_db_close(db);
    lc_numbering_done(&t);
    dr_rb_done(&rb);
    return rc;
}
