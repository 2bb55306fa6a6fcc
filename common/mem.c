/*
 * Allocation wrappers that exit 71 on out-of-memory, and small string-vector helpers.
 */
#include "common/mem.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/log.h"

static void out_of_memory(size_t size)
{
    lc_log_error("out of memory allocating %zu bytes", size);
    exit(LC_E_OSERR);
}

void *lc_xmalloc(size_t size)
{
    void *p = malloc(size ? size : 1);

    if (!p)
        out_of_memory(size);
    return p;
}

void *lc_xcalloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);

    if (!p)
        out_of_memory(count * size);
    return p;
}

void *lc_xrealloc(void *ptr, size_t size)
{
    void *p = realloc(ptr, size ? size : 1);

    if (!p)
        out_of_memory(size);
    return p;
}

char *lc_xstrdup(const char *s)
{
    char *p = strdup(s);

    if (!p)
        out_of_memory(strlen(s) + 1);
    return p;
}

char *lc_xstrndup(const char *s, size_t n)
{
    char *p = strndup(s, n);

    if (!p)
        out_of_memory(n + 1);
    return p;
}

char *lc_xvasprintf(const char *fmt, va_list ap)
{
    char *p = NULL;

    if (vasprintf(&p, fmt, ap) < 0)
        out_of_memory(0);
    return p;
}

char *lc_xasprintf(const char *fmt, ...)
{
    char *p;
    va_list ap;

    va_start(ap, fmt);
    p = lc_xvasprintf(fmt, ap);
    va_end(ap);
    return p;
}

void lc_strv_free(char **strv)
{
    if (!strv)
        return;
    for (char **p = strv; *p; p++)
        free(*p);
    free(strv);
}

size_t lc_strv_len(char *const *strv)
{
    size_t n = 0;

    while (strv && strv[n])
        n++;
    return n;
}
