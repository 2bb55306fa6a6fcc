/*
 * CSV lines from result rows (see csv.h): quoting, the NULL convention, hex for
 * binary strings.
 */
#include <string.h>

#include "common/csv.h"

#define CSV_BINARY_CHARSET 63

int lc_csv_is_binary(const MYSQL_FIELD *field)
{
    switch (field->type) {
    case MYSQL_TYPE_BIT:
        return 1;
    case MYSQL_TYPE_TINY_BLOB:
    case MYSQL_TYPE_MEDIUM_BLOB:
    case MYSQL_TYPE_LONG_BLOB:
    case MYSQL_TYPE_BLOB:
    case MYSQL_TYPE_STRING:
    case MYSQL_TYPE_VAR_STRING:
    case MYSQL_TYPE_VARCHAR:
        return field->charsetnr == CSV_BINARY_CHARSET;
    default:
        return 0;
    }
}

static void put_quoted(struct lc_buf *b, const char *value, unsigned long len)
{
    const char *p = value, *end = value + len;

    lc_buf_putc(b, '"');
    while (p < end) {
        const char *quote = memchr(p, '"', (size_t)(end - p));
        size_t run = quote ? (size_t)(quote - p) + 1 : (size_t)(end - p);

        lc_buf_append(b, p, run);
        if (quote)
            lc_buf_putc(b, '"');
        p += run;
    }
    lc_buf_putc(b, '"');
}

static void put_hex(struct lc_buf *b, const char *value, unsigned long len)
{
    static const char digits[] = "0123456789abcdef";

    lc_buf_reserve(b, 4 + 2 * (size_t)len);
    lc_buf_puts(b, "\"0x");
    for (unsigned long idx = 0; idx < len; idx++) {
        unsigned char c = (unsigned char)value[idx];

        lc_buf_putc(b, digits[c >> 4]);
        lc_buf_putc(b, digits[c & 15]);
    }
    lc_buf_putc(b, '"');
}

void lc_csv_header(struct lc_buf *b, const MYSQL_FIELD *fields, unsigned n_fields)
{
    for (unsigned idx = 0; idx < n_fields; idx++) {
        if (idx)
            lc_buf_putc(b, ',');
        put_quoted(b, fields[idx].name, fields[idx].name_length);
    }
    lc_buf_puts(b, "\r\n");
}

void lc_csv_row(struct lc_buf *b, const MYSQL_FIELD *fields, unsigned n_fields,
                const MYSQL_ROW row, const unsigned long *lengths)
{
    for (unsigned idx = 0; idx < n_fields; idx++) {
        if (idx)
            lc_buf_putc(b, ',');
        if (!row[idx])
            continue;
        if (lc_csv_is_binary(&fields[idx]))
            put_hex(b, row[idx], lengths[idx]);
        else
            put_quoted(b, row[idx], lengths[idx]);
    }
    lc_buf_puts(b, "\r\n");
}
