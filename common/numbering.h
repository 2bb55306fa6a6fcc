/*
 * The numbering tables of [numbering] (configs, sequences, audit log) as the tools see
 * them: the names resolved, validated and quoted, checked against the live schema, and
 * the statements built from them. Shared by lcbp3-integrity sequences and lcbp3-dr's
 * runbooks, so that both read the same rows the same way.
 *
 * Every table is read by one statement: the sequences (joined to their configs on the
 * configs' key, an index lookup each), the audit rows of the last 30 days (one GROUP BY
 * over a range of the time column's index) and the yearly configs (one pass, each
 * looking up its current-year sequence by index). "Now" is the database's clock.
 */
#ifndef LC_NUMBERING_H
#define LC_NUMBERING_H

#include <mysql.h>

#include "common/config.h"
#include "common/error.h"

/* The days of audit rows the issue rate (and the duplicate check) looks at. */
#define LC_NUMBERING_RATE_DAYS 30

/* The three tables, resolved from [numbering]: "table" or "database.table". */
struct lc_numbering_tables {
    char *schema[3];          /* the database of each table; NULL when the key is unset */
    char *name[3];
    char *quoted[3];          /* `schema`.`name` */
    char *where[3];           /* schema.name, for messages */
};

enum { LC_NUM_CONFIGS = 0, LC_NUM_SEQUENCES = 1, LC_NUM_AUDIT = 2 };

/*
 * Resolves and validates the names of [numbering]: the tables (in the first [mariadb]
 * database unless written database.table), every column key (lc_db_ident_valid), and
 * that matched column lists are as long as each other. sequences_table is required;
 * configs_table and audit_table may be unset (then their checks are skipped). Returns
 * 0, or -1 with LC_E_CONFIG and a message naming the [numbering] key. `out` is filled
 * even on failure; free it with lc_numbering_done().
 */
int lc_numbering_resolve(const struct lc_config *cfg, struct lc_numbering_tables *out,
                          struct lc_err *err);
void lc_numbering_done(struct lc_numbering_tables *t);

/*
 * Checks that every configured table and column exists, from one information_schema
 * query. Returns 0, or -1 with err naming the missing table or column, the [numbering]
 * key that names it and (for a column) the columns the table has.
 */
int lc_numbering_schema_check(MYSQL *db, const struct lc_numbering_cfg *num,
                        const struct lc_numbering_tables *t, struct lc_err *err);

/*
 * The statements (malloc'd). Their columns:
 *   sequences: seq_key, config_key, year, value, max (NULL: unknown), orphan (0/1),
 *              yearly (0/1), active (0/1), label (NULL: none)
 *   audit:     seq_key, issued (rows of the issue action in the last 30 days),
 *              duplicates (issued rows whose number the sequence issued before in the
 *              window: issued - distinct numbers)
 *   yearly:    one row: yearly active configs, those without a sequence for the
 *              current year, a sample of their keys (", "-separated, may be cut short)
 * seq_key joins the first two (sequence_id_columns = audit_sequence_columns, joined
 * with CHAR(31)); config_key is config_id columns joined with '-'.
 * lc_numbering_sql_audit() is NULL without audit_table, lc_numbering_sql_yearly() without
 * configs_table or config_reset_column.
 */
char *lc_numbering_sql_sequences(MYSQL *db, const struct lc_numbering_cfg *num,
                           const struct lc_numbering_tables *t);
char *lc_numbering_sql_audit(MYSQL *db, const struct lc_numbering_cfg *num,
                       const struct lc_numbering_tables *t);
char *lc_numbering_sql_yearly(MYSQL *db, const struct lc_numbering_cfg *num,
                        const struct lc_numbering_tables *t);

/* Pieces of SQL over configured columns (names quoted; `alias` is a literal of ours):
 *   put_columns: alias.`c1`, alias.`c2`, ...
 *   put_key:     CONCAT_WS(<sep>, alias.`c1`, ...) (sep is SQL, e.g. "'-'")
 *   put_col:     alias.`col`
 *   put_join:    c.`left1` = s.`right1` AND ... (configs aliased c, sequences s) */
struct lc_buf;
void lc_numbering_put_columns(struct lc_buf *b, const char *alias, char *const *cols);
void lc_numbering_put_key(struct lc_buf *b, const char *sep, const char *alias, char *const *cols);
void lc_numbering_put_col(struct lc_buf *b, const char *alias, const char *col);
void lc_numbering_put_join(struct lc_buf *b, char *const *left, char *const *right);

#endif
