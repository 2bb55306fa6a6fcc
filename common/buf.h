/*
 * A growable byte buffer (for SQL text, JSON fragments, protocol frames). Grows by
 * doubling; lc_buf_done() frees it. Always NUL-terminated after any append, so
 * `data` can be used as a C string when no NUL bytes were appended.
 */
#ifndef LC_BUF_H
#define LC_BUF_H

#include <stddef.h>

struct lc_buf {
    char *data;
    size_t len;
    size_t cap;
};

#define LC_BUF_INIT {NULL, 0, 0}

void lc_buf_reserve(struct lc_buf *b, size_t extra);
void lc_buf_append(struct lc_buf *b, const void *data, size_t len);
void lc_buf_puts(struct lc_buf *b, const char *s);
void lc_buf_putc(struct lc_buf *b, char c);
void lc_buf_printf(struct lc_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void lc_buf_reset(struct lc_buf *b);
/* Hands the data to the caller (NUL-terminated, never NULL) and empties the buffer. */
char *lc_buf_steal(struct lc_buf *b);
void lc_buf_done(struct lc_buf *b);

#endif
