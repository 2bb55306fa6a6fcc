/*
 * Allocation that cannot fail: on out-of-memory these log once and exit 71 (EX_OSERR),
 * as git's xmalloc does. That is safe because every output of the toolkit is written
 * atomically: at worst a *.partial file is left for the next run to remove.
 */
#ifndef LC_MEM_H
#define LC_MEM_H

#include <stdarg.h>
#include <stddef.h>

void *lc_xmalloc(size_t size);
void *lc_xcalloc(size_t count, size_t size);
void *lc_xrealloc(void *ptr, size_t size);
char *lc_xstrdup(const char *s);
char *lc_xstrndup(const char *s, size_t n);
char *lc_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *lc_xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* Frees a NULL-terminated array of strings and the array itself; accepts NULL. */
void lc_strv_free(char **strv);
size_t lc_strv_len(char *const *strv);

#endif
