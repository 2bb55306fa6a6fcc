/*
 * The MariaDB half of lcbp3-reservations-gc: RESERVED rows of [numbering]
 * reservations_table whose expiry has passed by the database clock (the server's NOW(),
 * in the session time zone the server gives; never this host's clock) become CANCELLED
 * with the cancellation time set. The table is walked by its single-column primary key
 * in batches: a SELECT finds the next overdue keys, one UPDATE under autocommit cancels
 * them while checking the condition again, so a reservation confirmed in between is left
 * alone. Row-lock waits are short: a batch that waits too long is skipped for the next
 * run rather than holding up the numbering service. Rows are never deleted, so a number
 * is never handed out twice. The change goes to the binary log like any other.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <mysqld_error.h>

#include "common/buf.h"
#include "common/db.h"
#include "common/log.h"
#include "common/mem.h"
#include "common/rate.h"
#include "common/signals.h"
#include "tools/reservations-gc/gc.h"

#define GC_PROGRAM "lcbp3-reservations-gc"
/* Seconds a statement waits for a row or metadata lock held by the numbering service. */
#define GC_LOCK_WAIT_S 5

/* The reservations table of one run, its names quoted once, and where results go. */
struct gc_table {
    MYSQL *db;
    const struct lc_numbering_cfg *num;
    const struct gc_opts *opts;
    struct gc_report *report;
    char *schema;
    char *name;
    char *where;              /* "schema.name", for messages and items */
    char *pk;                 /* the primary key's column */
    char *qname;              /* `schema`.`name` */
    char *overdue;            /* `status` = 'RESERVED' AND `expires_at` < NOW(6) */
};

static void table_done(struct gc_table *t)
{
    free(t->schema);
    free(t->name);
    free(t->where);
    free(t->pk);
    free(t->qname);
    free(t->overdue);
}

/* ---- the names ---- */

/* "table" (in the first [mariadb] database) or "database.table", validated. */
static int table_names(const struct lc_config *cfg, struct gc_table *t, struct lc_err *err)
{
    const char *value = cfg->numbering.reservations_table;
    const char *dot = strchr(value, '.');
    const char *first_db = cfg->mariadb.databases ? cfg->mariadb.databases[0] : NULL;

    if (!dot && !first_db)
        return lc_err_set(err, LC_E_CONFIG, "[numbering] reservations_table '%s' names no "
                          "database and [mariadb] database is empty", value);
    t->schema = dot ? lc_xstrndup(value, (size_t)(dot - value)) : lc_xstrdup(first_db);
    t->name = lc_xstrdup(dot ? dot + 1 : value);
    if (!lc_db_ident_valid(t->schema) || !lc_db_ident_valid(t->name)) {
        lc_err_set(err, LC_E_CONFIG, "[numbering] reservations_table '%s' is not a valid "
                   "table name", value);
        lc_err_hint(err, "write 'table' (in the first [mariadb] database) or 'database.table'");
        return -1;
    }
    t->where = lc_xasprintf("%s.%s", t->schema, t->name);
    return 0;
}

/* The three configured columns, with the config keys that name them. */
static const char *const column_keys[3] = {
    "reservation_status_column",
    "reservation_expires_column",
    "reservation_cancelled_column",
};

static void column_names(const struct lc_numbering_cfg *num, const char *out[3])
{
    out[0] = num->reservation_status_column;
    out[1] = num->reservation_expires_column;
    out[2] = num->reservation_cancelled_column;
}

/* The quoted table name and the overdue condition, built once from the checked names. */
static void build_sql_parts(struct gc_table *t)
{
    struct lc_buf b = LC_BUF_INIT;

    lc_db_quote_ident(&b, t->schema);
    lc_buf_putc(&b, '.');
    lc_db_quote_ident(&b, t->name);
    t->qname = lc_buf_steal(&b);
    lc_db_quote_ident(&b, t->num->reservation_status_column);
    lc_buf_puts(&b, " = 'RESERVED' AND ");
    lc_db_quote_ident(&b, t->num->reservation_expires_column);
    lc_buf_puts(&b, " < NOW(6)");
    t->overdue = lc_buf_steal(&b);
}

/* ---- errors ---- */

/* "'user'@'host'" of the session (for a GRANT hint), or the configured user. */
static char *session_account(struct gc_table *t, const char *fallback)
{
    struct lc_err ignored = LC_ERR_INIT;
    char *value = NULL, *at, *account;

    if (lc_db_query_value(t->db, "SELECT CURRENT_USER()", &value, &ignored) < 0 || !value ||
        !(at = strrchr(value, '@'))) {
        free(value);
        return lc_xasprintf("'%s'", fallback ? fallback : "USER");
    }
    *at = '\0';
    account = lc_xasprintf("'%s'@'%s'", value, at + 1);
    free(value);
    return account;
}

/* After a failed statement on the table: a missing privilege gets the exact GRANT. */
static int table_fail(struct gc_table *t, const struct lc_config *cfg, struct lc_err *err)
{
    struct lc_buf grant = LC_BUF_INIT;
    char *account;

    if (err->status != LC_E_NOPERM)
        return -1;
    account = session_account(t, cfg->mariadb.user);
    lc_buf_printf(&grant, "GRANT SELECT, UPDATE ON %s TO %s", t->qname, account);
    lc_err_hint(err, "the GC reads and cancels rows of '%s': %s", t->where, grant.data);
    lc_buf_done(&grant);
    free(account);
    return -1;
}

/* ---- the checks ---- */

/*
 * The table is not in information_schema: either it does not exist or the user may not
 * see it. A direct SELECT tells the two apart.
 */
static int table_missing(struct gc_table *t, const struct lc_config *cfg, struct lc_err *err)
{
    char *sql = lc_xasprintf("SELECT 1 FROM %s LIMIT 0", t->qname);
    MYSQL_RES *res = lc_db_query(t->db, sql, err);

    free(sql);
    if (res) {
        mysql_free_result(res);
        lc_err_set(err, LC_E_NOPERM, "table '%s' ([numbering] reservations_table) can be read, "
                   "but information_schema does not show its columns to the [mariadb] user",
                   t->where);
        table_fail(t, cfg, err);
        return -1;
    }
    if (err->status == LC_E_NOPERM) {
        /* MariaDB answers so for a table the user may not see, whether it exists or not */
        table_fail(t, cfg, err);
        lc_err_prefix(err, "table '%s' ([numbering] reservations_table) does not exist or "
                      "the [mariadb] user may not see it", t->where);
        return -1;
    }
    lc_err_set(err, LC_E_CONFIG, "table '%s' ([numbering] reservations_table) does not exist",
               t->where);
    lc_err_hint(err, "name an existing table: 'table' (in the first [mariadb] database) or "
                     "'database.table'");
    return -1;
}

static int in_list_nocase(char *const *list, const char *name)
{
    for (size_t idx = 0; list[idx]; idx++)
        if (strcasecmp(list[idx], name) == 0)
            return 1;
    return 0;
}

static int check_columns(struct gc_table *t, char *const *columns, struct lc_err *err)
{
    const char *names[3];

    column_names(t->num, names);
    for (size_t idx = 0; idx < 3; idx++) {
        struct lc_buf have = LC_BUF_INIT;

        if (in_list_nocase(columns, names[idx]))
            continue;
        for (size_t col = 0; columns[col]; col++)
            lc_buf_printf(&have, "%s%s", col ? ", " : "", columns[col]);
        lc_err_set(err, LC_E_CONFIG, "column '%s' ([numbering] %s) is not in table '%s'",
                   names[idx], column_keys[idx], t->where);
        lc_err_hint(err, "set [numbering] %s to one of: %s", column_keys[idx], have.data);
        lc_buf_done(&have);
        return -1;
    }
    return 0;
}

static int check_primary_key(struct gc_table *t, char *const *pk, struct lc_err *err)
{
    size_t n = lc_strv_len(pk);

    if (n == 1) {
        t->pk = lc_xstrdup(pk[0]);
        return 0;
    }
    if (n == 0)
        lc_err_set(err, LC_E_CONFIG, "table '%s' ([numbering] reservations_table) has no "
                   "primary key", t->where);
    else
        lc_err_set(err, LC_E_CONFIG, "table '%s' ([numbering] reservations_table) has a "
                   "primary key of %zu columns", t->where, n);
    lc_err_hint(err, "the GC walks the table in short batches by a single-column primary key "
                     "(e.g. an AUTO_INCREMENT id), so that no UPDATE holds the numbering "
                     "service up and every row is visited once");
    return -1;
}

/* The table exists, has the configured columns and a single-column primary key. */
static int check_table(struct gc_table *t, const struct lc_config *cfg, struct lc_err *err)
{
    char **found = NULL, **columns = NULL, **pk = NULL;
    int rc = -1;

    if (lc_db_schema_list(t->db, t->schema, t->name, "TABLE_NAME", "TABLES", "", &found, err) < 0)
        goto out;
    if (!found[0]) {
        table_missing(t, cfg, err);
        goto out;
    }
    if (lc_db_schema_list(t->db, t->schema, t->name, "COLUMN_NAME", "COLUMNS", "", &columns,
                          err) < 0 ||
        check_columns(t, columns, err) < 0 ||
        lc_db_schema_list(t->db, t->schema, t->name, "COLUMN_NAME", "STATISTICS",
                    " AND INDEX_NAME = 'PRIMARY' ORDER BY SEQ_IN_INDEX", &pk, err) < 0 ||
        check_primary_key(t, pk, err) < 0)
        goto out;
    rc = 0;
out:
    lc_strv_free(found);
    lc_strv_free(columns);
    lc_strv_free(pk);
    return rc;
}

/* ---- the rows ---- */

/* A primary-key value as a literal: quoted, or X'..' when it holds NUL bytes. */
static void put_value(struct gc_table *t, struct lc_buf *b, const char *value, unsigned long len)
{
    if (!memchr(value, '\0', len)) {
        lc_db_quote_string(t->db, b, value);
        return;
    }
    lc_buf_puts(b, "X'");
    for (unsigned long idx = 0; idx < len; idx++)
        lc_buf_printf(b, "%02x", (unsigned char)value[idx]);
    lc_buf_putc(b, '\'');
}

/* "SELECT `key`, `expiry` FROM `db`.`table` WHERE ": the rows as record_rows() lists them. */
static void put_select_rows(const struct gc_table *t, struct lc_buf *sql)
{
    lc_buf_puts(sql, "SELECT ");
    lc_db_quote_ident(sql, t->pk);
    lc_buf_puts(sql, ", ");
    lc_db_quote_ident(sql, t->num->reservation_expires_column);
    lc_buf_printf(sql, " FROM %s WHERE ", t->qname);
}

/* The next `limit` overdue rows after `last` (NULL: from the start): key, expiry. */
static MYSQL_RES *select_overdue(struct gc_table *t, const struct lc_buf *last, long limit,
                                 struct lc_err *err)
{
    struct lc_buf sql = LC_BUF_INIT;
    MYSQL_RES *res;

    put_select_rows(t, &sql);
    lc_buf_puts(&sql, t->overdue);
    if (last) {
        lc_buf_puts(&sql, " AND ");
        lc_db_quote_ident(&sql, t->pk);
        lc_buf_printf(&sql, " > %s", last->data);
    }
    lc_buf_puts(&sql, " ORDER BY ");
    lc_db_quote_ident(&sql, t->pk);
    lc_buf_printf(&sql, " LIMIT %ld", limit);
    res = lc_db_query(t->db, sql.data, err);
    lc_buf_done(&sql);
    return res;
}

/* Lists the rows of a (key, expiry) result as items. */
static void record_rows(struct gc_table *t, MYSQL_RES *res)
{
    MYSQL_ROW row;

    mysql_data_seek(res, 0);
    while ((row = mysql_fetch_row(res)) != NULL) {
        unsigned long *lengths = mysql_fetch_lengths(res);
        char *name = lc_xasprintf("%s=%.*s", t->pk, (int)lengths[0], row[0]);
        char *detail = lc_xasprintf("%s %s", t->num->reservation_expires_column,
                                    row[1] ? row[1] : "NULL");

        gc_report_item(t->report, t->opts, GC_ITEM_OVERDUE_ROW, t->where, name, strlen(name),
                       detail);
        free(name);
        free(detail);
    }
}

/* --dry-run: how many rows are overdue, and the first --limit of them. */
static int count_overdue(struct gc_table *t, struct lc_err *err)
{
    char *sql = lc_xasprintf("SELECT COUNT(*) FROM %s WHERE %s", t->qname, t->overdue);
    char *count = NULL;
    MYSQL_RES *res = NULL;
    int rc = -1;

    if (lc_db_query_value(t->db, sql, &count, err) < 0)
        goto out;
    t->report->rows_overdue += count ? strtoull(count, NULL, 10) : 0;
    if (t->opts->limit > 0) {
        res = select_overdue(t, NULL, t->opts->limit, err);
        if (!res)
            goto out;
        record_rows(t, res);
    }
    rc = 0;
out:
    if (res)
        mysql_free_result(res);
    free(count);
    free(sql);
    return rc;
}

/*
 * Some rows of a batch were left alone (confirmed meanwhile): list the ones that are
 * cancelled now.
 */
static int record_cancelled(struct gc_table *t, const char *keys, struct lc_err *err)
{
    struct lc_buf sql = LC_BUF_INIT;
    MYSQL_RES *res;

    put_select_rows(t, &sql);
    lc_db_quote_ident(&sql, t->pk);
    lc_buf_printf(&sql, " IN (%s) AND ", keys);
    lc_db_quote_ident(&sql, t->num->reservation_status_column);
    lc_buf_puts(&sql, " = 'CANCELLED' ORDER BY ");
    lc_db_quote_ident(&sql, t->pk);
    res = lc_db_query(t->db, sql.data, err);
    lc_buf_done(&sql);
    if (!res)
        return -1;
    record_rows(t, res);
    mysql_free_result(res);
    return 0;
}

/*
 * The UPDATE of a batch. It goes by the primary key (FORCE INDEX): through the
 * (status, expiry) index it would lock that index's entries before the rows, and a
 * confirmation running at the same moment (row first, then that index) would deadlock
 * with it; by the key it simply waits for the row, sees it confirmed and leaves it.
 */
static char *cancel_sql(struct gc_table *t, const char *keys)
{
    struct lc_buf sql = LC_BUF_INIT;

    lc_buf_printf(&sql, "UPDATE %s FORCE INDEX (PRIMARY) SET ", t->qname);
    lc_db_quote_ident(&sql, t->num->reservation_status_column);
    lc_buf_puts(&sql, " = 'CANCELLED', ");
    lc_db_quote_ident(&sql, t->num->reservation_cancelled_column);
    lc_buf_puts(&sql, " = NOW(6) WHERE ");
    lc_db_quote_ident(&sql, t->pk);
    lc_buf_printf(&sql, " IN (%s) AND %s", keys, t->overdue);
    return lc_buf_steal(&sql);
}

/* The keys of a batch as a list of literals; *last becomes the highest. */
static void batch_keys(struct gc_table *t, MYSQL_RES *res, struct lc_buf *keys,
                       struct lc_buf *last)
{
    MYSQL_ROW row;

    while ((row = mysql_fetch_row(res)) != NULL) {
        unsigned long *lengths = mysql_fetch_lengths(res);

        if (keys->len)
            lc_buf_puts(keys, ", ");
        lc_buf_reset(last);
        put_value(t, last, row[0], lengths[0]);
        lc_buf_puts(keys, last->data);
    }
}

/*
 * The UPDATE of one batch; *out_affected is how many rows it cancelled. A row lock held
 * too long (or a deadlock) cancels none and is no error: the rows stay for the next run.
 */
static int run_cancel(struct gc_table *t, const char *keys, uint64_t n, const char *last,
                      uint64_t *out_affected, struct lc_err *err)
{
    char *sql = cancel_sql(t, keys);
    char *what;
    unsigned int num;

    *out_affected = 0;
    if (mysql_real_query(t->db, sql, strlen(sql)) == 0) {
        *out_affected = mysql_affected_rows(t->db);
        free(sql);
        return 0;
    }
    free(sql);
    num = mysql_errno(t->db);
    if (num == ER_LOCK_WAIT_TIMEOUT || num == ER_LOCK_DEADLOCK) {
        lc_log_warn("table '%s': %llu overdue rows up to %s=%s are locked by another session "
                    "(%s), skipping: the next run takes them", t->where, (unsigned long long)n,
                    t->pk, last, mysql_error(t->db));
        return 0;
    }
    what = lc_xasprintf("mariadb: cancelling overdue rows of '%s' failed", t->where);
    lc_db_fail(t->db, err, what);
    free(what);
    return -1;
}

/*
 * Cancels one batch (the rows of `res`) in one autocommitted UPDATE that checks the
 * condition again; *last becomes the batch's highest key.
 */
static int cancel_batch(struct gc_table *t, MYSQL_RES *res, struct lc_buf *last,
                        struct lc_err *err)
{
    struct lc_buf keys = LC_BUF_INIT;
    uint64_t n = mysql_num_rows(res), affected;
    int rc = -1;

    batch_keys(t, res, &keys, last);
    if (run_cancel(t, keys.data, n, last->data, &affected, err) < 0)
        goto out;
    t->report->rows_overdue += n;
    t->report->rows_cancelled += affected;
    t->report->rows_skipped += n - affected;
    lc_log_debug("table '%s': batch of %llu up to %s=%s: %llu cancelled", t->where,
                 (unsigned long long)n, t->pk, last->data, (unsigned long long)affected);
    if (affected == n)
        record_rows(t, res);
    else if (affected > 0 && t->report->n_items_of[GC_ITEM_OVERDUE_ROW] < (size_t)t->opts->limit &&
             record_cancelled(t, keys.data, err) < 0)
        goto out;
    rc = 0;
out:
    lc_buf_done(&keys);
    return rc;
}

/* Batch after batch by primary key until none is left; the key only grows, so it ends. */
static int cancel_overdue(struct gc_table *t, struct lc_err *err)
{
    struct lc_buf last = LC_BUF_INIT;
    struct lc_rate rate;
    uint64_t done = 0;
    int rc = -1;

    lc_rate_init(&rate, t->opts->max_rate);
    for (;;) {
        MYSQL_RES *res;
        uint64_t n;
        int failed;

        if (lc_check_interrupted(err) < 0)
            goto out;
        res = select_overdue(t, last.len ? &last : NULL, t->opts->batch, err);
        if (!res)
            goto out;
        n = mysql_num_rows(res);
        failed = n > 0 && cancel_batch(t, res, &last, err) < 0;
        mysql_free_result(res);
        if (failed)
            goto out;
        if (n == 0)
            break;
        done += n;
        lc_rate_wait(&rate, done);
    }
    rc = 0;
out:
    lc_buf_done(&last);
    return rc;
}

/* ---- the run ---- */

/*
 * Short lock waits, so that the numbering service is never held up for long; autocommit,
 * so that each UPDATE is its own transaction. The time zone stays the server's.
 */
static int prepare_session(struct gc_table *t, struct lc_err *err)
{
    char sql[160];

    snprintf(sql, sizeof(sql), "SET SESSION autocommit = 1, innodb_lock_wait_timeout = %d, "
             "lock_wait_timeout = %d", GC_LOCK_WAIT_S, GC_LOCK_WAIT_S);
    if (lc_db_exec(t->db, sql, err) < 0)
        return -1;
    if (lc_log_enabled(LC_LOG_DEBUG)) {
        char *now = NULL;

        if (lc_db_query_value(t->db, "SELECT CONCAT(NOW(6), ' (time zone ', @@time_zone, ')')",
                              &now, err) < 0)
            return -1;
        lc_log_debug("table '%s': the database clock says %s", t->where, now ? now : "NULL");
        free(now);
    }
    return 0;
}

static int check_names(const struct lc_config *cfg, struct gc_table *t, struct lc_err *err)
{
    const char *names[3];

    if (table_names(cfg, t, err) < 0)
        return -1;
    column_names(t->num, names);
    for (size_t idx = 0; idx < 3; idx++)
        if (!lc_db_ident_valid(names[idx]))
            return lc_err_set(err, LC_E_CONFIG, "[numbering] %s '%s' is not a valid column name",
                              column_keys[idx], names[idx] ? names[idx] : "");
    build_sql_parts(t);
    return 0;
}

int gc_db(const struct lc_config *cfg, const struct gc_opts *opts, struct gc_report *report,
          struct lc_err *err)
{
    struct gc_table t;
    int rc = -1;

    memset(&t, 0, sizeof(t));
    t.num = &cfg->numbering;
    t.opts = opts;
    t.report = report;
    if (check_names(cfg, &t, err) < 0)
        goto out;
    t.db = lc_db_connect(&cfg->mariadb, GC_PROGRAM, err);
    if (!t.db)
        goto out;
    if (prepare_session(&t, err) < 0 || check_table(&t, cfg, err) < 0)
        goto out;
    if (opts->dry_run) {
        if (count_overdue(&t, err) < 0) {
            table_fail(&t, cfg, err);
            goto out;
        }
        lc_log_info("table '%s': %llu overdue reservations would be cancelled", t.where,
                    (unsigned long long)report->rows_overdue);
    } else {
        if (cancel_overdue(&t, err) < 0) {
            table_fail(&t, cfg, err);
            goto out;
        }
        lc_log_info("table '%s': %llu overdue reservations cancelled (%llu skipped: confirmed "
                    "or locked meanwhile)", t.where, (unsigned long long)report->rows_cancelled,
                    (unsigned long long)report->rows_skipped);
    }
    rc = 0;
out:
    lc_db_close(t.db);
    table_done(&t);
    return rc;
}
