/*
 * What a drill compares after the restore, and how honestly each figure can speak:
 * - row counts: every table of the set, COUNT(*) in the scratch copy against the rows
 *   the manifest recorded at backup time (a real comparison with the set);
 * - CHECKSUM TABLE: the manifest holds no CHECKSUM TABLE figures, so the scratch copy
 *   is compared with the live database the set was taken from. Equal figures prove the
 *   restore faithful for that table; a difference is a warning, not a failure, because
 *   it is also what a table written since the backup looks like;
 * - Redis: the number of keys in the scratch Redis database against the live
 *   database's (the manifest counts the keys of all the export's databases, the restore
 *   takes only [redis] db's); a difference is a warning.
 */
#include <hiredis/hiredis.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/db.h"
#include "common/mem.h"
#include "common/redis_client.h"
#include "tools/dr/drill.h"

static const char *cstr(const struct lc_buf *b)
{
    return b->data ? b->data : "";
}

/* 1 for a member that holds a table's rows in the set's (only) database. */
static int is_table_data(const struct lc_manifest_member *m)
{
    return m->kind && strcmp(m->kind, "data") == 0 && m->table && m->db && m->rows >= 0;
}

/* COUNT(*) of `db`.`table`. */
static int count_rows(MYSQL *c, const char *db, const char *table, int64_t *out,
                      struct lc_err *err)
{
    struct lc_buf sql = LC_BUF_INIT;
    char *value = NULL;
    int rc;

    lc_buf_puts(&sql, "SELECT COUNT(*) FROM ");
    lc_db_quote_ident(&sql, db);
    lc_buf_puts(&sql, ".");
    lc_db_quote_ident(&sql, table);
    rc = lc_db_query_value(c, cstr(&sql), &value, err);
    if (rc == 0)
        *out = value ? strtoll(value, NULL, 10) : -1;
    free(value);
    lc_buf_done(&sql);
    return rc;
}

static void check_row_counts(MYSQL *c, struct drill *d)
{
    struct lc_buf bad = LC_BUF_INIT;
    uint64_t n_bad = 0;

    for (size_t idx = 0; idx < d->manifest.n_members; idx++) {
        const struct lc_manifest_member *m = &d->manifest.members[idx];
        struct lc_err qerr = LC_ERR_INIT;
        int64_t rows = -1;

        if (!is_table_data(m))
            continue;
        if (count_rows(c, d->scratch_db, m->table, &rows, &qerr) < 0)
            lc_buf_printf(&bad, "%s'%s': %s", n_bad++ ? "; " : "", m->table, qerr.msg);
        else if (rows != m->rows)
            lc_buf_printf(&bad, "%s'%s': %" PRId64 " rows, the set has %" PRId64,
                          n_bad++ ? "; " : "", m->table, rows, m->rows);
        d->tables_compared++;
        if (rows > 0)
            d->rows_compared += (uint64_t)rows;
    }
    if (d->tables_compared == 0)
        drill_check_add(d, "row_counts", DRILL_SKIPPED, "the set holds no table data");
    else if (n_bad)
        drill_check_add(d, "row_counts", DRILL_FAILED, "%" PRIu64 " of %" PRIu64 " tables differ "
                        "from the manifest: %s", n_bad, d->tables_compared, cstr(&bad));
    else
        drill_check_add(d, "row_counts", DRILL_OK, "%" PRIu64 " tables, %" PRIu64 " rows: every "
                        "table's row count equals the manifest's", d->tables_compared,
                        d->rows_compared);
    lc_buf_done(&bad);
}

/* CHECKSUM TABLE `db`.`table`: the figure as a string (NULL for a table it cannot
 * checksum, e.g. missing). */
static int checksum(MYSQL *c, const char *db, const char *table, char **out, struct lc_err *err)
{
    struct lc_buf sql = LC_BUF_INIT;
    MYSQL_RES *res;
    MYSQL_ROW row;

    lc_buf_puts(&sql, "CHECKSUM TABLE ");
    lc_db_quote_ident(&sql, db);
    lc_buf_puts(&sql, ".");
    lc_db_quote_ident(&sql, table);
    lc_buf_puts(&sql, " EXTENDED");
    res = lc_db_query(c, cstr(&sql), err);
    lc_buf_done(&sql);
    if (!res)
        return -1;
    row = mysql_fetch_row(res);
    *out = row && row[1] ? lc_xstrdup(row[1]) : NULL;
    mysql_free_result(res);
    return 0;
}

static void check_checksums(MYSQL *c, struct drill *d)
{
    struct lc_buf differ = LC_BUF_INIT;
    uint64_t n_differ = 0, n_failed = 0;
    struct lc_err qerr = LC_ERR_INIT;

    for (size_t idx = 0; idx < d->manifest.n_members; idx++) {
        const struct lc_manifest_member *m = &d->manifest.members[idx];
        char *scratch = NULL, *live = NULL;

        if (!is_table_data(m))
            continue;
        if (checksum(c, d->scratch_db, m->table, &scratch, &qerr) < 0 ||
            checksum(c, m->db, m->table, &live, &qerr) < 0)
            n_failed++;
        else if (!scratch || !live || strcmp(scratch, live) != 0)
            lc_buf_printf(&differ, "%s'%s'", n_differ++ ? ", " : "", m->table);
        else
            d->checksums_compared++;
        free(scratch);
        free(live);
    }
    if (n_failed)
        drill_check_add(d, "checksum_table", DRILL_FAILED, "CHECKSUM TABLE failed for %" PRIu64
                        " tables: %s", n_failed, qerr.msg);
    else if (n_differ)
        drill_check_add(d, "checksum_table", DRILL_WARN, "%" PRIu64 " tables equal to the live "
                        "database, %" PRIu64 " differ (%s): changed since the backup, or "
                        "restored wrongly; the manifest holds no CHECKSUM TABLE figures to tell",
                        d->checksums_compared, n_differ, cstr(&differ));
    else if (d->checksums_compared)
        drill_check_add(d, "checksum_table", DRILL_OK, "%" PRIu64 " tables: CHECKSUM TABLE of "
                        "the scratch copy equals the live database's (the manifest holds no "
                        "CHECKSUM TABLE figures)", d->checksums_compared);
    lc_buf_done(&differ);
}

/* The keys of the set's Redis export, all databases (the manifest's rows of "keys"
 * members). */
static uint64_t set_keys(const struct lc_manifest *m)
{
    uint64_t n = 0;

    for (size_t idx = 0; idx < m->n_members; idx++)
        if (m->members[idx].kind && strcmp(m->members[idx].kind, "keys") == 0 &&
            m->members[idx].rows > 0)
            n += (uint64_t)m->members[idx].rows;
    return n;
}

/* DBSIZE of database `db` on an open connection. */
static int dbsize(redisContext *c, long db, long long *out, struct lc_err *err)
{
    char dbs[24];
    const char *select[] = {"SELECT", dbs};
    const char *cmd[] = {"DBSIZE"};
    redisReply *reply;

    snprintf(dbs, sizeof(dbs), "%ld", db);
    reply = lc_redis_cmdv(c, 2, select, NULL, err);
    if (!reply)
        return -1;
    freeReplyObject(reply);
    reply = lc_redis_cmdv(c, 1, cmd, NULL, err);
    if (!reply)
        return -1;
    *out = reply->type == REDIS_REPLY_INTEGER ? reply->integer : -1;
    freeReplyObject(reply);
    return 0;
}

/* DBSIZE of the scratch database and of the system's ([redis] db) on the master. */
static int dbsizes(const struct lc_config *cfg, long scratch, long long *out_scratch,
                   long long *out_live, struct lc_err *err)
{
    char **masters = NULL;
    redisContext *c = NULL;
    int rc = -1;

    if (lc_redis_masters(&cfg->redis, &masters, err) < 0)
        goto out;
    c = lc_redis_connect(masters[0], &cfg->redis, err);
    if (!c || dbsize(c, scratch, out_scratch, err) < 0 ||
        dbsize(c, (long)cfg->redis.db, out_live, err) < 0)
        goto out;
    rc = 0;
out:
    if (c)
        redisFree(c);
    lc_strv_free(masters);
    return rc;
}

/*
 * The manifest counts the export's keys over all its databases, and the restore takes
 * only [redis] db's: the scratch database's key count is compared with the live
 * database's instead, like CHECKSUM TABLE (equal: whole; different: keys written or
 * expired since the backup, or leftovers, since the scratch database is not emptied
 * first: a warning).
 */
static int check_redis(const struct lc_config *cfg, struct drill *d, struct lc_err *err)
{
    long long have = -1, live = -1;

    if (d->scratch_redis_db < 0 || !d->manifest.redis_version) {
        drill_check_add(d, "redis_keys", DRILL_SKIPPED, "%s",
                        d->redis_note ? d->redis_note : "the set has no Redis part");
        return 0;
    }
    if (dbsizes(cfg, d->scratch_redis_db, &have, &live, err) < 0)
        return -1;
    drill_check_add(d, "redis_keys", have == live ? DRILL_OK : DRILL_WARN,
                    "%lld keys in Redis database %ld, %lld in the live database %u%s (the set "
                    "holds %" PRIu64 " keys over all its databases; only database %u's are "
                    "restored, keys expired since the backup are not)",
                    have, d->scratch_redis_db, live, cfg->redis.db,
                    have == live ? "" : ": written or expired since the backup, or leftovers "
                                        "(the scratch database is not emptied first)",
                    set_keys(&d->manifest), cfg->redis.db);
    return 0;
}

int drill_verify(const struct lc_config *cfg, struct drill *d, struct lc_err *err)
{
    MYSQL *c = NULL;

    if (d->manifest.mariadb_version) {
        c = lc_db_connect(&cfg->mariadb, "lcbp3-dr", err);
        if (!c)
            return -1;
        check_row_counts(c, d);
        check_checksums(c, d);
        lc_db_close(c);
    } else {
        drill_check_add(d, "row_counts", DRILL_SKIPPED, "the set has no MariaDB part");
    }
    return check_redis(cfg, d, err);
}
