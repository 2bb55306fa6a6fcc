/*
 * INSERT to LOAD DATA: the rows come out tab-separated with LOAD DATA's escapes (a raw
 * tab in a string becomes \t, NULL becomes \N, the string escapes of sql_text.c pass
 * through), and anything the dump writer does not write, or a statement that does not
 * add up, is left alone (returns 0) so that it runs as the INSERT it is.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "common/buf.h"
#include "common/sql_load_data.h"

static void convert(const char *in, int want_rc, const char *want_load, const char *want_rows)
{
    struct lc_buf load = LC_BUF_INIT, rows = LC_BUF_INIT;
    int rc = lc_sql_insert_to_load_data(in, strlen(in), &load, &rows);

    assert_int_equal(rc, want_rc);
    if (want_rc) {
        assert_string_equal(load.data, want_load);
        assert_int_equal(rows.len, strlen(want_rows));
        assert_memory_equal(rows.data, want_rows, rows.len);
    }
    lc_buf_done(&load);
    lc_buf_done(&rows);
}

#define HEAD "LOAD DATA LOCAL INFILE 'lcbp3-restore' INTO TABLE "
#define FMT " CHARACTER SET utf8mb4 FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' "

static void test_values(void **state)
{
    (void)state;
    convert("INSERT INTO `t` (`a`,`b`,`c`) VALUES (1,'x',NULL),(-2.5e+3,'',NULL)", 1,
            HEAD "`t`" FMT "(`a`,`b`,`c`)", "1\tx\t\\N\n-2.5e+3\t\t\\N\n");
    /* escapes pass through; a raw tab is escaped; a doubled quote is one quote */
    convert("INSERT INTO `t` (`s`) VALUES ('a\\'b\\\\c\\nd\\0e\\Zf\\\"g'),('tab\there'),('it''s')", 1,
            HEAD "`t`" FMT "(`s`)", "a\\'b\\\\c\\nd\\0e\\Zf\\\"g\ntab\\there\nit's\n");
    /* binary values with zero bytes, Thai text, odd names */
    convert("INSERT INTO `we``ird` (`order`,`b`) VALUES ('ไทย',_binary'\\0\\0\xff')", 1,
            HEAD "`we``ird`" FMT "(`order`,`b`)", "ไทย\t\\0\\0\xff\n");
}

static void test_left_alone(void **state)
{
    (void)state;
    convert("INSERT INTO `t` (`f`) VALUES (b'0101')", 0, NULL, NULL);             /* BIT */
    convert("INSERT INTO `t` (`h`) VALUES (0x0aff)", 0, NULL, NULL);               /* hex */
    convert("INSERT INTO `t` (`a`,`b`) VALUES (1)", 0, NULL, NULL);                /* too few */
    convert("INSERT INTO `t` (`a`) VALUES (1,2)", 0, NULL, NULL);                  /* too many */
    convert("INSERT INTO `t` (`s`) VALUES ('a\\%b')", 0, NULL, NULL);              /* \% */
    convert("INSERT INTO `t` (`s`) VALUES ('unterminated)", 0, NULL, NULL);
    convert("INSERT INTO `t` (`a`) VALUES (NOW())", 0, NULL, NULL);
    convert("INSERT INTO `t` VALUES (1)", 0, NULL, NULL);                          /* no columns */
    convert("INSERT IGNORE INTO `t` (`a`) VALUES (1)", 0, NULL, NULL);
    convert("REPLACE INTO `t` (`a`) VALUES (1)", 0, NULL, NULL);
    convert("INSERT INTO `t` (`a`) VALUES (1) ON DUPLICATE KEY UPDATE a=1", 0, NULL, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_left_alone),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
