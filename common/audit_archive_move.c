/*
 * The two batch phases of the audit archive (see audit_archive.h): copying old rows
 * into the archive table and deleting the exported ones from the audit table. Each
 * batch walks the primary key upwards, is one short transaction, and checks its own
 * result before it commits, so a batch is either whole or absent, and a rerun starts
 * again from the lowest key left.
 */
#include <stdlib.h>
#include <string.h>

#include "common/audit_archive_run.h"
#include "common/buf.h"
#include "common/db.h"
#include "common/log.h"
#include "common/mem.h"
#include "common/rate.h"
#include "common/signals.h"

/* Ends a failed batch's transaction; the error being reported is the first one. */
static void rollback(struct aa_run *r)
{
    struct lc_err ignored = LC_ERR_INIT;

    (void)lc_db_exec(r->db, "ROLLBACK", &ignored);
}

/* A statement that changes rows: *out the number it changed. */
static int exec_changes(struct aa_run *r, const struct lc_buf *sql, const char *what,
                        uint64_t *out, struct lc_err *err)
{
    if (mysql_real_query(r->db, sql->data, sql->len) != 0)
        return lc_db_fail(r->db, err, what);
    *out = mysql_affected_rows(r->db);
    return 0;
}

/* A COUNT(*) style query's number. */
static int query_count(struct aa_run *r, const char *sql, uint64_t *out, struct lc_err *err)
{
    char *value = NULL;

    if (lc_db_query_value(r->db, sql, &value, err) < 0)
        return -1;
    *out = value ? strtoull(value, NULL, 10) : 0;
    free(value);
    return 0;
}

/*
 * The keys of the next batch after `last` (empty: from the start), selected with
 * `from_where` ("FROM ... WHERE ...") and `lock` (" LOCK IN SHARE MODE" / " FOR
 * UPDATE"): *out_n of them, the highest into `hi`.
 */
static int next_batch(struct aa_run *r, const char *from_where, const struct lc_buf *last,
                      const char *lock, uint64_t *out_n, struct lc_buf *hi, struct lc_err *err)
{
    struct lc_buf sql = LC_BUF_INIT;
    MYSQL_RES *res;
    MYSQL_ROW row;
    uint64_t n = 0;

    lc_buf_puts(&sql, "SELECT a.");
    lc_db_quote_ident(&sql, r->pk);
    lc_buf_printf(&sql, " %s", from_where);
    if (last->len) {
        lc_buf_puts(&sql, " AND a.");
        lc_db_quote_ident(&sql, r->pk);
        lc_buf_printf(&sql, " > %s", last->data);
    }
    lc_buf_puts(&sql, " ORDER BY a.");
    lc_db_quote_ident(&sql, r->pk);
    lc_buf_printf(&sql, " LIMIT %lld%s", (long long)r->cfg->numbering.audit_archive_batch, lock);
    res = lc_db_query(r->db, sql.data, err);
    lc_buf_done(&sql);
    if (!res)
        return -1;
    while ((row = mysql_fetch_row(res)) != NULL) {
        unsigned long *lengths = mysql_fetch_lengths(res);

        lc_buf_reset(hi);
        aa_put_value(r->db, hi, row[0], lengths[0]);
        n++;
    }
    mysql_free_result(res);
    *out_n = n;
    return 0;
}

/* " AND a.`pk` > last AND a.`pk` <= hi" */
static void put_range(struct aa_run *r, struct lc_buf *sql, const struct lc_buf *last,
                      const struct lc_buf *hi)
{
    if (last->len) {
        lc_buf_puts(sql, " AND a.");
        lc_db_quote_ident(sql, r->pk);
        lc_buf_printf(sql, " > %s", last->data);
    }
    lc_buf_puts(sql, " AND a.");
    lc_db_quote_ident(sql, r->pk);
    lc_buf_printf(sql, " <= %s", hi->data);
}

/* How many rows of the range have an identical copy in the archive table. */
static int count_matched(struct aa_run *r, const struct lc_buf *last, const struct lc_buf *hi,
                         uint64_t *out, struct lc_err *err)
{
    struct lc_buf sql = LC_BUF_INIT;
    int rc;

    lc_buf_printf(&sql, "SELECT COUNT(*) FROM %s a JOIN %s b ON %s WHERE %s", r->qaudit,
                  r->qarchive, r->match, r->old);
    put_range(r, &sql, last, hi);
    rc = query_count(r, sql.data, out, err);
    lc_buf_done(&sql);
    return rc;
}

/* One copy batch; *out_n 0 when no old row is left after `last`. */
static int copy_batch(struct aa_run *r, struct lc_buf *last, uint64_t *out_n, struct lc_err *err)
{
    struct lc_buf sql = LC_BUF_INIT, hi = LC_BUF_INIT, from = LC_BUF_INIT;
    uint64_t n = 0, matched = 0, inserted = 0;
    int rc = -1;

    lc_buf_printf(&from, "FROM %s a WHERE %s", r->qaudit, r->old);
    if (lc_db_exec(r->db, "START TRANSACTION", err) < 0 ||
        next_batch(r, from.data, last, " LOCK IN SHARE MODE", &n, &hi, err) < 0)
        goto out;
    if (n == 0) {
        rc = lc_db_exec(r->db, "COMMIT", err);
        goto out;
    }
    lc_buf_printf(&sql, "INSERT IGNORE INTO %s (%s) SELECT %s FROM %s a WHERE %s", r->qarchive,
                  r->cols, r->a_cols, r->qaudit, r->old);
    put_range(r, &sql, last, &hi);
    if (exec_changes(r, &sql, "mariadb: copying rows to the archive table failed", &inserted,
                     err) < 0)
        goto out;
    if (count_matched(r, last, &hi, &matched, err) < 0)
        goto out;
    if (matched != n) {
        lc_err_set(err, LC_E_DATA, "table '%s': %llu of %llu old rows with %s up to %s have a "
                   "different row under the same key in '%s'; nothing of this batch was copied",
                   r->where, (unsigned long long)(n - matched), (unsigned long long)n, r->pk,
                   hi.data, r->awhere);
        lc_err_hint(err, "compare the rows of both tables in that key range; the archive must "
                         "hold only rows moved from this audit table");
        goto out;
    }
    if (lc_db_exec(r->db, "COMMIT", err) < 0)
        goto out;
    r->copied += inserted;
    lc_log_debug("table '%s': copied %llu rows up to %s=%s (%llu were there already)", r->where,
                 (unsigned long long)inserted, r->pk, hi.data,
                 (unsigned long long)(n - inserted));
    lc_buf_reset(last);
    lc_buf_puts(last, hi.data);
    rc = 0;
out:
    if (rc < 0)
        rollback(r);
    else
        *out_n = n;
    lc_buf_done(&sql);
    lc_buf_done(&hi);
    lc_buf_done(&from);
    return rc;
}

/* One delete batch, bounded by the highest exported key. */
static int delete_batch(struct aa_run *r, struct lc_buf *last, uint64_t *out_n,
                        struct lc_err *err)
{
    struct lc_buf sql = LC_BUF_INIT, hi = LC_BUF_INIT, from = LC_BUF_INIT;
    uint64_t n = 0, deleted = 0;
    int rc = -1;

    lc_buf_printf(&from, "FROM %s a JOIN %s b ON %s WHERE %s AND a.", r->qaudit, r->qarchive,
                  r->match, r->old);
    lc_db_quote_ident(&from, r->pk);
    lc_buf_printf(&from, " <= %s", r->export_max_pk);
    if (lc_db_exec(r->db, "START TRANSACTION", err) < 0 ||
        next_batch(r, from.data, last, " FOR UPDATE", &n, &hi, err) < 0)
        goto out;
    if (n == 0) {
        rc = lc_db_exec(r->db, "COMMIT", err);
        goto out;
    }
    lc_buf_printf(&sql, "DELETE a FROM %s a JOIN %s b ON %s WHERE %s", r->qaudit, r->qarchive,
                  r->match, r->old);
    put_range(r, &sql, last, &hi);
    if (exec_changes(r, &sql, "mariadb: deleting archived rows failed", &deleted, err) < 0)
        goto out;
    if (deleted != n) {
        lc_err_set(err, LC_E_DATA, "table '%s': the batch up to %s=%s deleted %llu rows instead "
                   "of the %llu archived ones; rolled back", r->where, r->pk, hi.data,
                   (unsigned long long)deleted, (unsigned long long)n);
        goto out;
    }
    if (lc_db_exec(r->db, "COMMIT", err) < 0)
        goto out;
    r->deleted += deleted;
    lc_log_debug("table '%s': deleted %llu archived rows up to %s=%s", r->where,
                 (unsigned long long)deleted, r->pk, hi.data);
    lc_buf_reset(last);
    lc_buf_puts(last, hi.data);
    rc = 0;
out:
    if (rc < 0)
        rollback(r);
    else
        *out_n = n;
    lc_buf_done(&sql);
    lc_buf_done(&hi);
    lc_buf_done(&from);
    return rc;
}

typedef int (*batch_fn)(struct aa_run *r, struct lc_buf *last, uint64_t *out_n,
                        struct lc_err *err);

/* Batch after batch until one comes back empty; the key only grows, so it ends. */
static int batches(struct aa_run *r, batch_fn fn, struct lc_err *err)
{
    struct lc_buf last = LC_BUF_INIT;
    struct lc_rate rate;
    uint64_t done = 0, n = 0;
    int rc = -1;

    lc_rate_init(&rate, (double)r->cfg->numbering.audit_archive_max_rate);
    for (;;) {
        if (lc_check_interrupted(err) < 0 || fn(r, &last, &n, err) < 0)
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

int aa_copy(struct aa_run *r, struct lc_err *err)
{
    if (batches(r, copy_batch, err) < 0) {
        aa_fail(r, err);
        lc_err_prefix(err, "copying old rows of '%s' to '%s'", r->where, r->awhere);
        return -1;
    }
    return 0;
}

int aa_delete(struct aa_run *r, struct lc_err *err)
{
    if (batches(r, delete_batch, err) < 0) {
        aa_fail(r, err);
        lc_err_prefix(err, "deleting archived rows from '%s' (%llu deleted so far; a rerun "
                      "finishes)", r->where, (unsigned long long)r->deleted);
        return -1;
    }
    return 0;
}
