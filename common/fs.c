/*
 * File-system helpers: mkdir -p, durable renames, atomic whole-file writes, rm -r and
 * free-space queries, all reporting through struct lc_err.
 */
#include "common/fs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "common/mem.h"

int lc_fs_mkdir_p(const char *path, mode_t mode, struct lc_err *err)
{
    char *copy = lc_xstrdup(path);
    int rc = -1;

    for (char *p = copy + 1; ; p++) {
        char saved = *p;

        if (saved != '/' && saved != '\0')
            continue;
        *p = '\0';
        if (mkdir(copy, mode) < 0 && errno != EEXIST) {
            lc_err_sys(err, errno == EACCES ? LC_E_NOPERM : LC_E_CANTCREAT,
                       "cannot create directory '%s'", copy);
            goto out;
        }
        *p = saved;
        if (saved == '\0')
            break;
    }
    rc = 0;
out:
    free(copy);
    return rc;
}

int lc_fs_fsync_dir(const char *dir, struct lc_err *err)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int rc = 0;

    if (fd < 0)
        return lc_err_sys(err, LC_E_IO, "cannot open directory '%s'", dir);
    if (fsync(fd) < 0 && errno != EINVAL)
        rc = lc_err_sys(err, LC_E_IO, "cannot fsync directory '%s'", dir);
    close(fd);
    return rc;
}

char *lc_fs_dirname(const char *path)
{
    const char *slash = strrchr(path, '/');

    if (!slash)
        return lc_xstrdup(".");
    if (slash == path)
        return lc_xstrdup("/");
    return lc_xstrndup(path, (size_t)(slash - path));
}

int lc_fs_write_all(int fd, const void *data, size_t len, const char *what, struct lc_err *err)
{
    const char *p = data;

    while (len > 0) {
        ssize_t n = write(fd, p, len);

        if (n < 0) {
            if (errno == EINTR)
                continue;
            return lc_err_sys(err, errno == ENOSPC ? LC_E_CANTCREAT : LC_E_IO,
                              "cannot write '%s'", what);
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int lc_fs_publish(int fd, const char *from, const char *to, struct lc_err *err)
{
    char *dir;
    int rc;

    if (fd >= 0 && fsync(fd) < 0)
        return lc_err_sys(err, LC_E_IO, "cannot fsync '%s'", from);
    if (rename(from, to) < 0)
        return lc_err_sys(err, LC_E_IO, "cannot rename '%s' to '%s'", from, to);
    dir = lc_fs_dirname(to);
    rc = lc_fs_fsync_dir(dir, err);
    free(dir);
    return rc;
}

int lc_fs_write_atomic(const char *path, const void *data, size_t len, mode_t mode,
                       struct lc_err *err)
{
    char *partial = lc_xasprintf("%s.partial", path);
    int fd = -1;
    int rc = -1;

    fd = open(partial, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0) {
        lc_err_sys(err, errno == EACCES ? LC_E_NOPERM : LC_E_CANTCREAT, "cannot create '%s'",
                   partial);
        goto out;
    }
    if (fchmod(fd, mode) < 0) {
        lc_err_sys(err, LC_E_IO, "cannot chmod '%s'", partial);
        goto out;
    }
    if (lc_fs_write_all(fd, data, len, partial, err) < 0)
        goto out;
    if (lc_fs_publish(fd, partial, path, err) < 0)
        goto out;
    rc = 0;
out:
    if (fd >= 0)
        close(fd);
    if (rc < 0)
        (void)unlink(partial);
    free(partial);
    return rc;
}

int lc_fs_remove_tree(const char *path, struct lc_err *err)
{
    struct stat st;
    DIR *dir;
    struct dirent *ent;
    int rc = 0;

    if (lstat(path, &st) < 0)
        return errno == ENOENT ? 0 : lc_err_sys(err, LC_E_IO, "cannot stat '%s'", path);
    if (!S_ISDIR(st.st_mode)) {
        if (unlink(path) < 0 && errno != ENOENT)
            return lc_err_sys(err, LC_E_IO, "cannot remove '%s'", path);
        return 0;
    }
    dir = opendir(path);
    if (!dir)
        return lc_err_sys(err, LC_E_IO, "cannot open directory '%s'", path);
    while (rc == 0 && (ent = readdir(dir)) != NULL) {
        char *child;

        if (strcmp(ent->d_name, ".") == 0 || strcmp(ent->d_name, "..") == 0)
            continue;
        child = lc_xasprintf("%s/%s", path, ent->d_name);
        rc = lc_fs_remove_tree(child, err);
        free(child);
    }
    closedir(dir);
    if (rc == 0 && rmdir(path) < 0 && errno != ENOENT)
        rc = lc_err_sys(err, LC_E_IO, "cannot remove directory '%s'", path);
    return rc;
}

int lc_fs_free_bytes(const char *path, uint64_t *out_bytes, struct lc_err *err)
{
    struct statvfs vfs;

    if (statvfs(path, &vfs) < 0)
        return lc_err_sys(err, LC_E_IO, "cannot query free space of '%s'", path);
    *out_bytes = (uint64_t)vfs.f_bavail * (uint64_t)vfs.f_frsize;
    return 0;
}
