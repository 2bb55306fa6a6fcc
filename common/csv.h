/*
 * CSV (RFC 4180) lines from MariaDB result rows, for exports people open with
 * spreadsheets and scripts: a header line of column names, then one line per row,
 * CRLF line ends, every value in double quotes (a quote inside doubled), so that SQL
 * NULL can be told apart: it is the only unquoted field, and it is empty. Text is
 * written as the server sent it (utf8mb4 on our connections: Thai text stays UTF-8);
 * binary strings (BINARY, VARBINARY, BLOB, BIT) are written as "0x" and lowercase hex,
 * so that the file stays valid UTF-8 text. Dates, numbers, JSON and INET6/UUID columns
 * are in the server's own text form.
 */
#ifndef LC_CSV_H
#define LC_CSV_H

#include <mysql.h>

#include "common/buf.h"

/* Appends the header line: the names of the result's columns. */
void lc_csv_header(struct lc_buf *b, const MYSQL_FIELD *fields, unsigned n_fields);

/* Appends one row (from mysql_fetch_row, with mysql_fetch_lengths) as a line. */
void lc_csv_row(struct lc_buf *b, const MYSQL_FIELD *fields, unsigned n_fields,
                const MYSQL_ROW row, const unsigned long *lengths);

/* 1 when the column holds a binary string (written as hex). */
int lc_csv_is_binary(const MYSQL_FIELD *field);

#endif
