/*
 * The row reader of the MariaDB dump: one work item (a table, or one primary-key range
 * of it) streamed with mysql_use_result and written as extended INSERT statements of
 * about 1 MiB into its own gzip part file. Memory stays flat whatever the table size:
 * one row from the client library, and a text buffer handed to the gzip writer every
 * 256 KiB (a statement may span several hand-overs; the writer is a stream). Values
 * over 256 KiB are encoded and handed over in slices.
 */
#include "common/dump_mariadb_plan.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <errmsg.h>
#include <mysqld_error.h>

#include "common/buf.h"
#include "common/db.h"
#include "common/gz.h"
#include "common/progress.h"
#include "common/signals.h"
#include "common/sql_text.h"

#define ROWS_STMT_MAX (1024 * 1024) /* bytes of one INSERT before it is closed */
#define ROWS_FLUSH (256 * 1024)     /* text handed to the gzip writer at once */
#define ROWS_KEEP (4 * 1024 * 1024) /* a buffer grown beyond this by a big value is freed */
#define ROWS_POLL 4096              /* rows between checks of the stop flag and signals */
#define ROWS_BIG_VALUE (256 * 1024) /* values longer than this are written in slices */
#define ROWS_SLICE (64 * 1024)      /* bytes of a big value encoded at once */

/* The SQL text of one part file on its way to the gzip writer. */
struct text_out {
    struct lc_gz_writer *w;
    struct lc_buf b;
    uint64_t flushed;         /* bytes already handed to w */
    const struct lc_dump_opts *opts;
};

/* Bytes produced so far (handed over or buffered). */
static uint64_t text_pos(const struct text_out *o)
{
    return o->flushed + o->b.len;
}

static int flush_text(struct text_out *o, struct lc_err *err)
{
    if (o->b.len == 0)
        return 0;
    if (lc_gz_write(o->w, o->b.data, o->b.len, err))
        return -1;
    lc_progress_add(o->opts->progress, o->b.len);
    o->flushed += o->b.len;
    if (o->b.cap > ROWS_KEEP)
        lc_buf_done(&o->b);
    else
        lc_buf_reset(&o->b);
    return 0;
}

static void put_key(struct lc_buf *b, const struct lc_dump_table *t, uint64_t v)
{
    if (t->pk_unsigned)
        lc_buf_printf(b, "%" PRIu64, v);
    else
        lc_buf_printf(b, "%" PRId64, (int64_t)v);
}

static void build_query(struct lc_buf *sql, const struct lc_dump_chunk *c)
{
    const struct lc_dump_table *t = c->table;

    lc_buf_puts(sql, t->select_sql);
    if (c->has_lo || c->has_hi) {
        lc_buf_puts(sql, " WHERE ");
        if (c->has_lo) {
            lc_db_quote_ident(sql, t->pk);
            lc_buf_puts(sql, " >= ");
            put_key(sql, t, c->lo);
        }
        if (c->has_lo && c->has_hi)
            lc_buf_puts(sql, " AND ");
        if (c->has_hi) {
            lc_db_quote_ident(sql, t->pk);
            lc_buf_puts(sql, " < ");
            put_key(sql, t, c->hi);
        }
    }
}

static int read_failed(MYSQL *db, const struct lc_dump_chunk *c, struct lc_err *err)
{
    unsigned int num = mysql_errno(db);
    char what[400];

    if (num == CR_SERVER_LOST || num == CR_SERVER_GONE_ERROR || num == ER_CONNECTION_KILLED ||
        num == ER_SERVER_SHUTDOWN || num == ER_NORMAL_SHUTDOWN)
        snprintf(what, sizeof(what), "mariadb: lost connection while dumping '%s'.'%s'",
                 c->db->name, c->table->name);
    else
        snprintf(what, sizeof(what), "mariadb: reading '%s'.'%s' failed", c->db->name,
                 c->table->name);
    return lc_db_fail(db, err, what);
}

/*
 * Writes a long string or binary value straight to the gzip writer in slices, so
 * that its SQL form (up to twice its size) never sits in memory whole.
 */
static int put_big_value(struct text_out *o, enum lc_sql_class cls, const char *data,
                         size_t len, struct lc_err *err)
{
    /* The same text as lc_sql_put_value(), cut into slices (escapes are per byte). */
    if (cls == LC_SQL_BINARY)
        lc_buf_puts(&o->b, "_binary");
    lc_buf_putc(&o->b, '\'');
    for (size_t off = 0; off < len; off += ROWS_SLICE) {
        size_t n = len - off < ROWS_SLICE ? len - off : ROWS_SLICE;

        lc_sql_put_escaped(&o->b, data + off, n);
        if (flush_text(o, err))
            return -1;
    }
    lc_buf_putc(&o->b, '\'');
    return 0;
}

/* Appends one row "(v1,v2,...)" to the statement being built. */
static int put_row(struct text_out *o, MYSQL_ROW row, const unsigned long *lens,
                   const struct lc_dump_table *t, struct lc_err *err)
{
    lc_buf_putc(&o->b, '(');
    for (size_t idx = 0; idx < t->n_cols; idx++) {
        if (idx)
            lc_buf_putc(&o->b, ',');
        if (row[idx] && lens[idx] > ROWS_BIG_VALUE &&
            (t->cls[idx] == LC_SQL_STRING || t->cls[idx] == LC_SQL_BINARY)) {
            if (put_big_value(o, t->cls[idx], row[idx], lens[idx], err))
                return -1;
        } else {
            lc_sql_put_value(&o->b, t->cls[idx], row[idx], lens[idx]);
        }
    }
    lc_buf_putc(&o->b, ')');
    return 0;
}

/*
 * Runs the chunk's SELECT and writes its rows as INSERT statements of about
 * ROWS_STMT_MAX bytes. *out_rows is the number of rows read.
 */
static int stream_rows(MYSQL *db, const struct lc_dump_chunk *c, struct text_out *o,
                       atomic_int *stop, uint64_t *out_rows, struct lc_err *err)
{
    const struct lc_dump_table *t = c->table;
    size_t head_len = strlen(t->insert_head);
    struct lc_buf sql = LC_BUF_INIT;
    MYSQL_RES *res = NULL;
    MYSQL_ROW row;
    uint64_t rows = 0, stmt_start = 0;
    int in_stmt = 0;
    int rc = -1;

    build_query(&sql, c);
    if (mysql_real_query(db, sql.data, sql.len) || !(res = mysql_use_result(db))) {
        read_failed(db, c, err);
        goto out;
    }
    if (mysql_num_fields(res) != t->n_cols) {
        lc_err_set(err, LC_E_TEMPFAIL, "mariadb: '%s'.'%s' returned %u columns, expected %zu",
                   c->db->name, t->name, mysql_num_fields(res), t->n_cols);
        lc_err_hint(err, "the table was altered during the dump; run it again");
        goto out;
    }
    while ((row = mysql_fetch_row(res)) != NULL) {
        const unsigned long *lens = mysql_fetch_lengths(res);

        if (!in_stmt) {
            stmt_start = text_pos(o);
            lc_buf_append(&o->b, t->insert_head, head_len);
            in_stmt = 1;
        } else {
            lc_buf_putc(&o->b, ',');
        }
        if (put_row(o, row, lens, t, err))
            goto out;
        if (text_pos(o) - stmt_start >= ROWS_STMT_MAX) {
            lc_buf_append(&o->b, ";\n", 2);
            in_stmt = 0;
        }
        if (o->b.len >= ROWS_FLUSH && flush_text(o, err))
            goto out;
        if (++rows % ROWS_POLL == 0) {
            if (atomic_load(stop)) {
                lc_err_set(err, LC_E_SOFTWARE, "stopped");
                goto out;
            }
            if (lc_check_interrupted(err))
                goto out;
        }
    }
    if (mysql_errno(db)) {
        read_failed(db, c, err);
        goto out;
    }
    mysql_free_result(res);
    res = NULL;
    if (in_stmt)
        lc_buf_append(&o->b, ";\n", 2);
    *out_rows = rows;
    rc = 0;
out:
    if (res) {
        /* Freeing a half-read result would read the rest of it: cut the stream first
         * (the connection is unusable afterwards, and the dump is failing anyway). */
        mariadb_cancel(db);
        mysql_free_result(res);
    }
    lc_buf_done(&sql);
    return rc;
}

int lc_dump_rows_write(MYSQL *db, const struct lc_dump_plan *plan, struct lc_dump_chunk *c,
                       const struct lc_dump_opts *opts, atomic_int *stop, struct lc_err *err)
{
    const struct lc_dump_table *t = c->table;
    struct text_out o = {NULL, LC_BUF_INIT, 0, opts};
    uint64_t rows = 0, raw = 0, size = 0;
    int rc = -1;

    o.w = lc_gz_writer_open(c->out.path, opts->level, err);
    if (!o.w)
        goto out;
    if (c->idx == 0)
        lc_dump_put_header(&o.b, t->is_sequence ? "sequence state" : "table data",
                           plan->server_version);
    /* A table of generated columns only has nothing to write. */
    if (t->n_cols > 0 && stream_rows(db, c, &o, stop, &rows, err))
        goto out;
    if (flush_text(&o, err))
        goto out;
    rc = lc_gz_writer_close(o.w, &raw, &size, err);
    o.w = NULL;
    if (rc)
        goto out;
    c->out.rows = rows;
    c->out.raw = raw;
    c->out.size = size;
out:
    lc_gz_writer_abort(o.w);
    lc_buf_done(&o.b);
    return rc;
}
