/*
 * The local segment file the archiver writes (see binlog.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/digest.h"
#include "common/fs.h"
#include "common/log.h"
#include "common/mem.h"
#include "tools/backup/binlog.h"

#define SEGMENT_BUF (256 * 1024)

static void segment_init(struct binlog_segment *seg, const char *dir, const char *name)
{
    memset(seg, 0, sizeof(*seg));
    seg->fd = -1;
    seg->name = lc_xstrdup(name);
    seg->path = lc_xasprintf("%s/%s", dir, name);
}

int binlog_segment_create(struct binlog_segment *seg, const char *dir, const char *name,
                          struct lc_err *err)
{
    segment_init(seg, dir, name);
    seg->fd = open(seg->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (seg->fd < 0) {
        lc_err_sys(err, errno == EEXIST ? LC_E_CANTCREAT : LC_E_IO,
                   "cannot create binlog segment '%s'", seg->path);
        binlog_segment_release(seg);
        return -1;
    }
    if (lc_fs_write_all(seg->fd, LC_BINLOG_MAGIC, LC_BINLOG_MAGIC_LEN, seg->path, err) < 0 ||
        lc_fs_fsync_dir(dir, err) < 0) {
        binlog_segment_release(seg);
        return -1;
    }
    seg->size = LC_BINLOG_MAGIC_LEN;
    return 0;
}

int binlog_segment_resume(struct binlog_segment *seg, const char *dir, const char *name,
                          struct lc_err *err)
{
    struct lc_binlog_scan scan;

    segment_init(seg, dir, name);
    if (lc_binlog_scan_file(seg->path, NULL, NULL, &scan, err) < 0) {
        binlog_segment_release(seg);
        return -1;
    }
    seg->fd = open(seg->path, O_WRONLY | O_CLOEXEC);
    if (seg->fd < 0) {
        lc_err_sys(err, LC_E_IO, "cannot open binlog segment '%s'", seg->path);
        goto fail;
    }
    if (scan.file_size > scan.valid_size) {
        lc_log_warn("binlog: %s: dropping %llu bytes after the last whole event at %llu "
                    "(%s); they are fetched again",
                    seg->path, (unsigned long long)(scan.file_size - scan.valid_size),
                    (unsigned long long)scan.valid_size,
                    scan.bad ? "a bad event" : "cut short");
        if (ftruncate(seg->fd, (off_t)scan.valid_size) < 0 || fdatasync(seg->fd) < 0) {
            lc_err_sys(err, LC_E_IO, "cannot truncate binlog segment '%s'", seg->path);
            goto fail;
        }
    }
    if (lseek(seg->fd, (off_t)scan.valid_size, SEEK_SET) < 0) {
        lc_err_sys(err, LC_E_IO, "cannot seek in binlog segment '%s'", seg->path);
        goto fail;
    }
    seg->size = seg->synced = scan.valid_size;
    seg->has_crc = scan.has_crc;
    seg->fde_timestamp = scan.fde_timestamp;
    lc_binlog_scan_done(&scan);
    return 0;
fail:
    lc_binlog_scan_done(&scan);
    binlog_segment_release(seg);
    return -1;
}

static int64_t ms_since(const struct timespec *t)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)(now.tv_sec - t->tv_sec) * 1000 + (now.tv_nsec - t->tv_nsec) / 1000000;
}

int binlog_segment_write_out(struct binlog_segment *seg, int64_t if_older_ms,
                             struct lc_err *err)
{
    if (seg->fd < 0 || seg->buf_len == 0 ||
        (if_older_ms > 0 && ms_since(&seg->buf_since) < if_older_ms))
        return 0;
    if (lc_fs_write_all(seg->fd, seg->buf, seg->buf_len, seg->path, err) < 0)
        return -1;
    seg->buf_len = 0;
    return 0;
}

int binlog_segment_append(struct binlog_segment *seg, const struct lc_binlog_event *ev,
                          struct lc_err *err)
{
    if (ev->log_pos != 0 && ev->log_pos != seg->size + ev->size)
        return lc_err_set(err, LC_E_DATA, "binlog %s: an event ending at %u does not follow "
                          "byte %llu of the archived copy", seg->name, ev->log_pos,
                          (unsigned long long)seg->size);
    if (seg->size == LC_BINLOG_MAGIC_LEN) {
        if (ev->type != LC_BINLOG_FORMAT_DESCRIPTION)
            return lc_err_set(err, LC_E_DATA, "binlog %s does not start with a format "
                              "description event", seg->name);
        seg->has_crc = lc_binlog_fde_has_crc(ev);
        seg->fde_timestamp = ev->timestamp;
    }
    if (seg->buf_len + ev->size > SEGMENT_BUF && binlog_segment_write_out(seg, 0, err) < 0)
        return -1;
    if (ev->size > SEGMENT_BUF) {
        if (lc_fs_write_all(seg->fd, ev->data, ev->size, seg->path, err) < 0)
            return -1;
    } else {
        if (!seg->buf)
            seg->buf = lc_xmalloc(SEGMENT_BUF);
        if (seg->buf_len == 0)
            clock_gettime(CLOCK_MONOTONIC, &seg->buf_since);
        memcpy(seg->buf + seg->buf_len, ev->data, ev->size);
        seg->buf_len += ev->size;
    }
    seg->size += ev->size;
    return 0;
}

int binlog_segment_sync(struct binlog_segment *seg, struct lc_err *err)
{
    if (seg->fd < 0 || seg->synced == seg->size)
        return 0;
    if (binlog_segment_write_out(seg, 0, err) < 0)
        return -1;
    if (fdatasync(seg->fd) < 0)
        return lc_err_sys(err, LC_E_IO, "cannot fsync binlog segment '%s'", seg->path);
    seg->synced = seg->size;
    return 0;
}

static int write_sidecar(struct binlog_segment *seg, struct lc_err *err)
{
    char *paths[2] = {seg->path, NULL};
    char hex[65];
    char *sidecar, *line;
    int rc;

    if (lc_sha256_files(paths, hex, err) < 0)
        return -1;
    sidecar = lc_xasprintf("%s.sha256", seg->path);
    line = lc_xasprintf("%s  %s\n", hex, seg->name);
    rc = lc_fs_write_atomic(sidecar, line, strlen(line), 0600, err);
    free(sidecar);
    free(line);
    return rc;
}

int binlog_segment_close(struct binlog_segment *seg, struct lc_err *err)
{
    int rc = binlog_segment_sync(seg, err);

    if (rc == 0)
        rc = write_sidecar(seg, err);
    if (rc == 0)
        lc_log_info("binlog: closed %s (%llu bytes)", seg->name, (unsigned long long)seg->size);
    binlog_segment_release(seg);
    return rc;
}

void binlog_segment_release(struct binlog_segment *seg)
{
    if (seg->fd >= 0) {
        struct lc_err ignored = LC_ERR_INIT;

        (void)binlog_segment_write_out(seg, 0, &ignored);
        (void)fdatasync(seg->fd);
        close(seg->fd);
    }
    free(seg->buf);
    free(seg->path);
    free(seg->name);
    memset(seg, 0, sizeof(*seg));
    seg->fd = -1;
}
