/*
 * SQL literals and names for the dump files. The escapers write straight into the
 * buffer after reserving the worst case, and copy runs of plain bytes with memcpy:
 * they are on the hot path of every row. UTF-8 never has ASCII bytes inside a
 * multibyte sequence, so a byte-wise escaper is correct for utf8mb4 text.
 *
 * Binary values are written as _binary'<escaped bytes>' rather than 0x<hex>: the
 * same escapes make every byte safe (NUL, CR, LF, ^Z, quotes and backslash never
 * appear raw), the text is half the size, and incompressible BLOBs then cost the
 * compressor about 20 % less time in a dump. The bytes above 0x7f stay raw, which the
 * `mariadb` client passes through under utf8mb4, latin1 or any single-byte client
 * character set (only the CJK double-byte client charsets, which would also garble
 * UTF-8 text, are unsafe).
 */
#include "common/sql_text.h"

#include <stdint.h>
#include <string.h>
#include <strings.h>

static const char hex_digits[] = "0123456789abcdef";

/* For each byte: 0 when it is copied as is, else the letter written after '\'. */
static const unsigned char escape_letter[256] = {
    [0x00] = '0', ['\n'] = 'n', ['\r'] = 'r', ['\\'] = '\\',
    ['\''] = '\'', ['"'] = '"', [0x1a] = 'Z',
};

enum lc_sql_class lc_sql_class_of(const char *data_type)
{
    static const char *const numbers[] = {
        "tinyint", "smallint", "mediumint", "int", "integer", "bigint", "decimal",
        "numeric", "float", "double", "real", "year", NULL,
    };
    static const char *const binaries[] = {
        "binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob",
        "geometry", "point", "linestring", "polygon", "multipoint", "multilinestring",
        "multipolygon", "geometrycollection", "vector", NULL,
    };

    if (!data_type)
        return LC_SQL_STRING;
    for (size_t idx = 0; numbers[idx]; idx++)
        if (strcasecmp(data_type, numbers[idx]) == 0)
            return LC_SQL_NUMBER;
    for (size_t idx = 0; binaries[idx]; idx++)
        if (strcasecmp(data_type, binaries[idx]) == 0)
            return LC_SQL_BINARY;
    if (strcasecmp(data_type, "bit") == 0)
        return LC_SQL_BIT;
    return LC_SQL_STRING;
}

void lc_sql_put_escaped(struct lc_buf *b, const char *data, size_t len)
{
    const unsigned char *src = (const unsigned char *)data;
    char *dst;
    size_t run = 0;

    lc_buf_reserve(b, 2 * len);
    dst = b->data + b->len;
    for (size_t idx = 0; idx < len; idx++) {
        unsigned char letter = escape_letter[src[idx]];

        if (!letter)
            continue;
        if (idx > run) {
            memcpy(dst, src + run, idx - run);
            dst += idx - run;
        }
        *dst++ = '\\';
        *dst++ = (char)letter;
        run = idx + 1;
    }
    if (len > run) {
        memcpy(dst, src + run, len - run);
        dst += len - run;
    }
    *dst = '\0';
    b->len = (size_t)(dst - b->data);
}

void lc_sql_put_string(struct lc_buf *b, const char *data, size_t len)
{
    lc_buf_reserve(b, 2 * len + 2);
    b->data[b->len++] = '\'';
    lc_sql_put_escaped(b, data, len);
    b->data[b->len++] = '\'';
    b->data[b->len] = '\0';
}

void lc_sql_put_hex(struct lc_buf *b, const void *data, size_t len)
{
    const unsigned char *src = data;
    char *dst;

    if (len == 0) {
        lc_buf_append(b, "''", 2);
        return;
    }
    lc_buf_reserve(b, 2 * len + 2);
    dst = b->data + b->len;
    *dst++ = '0';
    *dst++ = 'x';
    for (size_t idx = 0; idx < len; idx++) {
        *dst++ = hex_digits[src[idx] >> 4];
        *dst++ = hex_digits[src[idx] & 0x0f];
    }
    *dst = '\0';
    b->len = (size_t)(dst - b->data);
}

void lc_sql_put_binary(struct lc_buf *b, const char *data, size_t len)
{
    lc_buf_append(b, "_binary", 7);
    lc_sql_put_string(b, data, len);
}

void lc_sql_put_bits(struct lc_buf *b, const void *data, size_t len)
{
    const unsigned char *src = data;

    if (len == 0) {
        lc_buf_append(b, "b'0'", 4);
        return;
    }
    lc_buf_reserve(b, 8 * len + 3);
    lc_buf_append(b, "b'", 2);
    for (size_t idx = 0; idx < len; idx++)
        for (int bit = 7; bit >= 0; bit--)
            b->data[b->len++] = (src[idx] >> bit) & 1 ? '1' : '0';
    b->data[b->len++] = '\'';
    b->data[b->len] = '\0';
}

void lc_sql_put_value(struct lc_buf *b, enum lc_sql_class cls, const char *data, size_t len)
{
    if (!data) {
        lc_buf_append(b, "NULL", 4);
        return;
    }
    switch (cls) {
    case LC_SQL_NUMBER:
        /* The server never sends an empty number; guard the syntax anyway. */
        if (len == 0)
            lc_buf_append(b, "''", 2);
        else
            lc_buf_append(b, data, len);
        break;
    case LC_SQL_BINARY:
        lc_sql_put_binary(b, data, len);
        break;
    case LC_SQL_BIT:
        lc_sql_put_bits(b, data, len);
        break;
    case LC_SQL_STRING:
    default:
        lc_sql_put_string(b, data, len);
        break;
    }
}

const char *lc_sql_pick_delimiter(const char *body)
{
    static const char *const candidates[] = {";;", "$$", "//", "%%", "@@lcbp3@@", NULL};

    for (size_t idx = 0; candidates[idx]; idx++)
        if (!strstr(body, candidates[idx]))
            return candidates[idx];
    return NULL;
}

/* True for the bytes kept in a file-name component. */
static int file_name_keeps(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '-' || c == '$' || c >= 0x80;
}

void lc_sql_file_name(struct lc_buf *b, const char *name)
{
    const unsigned char *src = (const unsigned char *)name;
    size_t start = b->len;
    size_t cut = 0;
    uint32_t hash = 2166136261u; /* FNV-1a */

    for (size_t idx = 0; src[idx]; idx++) {
        /* Remember the last character boundary that leaves room for the suffix. */
        if ((src[idx] & 0xc0) != 0x80 && b->len - start <= 180)
            cut = b->len - start;
        hash = (hash ^ src[idx]) * 16777619u;
        if (file_name_keeps(src[idx])) {
            lc_buf_putc(b, (char)src[idx]);
        } else {
            lc_buf_putc(b, '@');
            lc_buf_putc(b, hex_digits[src[idx] >> 4]);
            lc_buf_putc(b, hex_digits[src[idx] & 0x0f]);
        }
    }
    if (b->len - start > 200) {
        b->len = start + cut;
        b->data[b->len] = '\0';
        lc_buf_printf(b, "~%08x", hash);
    }
}
