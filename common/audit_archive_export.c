/*
 * The export of an audit archive run (see audit_archive.h): the old rows present in
 * both tables, read from the archive table in key order, written as gzip CSV (csv.h)
 * to "<spool>/audit-archive/.<table>-<run>.csv.gz.partial", fsynced and renamed to
 * "<table>-<oldest day>-<newest day>-<run>.csv.gz", given a sha256sum sidecar, then
 * shipped to every configured target and verified there (common/ship.h). Without a
 * spool ([backup] spool_dir empty) the file is kept in [backup] work_dir.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "common/audit_archive_run.h"
#include "common/buf.h"
#include "common/csv.h"
#include "common/db.h"
#include "common/digest.h"
#include "common/fs.h"
#include "common/gz.h"
#include "common/log.h"
#include "common/mem.h"
#include "common/ship.h"
#include "common/signals.h"
#include "common/spool.h"
#include "common/target.h"
#include "common/units.h"

/* Rows are gathered up to this many bytes before they go to the compressor. */
#define EXPORT_FLUSH_BYTES (256 * 1024)

struct export_file {
    char *dir;                /* "<spool>/audit-archive" */
    char *partial;
    struct lc_gz_writer *gz;
    struct lc_buf pending;
    char *oldest, *newest;    /* the time column's smallest and largest text */
};

static void export_file_done(struct export_file *f)
{
    lc_gz_writer_abort(f->gz);
    lc_buf_done(&f->pending);
    free(f->dir);
    free(f->partial);
    free(f->oldest);
    free(f->newest);
}

static int flush_pending(struct export_file *f, int force, struct lc_err *err)
{
    if (f->pending.len == 0 || (!force && f->pending.len < EXPORT_FLUSH_BYTES))
        return 0;
    if (lc_gz_write(f->gz, f->pending.data, f->pending.len, err) < 0)
        return -1;
    lc_buf_reset(&f->pending);
    return 0;
}

static size_t column_index(char *const *columns, const char *name)
{
    size_t idx;

    for (idx = 0; columns[idx]; idx++)
        if (strcasecmp(columns[idx], name) == 0)
            break;
    return idx;
}

/* Keeps the smallest and largest non-NULL time seen (the server's text sorts as time). */
static void note_time(struct export_file *f, const char *value)
{
    if (!value)
        return;
    if (!f->oldest || strcmp(value, f->oldest) < 0) {
        free(f->oldest);
        f->oldest = lc_xstrdup(value);
    }
    if (!f->newest || strcmp(value, f->newest) > 0) {
        free(f->newest);
        f->newest = lc_xstrdup(value);
    }
}

/* Streams the rows into the writer; r->exported and r->export_max_pk follow. */
static int write_rows(struct aa_run *r, struct export_file *f, struct lc_err *err)
{
    struct lc_buf sql = LC_BUF_INIT;
    size_t time_idx = column_index(r->columns, r->cfg->numbering.audit_time_column);
    size_t pk_idx = column_index(r->columns, r->pk);
    MYSQL_RES *res = NULL;
    MYSQL_FIELD *fields;
    MYSQL_ROW row;
    unsigned n_fields;
    int rc = -1;

    lc_buf_printf(&sql, "SELECT %s FROM %s b JOIN %s a ON %s WHERE %s ORDER BY b.", r->b_cols,
                  r->qarchive, r->qaudit, r->match, r->old);
    lc_db_quote_ident(&sql, r->pk);
    if (mysql_real_query(r->db, sql.data, sql.len) != 0 || !(res = mysql_use_result(r->db))) {
        lc_db_fail(r->db, err, "mariadb: reading the archived rows failed");
        goto out;
    }
    fields = mysql_fetch_fields(res);
    n_fields = mysql_num_fields(res);
    lc_csv_header(&f->pending, fields, n_fields);
    while ((row = mysql_fetch_row(res)) != NULL) {
        unsigned long *lengths = mysql_fetch_lengths(res);

        lc_csv_row(&f->pending, fields, n_fields, row, lengths);
        if (time_idx < n_fields)
            note_time(f, row[time_idx]);
        if (pk_idx < n_fields) {
            struct lc_buf key = LC_BUF_INIT;

            free(r->export_max_pk);
            aa_put_value(r->db, &key, row[pk_idx], lengths[pk_idx]);
            r->export_max_pk = lc_buf_steal(&key);
        }
        r->exported++;
        if (flush_pending(f, 0, err) < 0 || lc_check_interrupted(err) < 0)
            goto out;
    }
    if (mysql_errno(r->db)) {
        lc_db_fail(r->db, err, "mariadb: reading the archived rows failed");
        goto out;
    }
    if (flush_pending(f, 1, err) < 0)
        goto out;
    rc = 0;
out:
    if (res)
        mysql_free_result(res);
    lc_buf_done(&sql);
    return rc;
}

/* "2024-11-30 23:59:59.123456" -> "20241130" (what names the file). */
static void day_of(const char *value, char out[9])
{
    size_t n = 0;

    for (const char *p = value ? value : ""; *p && *p != ' ' && n < 8; p++)
        if (*p >= '0' && *p <= '9')
            out[n++] = *p;
    out[n] = '\0';
    if (n == 0)
        strcpy(out, "none");
}

/* The sidecar names the file from the spool's top, as the targets' copy does. */
static int write_sidecar(const char *path, const char *name, const char *hex,
                         struct lc_err *err)
{
    char *sidecar = lc_xasprintf("%s.sha256", path);
    char *line = lc_xasprintf("%s  %s\n", hex, name);
    int rc = lc_fs_write_atomic(sidecar, line, strlen(line), 0600, err);

    free(sidecar);
    free(line);
    return rc;
}

/* Closes the writer, publishes the file under its final name, writes the sidecar. */
static int publish(struct aa_run *r, struct export_file *f, const char *stamp,
                   struct lc_err *err)
{
    char from[9], to[9], hex[65];
    char *base = NULL, *paths[2] = {NULL, NULL};
    uint64_t packed = 0;
    int fd = -1, rc = -1, closed;

    closed = lc_gz_writer_close(f->gz, NULL, &packed, err);
    f->gz = NULL;
    if (closed < 0)
        goto out;
    day_of(f->oldest, from);
    day_of(f->newest, to);
    base = lc_xasprintf("%s-%s-%s-%s.csv.gz", r->name, from, to, stamp);
    r->export_name = lc_xasprintf("%s/%s", LC_AUDIT_ARCHIVE_DIR, base);
    r->export_path = lc_xasprintf("%s/%s", f->dir, base);
    fd = open(f->partial, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        lc_err_sys(err, LC_E_IO, "cannot open '%s'", f->partial);
        goto out;
    }
    if (lc_fs_publish(fd, f->partial, r->export_path, err) < 0)
        goto out;
    r->export_bytes = packed;
    paths[0] = r->export_path;
    if (lc_sha256_files(paths, hex, err) < 0 ||
        write_sidecar(r->export_path, r->export_name, hex, err) < 0)
        goto out;
    rc = 0;
out:
    if (fd >= 0)
        close(fd);
    free(base);
    return rc;
}

/* Ships the export to every target; all are tried, the first failure is returned. */
static int ship_export(struct aa_run *r, const char *dir, struct lc_err *err)
{
    int rc = 0;

    r->targets = lc_xcalloc(r->cfg->n_targets + 1, sizeof(*r->targets));
    for (size_t idx = 0; idx < r->cfg->n_targets; idx++) {
        const struct lc_target_cfg *tc = &r->cfg->targets[idx];
        struct aa_target_result *res = &r->targets[r->n_targets++];
        struct lc_ship_stats stats = {0, 0, 0};
        struct lc_err one = LC_ERR_INIT;
        struct lc_target *t = NULL;

        res->name = lc_xstrdup(tc->name);
        if (lc_target_open(tc, &t, &one) == 0 &&
            lc_ship_set(t, dir, r->export_name, LC_VERIFY_FULL, NULL, &stats, &one) == 0) {
            res->ok = 1;
            res->bytes_sent = stats.bytes_sent;
            lc_log_info("target '%s': '%s' shipped and verified (%llu bytes)", tc->name,
                        r->export_name, (unsigned long long)stats.bytes_sent);
        } else if (rc == 0) {
            *err = one;
            lc_err_prefix(err, "target '%s': shipping '%s'", tc->name, r->export_name);
            rc = -1;
        } else {
            lc_log_error("target '%s': shipping '%s': %s", tc->name, r->export_name, one.msg);
        }
        lc_target_free(t);
    }
    return rc;
}

int aa_export(struct aa_run *r, struct lc_err *err)
{
    const struct lc_backup_cfg *b = &r->cfg->backup;
    const char *root = b->spool_dir ? b->spool_dir : b->work_dir;
    struct export_file f;
    char stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    int rc = -1;

    memset(&f, 0, sizeof(f));
    if (!root)
        return lc_err_set(err, LC_E_CONFIG, "[backup] spool_dir and work_dir are both empty: "
                          "the audit export has nowhere to go");
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
    f.dir = lc_xasprintf("%s/%s", root, LC_AUDIT_ARCHIVE_DIR);
    f.partial = lc_xasprintf("%s/.%s-%s.csv.gz.partial", f.dir, r->name, stamp);
    if (lc_fs_mkdir_p(f.dir, 0700, err) < 0 || lc_spool_sweep(f.dir, err) < 0)
        goto out;
    f.gz = lc_gz_writer_open(f.partial, (int)r->cfg->backup.compression_level, err);
    if (!f.gz || write_rows(r, &f, err) < 0)
        goto out;
    if (r->exported == 0) {
        rc = 0;
        goto out;
    }
    if (publish(r, &f, stamp, err) < 0)
        goto out;
    lc_log_info("table '%s': %llu rows exported to '%s' (%llu bytes)", r->where,
                (unsigned long long)r->exported, r->export_path,
                (unsigned long long)r->export_bytes);
    if (r->cfg->n_targets == 0)
        lc_log_warn("no [target.*] configured: the export stays in '%s' only", f.dir);
    if (ship_export(r, root, err) < 0) {
        lc_err_hint(err, "nothing was deleted: the old rows are in both tables; rerun once "
                         "every target takes the export");
        goto out;
    }
    rc = 0;
out:
    export_file_done(&f);
    return rc;
}
