/*
 * The audit archive run (see audit_archive.h): the table names and their checks, the
 * cutoff from the database clock, the counts a dry run reports, the three phases in
 * order under the run lock, and the report.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "common/audit_archive_run.h"
#include "common/buf.h"
#include "common/db.h"
#include "common/lock.h"
#include "common/log.h"
#include "common/mem.h"
#include "common/units.h"

/* Seconds a statement waits for a row or metadata lock held by the application. */
#define AA_LOCK_WAIT_S 10

static void run_done(struct aa_run *r)
{
    lc_db_close(r->db);
    free(r->schema);
    free(r->name);
    free(r->aschema);
    free(r->aname);
    free(r->where);
    free(r->awhere);
    free(r->qaudit);
    free(r->qarchive);
    free(r->pk);
    lc_strv_free(r->columns);
    free(r->a_cols);
    free(r->b_cols);
    free(r->cols);
    free(r->match);
    free(r->cutoff);
    free(r->old);
    free(r->oldest);
    free(r->newest);
    free(r->export_name);
    free(r->export_path);
    free(r->export_max_pk);
    for (size_t idx = 0; idx < r->n_targets; idx++)
        free(r->targets[idx].name);
    free(r->targets);
}

void aa_put_value(MYSQL *db, struct lc_buf *b, const char *value, unsigned long len)
{
    if (!memchr(value, '\0', len)) {
        lc_db_quote_string(db, b, value);
        return;
    }
    lc_buf_puts(b, "X'");
    for (unsigned long idx = 0; idx < len; idx++)
        lc_buf_printf(b, "%02x", (unsigned char)value[idx]);
    lc_buf_putc(b, '\'');
}

/* ---- names ---- */

/* "table" (in `default_db`) or "database.table" into *schema and *name, validated. */
static int split_table(const char *value, const char *key, const char *default_db,
                       char **schema, char **name, struct lc_err *err)
{
    const char *dot = strchr(value, '.');

    if (!dot && !default_db)
        return lc_err_set(err, LC_E_CONFIG, "[numbering] %s '%s' names no database and "
                          "[mariadb] database is empty", key, value);
    *schema = dot ? lc_xstrndup(value, (size_t)(dot - value)) : lc_xstrdup(default_db);
    *name = lc_xstrdup(dot ? dot + 1 : value);
    if (!lc_db_ident_valid(*schema) || !lc_db_ident_valid(*name)) {
        lc_err_set(err, LC_E_CONFIG, "[numbering] %s '%s' is not a valid table name", key, value);
        lc_err_hint(err, "write 'table' (in the first [mariadb] database) or 'database.table'");
        return -1;
    }
    return 0;
}

static int table_names(struct aa_run *r, struct lc_err *err)
{
    const struct lc_numbering_cfg *num = &r->cfg->numbering;
    const char *first_db = r->cfg->mariadb.databases ? r->cfg->mariadb.databases[0] : NULL;
    struct lc_buf b = LC_BUF_INIT;
    char *derived = NULL;
    int rc = -1;

    if (!num->audit_table)
        return lc_err_set(err, LC_E_CONFIG, "[numbering] audit_table is empty: there is no "
                          "audit log to archive");
    if (!lc_db_ident_valid(num->audit_time_column ? num->audit_time_column : ""))
        return lc_err_set(err, LC_E_CONFIG, "[numbering] audit_time_column '%s' is not a valid "
                          "column name", num->audit_time_column ? num->audit_time_column : "");
    if (split_table(num->audit_table, "audit_table", first_db, &r->schema, &r->name, err) < 0)
        goto out;
    if (!num->audit_archive_table)
        derived = lc_xasprintf("%s.%s_archive", r->schema, r->name);
    if (split_table(derived ? derived : num->audit_archive_table, "audit_archive_table",
                    r->schema, &r->aschema, &r->aname, err) < 0)
        goto out;
    if (strcmp(r->schema, r->aschema) == 0 && strcmp(r->name, r->aname) == 0) {
        lc_err_set(err, LC_E_CONFIG, "[numbering] audit_archive_table is the audit table '%s'",
                   num->audit_table);
        goto out;
    }
    r->where = lc_xasprintf("%s.%s", r->schema, r->name);
    r->awhere = lc_xasprintf("%s.%s", r->aschema, r->aname);
    lc_db_quote_ident(&b, r->schema);
    lc_buf_putc(&b, '.');
    lc_db_quote_ident(&b, r->name);
    r->qaudit = lc_buf_steal(&b);
    lc_db_quote_ident(&b, r->aschema);
    lc_buf_putc(&b, '.');
    lc_db_quote_ident(&b, r->aname);
    r->qarchive = lc_buf_steal(&b);
    rc = 0;
out:
    free(derived);
    return rc;
}

/* ---- errors ---- */

static char *session_account(struct aa_run *r)
{
    struct lc_err ignored = LC_ERR_INIT;
    char *value = NULL, *at, *account;

    if (!r->db || lc_db_query_value(r->db, "SELECT CURRENT_USER()", &value, &ignored) < 0 ||
        !value || !(at = strrchr(value, '@'))) {
        free(value);
        return lc_xasprintf("'%s'", r->cfg->mariadb.user ? r->cfg->mariadb.user : "USER");
    }
    *at = '\0';
    account = lc_xasprintf("'%s'@'%s'", value, at + 1);
    free(value);
    return account;
}

int aa_fail(struct aa_run *r, struct lc_err *err)
{
    char *account;

    if (err->status != LC_E_NOPERM)
        return -1;
    account = session_account(r);
    lc_err_hint(err, "GRANT SELECT, DELETE ON %s TO %s; GRANT SELECT, INSERT, CREATE ON %s "
                "TO %s", r->qaudit, account, r->qarchive, account);
    free(account);
    return -1;
}

/* ---- checks ---- */

static int in_list_nocase(char *const *list, const char *name)
{
    for (size_t idx = 0; list[idx]; idx++)
        if (strcasecmp(list[idx], name) == 0)
            return 1;
    return 0;
}

/* The SQL fragments built from the checked column names. */
static void build_sql_parts(struct aa_run *r)
{
    struct lc_buf a = LC_BUF_INIT, b = LC_BUF_INIT, c = LC_BUF_INIT, m = LC_BUF_INIT;

    lc_buf_puts(&m, "b.");
    lc_db_quote_ident(&m, r->pk);
    lc_buf_puts(&m, " = a.");
    lc_db_quote_ident(&m, r->pk);
    for (size_t idx = 0; r->columns[idx]; idx++) {
        const char *col = r->columns[idx];

        lc_buf_puts(&a, idx ? ", a." : "a.");
        lc_db_quote_ident(&a, col);
        lc_buf_puts(&b, idx ? ", b." : "b.");
        lc_db_quote_ident(&b, col);
        if (idx)
            lc_buf_puts(&c, ", ");
        lc_db_quote_ident(&c, col);
        if (strcasecmp(col, r->pk) == 0)
            continue;
        lc_buf_puts(&m, " AND b.");
        lc_db_quote_ident(&m, col);
        lc_buf_puts(&m, " <=> a.");
        lc_db_quote_ident(&m, col);
    }
    r->a_cols = lc_buf_steal(&a);
    r->b_cols = lc_buf_steal(&b);
    r->cols = lc_buf_steal(&c);
    r->match = lc_buf_steal(&m);
}

/* The audit table: exists, has the time column and a single-column primary key. */
static int check_audit(struct aa_run *r, struct lc_err *err)
{
    const char *time_col = r->cfg->numbering.audit_time_column;
    char **pk = NULL;
    int rc = -1;

    if (lc_db_schema_list(r->db, r->schema, r->name, "COLUMN_NAME", "COLUMNS",
                    " AND EXTRA NOT LIKE '%GENERATED%' ORDER BY ORDINAL_POSITION", &r->columns,
                    err) < 0)
        goto out;
    if (!r->columns[0]) {
        lc_err_set(err, LC_E_CONFIG, "table '%s' ([numbering] audit_table) does not exist or "
                   "the [mariadb] user may not see it", r->where);
        aa_fail(r, err);
        goto out;
    }
    if (!in_list_nocase(r->columns, time_col)) {
        lc_err_set(err, LC_E_CONFIG, "column '%s' ([numbering] audit_time_column) is not in "
                   "table '%s'", time_col, r->where);
        goto out;
    }
    if (lc_db_schema_list(r->db, r->schema, r->name, "COLUMN_NAME", "STATISTICS",
                    " AND INDEX_NAME = 'PRIMARY' ORDER BY SEQ_IN_INDEX", &pk, err) < 0)
        goto out;
    if (lc_strv_len(pk) != 1) {
        lc_err_set(err, LC_E_CONFIG, "table '%s' ([numbering] audit_table) has %s", r->where,
                   pk[0] ? "a primary key of several columns" : "no primary key");
        lc_err_hint(err, "the archive moves rows in short batches along a single-column "
                         "primary key (e.g. an AUTO_INCREMENT id)");
        goto out;
    }
    r->pk = lc_xstrdup(pk[0]);
    rc = 0;
out:
    lc_strv_free(pk);
    return rc;
}

/* The archive table, when it exists, holds every column the audit table stores. */
static int check_archive(struct aa_run *r, struct lc_err *err)
{
    char **columns = NULL;
    int rc = -1;

    if (lc_db_schema_list(r->db, r->aschema, r->aname, "COLUMN_NAME", "COLUMNS", "", &columns,
                          err) < 0)
        goto out;
    r->archive_exists = columns[0] != NULL;
    for (size_t idx = 0; r->archive_exists && r->columns[idx]; idx++) {
        if (in_list_nocase(columns, r->columns[idx]))
            continue;
        lc_err_set(err, LC_E_CONFIG, "table '%s' ([numbering] audit_archive_table) has no "
                   "column '%s' of '%s'", r->awhere, r->columns[idx], r->where);
        lc_err_hint(err, "ALTER the archive table to match the audit table (it was created "
                         "LIKE it), or name another one");
        goto out;
    }
    rc = 0;
out:
    lc_strv_free(columns);
    return rc;
}

/* ---- the session, the cutoff, the counts ---- */

static int prepare_session(struct aa_run *r, struct lc_err *err)
{
    struct lc_buf sql = LC_BUF_INIT;
    int rc;

    lc_buf_printf(&sql, "SET SESSION autocommit = 1, innodb_lock_wait_timeout = %d, "
                  "lock_wait_timeout = %d", AA_LOCK_WAIT_S, AA_LOCK_WAIT_S);
    rc = lc_db_exec(r->db, sql.data, err);
    if (rc == 0)
        rc = lc_db_exec(r->db, "SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ", err);
    /* a multi-table DELETE resolves its aliases only with a default database */
    if (rc == 0 && mysql_select_db(r->db, r->schema) != 0)
        rc = lc_db_fail(r->db, err, "mariadb: selecting the audit table's database failed");
    lc_buf_done(&sql);
    if (rc < 0)
        return -1;
    lc_buf_printf(&sql, "SELECT NOW(6) - INTERVAL %lld MICROSECOND",
                  (long long)r->opts->older_than_ms * 1000);
    rc = lc_db_query_value(r->db, sql.data, &r->cutoff, err);
    lc_buf_done(&sql);
    if (rc < 0)
        return -1;
    if (!r->cutoff)
        return lc_err_set(err, LC_E_CONFIG, "--older-than is too far back for the database "
                          "clock");
    lc_buf_puts(&sql, "a.");
    lc_db_quote_ident(&sql, r->cfg->numbering.audit_time_column);
    lc_buf_puts(&sql, " < ");
    lc_db_quote_string(r->db, &sql, r->cutoff);
    r->old = lc_buf_steal(&sql);
    return 0;
}

static int count_old(struct aa_run *r, struct lc_err *err)
{
    struct lc_buf sql = LC_BUF_INIT;
    MYSQL_RES *res = NULL;
    MYSQL_ROW row;
    char *pending = NULL;
    int rc = -1;

    lc_buf_puts(&sql, "SELECT COUNT(*), MIN(a.");
    lc_db_quote_ident(&sql, r->cfg->numbering.audit_time_column);
    lc_buf_puts(&sql, "), MAX(a.");
    lc_db_quote_ident(&sql, r->cfg->numbering.audit_time_column);
    lc_buf_printf(&sql, ") FROM %s a WHERE %s", r->qaudit, r->old);
    res = lc_db_query(r->db, sql.data, err);
    if (!res)
        goto out;
    if ((row = mysql_fetch_row(res)) != NULL) {
        r->rows_old = row[0] ? strtoull(row[0], NULL, 10) : 0;
        r->oldest = row[1] ? lc_xstrdup(row[1]) : NULL;
        r->newest = row[2] ? lc_xstrdup(row[2]) : NULL;
    }
    if (r->archive_exists && r->rows_old > 0) {
        lc_buf_reset(&sql);
        lc_buf_printf(&sql, "SELECT COUNT(*) FROM %s a JOIN %s b ON %s WHERE %s", r->qaudit,
                      r->qarchive, r->match, r->old);
        if (lc_db_query_value(r->db, sql.data, &pending, err) < 0)
            goto out;
        r->rows_pending = pending ? strtoull(pending, NULL, 10) : 0;
    }
    rc = 0;
out:
    if (res)
        mysql_free_result(res);
    free(pending);
    lc_buf_done(&sql);
    return rc < 0 ? aa_fail(r, err) : 0;
}

static int create_archive(struct aa_run *r, struct lc_err *err)
{
    char *sql;
    int rc;

    if (r->archive_exists)
        return 0;
    sql = lc_xasprintf("CREATE TABLE IF NOT EXISTS %s LIKE %s", r->qarchive, r->qaudit);
    rc = lc_db_exec(r->db, sql, err);
    free(sql);
    if (rc < 0) {
        aa_fail(r, err);
        lc_err_prefix(err, "creating the archive table '%s'", r->awhere);
        return -1;
    }
    lc_log_info("table '%s' created LIKE '%s'", r->awhere, r->where);
    return check_archive(r, err);
}

/* ---- the report ---- */

static uint64_t n_batches(const struct aa_run *r, uint64_t rows)
{
    uint64_t batch = (uint64_t)r->cfg->numbering.audit_archive_batch;

    return (rows + batch - 1) / batch;
}

static void report_json(const struct aa_run *r, FILE *out)
{
    struct json_object *root = json_object_new_object();
    struct json_object *targets = json_object_new_array();

    json_object_object_add(root, "audit_table", json_object_new_string(r->where));
    json_object_object_add(root, "archive_table", json_object_new_string(r->awhere));
    json_object_object_add(root, "applied", json_object_new_boolean(r->opts->apply));
    json_object_object_add(root, "cutoff", json_object_new_string(r->cutoff));
    json_object_object_add(root, "rows_older", json_object_new_int64((int64_t)r->rows_old));
    json_object_object_add(root, "rows_already_copied",
                           json_object_new_int64((int64_t)r->rows_pending));
    json_object_object_add(root, "oldest", r->oldest ? json_object_new_string(r->oldest) : NULL);
    json_object_object_add(root, "newest", r->newest ? json_object_new_string(r->newest) : NULL);
    json_object_object_add(root, "batches", json_object_new_int64((int64_t)n_batches(r, r->rows_old)));
    json_object_object_add(root, "copied", json_object_new_int64((int64_t)r->copied));
    json_object_object_add(root, "exported", json_object_new_int64((int64_t)r->exported));
    json_object_object_add(root, "deleted", json_object_new_int64((int64_t)r->deleted));
    json_object_object_add(root, "export", r->export_name ?
                           json_object_new_string(r->export_name) : NULL);
    json_object_object_add(root, "export_bytes", json_object_new_int64((int64_t)r->export_bytes));
    for (size_t idx = 0; idx < r->n_targets; idx++) {
        struct json_object *t = json_object_new_object();

        json_object_object_add(t, "name", json_object_new_string(r->targets[idx].name));
        json_object_object_add(t, "ok", json_object_new_boolean(r->targets[idx].ok));
        json_object_object_add(t, "bytes_sent",
                               json_object_new_int64((int64_t)r->targets[idx].bytes_sent));
        json_object_array_add(targets, t);
    }
    json_object_object_add(root, "targets", targets);
    fprintf(out, "%s\n", json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
                                                        JSON_C_TO_STRING_SPACED));
    json_object_put(root);
}

static void report_text(const struct aa_run *r, FILE *out)
{
    fprintf(out, "audit table      %s\n", r->where);
    fprintf(out, "archive table    %s%s\n", r->awhere,
            r->archive_exists ? "" : " (missing: created by --apply)");
    fprintf(out, "cutoff           %s (database clock)\n", r->cutoff);
    fprintf(out, "rows older       %llu", (unsigned long long)r->rows_old);
    if (r->rows_old)
        fprintf(out, " (oldest %s, newest %s)", r->oldest ? r->oldest : "NULL",
                r->newest ? r->newest : "NULL");
    fprintf(out, "\n");
    if (r->rows_pending)
        fprintf(out, "already copied   %llu (by an interrupted run)\n",
                (unsigned long long)r->rows_pending);
    fprintf(out, "batches          %llu of at most %lld rows\n",
            (unsigned long long)n_batches(r, r->rows_old),
            (long long)r->cfg->numbering.audit_archive_batch);
    if (!r->opts->apply) {
        if (r->rows_old)
            fprintf(out, "to archive them: %s\n", r->opts->command);
        return;
    }
    fprintf(out, "copied           %llu\n", (unsigned long long)r->copied);
    fprintf(out, "exported         %llu rows", (unsigned long long)r->exported);
    if (r->export_path)
        fprintf(out, " to %s (%llu bytes)", r->export_path, (unsigned long long)r->export_bytes);
    fprintf(out, "\n");
    for (size_t idx = 0; idx < r->n_targets; idx++)
        fprintf(out, "  target %-8s %s (%llu bytes sent)\n", r->targets[idx].name,
                r->targets[idx].ok ? "shipped and verified" : "FAILED",
                (unsigned long long)r->targets[idx].bytes_sent);
    fprintf(out, "deleted          %llu\n", (unsigned long long)r->deleted);
}

/* ---- the run ---- */

static int apply(struct aa_run *r, struct lc_err *err)
{
    if (create_archive(r, err) < 0 || aa_copy(r, err) < 0)
        return -1;
    lc_log_info("table '%s': %llu old rows copied to '%s'", r->where,
                (unsigned long long)r->copied, r->awhere);
    if (aa_export(r, err) < 0)
        return -1;
    if (r->exported == 0)
        return 0;
    return aa_delete(r, err);
}

int lc_audit_archive_run(const struct lc_config *cfg, const struct lc_audit_archive_opts *opts,
                         FILE *out, struct lc_err *err)
{
    struct lc_lock lock = LC_LOCK_INIT;
    struct aa_run r;
    char age[32];
    int rc = -1;

    memset(&r, 0, sizeof(r));
    r.cfg = cfg;
    r.opts = opts;
    lc_format_duration(opts->older_than_ms, age, sizeof(age));
    if (table_names(&r, err) < 0)
        goto out;
    if (opts->apply && lc_lock_take(&lock, cfg->backup.lock_dir, LC_AUDIT_ARCHIVE_LOCK, err) < 0)
        goto out;
    lc_log_info("audit archive begin: table '%s' to '%s', rows older than %s%s", r.where,
                r.awhere, age, opts->apply ? "" : " (dry run: nothing is changed)");
    r.db = lc_db_connect(&cfg->mariadb, opts->program, err);
    if (!r.db || prepare_session(&r, err) < 0 || check_audit(&r, err) < 0)
        goto out;
    build_sql_parts(&r);
    if (check_archive(&r, err) < 0 || count_old(&r, err) < 0)
        goto out;
    if (opts->apply && r.rows_old > 0 && apply(&r, err) < 0)
        goto out;
    if (opts->json)
        report_json(&r, out);
    else
        report_text(&r, out);
    if (opts->apply)
        lc_log_info("audit archive end: %llu rows older than %s: %llu copied, %llu exported "
                    "(%llu bytes), %llu deleted", (unsigned long long)r.rows_old, r.cutoff,
                    (unsigned long long)r.copied, (unsigned long long)r.exported,
                    (unsigned long long)r.export_bytes, (unsigned long long)r.deleted);
    else
        lc_log_info("audit archive end (dry run): %llu rows older than %s would be archived",
                    (unsigned long long)r.rows_old, r.cutoff);
    rc = !opts->apply && r.rows_old > 0 ? 1 : 0;
out:
    run_done(&r);
    lc_lock_release(&lock);
    return rc;
}
