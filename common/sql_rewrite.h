/*
 * Rewrites of DDL text for restoring into another database or by another account:
 * dropping the DEFINER clause (so the object belongs to the restoring account and
 * works where the original definer does not exist), renaming a database qualifier
 * (`src`.x becomes `dst`.x, so a copy never touches the original), and qualifying the
 * tables a FOREIGN KEY references (so a table created in a staging database keeps
 * pointing at the target database after RENAME TABLE moves it). These work on
 * tokens — quoted strings, comments and identifiers are recognised — never on
 * substrings inside a string literal or a comment. Also: leaving a large table's
 * secondary indexes out of its CREATE TABLE, by lines, as SHOW CREATE TABLE writes
 * them (anything unexpected leaves the statement as it is). Pure functions, no I/O.
 */
#ifndef LC_SQL_REWRITE_H
#define LC_SQL_REWRITE_H

#include <stddef.h>

#include "common/buf.h"

/*
 * Appends `stmt` to out without its first DEFINER clause (and the whitespace after
 * it): DEFINER=`u`@`h`, DEFINER='u'@'h', DEFINER=u@h, DEFINER=CURRENT_USER[()] and
 * DEFINER=`role`, with or without spaces around '=' and '@', also inside an executable
 * comment: mysqldump's "!50017 DEFINER=..." comment of triggers and events, which holds
 * nothing else, is dropped whole; of a view's "!50013 DEFINER=... SQL SECURITY DEFINER"
 * only the clause goes. Returns 1 when a clause was removed, 0 when there was none
 * (out gets stmt as is).
 */
int lc_sql_strip_definer(struct lc_buf *out, const char *stmt, size_t len);

/*
 * Appends `stmt` to out with every database qualifier equal to `from` (quoted
 * `from`. or bare from., the '.' right after the name) replaced by `to` (always
 * written quoted, backticks doubled). Exact, case-sensitive match; a column or table
 * that happens to be named `from` is left alone: not followed by '.', or preceded by
 * '.' (`db`.`from`.`col`) or '@' (a variable). Executable comments are rewritten, plain
 * comments and strings are not. Returns the number of qualifiers replaced.
 */
size_t lc_sql_rename_schema(struct lc_buf *out, const char *stmt, size_t len, const char *from,
                            const char *to);

/*
 * Appends `stmt` (a CREATE or ALTER TABLE) to out with every REFERENCES `t` (...) that
 * has no database qualifier written as REFERENCES `db`.`t` (...), the form SHOW CREATE
 * TABLE prints for a table in another database. Only a REFERENCES followed by a table
 * name and '(' counts (so GRANT REFERENCES ON ... is left alone). Returns the number
 * of references qualified.
 */
size_t lc_sql_qualify_references(struct lc_buf *out, const char *stmt, size_t len, const char *db);

/*
 * Appends a CREATE TABLE as SHOW CREATE TABLE writes it (one element per line) to
 * out_create without its plain secondary indexes ("  KEY ..." lines; not PRIMARY,
 * UNIQUE, FULLTEXT or SPATIAL), and appends them to out_keys as "ADD KEY ..., ADD KEY
 * ..." for an ALTER TABLE after the rows are in: InnoDB builds an index from sorted
 * rows faster than it maintains it row by row. A table with a FOREIGN KEY keeps its
 * indexes (a foreign key needs one). Returns the number of indexes moved.
 */
size_t lc_sql_defer_keys(struct lc_buf *out_create, struct lc_buf *out_keys, const char *stmt,
                         size_t len);

#endif
