/*
 * SQL text for dump files: literals (strings and binary data with backslash escapes,
 * hex, bit), the class of a column's values from its information_schema DATA_TYPE, a
 * DELIMITER that does not occur in a routine body, and the mapping of identifiers to
 * file names.
 * Pure functions with no connection: the dump files set their own sql_mode (never
 * NO_BACKSLASH_ESCAPES) and charset (utf8mb4), so the escaping can be fixed here.
 * For SQL sent on a live connection use lc_db_quote_string() (common/db.h), which
 * honours the session's NO_BACKSLASH_ESCAPES.
 */
#ifndef LC_SQL_TEXT_H
#define LC_SQL_TEXT_H

#include <stddef.h>

#include "common/buf.h"

/* How a column's values are written in an INSERT. */
enum lc_sql_class {
    LC_SQL_STRING = 0, /* '...' with \0 \n \r \\ \' \" \Z escaped */
    LC_SQL_NUMBER,     /* the server's text as is (integers, DECIMAL, FLOAT, DOUBLE, YEAR) */
    LC_SQL_BINARY,     /* _binary'...' escaped as STRING (BLOB, BINARY, VARBINARY, geometry) */
    LC_SQL_BIT,        /* b'<bits>' from the raw bytes of a BIT column */
};

/*
 * The class of an information_schema.COLUMNS.DATA_TYPE (case-insensitive). Unknown
 * types are LC_SQL_STRING: UUID, INET4, INET6, JSON, dates and times, ENUM and SET
 * all travel as their text form, which the server parses back exactly.
 */
enum lc_sql_class lc_sql_class_of(const char *data_type);

/* Appends '<escaped data>' (data need not be NUL-terminated and may hold NUL bytes). */
void lc_sql_put_string(struct lc_buf *b, const char *data, size_t len);

/* Appends the escaped bytes of a string literal without the quotes (so that a long
 * value can be written in slices). */
void lc_sql_put_escaped(struct lc_buf *b, const char *data, size_t len);

/* Appends 0x<lowercase hex>, or '' for len 0. */
void lc_sql_put_hex(struct lc_buf *b, const void *data, size_t len);

/* Appends _binary'<escaped data>': any bytes, taken as they are by the server. */
void lc_sql_put_binary(struct lc_buf *b, const char *data, size_t len);

/* Appends b'<8*len bits>' (b'0' for len 0). */
void lc_sql_put_bits(struct lc_buf *b, const void *data, size_t len);

/* Appends one value of the given class; data NULL writes NULL. */
void lc_sql_put_value(struct lc_buf *b, enum lc_sql_class cls, const char *data, size_t len);

/*
 * A client DELIMITER (";;", "$$", "//", ...) that does not occur in `body`, so that
 * `mariadb` does not cut a trigger or routine short; NULL if every candidate occurs.
 */
const char *lc_sql_pick_delimiter(const char *body);

/*
 * Appends `name` (a valid identifier, see lc_db_ident_valid()) as one file-name
 * component: ASCII letters, digits, '_', '-', '$' and UTF-8 multibyte characters are
 * kept; every other byte (including '.', '/', '@' and spaces) becomes "@xx" (two hex
 * digits), so distinct names give distinct components, none is "." or "..", and no
 * '/' appears. Components longer than 200 bytes are cut at a character boundary and
 * end in "~<8 hex digits of a hash of the whole name>".
 */
void lc_sql_file_name(struct lc_buf *b, const char *name);

#endif
