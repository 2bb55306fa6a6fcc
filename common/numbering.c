/*
 * The names and the SQL of the numbering tables: the [numbering] tables and columns
 * resolved and validated, checked against information_schema, and the three statements
 * built from them (used by lcbp3-integrity sequences and lcbp3-dr's runbooks). Every name is validated with lc_db_ident_valid() and quoted with
 * lc_db_quote_ident(); the two values from the config (the issue action and the yearly
 * reset value) are escaped for the session. Nothing else reaches the SQL.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/buf.h"
#include "common/db.h"
#include "common/mem.h"
#include "common/numbering.h"

static const char *const table_keys[3] = {"configs_table", "sequences_table", "audit_table"};

/* One configured column, the table it belongs to and the key that names it. */
struct column_ref {
    int table;
    const char *name;
    const char *key;
};

/* Every column the statements use, given which tables are configured. */
static size_t column_refs(const struct lc_numbering_cfg *num, const struct lc_numbering_tables *t,
                          struct column_ref *out, size_t cap)
{
    size_t n = 0;

#define ADD(tab, col, k)                                                                       \
    do {                                                                                       \
        if ((col) && n < cap)                                                                  \
            out[n++] = (struct column_ref){(tab), (col), (k)};                                 \
    } while (0)
    for (size_t idx = 0; num->sequence_config_columns && num->sequence_config_columns[idx]; idx++)
        ADD(LC_NUM_SEQUENCES, num->sequence_config_columns[idx], "sequence_config_columns");
    ADD(LC_NUM_SEQUENCES, num->sequence_year_column, "sequence_year_column");
    ADD(LC_NUM_SEQUENCES, num->sequence_value_column, "sequence_value_column");
    if (t->name[LC_NUM_CONFIGS]) {
        for (size_t idx = 0; num->config_id_columns && num->config_id_columns[idx]; idx++)
            ADD(LC_NUM_CONFIGS, num->config_id_columns[idx], "config_id_columns");
        ADD(LC_NUM_CONFIGS, num->config_max_column, "config_max_column");
        ADD(LC_NUM_CONFIGS, num->config_reset_column, "config_reset_column");
        ADD(LC_NUM_CONFIGS, num->config_active_column, "config_active_column");
        ADD(LC_NUM_CONFIGS, num->config_label_column, "config_label_column");
    }
    if (t->name[LC_NUM_AUDIT]) {
        for (size_t idx = 0; num->sequence_id_columns && num->sequence_id_columns[idx]; idx++)
            ADD(LC_NUM_SEQUENCES, num->sequence_id_columns[idx], "sequence_id_columns");
        for (size_t idx = 0; num->audit_sequence_columns && num->audit_sequence_columns[idx]; idx++)
            ADD(LC_NUM_AUDIT, num->audit_sequence_columns[idx], "audit_sequence_columns");
        ADD(LC_NUM_AUDIT, num->audit_number_column, "audit_number_column");
        ADD(LC_NUM_AUDIT, num->audit_action_column, "audit_action_column");
        ADD(LC_NUM_AUDIT, num->audit_time_column, "audit_time_column");
    }
#undef ADD
    return n;
}

#define MAX_COLUMN_REFS 64

/* ---- names ---- */

static int resolve_table(const struct lc_config *cfg, int which, const char *value,
                         struct lc_numbering_tables *t, struct lc_err *err)
{
    const char *dot = value ? strchr(value, '.') : NULL;
    const char *first_db = cfg->mariadb.databases ? cfg->mariadb.databases[0] : NULL;
    struct lc_buf b = LC_BUF_INIT;

    if (!value)
        return 0;
    if (!dot && !first_db)
        return lc_err_set(err, LC_E_CONFIG, "[numbering] %s '%s' names no database and "
                          "[mariadb] database is empty", table_keys[which], value);
    t->schema[which] = dot ? lc_xstrndup(value, (size_t)(dot - value)) : lc_xstrdup(first_db);
    t->name[which] = lc_xstrdup(dot ? dot + 1 : value);
    if (!lc_db_ident_valid(t->schema[which]) || !lc_db_ident_valid(t->name[which])) {
        lc_err_set(err, LC_E_CONFIG, "[numbering] %s '%s' is not a valid table name",
                   table_keys[which], value);
        lc_err_hint(err, "write 'table' (in the first [mariadb] database) or 'database.table'");
        return -1;
    }
    lc_db_quote_ident(&b, t->schema[which]);
    lc_buf_putc(&b, '.');
    lc_db_quote_ident(&b, t->name[which]);
    t->quoted[which] = lc_buf_steal(&b);
    t->where[which] = lc_xasprintf("%s.%s", t->schema[which], t->name[which]);
    return 0;
}

static int list_matches(char *const *a, const char *a_key, char *const *b, const char *b_key,
                        struct lc_err *err)
{
    size_t na = a ? lc_strv_len(a) : 0, nb = b ? lc_strv_len(b) : 0;

    if (na == 0)
        return lc_err_set(err, LC_E_CONFIG, "[numbering] %s is empty", a_key);
    if (na != nb) {
        lc_err_set(err, LC_E_CONFIG, "[numbering] %s names %zu columns but %s names %zu",
                   a_key, na, b_key, nb);
        lc_err_hint(err, "list the matching columns of both tables in the same order");
        return -1;
    }
    return 0;
}

int lc_numbering_resolve(const struct lc_config *cfg, struct lc_numbering_tables *out,
                          struct lc_err *err)
{
    const struct lc_numbering_cfg *num = &cfg->numbering;
    struct column_ref refs[MAX_COLUMN_REFS];
    size_t n;

    memset(out, 0, sizeof(*out));
    if (!num->sequences_table) {
        lc_err_set(err, LC_E_CONFIG, "[numbering] sequences_table is empty");
        lc_err_hint(err, "set it to the counters table, e.g. document_numbering_sequences or "
                         "document_number_counters");
        return -1;
    }
    if (resolve_table(cfg, LC_NUM_CONFIGS, num->configs_table, out, err) < 0 ||
        resolve_table(cfg, LC_NUM_SEQUENCES, num->sequences_table, out, err) < 0 ||
        resolve_table(cfg, LC_NUM_AUDIT, num->audit_table, out, err) < 0)
        return -1;
    if (!num->sequence_config_columns || !num->sequence_config_columns[0])
        return lc_err_set(err, LC_E_CONFIG, "[numbering] sequence_config_columns is empty");
    if (out->name[LC_NUM_CONFIGS] &&
        list_matches(num->config_id_columns, "config_id_columns", num->sequence_config_columns,
                     "sequence_config_columns", err) < 0)
        return -1;
    if (out->name[LC_NUM_AUDIT] &&
        list_matches(num->audit_sequence_columns, "audit_sequence_columns",
                     num->sequence_id_columns, "sequence_id_columns", err) < 0)
        return -1;
    if (!num->sequence_year_column || !num->sequence_value_column)
        return lc_err_set(err, LC_E_CONFIG, "[numbering] %s is empty",
                          num->sequence_year_column ? "sequence_value_column"
                                                    : "sequence_year_column");
    if (out->name[LC_NUM_AUDIT] && (!num->audit_number_column || !num->audit_time_column))
        return lc_err_set(err, LC_E_CONFIG, "[numbering] %s is empty (or unset audit_table)",
                          num->audit_time_column ? "audit_number_column" : "audit_time_column");
    n = column_refs(num, out, refs, MAX_COLUMN_REFS);
    for (size_t idx = 0; idx < n; idx++)
        if (!lc_db_ident_valid(refs[idx].name))
            return lc_err_set(err, LC_E_CONFIG, "[numbering] %s: '%s' is not a valid column name",
                              refs[idx].key, refs[idx].name);
    return 0;
}

void lc_numbering_done(struct lc_numbering_tables *t)
{
    for (int idx = 0; idx < 3; idx++) {
        free(t->schema[idx]);
        free(t->name[idx]);
        free(t->quoted[idx]);
        free(t->where[idx]);
    }
    memset(t, 0, sizeof(*t));
}

/* ---- the schema ---- */

struct schema_rows {
    char **schema, **table, **column;
    size_t n;
};

static void schema_rows_done(struct schema_rows *s)
{
    for (size_t idx = 0; idx < s->n; idx++) {
        free(s->schema[idx]);
        free(s->table[idx]);
        free(s->column[idx]);
    }
    free(s->schema);
    free(s->table);
    free(s->column);
}

static int read_columns(MYSQL *db, const struct lc_numbering_tables *t, struct schema_rows *out,
                        struct lc_err *err)
{
    struct lc_buf sql = LC_BUF_INIT;
    MYSQL_RES *res;
    MYSQL_ROW row;
    int first = 1;

    lc_buf_puts(&sql, "SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME FROM information_schema.COLUMNS "
                      "WHERE ");
    for (int idx = 0; idx < 3; idx++) {
        if (!t->name[idx])
            continue;
        lc_buf_puts(&sql, first ? "(TABLE_SCHEMA = " : " OR (TABLE_SCHEMA = ");
        lc_db_quote_string(db, &sql, t->schema[idx]);
        lc_buf_puts(&sql, " AND TABLE_NAME = ");
        lc_db_quote_string(db, &sql, t->name[idx]);
        lc_buf_putc(&sql, ')');
        first = 0;
    }
    lc_buf_puts(&sql, " ORDER BY ORDINAL_POSITION");
    res = lc_db_query(db, sql.data, err);
    lc_buf_done(&sql);
    if (!res)
        return -1;
    out->n = 0;
    out->schema = lc_xcalloc(mysql_num_rows(res) + 1, sizeof(char *));
    out->table = lc_xcalloc(mysql_num_rows(res) + 1, sizeof(char *));
    out->column = lc_xcalloc(mysql_num_rows(res) + 1, sizeof(char *));
    while ((row = mysql_fetch_row(res)) != NULL) {
        if (!row[0] || !row[1] || !row[2])
            continue;
        out->schema[out->n] = lc_xstrdup(row[0]);
        out->table[out->n] = lc_xstrdup(row[1]);
        out->column[out->n] = lc_xstrdup(row[2]);
        out->n++;
    }
    mysql_free_result(res);
    return 0;
}

static int is_table(const struct schema_rows *s, size_t idx, const struct lc_numbering_tables *t, int which)
{
    return strcmp(s->schema[idx], t->schema[which]) == 0 && strcmp(s->table[idx], t->name[which]) == 0;
}

int lc_numbering_schema_check(MYSQL *db, const struct lc_numbering_cfg *num,
                        const struct lc_numbering_tables *t, struct lc_err *err)
{
    struct schema_rows s = {NULL, NULL, NULL, 0};
    struct column_ref refs[MAX_COLUMN_REFS];
    size_t n_refs = column_refs(num, t, refs, MAX_COLUMN_REFS);
    int rc = -1;

    if (read_columns(db, t, &s, err) < 0) {
        lc_err_prefix(err, "reading the columns of the [numbering] tables");
        goto out;
    }
    for (int which = 0; which < 3; which++) {
        int found = 0;

        if (!t->name[which])
            continue;
        for (size_t idx = 0; idx < s.n && !found; idx++)
            found = is_table(&s, idx, t, which);
        if (!found) {
            lc_err_set(err, LC_E_CONFIG, "table '%s' ([numbering] %s) does not exist or the "
                       "[mariadb] user may not read it", t->where[which], table_keys[which]);
            lc_err_hint(err, "set [numbering] %s to the right table ('table' or "
                        "'database.table'), or GRANT SELECT ON %s to the integrity user",
                        table_keys[which], t->quoted[which]);
            goto out;
        }
    }
    for (size_t r = 0; r < n_refs; r++) {
        struct lc_buf have = LC_BUF_INIT;
        int found = 0;

        for (size_t idx = 0; idx < s.n && !found; idx++)
            found = is_table(&s, idx, t, refs[r].table) && strcasecmp(s.column[idx], refs[r].name) == 0;
        if (found)
            continue;
        for (size_t idx = 0; idx < s.n; idx++)
            if (is_table(&s, idx, t, refs[r].table))
                lc_buf_printf(&have, "%s%s", have.len ? ", " : "", s.column[idx]);
        lc_err_set(err, LC_E_CONFIG, "column '%s' ([numbering] %s) is not in table '%s' "
                   "([numbering] %s)", refs[r].name, refs[r].key, t->where[refs[r].table],
                   table_keys[refs[r].table]);
        lc_err_hint(err, "set [numbering] %s to one of: %s", refs[r].key, have.data ? have.data : "");
        lc_buf_done(&have);
        goto out;
    }
    rc = 0;
out:
    schema_rows_done(&s);
    return rc;
}

/* ---- the statements ---- */

/* Appends alias.`c1`, alias.`c2`, ... */
void lc_numbering_put_columns(struct lc_buf *b, const char *alias, char *const *cols)
{
    for (size_t idx = 0; cols[idx]; idx++) {
        lc_buf_printf(b, "%s%s.", idx ? ", " : "", alias);
        lc_db_quote_ident(b, cols[idx]);
    }
}

/* Appends CONCAT_WS(<sep>, alias.`c1`, ...). */
void lc_numbering_put_key(struct lc_buf *b, const char *sep, const char *alias, char *const *cols)
{
    lc_buf_printf(b, "CONCAT_WS(%s, ", sep);
    lc_numbering_put_columns(b, alias, cols);
    lc_buf_putc(b, ')');
}

void lc_numbering_put_col(struct lc_buf *b, const char *alias, const char *col)
{
    lc_buf_printf(b, "%s.", alias);
    lc_db_quote_ident(b, col);
}

/* c.`k1` = s.`j1` AND c.`k2` = s.`j2` ... */
void lc_numbering_put_join(struct lc_buf *b, char *const *left, char *const *right)
{
    for (size_t idx = 0; left[idx] && right[idx]; idx++) {
        lc_buf_puts(b, idx ? " AND c." : "c.");
        lc_db_quote_ident(b, left[idx]);
        lc_buf_puts(b, " = s.");
        lc_db_quote_ident(b, right[idx]);
    }
}

char *lc_numbering_sql_sequences(MYSQL *db, const struct lc_numbering_cfg *num,
                           const struct lc_numbering_tables *t)
{
    struct lc_buf b = LC_BUF_INIT;
    int configs = t->name[LC_NUM_CONFIGS] != NULL;

    lc_buf_puts(&b, "SELECT ");
    if (t->name[LC_NUM_AUDIT])
        lc_numbering_put_key(&b, "CHAR(31)", "s", num->sequence_id_columns);
    else
        lc_buf_puts(&b, "''");
    lc_buf_puts(&b, ", ");
    lc_numbering_put_key(&b, "'-'", "s", num->sequence_config_columns);
    lc_buf_puts(&b, ", ");
    lc_numbering_put_col(&b, "s", num->sequence_year_column);
    lc_buf_puts(&b, ", ");
    lc_numbering_put_col(&b, "s", num->sequence_value_column);
    lc_buf_puts(&b, ", ");
    if (configs && num->config_max_column)
        lc_numbering_put_col(&b, "c", num->config_max_column);
    else
        lc_buf_printf(&b, "%lld", (long long)num->default_max_value);
    /* orphan: no config row matched */
    if (configs) {
        lc_buf_puts(&b, ", c.");
        lc_db_quote_ident(&b, num->config_id_columns[0]);
        lc_buf_puts(&b, " IS NULL");
    } else {
        lc_buf_puts(&b, ", 0");
    }
    /* yearly: the config says so, or (no reset column, or an orphan) the year is not 0 */
    lc_buf_puts(&b, ", COALESCE(");
    if (configs && num->config_reset_column) {
        lc_numbering_put_col(&b, "c", num->config_reset_column);
        lc_buf_puts(&b, " = ");
        lc_db_quote_string(db, &b, num->config_yearly_value ? num->config_yearly_value : "");
        lc_buf_puts(&b, ", ");
    }
    lc_numbering_put_col(&b, "s", num->sequence_year_column);
    lc_buf_puts(&b, " <> 0)");
    /* active */
    if (configs && num->config_active_column) {
        lc_buf_puts(&b, ", COALESCE(");
        lc_numbering_put_col(&b, "c", num->config_active_column);
        lc_buf_puts(&b, " <> 0, 1)");
    } else {
        lc_buf_puts(&b, ", 1");
    }
    lc_buf_puts(&b, ", ");
    if (configs && num->config_label_column)
        lc_numbering_put_col(&b, "c", num->config_label_column);
    else
        lc_buf_puts(&b, "NULL");
    lc_buf_printf(&b, " FROM %s s", t->quoted[LC_NUM_SEQUENCES]);
    if (configs) {
        lc_buf_printf(&b, " LEFT JOIN %s c ON ", t->quoted[LC_NUM_CONFIGS]);
        lc_numbering_put_join(&b, num->config_id_columns, num->sequence_config_columns);
    }
    return lc_buf_steal(&b);
}

char *lc_numbering_sql_audit(MYSQL *db, const struct lc_numbering_cfg *num,
                       const struct lc_numbering_tables *t)
{
    struct lc_buf b = LC_BUF_INIT;

    if (!t->name[LC_NUM_AUDIT])
        return NULL;
    lc_buf_puts(&b, "SELECT ");
    lc_numbering_put_key(&b, "CHAR(31)", "a", num->audit_sequence_columns);
    lc_buf_puts(&b, ", COUNT(*), COUNT(*) - COUNT(DISTINCT ");
    lc_numbering_put_col(&b, "a", num->audit_number_column);
    lc_buf_printf(&b, ") FROM %s a WHERE ", t->quoted[LC_NUM_AUDIT]);
    lc_numbering_put_col(&b, "a", num->audit_time_column);
    lc_buf_printf(&b, " >= NOW() - INTERVAL %d DAY", LC_NUMBERING_RATE_DAYS);
    if (num->audit_action_column) {
        lc_buf_puts(&b, " AND ");
        lc_numbering_put_col(&b, "a", num->audit_action_column);
        lc_buf_puts(&b, " = ");
        lc_db_quote_string(db, &b, num->audit_issue_action ? num->audit_issue_action : "");
    }
    /*
     * Grouped by the key expression, not the columns: an index that starts with the
     * sequence columns would then deliver the groups in order, and the optimizer takes
     * it for a full index scan with a row lookup per audit row (measured: 35 s at 10 M
     * rows) instead of the range of the last 30 days on the time column (a sort of the
     * window's rows).
     */
    lc_buf_puts(&b, " GROUP BY 1");
    return lc_buf_steal(&b);
}

char *lc_numbering_sql_yearly(MYSQL *db, const struct lc_numbering_cfg *num,
                        const struct lc_numbering_tables *t)
{
    struct lc_buf b = LC_BUF_INIT;

    if (!t->name[LC_NUM_CONFIGS] || !num->config_reset_column)
        return NULL;
    lc_buf_puts(&b, "SELECT COUNT(*), COALESCE(SUM(y.m), 0), "
                    "GROUP_CONCAT(IF(y.m, y.k, NULL) SEPARATOR ', ') FROM (SELECT ");
    lc_numbering_put_key(&b, "'-'", "c", num->config_id_columns);
    lc_buf_printf(&b, " AS k, NOT EXISTS (SELECT 1 FROM %s s WHERE ", t->quoted[LC_NUM_SEQUENCES]);
    lc_numbering_put_join(&b, num->config_id_columns, num->sequence_config_columns);
    lc_buf_puts(&b, " AND ");
    lc_numbering_put_col(&b, "s", num->sequence_year_column);
    lc_buf_printf(&b, " = YEAR(CURDATE())) AS m FROM %s c WHERE ", t->quoted[LC_NUM_CONFIGS]);
    lc_numbering_put_col(&b, "c", num->config_reset_column);
    lc_buf_puts(&b, " = ");
    lc_db_quote_string(db, &b, num->config_yearly_value ? num->config_yearly_value : "");
    if (num->config_active_column) {
        lc_buf_puts(&b, " AND ");
        lc_numbering_put_col(&b, "c", num->config_active_column);
        lc_buf_puts(&b, " <> 0");
    }
    lc_buf_puts(&b, ") y");
    return lc_buf_steal(&b);
}
