/*
 * The run lock: an flock(2) on "<lock_dir>/<name>.lock", taken without waiting. A
 * second run of the same kind fails at once with LC_E_TEMPFAIL (75), so cron and
 * systemd can treat it as "retry later". The kernel drops the lock when the process
 * dies, so a crash (even SIGKILL) never leaves a stale lock. The file records the pid
 * of the holder for the message.
 */
#ifndef LC_LOCK_H
#define LC_LOCK_H

#include "common/error.h"

struct lc_lock {
    int fd;
    char *path;
};

#define LC_LOCK_INIT {-1, NULL}

int lc_lock_take(struct lc_lock *lock, const char *lock_dir, const char *name,
                 struct lc_err *err);

/* Releases the lock; accepts a lock never taken. */
void lc_lock_release(struct lc_lock *lock);

#endif
