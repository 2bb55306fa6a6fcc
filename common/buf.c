/*
 * The growable byte buffer.
 */
#include "common/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/mem.h"

void lc_buf_reserve(struct lc_buf *b, size_t extra)
{
    size_t need = b->len + extra + 1;
    size_t cap = b->cap ? b->cap : 256;

    if (need <= b->cap)
        return;
    while (cap < need)
        cap *= 2;
    b->data = lc_xrealloc(b->data, cap);
    b->cap = cap;
}

void lc_buf_append(struct lc_buf *b, const void *data, size_t len)
{
    lc_buf_reserve(b, len);
    if (len)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
}

void lc_buf_puts(struct lc_buf *b, const char *s)
{
    lc_buf_append(b, s, strlen(s));
}

void lc_buf_putc(struct lc_buf *b, char c)
{
    lc_buf_reserve(b, 1);
    b->data[b->len++] = c;
    b->data[b->len] = '\0';
}

void lc_buf_printf(struct lc_buf *b, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n <= 0)
        return;
    lc_buf_reserve(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void lc_buf_reset(struct lc_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

char *lc_buf_steal(struct lc_buf *b)
{
    char *data = b->data ? b->data : lc_xstrdup("");

    b->data = NULL;
    b->len = b->cap = 0;
    return data;
}

void lc_buf_done(struct lc_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}
