/*
 * Splitting a SQL dump into statements the way the `mariadb` client does when fed a
 * file, so that a program can send them one by one with mysql_real_query: a
 * statement ends at the current delimiter (";" until a DELIMITER line changes it)
 * outside quotes ('...', "...", `...`; backslash escapes in the first two, doubled
 * quotes in all three) and comments; "-- " and "#" line comments and C-style comments
 * that stand alone between statements are dropped, those inside a statement are kept
 * (the client would drop them; the server ignores them); executable comments
 * (slash-star-bang and slash-star-M-bang, as mysqldump writes "SET" lines) are
 * statement text, and as in the client the delimiter ends a statement inside one
 * too; client commands on their own line are consumed: DELIMITER x (x may be quoted;
 * at most 32 bytes, no backslash), and the 2024 sandbox line (slash-star-M!999999,
 * backslash-minus, MDEV-21178) that new mariadb-dump writes first. Other client
 * commands (\g, source, ...) are not interpreted; "USE db" is passed on as a
 * statement (the server runs it). The session's sql_mode is assumed to have neither
 * ANSI_QUOTES nor NO_BACKSLASH_ESCAPES, as in every dump. Fed in pieces of any size
 * (a statement, a quote, a delimiter may span pieces); memory is the longest
 * statement plus the largest piece.
 */
#ifndef LC_SQL_STREAM_H
#define LC_SQL_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

struct lc_sql_stream;

/*
 * One complete statement: text without the delimiter, without leading whitespace and
 * comments and without trailing whitespace, never empty, NUL-terminated at text[len]
 * (the buffer may be modified by the callback, e.g. rewritten in place, but not kept
 * after it returns); `line` is the 1-based line where it starts. The callback returns
 * 0 to go on or -1 with err set to stop; that error is returned by
 * lc_sql_stream_feed/finish as it is.
 */
typedef int (*lc_sql_statement_fn)(void *ctx, char *text, size_t len, uint64_t line,
                                   struct lc_err *err);

/* `name` (copied) names the input in errors. */
struct lc_sql_stream *lc_sql_stream_new(const char *name, lc_sql_statement_fn fn, void *ctx);

/*
 * Feeds the next bytes; calls fn for each statement completed by them. A DELIMITER
 * line without a usable delimiter is LC_E_DATA "'<name>' line N: DELIMITER without a
 * delimiter" (or "... unsupported delimiter ..."). After any error (also one from fn)
 * the stream can only be freed: feed and finish fail with LC_E_SOFTWARE.
 */
int lc_sql_stream_feed(struct lc_sql_stream *s, const char *data, size_t len, struct lc_err *err);

/*
 * End of input: a last statement without a delimiter is passed to fn (as the client
 * does); input that ends inside a quote or comment is LC_E_DATA "'<name>' ends in the
 * middle of a statement starting at line N (truncated?)".
 */
int lc_sql_stream_finish(struct lc_sql_stream *s, struct lc_err *err);

/* Statements passed to fn so far. */
uint64_t lc_sql_stream_count(const struct lc_sql_stream *s);

/* Frees; accepts NULL. */
void lc_sql_stream_free(struct lc_sql_stream *s);

#endif
