/*
 * SQL text of the dump files: string and binary literals survive every byte value
 * (checked by parsing them back as the server does), hex and bit literals, the value class of
 * each column type, DELIMITER choice, and identifiers turned into file names.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/sql_text.h"

static char *put_string(const char *data, size_t len)
{
    struct lc_buf b = LC_BUF_INIT;

    lc_sql_put_string(&b, data, len);
    return lc_buf_steal(&b);
}

/*
 * Parses a '...' literal the way the server does with backslash escapes on (the
 * sql_mode our files set); returns the byte count written to out, or -1.
 */
static long parse_literal(const char *s, size_t len, char *out)
{
    size_t pos = 1;
    long n = 0;

    if (len < 2 || s[0] != '\'' || s[len - 1] != '\'')
        return -1;
    while (pos < len - 1) {
        char c = s[pos++];

        if (c == '\'')
            return -1; /* an unescaped quote inside: the literal would end early */
        if (c != '\\') {
            out[n++] = c;
            continue;
        }
        if (pos >= len - 1)
            return -1;
        switch (s[pos++]) {
        case '0': out[n++] = '\0'; break;
        case 'n': out[n++] = '\n'; break;
        case 'r': out[n++] = '\r'; break;
        case 'Z': out[n++] = 0x1a; break;
        case '\\': out[n++] = '\\'; break;
        case '\'': out[n++] = '\''; break;
        case '"': out[n++] = '"'; break;
        default: return -1; /* we never write other escapes */
        }
    }
    return n;
}

static void test_string_every_byte(void **state)
{
    char data[512];
    char back[512];
    char *lit;
    long n;

    (void)state;
    for (int idx = 0; idx < 512; idx++)
        data[idx] = (char)(idx & 0xff);
    lit = put_string(data, sizeof(data));
    /* Bytes that confuse the client or the server never appear raw. */
    for (size_t idx = 1; idx + 1 < strlen(lit); idx++)
        assert_true(lit[idx] != '\n' && lit[idx] != '\r' && lit[idx] != 0x1a);
    /* Two quotes, and a backslash before each of the 7 special bytes (each twice). */
    assert_int_equal(strlen(lit), 512 + 2 + 2 * 7);
    n = parse_literal(lit, strlen(lit), back);
    assert_int_equal(n, 512);
    assert_memory_equal(back, data, 512);
    free(lit);
}

static void test_string_cases(void **state)
{
    char *lit;

    (void)state;
    lit = put_string("", 0);
    assert_string_equal(lit, "''");
    free(lit);
    lit = put_string("plain text", 10);
    assert_string_equal(lit, "'plain text'");
    free(lit);
    lit = put_string("a\0b", 3);
    assert_string_equal(lit, "'a\\0b'");
    free(lit);
    lit = put_string("it's \"x\" \\ \n\r\x1a", 14);
    assert_string_equal(lit, "'it\\'s \\\"x\\\" \\\\ \\n\\r\\Z'");
    free(lit);
    /* UTF-8 Thai and 4-byte characters pass through untouched. */
    lit = put_string("สวัสดี 😀", strlen("สวัสดี 😀"));
    assert_string_equal(lit, "'สวัสดี 😀'");
    free(lit);
    /* Only len bytes are read: no strlen on values. */
    lit = put_string("abcdef", 3);
    assert_string_equal(lit, "'abc'");
    free(lit);
}

static void test_binary_every_byte(void **state)
{
    struct lc_buf b = LC_BUF_INIT;
    char data[256];
    char back[256];

    (void)state;
    for (int idx = 0; idx < 256; idx++)
        data[idx] = (char)(255 - idx);
    lc_sql_put_binary(&b, data, sizeof(data));
    assert_memory_equal(b.data, "_binary'", 8);
    assert_int_equal(parse_literal(b.data + 7, b.len - 7, back), 256);
    assert_memory_equal(back, data, 256);
    lc_buf_reset(&b);
    lc_sql_put_binary(&b, "", 0);
    assert_string_equal(b.data, "_binary''");
    lc_buf_done(&b);
}

static void test_hex_and_bits(void **state)
{
    struct lc_buf b = LC_BUF_INIT;

    (void)state;
    lc_sql_put_hex(&b, "\x00\x01\xff\x5c", 4);
    assert_string_equal(b.data, "0x0001ff5c");
    lc_buf_reset(&b);
    lc_sql_put_hex(&b, "", 0);
    assert_string_equal(b.data, "''");
    lc_buf_reset(&b);
    lc_sql_put_bits(&b, "\x02\xaa", 2);
    assert_string_equal(b.data, "b'0000001010101010'");
    lc_buf_reset(&b);
    lc_sql_put_bits(&b, "", 0);
    assert_string_equal(b.data, "b'0'");
    lc_buf_done(&b);
}

static void test_put_value(void **state)
{
    struct lc_buf b = LC_BUF_INIT;

    (void)state;
    lc_sql_put_value(&b, LC_SQL_STRING, NULL, 0);
    lc_buf_putc(&b, ',');
    lc_sql_put_value(&b, LC_SQL_STRING, "", 0);
    lc_buf_putc(&b, ',');
    lc_sql_put_value(&b, LC_SQL_NUMBER, "-12.50", 6);
    lc_buf_putc(&b, ',');
    lc_sql_put_value(&b, LC_SQL_BINARY, "\0\0", 2);
    lc_buf_putc(&b, ',');
    lc_sql_put_value(&b, LC_SQL_BIT, "\x01", 1);
    lc_buf_putc(&b, ',');
    lc_sql_put_value(&b, LC_SQL_BINARY, NULL, 0);
    lc_buf_putc(&b, ',');
    lc_sql_put_value(&b, LC_SQL_STRING, "NULL", 4);
    assert_string_equal(b.data, "NULL,'',-12.50,_binary'\\0\\0',b'00000001',NULL,'NULL'");
    lc_buf_done(&b);
}

static void test_class_of(void **state)
{
    (void)state;
    assert_int_equal(lc_sql_class_of("int"), LC_SQL_NUMBER);
    assert_int_equal(lc_sql_class_of("BIGINT"), LC_SQL_NUMBER);
    assert_int_equal(lc_sql_class_of("decimal"), LC_SQL_NUMBER);
    assert_int_equal(lc_sql_class_of("double"), LC_SQL_NUMBER);
    assert_int_equal(lc_sql_class_of("float"), LC_SQL_NUMBER);
    assert_int_equal(lc_sql_class_of("year"), LC_SQL_NUMBER);
    assert_int_equal(lc_sql_class_of("blob"), LC_SQL_BINARY);
    assert_int_equal(lc_sql_class_of("longblob"), LC_SQL_BINARY);
    assert_int_equal(lc_sql_class_of("varbinary"), LC_SQL_BINARY);
    assert_int_equal(lc_sql_class_of("binary"), LC_SQL_BINARY);
    assert_int_equal(lc_sql_class_of("geometry"), LC_SQL_BINARY);
    assert_int_equal(lc_sql_class_of("point"), LC_SQL_BINARY);
    assert_int_equal(lc_sql_class_of("bit"), LC_SQL_BIT);
    /* Types whose text form the server parses back exactly. */
    assert_int_equal(lc_sql_class_of("uuid"), LC_SQL_STRING);
    assert_int_equal(lc_sql_class_of("inet6"), LC_SQL_STRING);
    assert_int_equal(lc_sql_class_of("inet4"), LC_SQL_STRING);
    assert_int_equal(lc_sql_class_of("longtext"), LC_SQL_STRING);
    assert_int_equal(lc_sql_class_of("datetime"), LC_SQL_STRING);
    assert_int_equal(lc_sql_class_of("timestamp"), LC_SQL_STRING);
    assert_int_equal(lc_sql_class_of("enum"), LC_SQL_STRING);
    assert_int_equal(lc_sql_class_of("set"), LC_SQL_STRING);
    assert_int_equal(lc_sql_class_of("some_future_type"), LC_SQL_STRING);
    assert_int_equal(lc_sql_class_of(NULL), LC_SQL_STRING);
}

static void test_pick_delimiter(void **state)
{
    (void)state;
    assert_string_equal(lc_sql_pick_delimiter("BEGIN SELECT 1; END"), ";;");
    assert_string_equal(lc_sql_pick_delimiter("SET x = ';;'"), "$$");
    assert_string_equal(lc_sql_pick_delimiter(";; $$"), "//");
    assert_string_equal(lc_sql_pick_delimiter(";; $$ // %%"), "@@lcbp3@@");
    assert_null(lc_sql_pick_delimiter(";; $$ // %% @@lcbp3@@"));
}

static char *file_name(const char *name)
{
    struct lc_buf b = LC_BUF_INIT;

    lc_sql_file_name(&b, name);
    return lc_buf_steal(&b);
}

static void test_file_name(void **state)
{
    char long_name[256];
    char *a, *c;

    (void)state;
    a = file_name("document_numbering_configs");
    assert_string_equal(a, "document_numbering_configs");
    free(a);
    a = file_name("a.b/c d@e");
    assert_string_equal(a, "a@2eb@2fc@20d@40e");
    free(a);
    a = file_name("..");
    assert_string_equal(a, "@2e@2e");
    free(a);
    a = file_name("weird `name` ; DROP");
    assert_string_equal(a, "weird@20@60name@60@20@3b@20DROP");
    free(a);
    a = file_name("เอกสาร$-x");
    assert_string_equal(a, "เอกสาร$-x");
    free(a);

    /* 70 '#' become 210 bytes of escapes: cut at 180 or less and hashed. */
    memset(long_name, '#', 70);
    long_name[70] = '\0';
    a = file_name(long_name);
    assert_true(strlen(a) <= 200);
    assert_non_null(strchr(a, '~'));
    long_name[69] = '!';
    c = file_name(long_name);
    assert_true(strlen(c) <= 200);
    assert_string_not_equal(a, c);
    /* The cut never splits an @xx escape. */
    assert_int_equal((strchr(a, '~') - a) % 3, 0);
    free(a);
    free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_string_every_byte),
        cmocka_unit_test(test_string_cases),
        cmocka_unit_test(test_binary_every_byte),
        cmocka_unit_test(test_hex_and_bits),
        cmocka_unit_test(test_put_value),
        cmocka_unit_test(test_class_of),
        cmocka_unit_test(test_pick_delimiter),
        cmocka_unit_test(test_file_name),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
