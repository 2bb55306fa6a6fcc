/*
 * Runbook high-utilization (alerts LCBP3SequenceUtilizationHigh/Critical): the
 * sequences of the current scope (this year's, and those that never reset) above
 * [integrity] warn_utilization, with the numbers left, the daily issue rate over the
 * last 30 days of the audit table and the days to exhaustion. --apply --type CFG
 * --factor F --reason TEXT raises that config's max_value (it applies to all its years)
 * and writes one audit row, in one transaction.
 *
 * The audit row: the seed schema's action ENUM has no ADJUST_MAX_VALUE, so the row is
 * written with ADJUST_MAX_VALUE when the action column allows it (or is not an ENUM),
 * else with OVERRIDE; the details go to the table's `metadata` column when it has one,
 * as JSON {"type":"ADJUST_MAX_VALUE","config","old","new","factor","reason","operator"}.
 * The number column reads "max_value OLD -> NEW". The row names the config's newest
 * sequence (the audit table names sequences, not configs).
 */
#include <json-c/json.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/buf.h"
#include "common/db.h"
#include "common/mem.h"
#include "common/numbering.h"
#include "tools/dr/runbook.h"
#include "tools/dr/runbook_report.h"

struct hu_run {
    const struct lc_config *cfg;
    const struct dr_opts *opts;
    MYSQL *db;
    struct lc_numbering_tables t;
    long long year;
    struct dr_rb rb;
};

static long long to_ll(const char *s)
{
    return s ? strtoll(s, NULL, 10) : 0;
}

/* Issued numbers of the last 30 days for `seq_key`, from the audit result (-1: none). */
static long long issued_of(MYSQL_RES *audit, const char *seq_key)
{
    MYSQL_ROW row;

    if (!audit)
        return -1;
    mysql_data_seek(audit, 0);
    while ((row = mysql_fetch_row(audit)) != NULL)
        if (row[0] && strcmp(row[0], seq_key) == 0)
            return to_ll(row[1]);
    return 0;
}

static void judge(struct hu_run *run, MYSQL_ROW row, MYSQL_RES *audit)
{
    const struct lc_integrity_cfg *ic = &run->cfg->integrity;
    long long year = to_ll(row[2]), value = to_ll(row[3]), max = to_ll(row[4]), issued;
    double pct, rate;
    struct lc_buf line = LC_BUF_INIT;
    char *reason;

    if (!row[4] || to_ll(row[5]) || !to_ll(row[7]) || max <= 0)
        return; /* orphan, inactive or without a max: lcbp3-integrity reports those */
    if (to_ll(row[6]) && year != run->year)
        return; /* a past (or future) year of a yearly config: history */
    pct = 100.0 * (double)value / (double)max;
    if (pct <= (double)ic->warn_utilization)
        return;
    lc_buf_printf(&line, "%s config %s%s%s%s, %s: %.1f %% (%lld of %lld), %lld numbers left",
                  pct > 100.0 ? "EXCEEDED" : pct > (double)ic->crit_utilization ? "CRITICAL"
                                                                                  : "WARNING",
                  row[1], row[8] ? " (" : "", row[8] ? row[8] : "", row[8] ? ")" : "",
                  year ? row[2] : "no yearly reset", pct, value, max,
                  value < max ? max - value : 0);
    issued = issued_of(audit, row[0]);
    if (issued > 0) {
        rate = (double)issued / LC_NUMBERING_RATE_DAYS;
        lc_buf_printf(&line, "; %.1f a day over the last %d days; %s", rate,
                      LC_NUMBERING_RATE_DAYS, value >= max ? "exhausted" : "");
        if (value < max)
            lc_buf_printf(&line, "%.0f days to exhaustion", floor((double)(max - value) / rate));
    } else if (issued == 0) {
        lc_buf_printf(&line, "; no number issued in the last %d days", LC_NUMBERING_RATE_DAYS);
    }
    dr_rb_finding(&run->rb, "%s", line.data);
    lc_buf_done(&line);
    if (!run->t.name[LC_NUM_CONFIGS] || !run->cfg->numbering.config_max_column) {
        dr_rb_action(&run->rb, "raise [numbering] default_max_value in the config file (there is "
                     "no configs table or config_max_column to raise)");
        return;
    }
    reason = dr_rb_shell_word("sequence near exhaustion");
    dr_rb_action(&run->rb, "lcbp3-dr runbook high-utilization --apply --type %s --factor 10 "
                 "--reason %s", row[1], reason);
    free(reason);
}

static int diagnose(struct hu_run *run, struct lc_err *err)
{
    char *sql_seq = lc_numbering_sql_sequences(run->db, &run->cfg->numbering, &run->t);
    char *sql_audit = lc_numbering_sql_audit(run->db, &run->cfg->numbering, &run->t);
    MYSQL_RES *seqs = NULL, *audit = NULL;
    MYSQL_ROW row;
    size_t n = 0;
    int rc = -1;

    seqs = lc_db_query(run->db, sql_seq, err);
    if (!seqs) {
        lc_err_prefix(err, "reading the sequences of '%s'", run->t.where[LC_NUM_SEQUENCES]);
        goto out;
    }
    if (sql_audit) {
        audit = lc_db_query(run->db, sql_audit, err);
        if (!audit) {
            lc_err_prefix(err, "reading the audit rows of '%s'", run->t.where[LC_NUM_AUDIT]);
            goto out;
        }
    }
    while ((row = mysql_fetch_row(seqs)) != NULL) {
        n++;
        judge(run, row, audit);
    }
    dr_rb_fact(&run->rb, "%zu sequences in '%s'; year %lld (database clock); findings above "
               "%lld %% (warning) and %lld %% (critical)", n, run->t.where[LC_NUM_SEQUENCES],
               run->year, (long long)run->cfg->integrity.warn_utilization,
               (long long)run->cfg->integrity.crit_utilization);
    if (!sql_audit)
        dr_rb_fact(&run->rb, "no [numbering] audit_table: no issue rate, no days to exhaustion");
    rc = 0;
out:
    mysql_free_result(seqs);
    mysql_free_result(audit);
    free(sql_seq);
    free(sql_audit);
    return rc;
}

/* ---- --apply ---- */

/* The highest value of an integer column type ("int(10) unsigned"); 0 when not integer. */
static unsigned long long type_max(const char *column_type)
{
    static const struct {
        const char *prefix;
        int bits;
    } types[] = {{"tinyint", 8}, {"smallint", 16}, {"mediumint", 24}, {"bigint", 64}, {"int", 32}};
    int is_unsigned = strstr(column_type, "unsigned") != NULL;

    for (size_t idx = 0; idx < sizeof(types) / sizeof(types[0]); idx++) {
        int bits = types[idx].bits;

        if (strncasecmp(column_type, types[idx].prefix, strlen(types[idx].prefix)) != 0)
            continue;
        if (bits == 64)
            return is_unsigned ? UINT64_MAX : INT64_MAX;
        return is_unsigned ? (1ULL << bits) - 1 : (1ULL << (bits - 1)) - 1;
    }
    return 0;
}

static char *column_type(struct hu_run *run, int table, const char *column, struct lc_err *err)
{
    struct lc_buf sql = LC_BUF_INIT;
    char *type = NULL;

    lc_buf_puts(&sql, "SELECT COLUMN_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ");
    lc_db_quote_string(run->db, &sql, run->t.schema[table]);
    lc_buf_puts(&sql, " AND TABLE_NAME = ");
    lc_db_quote_string(run->db, &sql, run->t.name[table]);
    lc_buf_puts(&sql, " AND COLUMN_NAME = ");
    lc_db_quote_string(run->db, &sql, column);
    if (lc_db_query_value(run->db, sql.data, &type, err) == 0 && !type)
        type = lc_xstrdup("");
    lc_buf_done(&sql);
    return type;
}

/* WHERE CONCAT_WS('-', alias.cols) = '<key>' */
static void put_key_match(struct hu_run *run, struct lc_buf *b, const char *alias,
                          char *const *cols, const char *key)
{
    lc_numbering_put_key(b, "'-'", alias, cols);
    lc_buf_puts(b, " = ");
    lc_db_quote_string(run->db, b, key);
}

/* The action value: ADJUST_MAX_VALUE when allowed, else OVERRIDE; NULL when neither. */
static const char *audit_action(const char *type)
{
    if (strncasecmp(type, "enum(", 5) != 0 || strstr(type, "'ADJUST_MAX_VALUE'"))
        return "ADJUST_MAX_VALUE";
    if (strstr(type, "'OVERRIDE'"))
        return "OVERRIDE";
    return NULL;
}

static char *metadata_json(const char *cfg_key, long long old, long long new_max, double factor,
                           const char *reason, const char *op)
{
    json_object *o = json_object_new_object();
    char *text;

    json_object_object_add(o, "type", json_object_new_string("ADJUST_MAX_VALUE"));
    json_object_object_add(o, "config", json_object_new_string(cfg_key));
    json_object_object_add(o, "old", json_object_new_int64(old));
    json_object_object_add(o, "new", json_object_new_int64(new_max));
    json_object_object_add(o, "factor", json_object_new_double(factor));
    json_object_object_add(o, "reason", json_object_new_string(reason));
    json_object_object_add(o, "operator", json_object_new_string(op));
    text = lc_xstrdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
    json_object_put(o);
    return text;
}

static char *audit_insert_sql(struct hu_run *run, const char *cfg_key, const char *action,
                              int has_metadata, long long old, long long new_max,
                              const char *op)
{
    const struct lc_numbering_cfg *num = &run->cfg->numbering;
    struct lc_buf b = LC_BUF_INIT;
    char *meta = NULL, *number = lc_xasprintf("max_value %lld -> %lld", old, new_max);

    lc_buf_printf(&b, "INSERT INTO %s (", run->t.quoted[LC_NUM_AUDIT]);
    for (size_t idx = 0; num->audit_sequence_columns[idx]; idx++) {
        lc_db_quote_ident(&b, num->audit_sequence_columns[idx]);
        lc_buf_puts(&b, ", ");
    }
    lc_db_quote_ident(&b, num->audit_number_column);
    lc_buf_puts(&b, ", ");
    lc_db_quote_ident(&b, num->audit_time_column);
    if (num->audit_action_column) {
        lc_buf_puts(&b, ", ");
        lc_db_quote_ident(&b, num->audit_action_column);
    }
    if (has_metadata)
        lc_buf_puts(&b, ", `metadata`");
    lc_buf_puts(&b, ") SELECT ");
    lc_numbering_put_columns(&b, "s", num->sequence_id_columns);
    lc_buf_puts(&b, ", ");
    lc_db_quote_string(run->db, &b, number);
    lc_buf_puts(&b, ", NOW(6)");
    if (num->audit_action_column) {
        lc_buf_puts(&b, ", ");
        lc_db_quote_string(run->db, &b, action);
    }
    if (has_metadata) {
        meta = metadata_json(cfg_key, old, new_max, run->opts->factor, run->opts->reason, op);
        lc_buf_puts(&b, ", ");
        lc_db_quote_string(run->db, &b, meta);
    }
    lc_buf_printf(&b, " FROM %s s WHERE ", run->t.quoted[LC_NUM_SEQUENCES]);
    put_key_match(run, &b, "s", num->sequence_config_columns, cfg_key);
    lc_buf_puts(&b, " ORDER BY ");
    lc_numbering_put_col(&b, "s", num->sequence_year_column);
    lc_buf_puts(&b, " DESC LIMIT 1");
    free(meta);
    free(number);
    return lc_buf_steal(&b);
}

/* "1", "1.2026" or "sequence.1.2026" (lcbp3-integrity's forms) -> "1" (new string). */
static char *config_key_of(const char *type)
{
    const char *p = strncmp(type, "sequence.", 9) == 0 ? type + 9 : type;

    return lc_xstrndup(p, strcspn(p, "."));
}

static int apply(struct hu_run *run, struct lc_err *err)
{
    const struct lc_numbering_cfg *num = &run->cfg->numbering;
    const char *program = run->opts->cli.program;
    char *key = NULL, *ctype = NULL, *atype = NULL, *meta_type = NULL, *old_s = NULL;
    char *op = NULL, *sql_audit = NULL;
    struct lc_buf sql = LC_BUF_INIT;
    struct lc_err ignored = LC_ERR_INIT;
    const char *action = NULL;
    unsigned long long range;
    long double wanted;
    long long old, new_max;
    unsigned long long rows = 0;
    int in_trx = 0, rc = -1;

    if (!run->opts->type || !(run->opts->factor > 0))
        return lc_cli_usage_error(err, program, "high-utilization --apply needs --type CFG and "
                                  "--factor F (the config to raise, as the findings name it)");
    if (!run->opts->reason)
        return lc_cli_usage_error(err, program, "high-utilization --apply needs --reason TEXT "
                                  "(it goes into the audit log)");
    if (!run->t.name[LC_NUM_CONFIGS] || !num->config_max_column) {
        lc_err_set(err, LC_E_CONFIG, "[numbering] configs_table or config_max_column is unset: "
                   "there is no max_value to raise in the database");
        lc_err_hint(err, "raise [numbering] default_max_value in the config file instead");
        return -1;
    }
    if (!run->t.name[LC_NUM_AUDIT]) {
        lc_err_set(err, LC_E_CONFIG, "[numbering] audit_table is unset: the change could not be "
                   "written to the audit log, so it is not made");
        return -1;
    }
    key = config_key_of(run->opts->type);
    ctype = column_type(run, LC_NUM_CONFIGS, num->config_max_column, err);
    atype = num->audit_action_column ? column_type(run, LC_NUM_AUDIT, num->audit_action_column, err)
                                     : lc_xstrdup("");
    meta_type = column_type(run, LC_NUM_AUDIT, "metadata", err);
    if (!ctype || !atype || !meta_type)
        goto out;
    if (num->audit_action_column && !(action = audit_action(atype))) {
        lc_err_set(err, LC_E_CONFIG, "column '%s' of '%s' allows neither ADJUST_MAX_VALUE nor "
                   "OVERRIDE (%s)", num->audit_action_column, run->t.where[LC_NUM_AUDIT], atype);
        goto out;
    }
    op = dr_rb_operator(run->db);
    if (lc_db_exec(run->db, "START TRANSACTION", err) < 0)
        goto out;
    in_trx = 1;
    lc_buf_puts(&sql, "SELECT ");
    lc_numbering_put_col(&sql, "c", num->config_max_column);
    lc_buf_printf(&sql, " FROM %s c WHERE ", run->t.quoted[LC_NUM_CONFIGS]);
    put_key_match(run, &sql, "c", num->config_id_columns, key);
    lc_buf_puts(&sql, " FOR UPDATE");
    if (lc_db_query_value(run->db, sql.data, &old_s, err) < 0) {
        lc_err_prefix(err, "reading max_value of config '%s'", key);
        dr_rb_grant_hint(run->db, err, "SELECT, UPDATE", run->t.quoted[LC_NUM_CONFIGS]);
        goto out;
    }
    if (!old_s) {
        lc_cli_usage_error(err, program, "--type '%s': no config '%s' in '%s' (use the config "
                           "as the findings name it)", run->opts->type, key,
                           run->t.where[LC_NUM_CONFIGS]);
        goto out;
    }
    old = to_ll(old_s);
    wanted = floorl((long double)old * (long double)run->opts->factor);
    range = type_max(ctype);
    if (range && wanted > (long double)range) {
        lc_err_set(err, LC_E_USAGE, "--factor %g would raise max_value of config '%s' from %lld "
                   "to %.0Lf, above the %llu that column '%s' (%s) can hold", run->opts->factor,
                   key, old, wanted, range, num->config_max_column, ctype);
        lc_err_hint(err, "use a smaller --factor, or widen the column first");
        goto out;
    }
    if (wanted > (long double)INT64_MAX || wanted <= (long double)old) {
        lc_err_set(err, LC_E_USAGE, "--factor %g does not give a valid new max_value for '%s'",
                   run->opts->factor, key);
        goto out;
    }
    new_max = (long long)wanted;
    lc_buf_reset(&sql);
    lc_buf_printf(&sql, "UPDATE %s c SET ", run->t.quoted[LC_NUM_CONFIGS]);
    lc_numbering_put_col(&sql, "c", num->config_max_column);
    lc_buf_printf(&sql, " = %lld WHERE ", new_max);
    put_key_match(run, &sql, "c", num->config_id_columns, key);
    if (dr_rb_exec_rows(run->db, sql.data, &rows, err) < 0) {
        lc_err_prefix(err, "raising max_value of config '%s'", key);
        dr_rb_grant_hint(run->db, err, "UPDATE", run->t.quoted[LC_NUM_CONFIGS]);
        goto out;
    }
    if (rows != 1) {
        lc_err_set(err, LC_E_DATA, "config '%s' matched %llu rows, not 1: nothing changed", key,
                   rows);
        goto out;
    }
    sql_audit = audit_insert_sql(run, key, action, *meta_type != '\0', old, new_max, op);
    if (dr_rb_exec_rows(run->db, sql_audit, &rows, err) < 0) {
        lc_err_prefix(err, "writing the audit row to '%s'", run->t.where[LC_NUM_AUDIT]);
        dr_rb_grant_hint(run->db, err, "INSERT", run->t.quoted[LC_NUM_AUDIT]);
        goto out;
    }
    if (rows != 1) {
        lc_err_set(err, LC_E_DATA, "config '%s' has no sequence in '%s' to name in the audit "
                   "row: nothing changed", key, run->t.where[LC_NUM_SEQUENCES]);
        lc_err_hint(err, "create its sequence first (lcbp3-dr runbook yearly-reset --apply)");
        goto out;
    }
    if (lc_db_exec(run->db, "COMMIT", err) < 0)
        goto out;
    in_trx = 0;
    dr_rb_applied(&run->rb, "config %s: max_value %lld -> %lld (factor %g), audit row %s "
                  "written by %s: %s", key, old, new_max, run->opts->factor,
                  action ? action : "", op, run->opts->reason);
    rc = 0;
out:
    if (in_trx)
        (void)lc_db_exec(run->db, "ROLLBACK", &ignored);
    lc_buf_done(&sql);
    free(sql_audit);
    free(op);
    free(old_s);
    free(meta_type);
    free(atype);
    free(ctype);
    free(key);
    return rc;
}

int dr_runbook_high_utilization(const struct lc_config *cfg, const struct dr_opts *opts,
                                struct lc_err *err)
{
    struct hu_run run;
    char *year = NULL;
    int rc = -1;

    memset(&run, 0, sizeof(run));
    run.cfg = cfg;
    run.opts = opts;
    dr_rb_init(&run.rb, "high-utilization");
    if (opts->kill_thread)
        return lc_cli_usage_error(err, opts->cli.program, "--kill goes with lock-wait only");
    if (opts->apply && (!opts->type || !(opts->factor > 0) || !opts->reason)) {
        run.opts = opts;
        rc = apply(&run, err); /* the usage errors */
        goto out;
    }
    if (!opts->apply && (opts->type || opts->factor > 0 || opts->reason)) {
        lc_cli_usage_error(err, opts->cli.program, "--type, --factor and --reason go with "
                           "--apply");
        goto out;
    }
    if (lc_numbering_resolve(cfg, &run.t, err) < 0)
        goto out;
    run.db = dr_rb_connect(cfg, err);
    if (!run.db)
        goto out;
    if (lc_numbering_schema_check(run.db, &cfg->numbering, &run.t, err) < 0 ||
        lc_db_query_value(run.db, "SELECT YEAR(CURDATE())", &year, err) < 0)
        goto out;
    run.year = to_ll(year);
    if (opts->apply) {
        if (apply(&run, err) < 0)
            goto out;
        rc = dr_rb_print(&run.rb, opts->cli.json);
        goto out;
    }
    if (diagnose(&run, err) < 0)
        goto out;
    rc = dr_rb_print(&run.rb, opts->cli.json);
out:
    free(year);
    lc_db_close(run.db);
    lc_numbering_done(&run.t);
    dr_rb_done(&run.rb);
    return rc;
}
