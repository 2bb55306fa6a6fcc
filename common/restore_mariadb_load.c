/*
 * Loading one dump member or legacy dump into a connection (see restore_mariadb_load.h).
 */
#include "common/restore_mariadb_load.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <errmsg.h>
#include <mysqld_error.h>

#include "common/buf.h"
#include "common/db.h"
#include "common/log.h"
#include "common/mem.h"
#include "common/signals.h"
#include "common/sql_load_data.h"
#include "common/sql_rewrite.h"
#include "common/sql_stream.h"

#define READ_CHUNK (1024 * 1024)
#define EXCERPT 60
#define DEADLOCK_TRIES 5

struct load_state {
    MYSQL *db;
    const struct lc_load_source *src;
    struct lc_load_counts *counts;
    struct lc_buf rewritten;
    struct lc_buf scratch;
    int warned_definer;
    int load_data;            /* INSERTs go as LOAD DATA until the server refuses it */
    struct lc_buf load_sql;   /* the LOAD DATA statement of the current INSERT */
    struct lc_buf rows;       /* its rows, served by the local-infile callbacks */
    size_t rows_sent;
};

/* Connector/C's local-infile callbacks: the "file" is st->rows, whatever name the
 * server asks for. */
static int infile_init(void **ptr, const char *name, void *userdata)
{
    struct load_state *st = userdata;

    (void)name;
    st->rows_sent = 0;
    *ptr = st;
    return 0;
}

static int infile_read(void *ptr, char *buf, unsigned int cap)
{
    struct load_state *st = ptr;
    size_t n = st->rows.len - st->rows_sent;

    if (n > cap)
        n = cap;
    memcpy(buf, st->rows.data + st->rows_sent, n);
    st->rows_sent += n;
    return (int)n;
}

static void infile_end(void *ptr)
{
    (void)ptr;
}

static int infile_error(void *ptr, char *msg, unsigned int len)
{
    (void)ptr;
    snprintf(msg, len, "lcbp3-restore: no rows to send");
    return CR_UNKNOWN_ERROR;
}

/* 1 when the statement starts with `word` (case-insensitive) followed by a non-letter. */
static int starts_with_word(const char *text, size_t len, const char *word)
{
    size_t n = strlen(word);

    return len >= n && strncasecmp(text, word, n) == 0 &&
           (len == n || !isalnum((unsigned char)text[n]));
}

/* The statement after an executable-comment opener (slash-star-bang and a version, as
 * mysqldump writes "!40000 DROP DATABASE"), which the server runs as if it were bare. */
static const char *skip_exec_opener(const char *text, size_t *len)
{
    size_t k;

    if (*len < 3 || text[0] != '/' || text[1] != '*')
        return text;
    k = 2 + (text[2] == 'M');
    if (k >= *len || text[k] != '!')
        return text;
    for (k++; k < *len && text[k] >= '0' && text[k] <= '9'; k++)
        ;
    while (k < *len && (text[k] == ' ' || text[k] == '\n' || text[k] == '\t'))
        k++;
    *len -= k;
    return text + k;
}

/* Statements of a legacy dump that would act on another database than the target: USE,
 * CREATE DATABASE and DROP DATABASE/SCHEMA (mysqldump --databases, --add-drop-database). */
static int names_other_database(const char *text, size_t len)
{
    const char *s = skip_exec_opener(text, &len);
    size_t k;

    if (starts_with_word(s, len, "USE"))
        return 1;
    if (!starts_with_word(s, len, "CREATE") && !starts_with_word(s, len, "DROP"))
        return 0;
    k = s[0] == 'C' || s[0] == 'c' ? 6 : 4;
    k += strspn(s + k, " \t\r\n");
    return starts_with_word(s + k, len - k, "DATABASE") || starts_with_word(s + k, len - k, "SCHEMA");
}

static int is_insert(const char *text, size_t len)
{
    return starts_with_word(text, len, "INSERT") || starts_with_word(text, len, "REPLACE");
}

/* Runs one statement and drains its results; returns the server's errno, 0 if ok.
 * *out_rows gets the rows it affected. */
static unsigned run_statement(MYSQL *db, const char *text, size_t len, uint64_t *out_rows)
{
    my_ulonglong affected;
    int status;

    if (mysql_real_query(db, text, len))
        return mysql_errno(db);
    affected = mysql_affected_rows(db);
    *out_rows = affected == (my_ulonglong)-1 ? 0 : (uint64_t)affected;
    do {
        MYSQL_RES *res = mysql_store_result(db);

        if (res)
            mysql_free_result(res);
        else if (mysql_field_count(db))
            return mysql_errno(db);
        status = mysql_next_result(db);
        if (status > 0)
            return mysql_errno(db);
    } while (status == 0);
    return 0;
}

/*
 * A statement the server refused: the message names the input, the line, the server's
 * error and the start of the statement. A refusal of the data itself (a duplicate key,
 * a syntax or type error) is bad data; a lost connection or missing privilege keeps
 * the status lc_db_fail gives it.
 */
/*
 * run_statement, retried when InnoDB picked it as a deadlock victim: parts of one table
 * load on several connections, and two loads into a table that was empty can deadlock
 * on its first rows. A statement is its own transaction (autocommit), so running it
 * again is safe. Bounded: DEADLOCK_TRIES attempts, 50 ms, 100 ms, ... apart.
 */
static unsigned run_retrying(MYSQL *db, const char *text, size_t len, uint64_t *out_rows,
                             const char *name)
{
    unsigned num = 0;

    for (unsigned attempt = 1; attempt <= DEADLOCK_TRIES; attempt++) {
        num = run_statement(db, text, len, out_rows);
        if (num != ER_LOCK_DEADLOCK || attempt == DEADLOCK_TRIES)
            break;
        lc_log_debug("'%s': deadlock, running the statement again (attempt %u)", name,
                     attempt + 1);
        usleep(50000u * attempt);
    }
    return num;
}

static int statement_failed(struct load_state *st, const char *text, size_t len, uint64_t line,
                            struct lc_err *err)
{
    unsigned num = mysql_errno(st->db);
    char what[300];
    char excerpt[EXCERPT + 4];
    size_t n = 0;

    for (size_t idx = 0; idx < len && n < EXCERPT; idx++)
        excerpt[n++] = (unsigned char)text[idx] < 0x20 ? ' ' : text[idx];
    excerpt[n] = '\0';
    if (len > EXCERPT)
        memcpy(excerpt + n, "...", 4);
    snprintf(what, sizeof(what), "'%s' line %llu", st->src->name, (unsigned long long)line);
    lc_db_fail(st->db, err, what);
    if (err->status == LC_E_UNAVAILABLE && num > 0 && num < CR_MIN_ERROR)
        err->status = LC_E_DATA;
    if (num == ER_NET_PACKET_TOO_LARGE)
        snprintf(excerpt, sizeof(excerpt), "(raise max_allowed_packet)");
    n = strlen(err->msg);
    snprintf(err->msg + n, sizeof(err->msg) - n, " in: %s", excerpt);
    return -1;
}

/*
 * After one rewrite into st->scratch: when it changed something, its output becomes the
 * current text by swapping the two buffers (the old text is not needed any more), so no
 * step copies what the previous one wrote.
 */
static const char *take_rewrite(struct load_state *st, const char *cur, size_t *len,
                                size_t changed)
{
    struct lc_buf held;

    if (!changed)
        return cur;
    held = st->rewritten;
    st->rewritten = st->scratch;
    st->scratch = held;
    *len = st->rewritten.len;
    return st->rewritten.data;
}

/* Applies the source's rewrites; returns the text to run (st->rewritten or the input). */
static const char *rewrite(struct load_state *st, const char *text, size_t *len)
{
    const struct lc_load_source *src = st->src;
    const char *cur = text;

    if (is_insert(text, *len))
        return text;
    if (src->qualify_db && starts_with_word(cur, *len, "CREATE")) {
        lc_buf_reset(&st->scratch);
        cur = take_rewrite(st, cur, len,
                           lc_sql_qualify_references(&st->scratch, cur, *len, src->qualify_db));
    }
    if (src->deferred_keys && starts_with_word(cur, *len, "CREATE")) {
        lc_buf_reset(&st->scratch);
        cur = take_rewrite(st, cur, len,
                           lc_sql_defer_keys(&st->scratch, src->deferred_keys, cur, *len));
    }
    if (src->rename_from) {
        lc_buf_reset(&st->scratch);
        cur = take_rewrite(st, cur, len,
                           lc_sql_rename_schema(&st->scratch, cur, *len, src->rename_from,
                                                src->rename_to));
    }
    if (src->strip_definer) {
        lc_buf_reset(&st->scratch);
        cur = take_rewrite(st, cur, len, (size_t)lc_sql_strip_definer(&st->scratch, cur, *len));
    }
    return cur;
}

static int on_statement(void *ctx, char *text, size_t len, uint64_t line, struct lc_err *err)
{
    struct load_state *st = ctx;
    const char *sql;
    uint64_t rows = 0;
    unsigned num;

    if (st->src->legacy && names_other_database(text, len)) {
        lc_log_debug("'%s' line %llu: skipped (the dump is restored into the chosen database)",
                     st->src->name, (unsigned long long)line);
        return 0;
    }
    if (st->load_data && is_insert(text, len) &&
        lc_sql_insert_to_load_data(text, len, &st->load_sql, &st->rows)) {
        num = run_retrying(st->db, st->load_sql.data, st->load_sql.len, &rows, st->src->name);
        if (num == 0) {
            st->counts->statements++;
            st->counts->rows += rows;
            return 0;
        }
        if (num != ER_NOT_ALLOWED_COMMAND && num != ER_LOAD_INFILE_CAPABILITY_DISABLED)
            return statement_failed(st, text, len, line, err);
        lc_log_warn("'%s': the server refuses LOAD DATA LOCAL INFILE (local_infile=OFF?): rows "
                    "go as INSERT statements, about half as fast", st->src->name);
        st->load_data = 0;
    }
    sql = rewrite(st, text, &len);
    num = run_retrying(st->db, sql, len, &rows, st->src->name);
    if (num == ER_SPECIFIC_ACCESS_DENIED_ERROR && !st->src->strip_definer) {
        lc_buf_reset(&st->scratch);
        if (lc_sql_strip_definer(&st->scratch, sql, len)) {
            if (!st->warned_definer)
                lc_log_warn("'%s': this account may not create objects for other definers; "
                            "they are created with the restoring account as definer",
                            st->src->name);
            st->warned_definer = 1;
            sql = st->scratch.data;
            len = st->scratch.len;
            num = run_statement(st->db, sql, len, &rows);
        }
    }
    if (num)
        return statement_failed(st, sql, len, line, err);
    st->counts->statements++;
    if (is_insert(sql, len))
        st->counts->rows += rows;
    return 0;
}

int lc_restore_load(MYSQL *db, const struct lc_load_source *src, struct lc_load_counts *counts,
                    struct lc_err *err)
{
    struct load_state st = {db, src, counts, LC_BUF_INIT, LC_BUF_INIT, 0, src->load_data,
                            LC_BUF_INIT, LC_BUF_INIT, 0};
    struct lc_gz_reader *r = lc_gz_reader_open(src->fd, src->offset, src->length, src->input,
                                               src->name);
    struct lc_sql_stream *stream = lc_sql_stream_new(src->name, on_statement, &st);
    char *chunk = lc_xmalloc(READ_CHUNK);
    uint64_t reported = 0;
    int rc = -1;

    if (!r) {
        lc_err_set(err, LC_E_SOFTWARE, "'%s': cannot open a reader", src->name);
        goto out;
    }
    if (src->load_data)
        mysql_set_local_infile_handler(db, infile_init, infile_read, infile_end, infile_error, &st);
    for (;;) {
        size_t got;
        uint64_t consumed;

        if (src->stop && atomic_load(src->stop)) {
            lc_err_set(err, LC_E_TEMPFAIL, "'%s': stopped because another loader failed",
                       src->name);
            goto out;
        }
        if (lc_check_interrupted(err) || lc_gz_read(r, chunk, READ_CHUNK, &got, err))
            goto out;
        consumed = lc_gz_reader_consumed(r);
        lc_progress_add(src->progress, consumed - reported);
        reported = consumed;
        if (got == 0)
            break;
        if (lc_sql_stream_feed(stream, chunk, got, err))
            goto out;
    }
    if (lc_sql_stream_finish(stream, err))
        goto out;
    rc = 0;
out:
    free(chunk);
    lc_sql_stream_free(stream);
    lc_gz_reader_close(r);
    lc_buf_done(&st.rewritten);
    lc_buf_done(&st.scratch);
    lc_buf_done(&st.load_sql);
    lc_buf_done(&st.rows);
    return rc;
}

int lc_restore_session(MYSQL *db, int set_member, int *out_binlog_off, struct lc_err *err)
{
    struct lc_err ignored = LC_ERR_INIT;

    /* What every data member starts with (common/dump_mariadb_ddl.c), for parts that
     * start in the middle of one. */
    if (set_member &&
        lc_db_exec(db, "SET SESSION time_zone='+00:00', sql_mode='NO_AUTO_VALUE_ON_ZERO', "
                       "foreign_key_checks=0, unique_checks=0, check_constraint_checks=0",
                   err))
        return -1;
    *out_binlog_off = lc_db_exec(db, "SET SESSION sql_log_bin=0", &ignored) == 0;
    return 0;
}
