/*
 * INSERT to LOAD DATA (see sql_load_data.h).
 */
#include "common/sql_load_data.h"

#include <string.h>
#include <strings.h>

/* Skips a `quoted` identifier starting at p (p[0] == '`'); returns the byte after it or
 * NULL. */
static const char *skip_ident(const char *p, const char *end)
{
    for (p++; p < end; p++) {
        if (*p != '`')
            continue;
        if (p + 1 < end && p[1] == '`') {
            p++;
            continue;
        }
        return p + 1;
    }
    return NULL;
}

/* Counts the identifiers of "(`a`,`b`)" at p; returns the byte after ")" or NULL. */
static const char *column_list(const char *p, const char *end, size_t *out_n)
{
    size_t n = 0;

    if (p >= end || *p != '(')
        return NULL;
    for (p++; p < end;) {
        if (*p != '`' || !(p = skip_ident(p, end)))
            return NULL;
        n++;
        if (p < end && *p == ',') {
            p++;
            continue;
        }
        if (p < end && *p == ')') {
            *out_n = n;
            return p + 1;
        }
        return NULL;
    }
    return NULL;
}

/* Copies the body of a '...' string at p (p[0] == '\'') to rows with LOAD DATA's
 * escapes; returns the byte after the closing quote or NULL. */
static const char *copy_string(const char *p, const char *end, struct lc_buf *rows)
{
    const char *run;

    for (run = ++p; p < end; p++) {
        char c = *p;

        if (c != '\\' && c != '\'' && c != '\t')
            continue;
        lc_buf_append(rows, run, (size_t)(p - run));
        if (c == '\t') {
            lc_buf_append(rows, "\\t", 2);
        } else if (c == '\'') {
            if (p + 1 < end && p[1] == '\'') {
                lc_buf_putc(rows, '\'');
                p++;
            } else {
                return p + 1;
            }
        } else {
            if (p + 1 >= end)
                return NULL;
            switch (p[1]) {
            case '0': case 'n': case 'r': case '\\': case 'Z': case '\'': case '"':
                lc_buf_append(rows, p, 2);
                break;
            default:
                return NULL; /* not an escape sql_text.c writes */
            }
            p++;
        }
        run = p + 1;
    }
    return NULL;
}

/* A number as the server printed it. */
static const char *copy_number(const char *p, const char *end, struct lc_buf *rows)
{
    const char *start = p;

    while (p < end && (strchr("0123456789.-+eE", *p) != NULL))
        p++;
    if (p == start)
        return NULL;
    lc_buf_append(rows, start, (size_t)(p - start));
    return p;
}

/* One value; returns the byte after it or NULL. */
static const char *copy_value(const char *p, const char *end, struct lc_buf *rows)
{
    if ((size_t)(end - p) >= 4 && memcmp(p, "NULL", 4) == 0) {
        lc_buf_append(rows, "\\N", 2);
        return p + 4;
    }
    if ((size_t)(end - p) >= 8 && memcmp(p, "_binary'", 8) == 0)
        return copy_string(p + 7, end, rows);
    if (*p == '\'')
        return copy_string(p, end, rows);
    return copy_number(p, end, rows);
}

int lc_sql_insert_to_load_data(const char *stmt, size_t len, struct lc_buf *load, struct lc_buf *rows)
{
    const char *end = stmt + len;
    const char *p = stmt, *table, *table_end, *cols;
    size_t n_cols = 0;

    lc_buf_reset(load);
    lc_buf_reset(rows);
    if (len < 13 || strncmp(p, "INSERT INTO `", 13) != 0)
        return 0;
    table = p + 12;
    if (!(table_end = skip_ident(table, end)) || table_end + 2 > end || table_end[0] != ' ')
        return 0;
    cols = table_end + 1;
    if (!(p = column_list(cols, end, &n_cols)) || (size_t)(end - p) < 8 ||
        memcmp(p, " VALUES ", 8) != 0)
        return 0;
    lc_buf_puts(load, "LOAD DATA LOCAL INFILE 'lcbp3-restore' INTO TABLE ");
    lc_buf_append(load, table, (size_t)(table_end - table));
    lc_buf_puts(load, " CHARACTER SET utf8mb4 FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' "
                      "LINES TERMINATED BY '\\n' ");
    lc_buf_append(load, cols, (size_t)(p - cols));
    for (p += 8; p < end;) {
        if (*p != '(')
            return 0;
        p++;
        for (size_t k = 0; k < n_cols; k++) {
            if (k)
                lc_buf_putc(rows, '\t');
            if (!(p = copy_value(p, end, rows)) || p >= end)
                return 0;
            if (*p != (k + 1 < n_cols ? ',' : ')'))
                return 0;
            p++;
        }
        lc_buf_putc(rows, '\n');
        if (p < end && *p == ',')
            p++;
        else if (p != end)
            return 0;
    }
    return rows->len > 0;
}
