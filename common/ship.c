/*
 * Backup sets on targets: ship, verify, list, remove, fetch (see ship.h).
 */
#include "common/ship.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/digest.h"
#include "common/fs.h"
#include "common/log.h"
#include "common/mem.h"
#include "common/set_name.h"
#include "common/units.h"

#define SIDECAR_SUFFIX ".sha256"
#define SIDECAR_MAX 4096

int lc_verify_parse(const char *s, enum lc_verify *out)
{
    if (strcmp(s, "full") == 0)
        *out = LC_VERIFY_FULL;
    else if (strcmp(s, "size") == 0)
        *out = LC_VERIFY_SIZE;
    else
        return -1;
    return 0;
}

int lc_sidecar_parse(const char *text, size_t len, const char *where, char hex[65],
                     struct lc_err *err)
{
    size_t idx;

    for (idx = 0; idx < 64 && idx < len; idx++) {
        char c = text[idx];

        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            break;
    }
    if (idx != 64 || len < 66 || text[64] != ' ')
        return lc_err_set(err, LC_E_DATA, "'%s' is not a sha256sum line", where);
    memcpy(hex, text, 64);
    hex[64] = '\0';
    return 0;
}

static char *marker_path(const char *spool_dir, const char *set_name, const char *target)
{
    return lc_xasprintf("%s/%s" LC_SPOOL_SHIPPED_MARK "%s", spool_dir, set_name, target);
}

int lc_ship_is_marked(const char *spool_dir, const char *set_name, const char *target)
{
    char *marker = marker_path(spool_dir, set_name, target);
    int marked = access(marker, F_OK) == 0;

    free(marker);
    return marked;
}

int lc_ship_unmark(const char *spool_dir, const char *set_name, const char *target)
{
    char *marker = marker_path(spool_dir, set_name, target);
    int removed = unlink(marker) == 0;

    free(marker);
    return removed;
}

/* ---- sources and sinks ---------------------------------------------------------- */

/* A file being uploaded, counted into the progress line. */
struct file_source {
    struct lc_target_fd_source fd;
    struct lc_target_source inner;
    struct lc_progress *progress;
};

static ssize_t file_source_read(void *ctx, void *buf, size_t len, struct lc_err *err)
{
    struct file_source *fs = ctx;
    ssize_t n = fs->inner.read(fs->inner.ctx, buf, len, err);

    if (n > 0)
        lc_progress_add(fs->progress, (uint64_t)n);
    return n;
}

static ssize_t file_source_copy_to(void *ctx, int out_fd, size_t max, void *scratch,
                                   size_t scratch_len, struct lc_err *err)
{
    struct file_source *fs = ctx;
    ssize_t n = fs->inner.copy_to(fs->inner.ctx, out_fd, max, scratch, scratch_len, err);

    if (n > 0)
        lc_progress_add(fs->progress, (uint64_t)n);
    return n;
}

static int file_source_rewind(void *ctx, struct lc_err *err)
{
    struct file_source *fs = ctx;

    return fs->inner.rewind(fs->inner.ctx, err);
}

/* Small text in memory (a sidecar). */
struct mem_source {
    const char *data;
    size_t len;
    size_t pos;
};

static ssize_t mem_read(void *ctx, void *buf, size_t len, struct lc_err *err)
{
    struct mem_source *ms = ctx;
    size_t n = ms->len - ms->pos < len ? ms->len - ms->pos : len;

    memcpy(buf, ms->data + ms->pos, n);
    ms->pos += n;
    return (ssize_t)n;
}

static int mem_rewind(void *ctx, struct lc_err *err)
{
    ((struct mem_source *)ctx)->pos = 0;
    return 0;
}

/* A download hashed as it arrives, optionally also written to a file. */
struct hash_sink {
    struct lc_sha256 *sha;
    uint64_t bytes;
    int fd;                   /* -1: hash only */
    const char *path;
    struct lc_progress *progress;
};

static int hash_write(void *ctx, const void *buf, size_t len, struct lc_err *err)
{
    struct hash_sink *hs = ctx;

    lc_sha256_update(hs->sha, buf, len);
    hs->bytes += len;
    lc_progress_add(hs->progress, len);
    if (hs->fd >= 0)
        return lc_fs_write_all(hs->fd, buf, len, hs->path, err);
    return 0;
}

/* A small download kept in memory (a sidecar), refused past SIDECAR_MAX bytes. */
static int buf_write(void *ctx, const void *buf, size_t len, struct lc_err *err)
{
    struct lc_buf *b = ctx;

    if (b->len + len > SIDECAR_MAX)
        return lc_err_set(err, LC_E_DATA, "sidecar larger than %d bytes", SIDECAR_MAX);
    lc_buf_append(b, buf, len);
    return 0;
}

/* ---- helpers ------------------------------------------------------------------------ */

int lc_sidecar_read(const char *set_path, char hex[65], struct lc_err *err)
{
    char *path = lc_xasprintf("%s" SIDECAR_SUFFIX, set_path);
    char text[SIDECAR_MAX];
    ssize_t n = -1;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    int rc = -1;

    if (fd < 0) {
        lc_err_sys(err, errno == ENOENT ? LC_E_NOINPUT : LC_E_IO, "cannot open '%s'", path);
        goto out;
    }
    n = read(fd, text, sizeof(text));
    if (n < 0) {
        lc_err_sys(err, LC_E_IO, "cannot read '%s'", path);
        goto out;
    }
    rc = lc_sidecar_parse(text, (size_t)n, path, hex, err);
out:
    if (fd >= 0)
        close(fd);
    free(path);
    return rc;
}

static int read_remote_sidecar(struct lc_target *t, const char *set_name, char hex[65],
                               struct lc_buf *text, struct lc_err *err)
{
    char *name = lc_xasprintf("%s" SIDECAR_SUFFIX, set_name);
    struct lc_target_sink sink = {buf_write, text};
    int rc = -1;

    if (lc_target_get(t, name, &sink, err) < 0) {
        if (err->status == LC_E_NOINPUT)
            lc_err_hint(err, "the set is incomplete on target '%s': 'lcbp3-backup ship' "
                             "ships it again while the spool still holds it", t->cfg->name);
        goto out;
    }
    rc = lc_sidecar_parse(text->data ? text->data : "", text->len, name, hex, err);
out:
    free(name);
    return rc;
}

/* Size and (full) SHA-256 of the object `name` against what is expected. */
static int verify_object(struct lc_target *t, const char *name, uint64_t size, const char *hex,
                         enum lc_verify verify, struct lc_progress *progress,
                         struct lc_ship_stats *stats, struct lc_err *err)
{
    struct lc_target_object o;
    struct hash_sink hs = {NULL, 0, -1, NULL, progress};
    struct lc_target_sink sink = {hash_write, &hs};
    char got[65];
    int found = lc_target_stat(t, name, &o, err);
    int rc = -1;

    if (found < 0)
        return -1;
    if (found == 0)
        return lc_err_set(err, LC_E_DATA, "'%s' is not on target '%s' after its upload", name,
                          t->cfg->name);
    if (size && o.size != size)
        return lc_err_set(err, LC_E_DATA, "'%s' on target '%s' is %llu bytes, %llu were expected",
                          name, t->cfg->name, (unsigned long long)o.size, (unsigned long long)size);
    if (verify == LC_VERIFY_SIZE)
        return 0;
    hs.sha = lc_sha256_new();
    lc_progress_set_total(progress, o.size);
    if (lc_target_get(t, name, &sink, err) < 0)
        goto out;
    if (stats)
        stats->bytes_read_back += hs.bytes;
    lc_sha256_final_hex(hs.sha, got);
    if (strcmp(got, hex) != 0) {
        lc_err_set(err, LC_E_DATA, "'%s' on target '%s' is corrupt: its SHA-256 is %.12s..., "
                   "the sidecar says %.12s...", name, t->cfg->name, got, hex);
        goto out;
    }
    rc = 0;
out:
    lc_sha256_free(hs.sha);
    return rc;
}

/* ---- operations ------------------------------------------------------------------ */

/* Where the target tells its free space, a set that cannot fit is not started. */
static int check_room(struct lc_target *t, uint64_t size, struct lc_err *err)
{
    uint64_t avail = 0;
    char need[32], have[32];
    int known = lc_target_free_space(t, &avail, err);

    if (known < 0) {
        /* a target that is down: the upload would only wait out the same retries */
        if (lc_target_retryable(err))
            return -1;
        lc_err_clear(err); /* the upload will say what is wrong, if anything */
        return 0;
    }
    if (!known || avail >= size)
        return 0;
    lc_format_size(size, need, sizeof(need));
    lc_format_size(avail, have, sizeof(have));
    lc_err_set(err, LC_E_IO, "target '%s' has %s free, the set needs %s", t->cfg->name, have,
               need);
    lc_err_hint(err, "free space there or lower its retention (keep_days, keep_daily, ...); "
                     "'lcbp3-backup prune --dry-run --target %s' shows what would go",
               t->cfg->name);
    return -1;
}

int lc_ship_complete(struct lc_target *t, const char *set_name, uint64_t size, const char *hex,
                     enum lc_verify verify, struct lc_progress *progress,
                     struct lc_ship_stats *stats, struct lc_err *err)
{
    char *sidecar_name = lc_xasprintf("%s" SIDECAR_SUFFIX, set_name);
    char *sidecar_text = lc_xasprintf("%s  %s\n", hex, set_name);
    struct mem_source ms = {sidecar_text, strlen(sidecar_text), 0};
    struct lc_target_source side = {mem_read, mem_rewind, &ms, (int64_t)strlen(sidecar_text), NULL};
    int rc = -1;

    if (verify_object(t, set_name, size, hex, verify, progress, stats, err) < 0) {
        if (err->status == LC_E_DATA) {
            struct lc_err ignored = LC_ERR_INIT;

            (void)lc_target_remove(t, set_name, &ignored);
            lc_err_hint(err, "the bad copy was removed; the next 'lcbp3-backup ship' uploads "
                             "it again. A target that corrupts data needs checking");
        }
        goto out;
    }
    if (lc_target_put(t, sidecar_name, &side, err) < 0)
        goto out;
    if (stats)
        stats->bytes_sent += ms.len;
    rc = 0;
out:
    free(sidecar_text);
    free(sidecar_name);
    return rc;
}

int lc_ship_set(struct lc_target *t, const char *spool_dir, const char *set_name,
                enum lc_verify verify, struct lc_progress *progress,
                struct lc_ship_stats *stats, struct lc_err *err)
{
    char *set_path = lc_xasprintf("%s/%s", spool_dir, set_name);
    char *marker = NULL;
    struct file_source fs;
    struct lc_target_source src = {file_source_read, file_source_rewind, &fs, 0,
                                   file_source_copy_to};
    struct timespec t0;
    struct stat st;
    char hex[65], stamp[32];
    int fd = -1;
    int rc = -1;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (lc_sidecar_read(set_path, hex, err) < 0)
        goto out;
    fd = open(set_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) < 0) {
        lc_err_sys(err, errno == ENOENT ? LC_E_NOINPUT : LC_E_IO, "cannot open '%s'", set_path);
        goto out;
    }
    if (check_room(t, (uint64_t)st.st_size, err) < 0)
        goto out;
    (void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    lc_target_source_fd(&fs.fd, fd, (int64_t)st.st_size, &fs.inner);
    fs.progress = progress;
    src.size = (int64_t)st.st_size;
    lc_progress_set_total(progress, (uint64_t)st.st_size);
    if (lc_target_put(t, set_name, &src, err) < 0)
        goto out;
    if (stats)
        stats->bytes_sent += (uint64_t)st.st_size;
    if (lc_ship_complete(t, set_name, (uint64_t)st.st_size, hex, verify, progress, stats, err) < 0)
        goto out;
    marker = marker_path(spool_dir, set_name, t->cfg->name);
    lc_format_utc(time(NULL), stamp, sizeof(stamp));
    if (lc_fs_write_atomic(marker, stamp, strlen(stamp), 0600, err) < 0)
        goto out;
    rc = 0;
out:
    if (stats)
        stats->seconds += lc_seconds_since(&t0);
    if (fd >= 0)
        close(fd);
    free(marker);
    free(set_path);
    return rc;
}

int lc_target_list_sets(struct lc_target *t, struct lc_spool_list *out,
                        struct lc_target_objects *out_temps, struct lc_err *err)
{
    struct lc_target_objects objects = {NULL, 0};
    struct lc_spool_list list = {NULL, 0};
    size_t suffix = strlen(SIDECAR_SUFFIX);

    if (lc_target_list(t, "", &objects, err) < 0)
        return -1;
    list.items = lc_xcalloc(objects.len ? objects.len : 1, sizeof(*list.items));
    for (size_t idx = 0; idx < objects.len; idx++) {
        const struct lc_target_object *o = &objects.items[idx];
        struct lc_spool_set *set = &list.items[list.len];

        if (lc_target_is_temp(o->name)) {
            if (out_temps)
                lc_target_objects_add(out_temps, o->name, o->size, o->mtime);
            continue;
        }
        if (lc_set_name_parse(o->name, &set->id) < 0)
            continue;
        set->name = lc_xstrdup(o->name);
        set->size = o->size;
        list.len++;
    }
    /* a set is complete when its sidecar is there; the sidecar's time is when it was
     * verified (at shipping) */
    for (size_t idx = 0; idx < objects.len; idx++) {
        const struct lc_target_object *o = &objects.items[idx];
        size_t len = strlen(o->name);

        if (len <= suffix || strcmp(o->name + len - suffix, SIDECAR_SUFFIX) != 0)
            continue;
        for (size_t sidx = 0; sidx < list.len; sidx++) {
            struct lc_spool_set *set = &list.items[sidx];

            if (strlen(set->name) == len - suffix && strncmp(set->name, o->name, len - suffix) == 0) {
                set->has_sidecar = 1;
                set->verified_at = o->mtime ? o->mtime : 1;
            }
        }
    }
    lc_target_objects_done(&objects);
    lc_spool_list_sort(&list);
    *out = list;
    return 0;
}

int lc_target_verify_set(struct lc_target *t, const char *set_name, uint64_t expected_size,
                         const char *expected_hex, enum lc_verify verify,
                         struct lc_progress *progress, struct lc_ship_stats *stats,
                         struct lc_err *err)
{
    struct lc_buf text = LC_BUF_INIT;
    char hex[65];
    int rc = -1;

    if (read_remote_sidecar(t, set_name, hex, &text, err) < 0)
        goto out;
    if (expected_hex && strcmp(hex, expected_hex) != 0) {
        lc_err_set(err, LC_E_DATA, "the sidecar of '%s' on target '%s' does not match the "
                   "spool's (%.12s... against %.12s...)", set_name, t->cfg->name, hex, expected_hex);
        goto out;
    }
    rc = verify_object(t, set_name, expected_size, hex, verify, progress, stats, err);
out:
    lc_buf_done(&text);
    return rc;
}

int lc_target_remove_set(struct lc_target *t, const char *set_name, struct lc_err *err)
{
    char *sidecar = lc_xasprintf("%s" SIDECAR_SUFFIX, set_name);
    int rc = lc_target_remove(t, sidecar, err);

    if (rc == 0)
        rc = lc_target_remove(t, set_name, err);
    free(sidecar);
    return rc;
}

int lc_target_fetch_set(struct lc_target *t, const char *set_name, const char *dir,
                        struct lc_progress *progress, struct lc_err *err)
{
    struct lc_buf text = LC_BUF_INIT;
    struct hash_sink hs = {NULL, 0, -1, NULL, progress};
    struct lc_target_sink sink = {hash_write, &hs};
    char *path = lc_xasprintf("%s/%s", dir, set_name);
    char *partial = lc_xasprintf("%s.partial", path);
    char *sidecar = lc_xasprintf("%s" SIDECAR_SUFFIX, path);
    char *marker = NULL;
    char hex[65], got[65], stamp[32];
    int sidecar_written = 0;
    int rc = -1;

    if (read_remote_sidecar(t, set_name, hex, &text, err) < 0)
        goto out;
    if (lc_fs_mkdir_p(dir, 0700, err) < 0 ||
        lc_fs_write_atomic(sidecar, text.data, text.len, 0600, err) < 0)
        goto out;
    sidecar_written = 1;
    hs.fd = open(partial, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (hs.fd < 0) {
        lc_err_sys(err, errno == ENOSPC ? LC_E_CANTCREAT : LC_E_IO, "cannot create '%s'", partial);
        goto out;
    }
    hs.path = partial;
    hs.sha = lc_sha256_new();
    if (lc_target_get(t, set_name, &sink, err) < 0)
        goto out;
    lc_sha256_final_hex(hs.sha, got);
    if (strcmp(got, hex) != 0) {
        lc_err_set(err, LC_E_DATA, "'%s' on target '%s' is corrupt: its SHA-256 is %.12s..., "
                   "the sidecar says %.12s...", set_name, t->cfg->name, got, hex);
        goto out;
    }
    if (lc_fs_publish(hs.fd, partial, path, err) < 0)
        goto out;
    /* the spool's copy is the target's, byte for byte: it needs no shipping back there */
    marker = marker_path(dir, set_name, t->cfg->name);
    lc_format_utc(time(NULL), stamp, sizeof(stamp));
    (void)lc_fs_write_atomic(marker, stamp, strlen(stamp), 0600, err);
    lc_err_clear(err);
    rc = 0;
out:
    if (hs.fd >= 0)
        close(hs.fd);
    if (rc < 0) {
        (void)unlink(partial);
        if (sidecar_written)
            (void)unlink(sidecar);
    }
    lc_sha256_free(hs.sha);
    lc_buf_done(&text);
    free(marker);
    free(sidecar);
    free(partial);
    free(path);
    return rc;
}

int lc_sets_print(const struct lc_config *cfg, const char *target, int json, FILE *out,
                  struct lc_err *err)
{
    struct lc_spool_list sets = {NULL, 0};
    struct lc_target_objects temps = {NULL, 0};
    struct lc_target *t = NULL;
    char *where = NULL;
    int rc = -1;

    if (!target) {
        if (lc_spool_list(cfg->backup.spool_dir, &sets, err) < 0)
            return -1;
        where = cfg->backup.spool_dir ? lc_xasprintf("the spool '%s'", cfg->backup.spool_dir)
                                      : lc_xstrdup("the spool (disabled: sets are streamed to "
                                                   "the targets)");
    } else {
        if (lc_target_open_named(cfg, target, &t, err) < 0 ||
            lc_target_list_sets(t, &sets, &temps, err) < 0)
            goto out;
        where = lc_target_describe(t);
        if (temps.len)
            lc_log_info("%s also holds %zu leftover(s) of interrupted uploads; "
                        "'lcbp3-backup prune' removes them after a day", where, temps.len);
    }
    lc_spool_print(&sets, where, json, out);
    rc = 0;
out:
    lc_target_objects_done(&temps);
    lc_spool_list_done(&sets);
    lc_target_free(t);
    free(where);
    return rc;
}
