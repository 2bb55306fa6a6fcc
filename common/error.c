/*
 * The error carrier: setters that fill struct lc_err, and the one place that prints
 * an error and maps it to an exit code.
 */
#include "common/error.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/log.h"

int lc_err_set(struct lc_err *err, enum lc_status status, const char *fmt, ...)
{
    va_list ap;

    err->status = status;
    err->sys_errno = 0;
    err->hint[0] = '\0';
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
    return -1;
}

int lc_err_sys(struct lc_err *err, enum lc_status status, const char *fmt, ...)
{
    int saved = errno;
    size_t len;
    va_list ap;

    err->status = status;
    err->sys_errno = saved;
    err->hint[0] = '\0';
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
    len = strlen(err->msg);
    snprintf(err->msg + len, sizeof(err->msg) - len, ": %s", strerror(saved));
    errno = saved;
    return -1;
}

void lc_err_prefix(struct lc_err *err, const char *fmt, ...)
{
    char old[sizeof(err->msg)];
    size_t len;
    va_list ap;

    memcpy(old, err->msg, sizeof(old));
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
    len = strlen(err->msg);
    if (len + 2 < sizeof(err->msg)) {
        memcpy(err->msg + len, ": ", 3);
        len += 2;
        memcpy(err->msg + len, old, sizeof(err->msg) - len - 1);
        err->msg[sizeof(err->msg) - 1] = '\0';
    }
}

void lc_err_hint(struct lc_err *err, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(err->hint, sizeof(err->hint), fmt, ap);
    va_end(ap);
}

void lc_err_clear(struct lc_err *err)
{
    err->status = LC_OK;
    err->sys_errno = 0;
    err->msg[0] = '\0';
    err->hint[0] = '\0';
}

int lc_main_exit(const char *prog, int rc, const struct lc_err *err)
{
    (void)prog;
    if (rc >= 0)
        return rc;
    lc_log_error("%s", err->msg[0] ? err->msg : "failed without a message (a bug)");
    if (err->hint[0])
        lc_log_error("hint: %s", err->hint);
    return err->status >= 64 ? (int)err->status : LC_E_SOFTWARE;
}
