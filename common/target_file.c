/*
 * The file:// target driver: a local disk or a mounted NAS share (NFS, SMB). An upload
 * is written to a hidden temporary name beside the final one, fsynced, renamed over the
 * final name and the directory fsynced (the rdbSave sequence), so a crash or a full
 * disk never leaves a half object under the final name. Errors from a share that went
 * away (ESTALE, ENOTCONN, EHOSTDOWN, ETIMEDOUT) are transient; a full disk is an I/O
 * error; permission problems are LC_E_NOPERM.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fs.h"
#include "common/mem.h"
#include "common/rate.h"
#include "common/signals.h"
#include "common/target.h"

#define CHUNK (1024 * 1024)
/* per copy_file_range call (interrupts are checked between calls); with a bwlimit, CHUNK */
#define KERNEL_CHUNK (64 * CHUNK)

struct file_target {
    char *base;               /* absolute path, no trailing '/' */
};

static enum lc_status errno_status(int e)
{
    switch (e) {
    case EACCES:
    case EPERM:
    case EROFS:
        return LC_E_NOPERM;
    case ENOENT:
        return LC_E_NOINPUT;
    case ESTALE:
    case ENOTCONN:
    case EHOSTDOWN:
    case EHOSTUNREACH:
    case ETIMEDOUT:
    case ECONNRESET:
    case EAGAIN:
        return LC_E_UNAVAILABLE;
    default:
        return LC_E_IO;
    }
}

/* Records "<what> '<path>': <strerror>" with the status errno calls for. */
static int fail(struct lc_err *err, const char *what, const char *path)
{
    int e = errno;
    int rc = lc_err_sys(err, errno_status(e), "%s '%s'", what, path);

    if (e == ENOSPC || e == EDQUOT)
        lc_err_hint(err, "the target's file system is full: free space there or lower its "
                         "retention (keep_days, keep_daily, ...)");
    return rc;
}

static char *path_of(const struct lc_target *t, const char *name)
{
    const struct file_target *ft = t->priv;

    return *name ? lc_xasprintf("%s/%s", ft->base, name) : lc_xstrdup(ft->base);
}

static int file_open(struct lc_target *t, struct lc_err *err)
{
    const char *url = t->cfg->url;
    const char *path = url + strlen("file://");
    struct file_target *ft;
    size_t len;

    if (strncasecmp(path, "localhost/", 10) == 0)
        path += strlen("localhost");
    if (path[0] != '/')
        return lc_err_set(err, LC_E_CONFIG, "url '%s' must name an absolute path: "
                          "file:///mnt/asustor/lcbp3", url);
    len = strlen(path);
    while (len > 1 && path[len - 1] == '/')
        len--;
    ft = lc_xcalloc(1, sizeof(*ft));
    ft->base = lc_xstrndup(path, len);
    t->priv = ft;
    return 0;
}

static void file_close(struct lc_target *t)
{
    struct file_target *ft = t->priv;

    if (ft)
        free(ft->base);
    free(ft);
    t->priv = NULL;
}

static int write_all(int fd, const char *p, size_t len, const char *path, struct lc_err *err)
{
    while (len > 0) {
        ssize_t n = write(fd, p, len);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return fail(err, "cannot write", path);
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Copies the source into fd at no more than bwlimit bytes per second: in the kernel when
 * the source is a file, through a buffer otherwise. */
static int copy_in(const struct lc_target *t, const struct lc_target_source *src, int fd,
                   const char *tmp, struct lc_err *err)
{
    struct lc_rate rate;
    uint64_t done = 0;
    char *buf = lc_xmalloc(CHUNK);
    int rc = -1;

    lc_rate_init(&rate, (double)t->cfg->bwlimit);
    for (;;) {
        ssize_t n;

        if (src->copy_to) {   /* a file: copied in the kernel where it can */
            n = src->copy_to(src->ctx, fd, t->cfg->bwlimit ? CHUNK : KERNEL_CHUNK, buf, CHUNK, err);
            if (n < 0) {
                errno = err->sys_errno;
                fail(err, "cannot copy into", tmp);
                goto out;
            }
        } else {
            n = src->read(src->ctx, buf, CHUNK, err);
            if (n < 0)
                goto out;
            if (n > 0 && write_all(fd, buf, (size_t)n, tmp, err) < 0)
                goto out;
        }
        if (n == 0)
            break;
        done += (uint64_t)n;
        if (lc_check_interrupted(err) < 0)
            goto out;
        lc_rate_wait(&rate, done);
    }
    if (src->size >= 0 && done != (uint64_t)src->size) {
        lc_err_set(err, LC_E_IO, "the source gave %llu bytes, %lld were expected",
                   (unsigned long long)done, (long long)src->size);
        goto out;
    }
    rc = 0;
out:
    free(buf);
    return rc;
}

/* mkdir -p of the directory holding `path` (0700 for what it creates). */
static int make_parent(const char *path, struct lc_err *err)
{
    char *dir = lc_fs_dirname(path);
    int rc = 0;

    if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
        if (errno == ENOENT)
            rc = lc_fs_mkdir_p(dir, 0700, err);
        else
            rc = fail(err, "cannot create directory", dir);
    }
    free(dir);
    return rc;
}

static int file_put(struct lc_target *t, const char *name, const struct lc_target_source *src,
                    struct lc_err *err)
{
    char *path = path_of(t, name);
    char *tmp = lc_target_temp_name(path);
    char *dir = NULL;
    int fd = -1;
    int rc = -1;

    if (make_parent(path, err) < 0)
        goto out;
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        fail(err, "cannot create", tmp);
        goto out;
    }
    if (copy_in(t, src, fd, tmp, err) < 0)
        goto out;
    if (fsync(fd) < 0) {
        fail(err, "cannot fsync", tmp);
        goto out;
    }
    if (rename(tmp, path) < 0) {
        fail(err, "cannot rename to", path);
        goto out;
    }
    dir = lc_fs_dirname(path);
    if (lc_fs_fsync_dir(dir, err) < 0)
        goto out;
    rc = 0;
out:
    if (fd >= 0)
        close(fd);
    if (rc < 0)
        (void)unlink(tmp);
    free(dir);
    free(tmp);
    free(path);
    return rc;
}

static int file_get(struct lc_target *t, const char *name, const struct lc_target_sink *sink,
                    struct lc_err *err)
{
    char *path = path_of(t, name);
    char *buf = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    int rc = -1;

    if (fd < 0) {
        fail(err, "cannot open", path);
        goto out;
    }
    (void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    buf = lc_xmalloc(CHUNK);
    for (;;) {
        ssize_t n = read(fd, buf, CHUNK);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            fail(err, "cannot read", path);
            goto out;
        }
        if (n == 0)
            break;
        if (sink->write(sink->ctx, buf, (size_t)n, err) < 0 || lc_check_interrupted(err) < 0)
            goto out;
    }
    rc = 0;
out:
    if (fd >= 0)
        close(fd);
    free(buf);
    free(path);
    return rc;
}

static int file_list(struct lc_target *t, const char *dir, struct lc_target_objects *out,
                     struct lc_err *err)
{
    char *path = path_of(t, dir);
    DIR *d = opendir(path);
    struct dirent *ent;
    int rc = -1;

    if (!d) {
        rc = errno == ENOENT ? 0 : fail(err, "cannot list", path);
        goto out;
    }
    while ((errno = 0, ent = readdir(d)) != NULL) {
        struct stat st;

        if (ent->d_name[0] == '.' && (!ent->d_name[1] || strcmp(ent->d_name, "..") == 0))
            continue;
        if (fstatat(dirfd(d), ent->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
            if (errno == ENOENT) /* removed meanwhile */
                continue;
            fail(err, "cannot stat", ent->d_name);
            goto out;
        }
        if (S_ISREG(st.st_mode))
            lc_target_objects_add(out, ent->d_name, (uint64_t)st.st_size, st.st_mtime);
    }
    if (errno != 0) {
        fail(err, "cannot list", path);
        goto out;
    }
    rc = 0;
out:
    if (d)
        closedir(d);
    free(path);
    return rc;
}

static int file_stat(struct lc_target *t, const char *name, struct lc_target_object *out,
                     struct lc_err *err)
{
    char *path = path_of(t, name);
    struct stat st;
    int rc;

    if (stat(path, &st) < 0) {
        rc = errno == ENOENT ? 0 : fail(err, "cannot stat", path);
    } else if (!S_ISREG(st.st_mode)) {
        rc = lc_err_set(err, LC_E_DATA, "'%s' is not a regular file", path);
    } else {
        out->name = NULL;
        out->size = (uint64_t)st.st_size;
        out->mtime = st.st_mtime;
        rc = 1;
    }
    free(path);
    return rc;
}

static int file_remove(struct lc_target *t, const char *name, struct lc_err *err)
{
    char *path = path_of(t, name);
    char *dir = lc_fs_dirname(path);
    int rc = 0;

    if (unlink(path) < 0) {
        if (errno != ENOENT)
            rc = fail(err, "cannot remove", path);
    } else {
        rc = lc_fs_fsync_dir(dir, err);
    }
    free(dir);
    free(path);
    return rc;
}

static int file_free_space(struct lc_target *t, uint64_t *out_bytes, struct lc_err *err)
{
    const struct file_target *ft = t->priv;
    char *path = lc_xstrdup(ft->base);
    int rc;

    /* before the first upload the base may not exist yet: ask its nearest parent */
    while (access(path, F_OK) < 0 && strcmp(path, "/") != 0) {
        char *up = lc_fs_dirname(path);

        free(path);
        path = up;
    }
    rc = lc_fs_free_bytes(path, out_bytes, err) < 0 ? -1 : 1;
    free(path);
    return rc;
}

const struct lc_target_ops lc_target_file_ops = {
    .scheme = "file",
    .open = file_open,
    .put = file_put,
    .get = file_get,
    .list = file_list,
    .stat = file_stat,
    .remove = file_remove,
    .free_space = file_free_space,
    .close = file_close,
};
