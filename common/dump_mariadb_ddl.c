/*
 * The DDL members of a MariaDB dump: the database defaults, each table's CREATE,
 * triggers, views, routines and events, read with SHOW CREATE on the snapshot
 * connection. Every member starts with the session settings it needs and refers to
 * objects without a database name, so `zcat member | mariadb DB` loads it into any
 * database. Statements with bodies (triggers, routines, events) carry their own
 * sql_mode and sit in a DELIMITER block whose delimiter does not occur in the body.
 */
#include "common/dump_mariadb_plan.h"

#include <stdlib.h>
#include <string.h>

#include <mysqld_error.h>

#include "common/buf.h"
#include "common/db.h"
#include "common/gz.h"
#include "common/log.h"
#include "common/mem.h"
#include "common/sql_text.h"

void lc_dump_put_header(struct lc_buf *b, const char *what, const char *server_version)
{
    lc_buf_printf(b, "-- lcbp3-ops dump (%s) of MariaDB ", what);
    /* Only printable text goes into a comment line. */
    for (const char *s = server_version ? server_version : "?"; *s; s++)
        lc_buf_putc(b, (unsigned char)*s >= 0x20 && *s != 0x7f ? *s : '?');
    lc_buf_puts(b, "\n"
                   "SET NAMES utf8mb4;\n"
                   "SET time_zone='+00:00';\n"
                   "SET foreign_key_checks=0;\n"
                   "SET unique_checks=0;\n"
                   "SET check_constraint_checks=0;\n"
                   "SET sql_mode='NO_AUTO_VALUE_ON_ZERO';\n");
}

int lc_dump_write_file(const char *path, const struct lc_buf *b, int level,
                       struct lc_dump_file *f, struct lc_err *err)
{
    struct lc_gz_writer *w = lc_gz_writer_open(path, level, err);
    uint64_t raw = 0, size = 0;

    if (!w)
        return -1;
    if (lc_gz_write(w, b->data ? b->data : "", b->len, err)) {
        lc_gz_writer_abort(w);
        return -1;
    }
    if (lc_gz_writer_close(w, &raw, &size, err))
        return -1;
    free(f->path);
    f->path = lc_xstrdup(path);
    f->raw = raw;
    f->size = size;
    return 0;
}

/* Runs a SHOW CREATE statement for `db`.`name` and returns its single row's result. */
static MYSQL_RES *show_create(MYSQL *db, const char *what, const char *schema,
                             const char *name, MYSQL_ROW *out_row, struct lc_err *err)
{
    struct lc_buf sql = LC_BUF_INIT;
    MYSQL_RES *res;

    lc_buf_printf(&sql, "SHOW CREATE %s ", what);
    lc_db_quote_ident(&sql, schema);
    lc_buf_putc(&sql, '.');
    lc_db_quote_ident(&sql, name);
    res = lc_db_query(db, sql.data, err);
    lc_buf_done(&sql);
    if (!res && lc_db_status_of(mysql_errno(db)) == LC_E_CONFIG) {
        /* It was there when the plan was made: dropped or renamed since. */
        err->status = LC_E_TEMPFAIL;
        lc_err_hint(err, "%s '%s'.'%s' was dropped during the dump; run it again", what,
                    schema, name);
    }
    if (res && !(*out_row = mysql_fetch_row(res))) {
        lc_err_set(err, LC_E_TEMPFAIL, "mariadb: SHOW CREATE %s '%s'.'%s' returned nothing",
                   what, schema, name);
        mysql_free_result(res);
        res = NULL;
    }
    return res;
}

/* Appends "DELIMITER d\n<body>\nd\nDELIMITER ;\n". */
static int put_delimited(struct lc_buf *b, const char *body, const char *schema,
                         const char *name, struct lc_err *err)
{
    const char *delim = lc_sql_pick_delimiter(body);

    if (!delim)
        return lc_err_set(err, LC_E_SOFTWARE, "mariadb: no usable DELIMITER for the body of "
                          "'%s'.'%s'", schema, name);
    lc_buf_printf(b, "DELIMITER %s\n%s\n%s\nDELIMITER ;\n", delim, body, delim);
    return 0;
}

static void put_sql_mode(struct lc_buf *b, const char *mode)
{
    lc_buf_puts(b, "SET SESSION sql_mode=");
    lc_sql_put_string(b, mode ? mode : "", mode ? strlen(mode) : 0);
    lc_buf_puts(b, ";\n");
}

static void put_drop(struct lc_buf *b, const char *kind, const char *name)
{
    lc_buf_printf(b, "DROP %s IF EXISTS ", kind);
    lc_db_quote_ident(b, name);
    lc_buf_puts(b, ";\n");
}

static const char *restore_mode = "SET SESSION sql_mode='NO_AUTO_VALUE_ON_ZERO';\n";

static int write_database(const struct lc_dump_plan *plan, struct lc_dump_db *d, int level,
                          struct lc_err *err)
{
    struct lc_buf b = LC_BUF_INIT;
    char *path = lc_xasprintf("%s/database.sql.gz", d->dir);
    int rc;

    lc_dump_put_header(&b, "database defaults", plan->server_version);
    /* Without a name ALTER DATABASE applies to the database being loaded into. */
    lc_buf_puts(&b, "ALTER DATABASE CHARACTER SET ");
    lc_sql_put_string(&b, d->charset, strlen(d->charset));
    if (d->collation) {
        lc_buf_puts(&b, " COLLATE ");
        lc_sql_put_string(&b, d->collation, strlen(d->collation));
    }
    lc_buf_puts(&b, ";\n");
    if (d->comment) {
        lc_buf_puts(&b, "ALTER DATABASE COMMENT ");
        lc_sql_put_string(&b, d->comment, strlen(d->comment));
        lc_buf_puts(&b, ";\n");
    }
    rc = lc_dump_write_file(path, &b, level, &d->database, err);
    free(path);
    lc_buf_done(&b);
    return rc;
}

static int write_table(MYSQL *db, const struct lc_dump_plan *plan, struct lc_dump_db *d,
                       struct lc_dump_table *t, int level, struct lc_err *err)
{
    struct lc_buf b = LC_BUF_INIT;
    MYSQL_RES *res = NULL;
    MYSQL_ROW row;
    char *path = NULL;
    int rc = -1;

    res = show_create(db, "TABLE", d->name, t->name, &row, err);
    if (!res)
        goto out;
    lc_dump_put_header(&b, t->is_sequence ? "sequence schema" : "table schema",
                       plan->server_version);
    put_drop(&b, t->is_sequence ? "SEQUENCE" : "TABLE", t->name);
    lc_buf_printf(&b, "%s;\n", row[1] ? row[1] : "");
    mysql_free_result(res);
    res = NULL;
    path = lc_xasprintf("%s/%s.schema.sql.gz", d->dir, t->file);
    if (lc_dump_write_file(path, &b, level, &t->schema, err))
        goto out;
    if (!t->triggers) {
        rc = 0;
        goto out;
    }

    lc_buf_reset(&b);
    lc_dump_put_header(&b, "triggers", plan->server_version);
    for (char **trg = t->triggers; *trg; trg++) {
        /* Trigger, sql_mode, SQL Original Statement, character_set_client, ... */
        res = show_create(db, "TRIGGER", d->name, *trg, &row, err);
        if (!res)
            goto out;
        if (!row[2]) {
            lc_err_set(err, LC_E_NOPERM, "mariadb: no definition visible for trigger '%s'.'%s'",
                       d->name, *trg);
            lc_err_hint(err, "grant the backup user TRIGGER on the database");
            goto out;
        }
        put_sql_mode(&b, row[1]);
        put_drop(&b, "TRIGGER", *trg);
        if (put_delimited(&b, row[2], d->name, *trg, err))
            goto out;
        mysql_free_result(res);
        res = NULL;
    }
    lc_buf_puts(&b, restore_mode);
    free(path);
    path = lc_xasprintf("%s/%s.triggers.sql.gz", d->dir, t->file);
    if (lc_dump_write_file(path, &b, level, &t->trig_file, err))
        goto out;
    rc = 0;
out:
    if (res)
        mysql_free_result(res);
    free(path);
    lc_buf_done(&b);
    return rc;
}

/*
 * The columns of a view that information_schema did not list (it hides them when the
 * backup user may not run a function the view calls), read from the view itself.
 * *out_invalid is set, without error, when the server says the view is broken.
 */
static int view_columns(MYSQL *db, const struct lc_dump_db *d, struct lc_dump_table *t,
                        int *out_invalid, struct lc_err *err)
{
    struct lc_buf sql = LC_BUF_INIT;
    MYSQL_RES *res = NULL;
    MYSQL_FIELD *fields;
    int rc = -1;

    lc_buf_puts(&sql, "SELECT * FROM ");
    lc_db_quote_ident(&sql, d->name);
    lc_buf_putc(&sql, '.');
    lc_db_quote_ident(&sql, t->name);
    lc_buf_puts(&sql, " LIMIT 0");
    if (mysql_real_query(db, sql.data, sql.len)) {
        if (mysql_errno(db) == ER_VIEW_INVALID) {
            *out_invalid = 1;
            rc = 0;
        } else {
            lc_db_fail(db, err, "mariadb: reading the columns of a view failed");
            lc_err_prefix(err, "view '%s'", t->name);
        }
        goto out;
    }
    res = mysql_store_result(db);
    if (!res) {
        lc_db_fail(db, err, "mariadb: reading the columns of a view failed");
        goto out;
    }
    fields = mysql_fetch_fields(res);
    for (unsigned idx = 0; idx < mysql_num_fields(res); idx++) {
        t->cols = lc_xrealloc(t->cols, (t->n_cols + 1) * sizeof(*t->cols));
        t->cols[t->n_cols++] = lc_xstrndup(fields[idx].name, fields[idx].name_length);
    }
    rc = 0;
out:
    if (res)
        mysql_free_result(res);
    lc_buf_done(&sql);
    return rc;
}

/*
 * Views load in any order: first a stand-in for each (a view with the right column
 * names), then the real definitions replace them one by one; a view that refers to
 * another finds at least its stand-in.
 */
static int write_views(MYSQL *db, const struct lc_dump_plan *plan, struct lc_dump_db *d,
                       int level, struct lc_err *err)
{
    struct lc_buf b = LC_BUF_INIT;
    MYSQL_RES *res = NULL;
    MYSQL_ROW row;
    char *path = NULL;
    size_t n = 0;
    int rc = -1;

    lc_dump_put_header(&b, "views", plan->server_version);
    for (size_t idx = 0; idx < d->n_tables; idx++) {
        struct lc_dump_table *t = &d->tables[idx];

        if (!t->is_view)
            continue;
        if (t->n_cols == 0) {
            int invalid = 0;

            if (view_columns(db, d, t, &invalid, err))
                goto out;
            if (invalid) {
                lc_log_warn("view '%s'.'%s' is invalid (%s), skipping", d->name, t->name,
                            mysql_error(db));
                t->selected = 0;
                continue;
            }
        }
        lc_buf_puts(&b, "CREATE OR REPLACE VIEW ");
        lc_db_quote_ident(&b, t->name);
        lc_buf_puts(&b, " AS SELECT ");
        for (size_t ci = 0; ci < t->n_cols; ci++) {
            lc_buf_puts(&b, ci ? ",1 AS " : "1 AS ");
            lc_db_quote_ident(&b, t->cols[ci]);
        }
        lc_buf_puts(&b, ";\n");
        n++;
    }
    if (n == 0) {
        rc = 0;
        goto out;
    }
    for (size_t idx = 0; idx < d->n_tables; idx++) {
        struct lc_dump_table *t = &d->tables[idx];

        if (!t->is_view || !t->selected)
            continue;
        /* View, Create View, character_set_client, collation_connection */
        res = show_create(db, "VIEW", d->name, t->name, &row, err);
        if (!res)
            goto out;
        if (!row[1] || strncmp(row[1], "CREATE ", 7) != 0) {
            lc_err_set(err, LC_E_NOPERM, "mariadb: no definition visible for view '%s'.'%s'",
                       d->name, t->name);
            lc_err_hint(err, "grant the backup user SHOW VIEW on the database");
            goto out;
        }
        lc_buf_printf(&b, "CREATE OR REPLACE %s;\n", row[1] + 7);
        mysql_free_result(res);
        res = NULL;
    }
    path = lc_xasprintf("%s/views.sql.gz", d->dir);
    if (lc_dump_write_file(path, &b, level, &d->views, err))
        goto out;
    rc = 0;
out:
    if (res)
        mysql_free_result(res);
    free(path);
    lc_buf_done(&b);
    return rc;
}

/*
 * information_schema shows a routine only to users who may read its definition;
 * mysql.proc tells how many there are. A user who cannot read it gets an error
 * rather than a dump that silently lacks routines.
 */
static int check_routines_visible(MYSQL *db, const struct lc_dump_db *d, struct lc_err *err)
{
    struct lc_buf sql = LC_BUF_INIT;
    char *all = NULL, *seen = NULL;
    int rc = -1;

    lc_buf_puts(&sql, "SELECT COUNT(*) FROM mysql.proc WHERE type IN ('FUNCTION', 'PROCEDURE') "
                      "AND db = ");
    lc_db_quote_string(db, &sql, d->name);
    if (lc_db_query_value(db, sql.data, &all, err)) {
        if (err->status == LC_E_NOPERM)
            lc_err_hint(err, "GRANT SELECT ON mysql.proc to the backup user so that routines "
                             "can be dumped");
        goto out;
    }
    lc_buf_reset(&sql);
    lc_buf_puts(&sql, "SELECT COUNT(*) FROM information_schema.ROUTINES WHERE ROUTINE_TYPE IN "
                      "('FUNCTION', 'PROCEDURE') AND ROUTINE_SCHEMA = ");
    lc_db_quote_string(db, &sql, d->name);
    if (lc_db_query_value(db, sql.data, &seen, err))
        goto out;
    if (!all || !seen || strcmp(all, seen) != 0) {
        lc_err_set(err, LC_E_NOPERM, "mariadb: the backup user sees %s of the %s routines of "
                   "database '%s'", seen ? seen : "?", all ? all : "?", d->name);
        lc_err_hint(err, "GRANT SELECT ON mysql.proc to the backup user");
        goto out;
    }
    rc = 0;
out:
    free(all);
    free(seen);
    lc_buf_done(&sql);
    return rc;
}

/* Routines (functions, then procedures) or events. */
static int write_bodies(MYSQL *db, const struct lc_dump_plan *plan, struct lc_dump_db *d,
                        int events, int level, struct lc_err *err)
{
    struct lc_buf b = LC_BUF_INIT;
    struct lc_buf sql = LC_BUF_INIT;
    MYSQL_RES *list = NULL;
    MYSQL_RES *res = NULL;
    MYSQL_ROW item, row;
    char *path = NULL;
    size_t n = 0;
    int rc = -1;

    if (events) {
        /* Unlike information_schema.EVENTS, SHOW EVENTS fails without EVENT: no silent
         * gap. Columns: Db, Name, ... */
        lc_buf_puts(&sql, "SHOW EVENTS FROM ");
        lc_db_quote_ident(&sql, d->name);
    } else {
        if (check_routines_visible(db, d, err))
            goto out;
        lc_buf_puts(&sql, "SELECT ROUTINE_TYPE, ROUTINE_NAME FROM information_schema.ROUTINES "
                          "WHERE ROUTINE_TYPE IN ('FUNCTION', 'PROCEDURE') AND ROUTINE_SCHEMA = ");
        lc_db_quote_string(db, &sql, d->name);
        lc_buf_puts(&sql, " ORDER BY ROUTINE_TYPE, ROUTINE_NAME");
    }
    list = lc_db_query(db, sql.data, err);
    if (!list) {
        if (events && err->status == LC_E_NOPERM)
            lc_err_hint(err, "GRANT EVENT ON <database>.* to the backup user so that events "
                             "can be dumped");
        goto out;
    }
    lc_dump_put_header(&b, events ? "events" : "routines", plan->server_version);
    while ((item = mysql_fetch_row(list)) != NULL) {
        /* Event, sql_mode, time_zone, Create Event, ...
         * Function|Procedure, sql_mode, Create Function|Procedure, ... */
        const char *kind = events ? "EVENT" : item[0];
        const char *body;

        if (!item[0] || !item[1])
            continue;
        res = show_create(db, kind, d->name, item[1], &row, err);
        if (!res)
            goto out;
        body = events ? row[3] : row[2];
        if (!body) {
            lc_err_set(err, LC_E_NOPERM, "mariadb: no definition visible for %s '%s'.'%s'",
                       kind, d->name, item[1]);
            lc_err_hint(err, events ? "grant the backup user EVENT on the database"
                                    : "grant the backup user SELECT on mysql.proc");
            goto out;
        }
        put_sql_mode(&b, row[1]);
        if (events && row[2]) {
            lc_buf_puts(&b, "SET SESSION time_zone=");
            lc_sql_put_string(&b, row[2], strlen(row[2]));
            lc_buf_puts(&b, ";\n");
        }
        put_drop(&b, kind, item[1]);
        if (put_delimited(&b, body, d->name, item[1], err))
            goto out;
        mysql_free_result(res);
        res = NULL;
        n++;
    }
    if (n) {
        if (events)
            lc_buf_puts(&b, "SET SESSION time_zone='+00:00';\n");
        lc_buf_puts(&b, restore_mode);
        path = lc_xasprintf("%s/%s.sql.gz", d->dir, events ? "events" : "routines");
        if (lc_dump_write_file(path, &b, level, events ? &d->events : &d->routines, err))
            goto out;
    }
    rc = 0;
out:
    if (res)
        mysql_free_result(res);
    if (list)
        mysql_free_result(list);
    free(path);
    lc_buf_done(&sql);
    lc_buf_done(&b);
    return rc;
}

int lc_dump_ddl_write(MYSQL *db, const struct lc_dump_plan *plan, struct lc_dump_db *d,
                      int level, atomic_int *stop, struct lc_err *err)
{
    int has_views = 0;

    if (mysql_select_db(db, d->name))
        return lc_db_fail(db, err, "mariadb: selecting the database failed");
    if (write_database(plan, d, level, err))
        goto fail;
    for (size_t idx = 0; idx < d->n_tables; idx++) {
        if (atomic_load(stop))
            return lc_err_set(err, LC_E_SOFTWARE, "stopped");
        if (d->tables[idx].is_view)
            has_views = 1;
        else if (write_table(db, plan, d, &d->tables[idx], level, err))
            goto fail;
    }
    if (has_views && write_views(db, plan, d, level, err))
        goto fail;
    if (!plan->filtered && (write_bodies(db, plan, d, 0, level, err) ||
                            write_bodies(db, plan, d, 1, level, err)))
        goto fail;
    return 0;
fail:
    lc_err_prefix(err, "dump of database '%s'", d->name);
    return -1;
}
