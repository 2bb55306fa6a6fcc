/*
 * The run lock (see lock.h).
 */
#include "common/lock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "common/fs.h"
#include "common/mem.h"

int lc_lock_take(struct lc_lock *lock, const char *lock_dir, const char *name,
                 struct lc_err *err)
{
    char *path = lc_xasprintf("%s/%s.lock", lock_dir, name);
    char pid[32];
    int fd = -1;
    int rc = -1;

    if (lc_fs_mkdir_p(lock_dir, 0700, err) < 0)
        goto out;
    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        lc_err_sys(err, errno == EACCES ? LC_E_NOPERM : LC_E_CANTCREAT,
                   "cannot open lock file '%s'", path);
        goto out;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        if (errno == EWOULDBLOCK) {
            char holder[32] = "";
            ssize_t n = pread(fd, holder, sizeof(holder) - 1, 0);

            holder[n > 0 ? n : 0] = '\0';
            holder[strcspn(holder, "\n")] = '\0';
            lc_err_set(err, LC_E_TEMPFAIL, "another %s run holds the lock '%s'%s%s%s", name, path,
                       holder[0] ? " (pid " : "", holder, holder[0] ? ")" : "");
            lc_err_hint(err, "wait for it to finish; this run exits 75 so the scheduler retries");
        } else {
            lc_err_sys(err, LC_E_IO, "cannot lock '%s'", path);
        }
        goto out;
    }
    snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) < 0 || pwrite(fd, pid, strlen(pid), 0) < 0) {
        lc_err_sys(err, LC_E_IO, "cannot write lock file '%s'", path);
        goto out;
    }
    lock->fd = fd;
    lock->path = path;
    fd = -1;
    path = NULL;
    rc = 0;
out:
    if (fd >= 0)
        close(fd);
    free(path);
    return rc;
}

void lc_lock_release(struct lc_lock *lock)
{
    if (lock->fd >= 0) {
        /* The file stays: unlinking a lock file races with a process that has it open. */
        if (ftruncate(lock->fd, 0) < 0) {
            /* nothing to do: the lock itself goes with the close */
        }
        close(lock->fd);
    }
    free(lock->path);
    lock->fd = -1;
    lock->path = NULL;
}
