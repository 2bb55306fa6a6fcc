/*
 * The error carrier of lcbp3-ops. A fallible function returns 0 on success or -1 on
 * failure and takes `struct lc_err *err` as its last argument; on failure it fills
 * `err` with a status (a sysexits code), the message of the library that failed and
 * the context added by each caller. It never logs. main() reports the error once,
 * through lc_main_exit(), and turns the status into the exit code.
 */
#ifndef LC_ERROR_H
#define LC_ERROR_H

#include <stdarg.h>

/* Exit statuses: sysexits.h, plus 1 for "the check ran and found something". */
enum lc_status {
    LC_OK = 0,
    LC_FOUND = 1,            /* e.g. --dry-run found candidates */
    LC_E_USAGE = 64,         /* EX_USAGE: bad command line */
    LC_E_DATA = 65,          /* EX_DATAERR: corrupt set, checksum mismatch */
    LC_E_NOINPUT = 66,       /* EX_NOINPUT: backup set or input file missing */
    LC_E_UNAVAILABLE = 69,   /* EX_UNAVAILABLE: MariaDB, Redis, HTTP unreachable/refused */
    LC_E_SOFTWARE = 70,      /* EX_SOFTWARE: bug, or not implemented yet */
    LC_E_OSERR = 71,         /* EX_OSERR: out of memory, fork failed */
    LC_E_CANTCREAT = 73,     /* EX_CANTCREAT: cannot create output */
    LC_E_IO = 74,            /* EX_IOERR: read, write or fsync failure */
    LC_E_TEMPFAIL = 75,      /* EX_TEMPFAIL: lock held, interrupted, retry later */
    LC_E_NOPERM = 77,        /* EX_NOPERM: permissions; secret file readable by others */
    LC_E_CONFIG = 78,        /* EX_CONFIG: configuration error */
};

struct lc_err {
    enum lc_status status;
    int sys_errno;
    char msg[1024];
    char hint[256];
};

#define LC_ERR_INIT {LC_OK, 0, "", ""}

/* Records an error; always returns -1 so that `return lc_err_set(...)` reads well. */
int lc_err_set(struct lc_err *err, enum lc_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* As lc_err_set(), with ": <strerror(errno)>" appended; errno is saved in sys_errno. */
int lc_err_sys(struct lc_err *err, enum lc_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Puts "<context>: " in front of the message already recorded. */
void lc_err_prefix(struct lc_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Sets the "hint:" line printed under the error (what the operator can do). */
void lc_err_hint(struct lc_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

void lc_err_clear(struct lc_err *err);

/*
 * The single reporting point for main(): rc >= 0 is returned as is (0 ok, 1 found);
 * rc < 0 prints "<prog>: error: <msg>" (and the hint) once and returns err->status
 * (70 if no status was recorded).
 */
int lc_main_exit(const char *prog, int rc, const struct lc_err *err);

#endif
