/*
 * Splitting a SQL dump into statements the way the `mariadb` client does when fed a
 * file, so that a program can send them one by one with mysql_real_query: a
 * statement ends at the current delimiter (";" until a DELIMITER line changes it)
 * outside quotes ('...', "...", `...` with backslash escapes and doubled quotes) and
 * comments; "-- " and "#" line comments and C-style comments that stand alone
 * between statements are dropped, executable comments (slash-star-bang, as
 * mysqldump writes "SET" lines) are kept as statements; client commands on their own
 * line are consumed: DELIMITER x, and the 2024 sandbox line (slash-star-M!999999,
 * backslash-minus, MDEV-21178) that new mariadb-dump writes first. Fed in pieces of any size (a statement or a quote
 * may span pieces); memory is the longest statement.
 */
#ifndef LC_SQL_STREAM_H
#define LC_SQL_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

struct lc_sql_stream;

/*
 * One complete statement: text without the delimiter and without leading
 * whitespace/comments, NUL-terminated at text[len] (the buffer may be modified by the
 * callback, e.g. rewritten in place, but not kept after it returns); `line` is the
 * 1-based line where it starts. The callback returns 0 to go on or -1 with err set
 * to stop; that error is returned by lc_sql_stream_feed/finish as it is.
 */
typedef int (*lc_sql_statement_fn)(void *ctx, char *text, size_t len, uint64_t line,
                                   struct lc_err *err);

/* `name` (copied) names the input in errors. */
struct lc_sql_stream *lc_sql_stream_new(const char *name, lc_sql_statement_fn fn, void *ctx);

/* Feeds the next bytes; calls fn for each statement completed by them. */
int lc_sql_stream_feed(struct lc_sql_stream *s, const char *data, size_t len, struct lc_err *err);

/*
 * End of input: a last statement without a delimiter is passed to fn (as the client
 * does); input that ends inside a quote or comment is LC_E_DATA "'<name>' ends in the
 * middle of a statement starting at line N (truncated?)".
 */
int lc_sql_stream_finish(struct lc_sql_stream *s, struct lc_err *err);

/* Statements passed to fn so far. */
uint64_t lc_sql_stream_count(const struct lc_sql_stream *s);

void lc_sql_stream_free(struct lc_sql_stream *s);

#endif
