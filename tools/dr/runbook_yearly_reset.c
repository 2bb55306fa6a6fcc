/*
 * Runbook yearly-reset (lcbp3-integrity's sequences.yearly_scope WARNING; the first
 * numbers of a new year failing): the active yearly configs that have no sequence for
 * the current year (the database's clock). --apply creates them, value 0, in one
 * transaction: one INSERT ... SELECT ... WHERE NOT EXISTS over the same rows, so a
 * second run creates none. Other NOT NULL columns of the sequences table without a
 * default (the live schema's updated_at) get NOW(6) when they are dates or times.
 */
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/db.h"
#include "common/mem.h"
#include "common/numbering.h"
#include "tools/dr/runbook.h"
#include "tools/dr/runbook_report.h"

#define YR_SHOW_MAX 50

/* FROM configs c WHERE yearly AND active AND NOT EXISTS (this year's sequence) */
static void put_missing(MYSQL *db, const struct lc_numbering_cfg *num,
                        const struct lc_numbering_tables *t, struct lc_buf *b)
{
    lc_buf_printf(b, " FROM %s c WHERE ", t->quoted[LC_NUM_CONFIGS]);
    lc_numbering_put_col(b, "c", num->config_reset_column);
    lc_buf_puts(b, " = ");
    lc_db_quote_string(db, b, num->config_yearly_value ? num->config_yearly_value : "");
    if (num->config_active_column) {
        lc_buf_puts(b, " AND ");
        lc_numbering_put_col(b, "c", num->config_active_column);
        lc_buf_puts(b, " <> 0");
    }
    lc_buf_printf(b, " AND NOT EXISTS (SELECT 1 FROM %s s WHERE ", t->quoted[LC_NUM_SEQUENCES]);
    lc_numbering_put_join(b, num->config_id_columns, num->sequence_config_columns);
    lc_buf_puts(b, " AND ");
    lc_numbering_put_col(b, "s", num->sequence_year_column);
    lc_buf_puts(b, " = YEAR(CURDATE()))");
}

/* ", `col`" and ", NOW(6)" for each date/time NOT NULL column without a default that
 * the INSERT does not fill; -1 (LC_E_CONFIG) for another such column. */
static int other_columns(MYSQL *db, const struct lc_numbering_cfg *num,
                         const struct lc_numbering_tables *t, struct lc_buf *cols,
                         struct lc_buf *vals, struct lc_err *err)
{
    struct lc_buf sql = LC_BUF_INIT;
    MYSQL_RES *res;
    MYSQL_ROW row;
    int rc = 0;

    lc_buf_puts(&sql, "SELECT COLUMN_NAME, DATA_TYPE FROM information_schema.COLUMNS WHERE "
                      "TABLE_SCHEMA = ");
    lc_db_quote_string(db, &sql, t->schema[LC_NUM_SEQUENCES]);
    lc_buf_puts(&sql, " AND TABLE_NAME = ");
    lc_db_quote_string(db, &sql, t->name[LC_NUM_SEQUENCES]);
    lc_buf_puts(&sql, " AND IS_NULLABLE = 'NO' AND COLUMN_DEFAULT IS NULL AND EXTRA NOT LIKE "
                      "'%auto_increment%' AND EXTRA NOT LIKE '%GENERATED%'");
    res = lc_db_query(db, sql.data, err);
    lc_buf_done(&sql);
    if (!res)
        return -1;
    while (rc == 0 && (row = mysql_fetch_row(res)) != NULL) {
        int ours = strcasecmp(row[0], num->sequence_year_column) == 0 ||
                   strcasecmp(row[0], num->sequence_value_column) == 0;

        for (size_t idx = 0; num->sequence_config_columns[idx]; idx++)
            ours = ours || strcasecmp(row[0], num->sequence_config_columns[idx]) == 0;
        if (ours)
            continue;
        if (strstr("datetime timestamp date", row[1])) {
            lc_buf_puts(cols, ", ");
            lc_db_quote_ident(cols, row[0]);
            lc_buf_puts(vals, ", NOW(6)");
        } else {
            rc = lc_err_set(err, LC_E_CONFIG, "column '%s' of '%s' is NOT NULL without a "
                            "default: this runbook cannot fill it", row[0],
                            t->where[LC_NUM_SEQUENCES]);
        }
    }
    mysql_free_result(res);
    return rc;
}

static int create_missing(MYSQL *db, const struct lc_numbering_cfg *num,
                          const struct lc_numbering_tables *t, struct dr_rb *rb,
                          struct lc_err *err)
{
    struct lc_buf sql = LC_BUF_INIT, cols = LC_BUF_INIT, vals = LC_BUF_INIT;
    struct lc_err ignored = LC_ERR_INIT;
    unsigned long long rows = 0;
    int in_trx = 0, rc = -1;

    if (other_columns(db, num, t, &cols, &vals, err) < 0)
        goto out;
    lc_buf_printf(&sql, "INSERT INTO %s (", t->quoted[LC_NUM_SEQUENCES]);
    for (size_t idx = 0; num->sequence_config_columns[idx]; idx++) {
        lc_db_quote_ident(&sql, num->sequence_config_columns[idx]);
        lc_buf_puts(&sql, ", ");
    }
    lc_db_quote_ident(&sql, num->sequence_year_column);
    lc_buf_puts(&sql, ", ");
    lc_db_quote_ident(&sql, num->sequence_value_column);
    lc_buf_printf(&sql, "%s) SELECT ", cols.data ? cols.data : "");
    lc_numbering_put_columns(&sql, "c", num->config_id_columns);
    lc_buf_printf(&sql, ", YEAR(CURDATE()), 0%s", vals.data ? vals.data : "");
    put_missing(db, num, t, &sql);
    if (lc_db_exec(db, "START TRANSACTION", err) < 0)
        goto out;
    in_trx = 1;
    if (dr_rb_exec_rows(db, sql.data, &rows, err) < 0) {
        lc_err_prefix(err, "creating this year's sequences in '%s'", t->where[LC_NUM_SEQUENCES]);
        dr_rb_grant_hint(db, err, "INSERT", t->quoted[LC_NUM_SEQUENCES]);
        goto out;
    }
    dr_rb_applied(rb, "%llu sequences created for this year in '%s' (value 0)",
                  rows, t->where[LC_NUM_SEQUENCES]);
    if (lc_db_exec(db, "COMMIT", err) < 0)
        goto out;
    in_trx = 0;
    rc = 0;
out:
    if (in_trx)
        (void)lc_db_exec(db, "ROLLBACK", &ignored);
    lc_buf_done(&sql);
    lc_buf_done(&cols);
    lc_buf_done(&vals);
    return rc;
}

static int list_missing(MYSQL *db, const struct lc_numbering_cfg *num,
                        const struct lc_numbering_tables *t, struct dr_rb *rb,
                        struct lc_err *err)
{
    struct lc_buf sql = LC_BUF_INIT;
    MYSQL_RES *res;
    MYSQL_ROW row;
    unsigned long long n;

    lc_buf_puts(&sql, "SELECT ");
    lc_numbering_put_key(&sql, "'-'", "c", num->config_id_columns);
    lc_buf_puts(&sql, ", ");
    if (num->config_label_column)
        lc_numbering_put_col(&sql, "c", num->config_label_column);
    else
        lc_buf_puts(&sql, "NULL");
    lc_buf_puts(&sql, ", YEAR(CURDATE())");
    put_missing(db, num, t, &sql);
    lc_buf_puts(&sql, " ORDER BY 1");
    res = lc_db_query(db, sql.data, err);
    lc_buf_done(&sql);
    if (!res)
        return -1;
    n = mysql_num_rows(res);
    for (unsigned long long idx = 0; (row = mysql_fetch_row(res)) != NULL; idx++) {
        if (idx == YR_SHOW_MAX) {
            dr_rb_finding(rb, "... and %llu more", n - YR_SHOW_MAX);
            break;
        }
        dr_rb_finding(rb, "config %s%s%s%s: no %s sequence", row[0], row[1] ? " (" : "",
                      row[1] ? row[1] : "", row[1] ? ")" : "", row[2]);
    }
    if (n)
        dr_rb_action(rb, "lcbp3-dr runbook yearly-reset --apply");
    mysql_free_result(res);
    return 0;
}

int dr_runbook_yearly_reset(const struct lc_config *cfg, const struct dr_opts *opts,
                            struct lc_err *err)
{
    const struct lc_numbering_cfg *num = &cfg->numbering;
    struct lc_numbering_tables t;
    struct dr_rb rb;
    MYSQL *db = NULL;
    char *year = NULL;
    int rc = -1;

    memset(&t, 0, sizeof(t));
    dr_rb_init(&rb, "yearly-reset");
    if (opts->type || opts->factor > 0 || opts->kill_thread) {
        lc_cli_usage_error(err, opts->cli.program, "yearly-reset takes only --apply (and "
                           "--reason, unused)");
        goto out;
    }
    if (lc_numbering_resolve(cfg, &t, err) < 0)
        goto out;
    if (!t.name[LC_NUM_CONFIGS] || !num->config_reset_column) {
        lc_err_set(err, LC_E_CONFIG, "[numbering] configs_table or config_reset_column is "
                   "unset: which configs reset yearly is not known");
        goto out;
    }
    db = dr_rb_connect(cfg, err);
    if (!db || lc_numbering_schema_check(db, num, &t, err) < 0 ||
        lc_db_query_value(db, "SELECT YEAR(CURDATE())", &year, err) < 0)
        goto out;
    dr_rb_fact(&rb, "year %s (database clock); yearly configs in '%s', sequences in '%s'", year,
               t.where[LC_NUM_CONFIGS], t.where[LC_NUM_SEQUENCES]);
    if (opts->apply && create_missing(db, num, &t, &rb, err) < 0)
        goto out;
    if (list_missing(db, num, &t, &rb, err) < 0) {
        lc_err_prefix(err, "reading the yearly configs of '%s'", t.where[LC_NUM_CONFIGS]);
        goto out;
    }
    rc = dr_rb_print(&rb, opts->cli.json);
out:
    free(year);
    lc_db_close(db);
    lc_numbering_done(&t);
    dr_rb_done(&rb);
    return rc;
}
