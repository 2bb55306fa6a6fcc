/*
 * Rewrites of DDL text for restoring into another database or by another account:
 * dropping the DEFINER clause (so the object belongs to the restoring account and
 * works where the original definer does not exist), renaming a database qualifier
 * (`src`.x becomes `dst`.x, so a copy never touches the original), and qualifying the
 * tables a FOREIGN KEY references (so a table created in a staging database keeps
 * pointing at the target database after RENAME TABLE moves it). Each works on
 * tokens — quoted strings, comments and identifiers are recognised — never on
 * substrings inside a string literal or a comment. Pure functions, no I/O.
 */
#ifndef LC_SQL_REWRITE_H
#define LC_SQL_REWRITE_H

#include <stddef.h>

#include "common/buf.h"

/*
 * Appends `stmt` to out without its first DEFINER clause: DEFINER=`u`@`h`,
 * DEFINER='u'@'h', DEFINER=u@h, DEFINER=CURRENT_USER[()] and DEFINER=`role`, also
 * inside an executable comment (mysqldump's "!50017 DEFINER=..." comment, which is
 * dropped whole).
 * Returns 1 when a clause was removed, 0 when there was none (out gets stmt as is).
 */
int lc_sql_strip_definer(struct lc_buf *out, const char *stmt, size_t len);

/*
 * Appends `stmt` to out with every database qualifier equal to `from` (quoted
 * `from`. or bare from.) replaced by `to` (always written quoted). Exact,
 * case-sensitive match; a column or table that happens to be named `from` and is not
 * followed by '.' is left alone. Returns the number of qualifiers replaced.
 */
size_t lc_sql_rename_schema(struct lc_buf *out, const char *stmt, size_t len, const char *from,
                            const char *to);

/*
 * Appends `stmt` (a CREATE TABLE) to out with every REFERENCES `t` that has no database
 * qualifier written as REFERENCES `db`.`t`. Returns the number of references
 * qualified.
 */
size_t lc_sql_qualify_references(struct lc_buf *out, const char *stmt, size_t len, const char *db);

#endif
