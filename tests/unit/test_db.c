/*
 * The MariaDB connection layer without a server: identifier validation and quoting,
 * error-number to status mapping, the endpoint description, and the connect failures
 * that need no server (refused port, unreadable option file).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include <errmsg.h>
#include <mysqld_error.h>

#include "common/buf.h"
#include "common/db.h"

static void test_ident_valid(void **state)
{
    char name[300];

    (void)state;
    assert_true(lc_db_ident_valid("lcbp3_production"));
    assert_true(lc_db_ident_valid("a"));
    assert_true(lc_db_ident_valid("weird `name` ; DROP"));
    assert_true(lc_db_ident_valid("with space inside"));
    assert_true(lc_db_ident_valid("'quoted\""));
    assert_true(lc_db_ident_valid("เอกสาร"));
    assert_true(lc_db_ident_valid(" leading space"));
    assert_false(lc_db_ident_valid(NULL));
    assert_false(lc_db_ident_valid(""));
    assert_false(lc_db_ident_valid("trailing "));

    /* 64 characters are allowed, 65 are not; Thai counts characters, not bytes. */
    memset(name, 'x', 64);
    name[64] = '\0';
    assert_true(lc_db_ident_valid(name));
    name[64] = 'x';
    name[65] = '\0';
    assert_false(lc_db_ident_valid(name));
    for (int idx = 0; idx < 64; idx++)
        memcpy(name + 3 * idx, "ก", 3);
    name[192] = '\0';
    assert_true(lc_db_ident_valid(name));
    memcpy(name + 192, "ก", 4);
    assert_false(lc_db_ident_valid(name));

    /* Invalid UTF-8: a lone continuation byte, a truncated sequence, overlong forms,
     * a surrogate, and supplementary characters (not allowed in MariaDB names). */
    assert_false(lc_db_ident_valid("a\x80"));
    assert_false(lc_db_ident_valid("\xe0\xb8"));
    assert_false(lc_db_ident_valid("\xc0\xaf"));
    assert_false(lc_db_ident_valid("\xe0\x80\xaf"));
    assert_false(lc_db_ident_valid("\xed\xa0\x80"));
    assert_false(lc_db_ident_valid("\xf0\x9f\x98\x80"));
    assert_false(lc_db_ident_valid("\xff"));
}

static void check_quote(const char *name, const char *want)
{
    struct lc_buf b = LC_BUF_INIT;

    lc_db_quote_ident(&b, name);
    assert_string_equal(b.data, want);
    lc_buf_done(&b);
}

static void test_quote_ident(void **state)
{
    (void)state;
    check_quote("t", "`t`");
    check_quote("", "``");
    check_quote("a`b", "`a``b`");
    check_quote("`", "````");
    check_quote("``x``", "`````x`````");
    check_quote("weird `name` ; DROP", "`weird ``name`` ; DROP`");
    check_quote("it's \"q\"", "`it's \"q\"`");
    check_quote("เอกสาร", "`เอกสาร`");
}

static void test_grant_covers(void **state)
{
    (void)state;
    assert_true(lc_db_grant_covers("GRANT SELECT, SHOW VIEW, TRIGGER, EVENT ON `lc`.* TO `bk`@`%`",
                                   "lc", "TRIGGER"));
    assert_true(lc_db_grant_covers("GRANT ALL PRIVILEGES ON *.* TO `root`@`localhost` WITH "
                                   "GRANT OPTION", "anything", "TRIGGER"));
    assert_true(lc_db_grant_covers("GRANT TRIGGER ON *.* TO `bk`@`%`", "x", "TRIGGER"));
    assert_true(lc_db_grant_covers("GRANT EVENT, TRIGGER ON `lc_src`.* TO `role`", "lc_src",
                                   "TRIGGER"));
    /* Database patterns: LIKE with escapes, '_' is one character (Thai too). */
    assert_true(lc_db_grant_covers("GRANT TRIGGER ON `lc\\_%`.* TO `bk`@`%`", "lc_src",
                                   "TRIGGER"));
    assert_false(lc_db_grant_covers("GRANT TRIGGER ON `lc\\_%`.* TO `bk`@`%`", "lcxsrc",
                                    "TRIGGER"));
    assert_true(lc_db_grant_covers("GRANT TRIGGER ON `lc_src`.* TO `bk`@`%`", "lcxsrc",
                                   "TRIGGER"));
    assert_true(lc_db_grant_covers("GRANT TRIGGER ON `ฐาน_`.* TO `bk`@`%`", "ฐานข", "TRIGGER"));
    assert_true(lc_db_grant_covers("GRANT TRIGGER ON `a``b`.* TO `bk`@`%`", "a`b", "TRIGGER"));
    assert_true(lc_db_grant_covers("GRANT TRIGGER ON `%`.* TO `bk`@`%`", "x", "TRIGGER"));
    /* Not enough: another privilege, another database, a table or routine grant. */
    assert_false(lc_db_grant_covers("GRANT SELECT, SHOW VIEW ON `lc`.* TO `bk`@`%`", "lc",
                                    "TRIGGER"));
    assert_false(lc_db_grant_covers("GRANT TRIGGER ON `other`.* TO `bk`@`%`", "lc", "TRIGGER"));
    assert_false(lc_db_grant_covers("GRANT TRIGGER ON `lc`.`t` TO `bk`@`%`", "lc", "TRIGGER"));
    assert_false(lc_db_grant_covers("GRANT EXECUTE ON PROCEDURE `lc`.`p` TO `bk`@`%`", "lc",
                                    "EXECUTE"));
    assert_false(lc_db_grant_covers("GRANT `trg_role` TO `bk2`@`localhost`", "lc", "TRIGGER"));
    assert_false(lc_db_grant_covers("GRANT USAGE ON *.* TO `bk`@`%` IDENTIFIED BY PASSWORD "
                                    "'*D82'", "lc", "TRIGGER"));
    assert_false(lc_db_grant_covers("SET DEFAULT ROLE `r` FOR `bk`@`%`", "lc", "TRIGGER"));
    /* A privilege whose name contains another is not taken for it. */
    assert_false(lc_db_grant_covers("GRANT SHOW CREATE ROUTINE ON *.* TO `bk`@`%`", "lc",
                                    "CREATE ROUTINE"));
}

static void test_status_of(void **state)
{
    (void)state;
    assert_int_equal(lc_db_status_of(CR_SERVER_LOST), LC_E_UNAVAILABLE);
    assert_int_equal(lc_db_status_of(CR_SERVER_GONE_ERROR), LC_E_UNAVAILABLE);
    assert_int_equal(lc_db_status_of(CR_CONN_HOST_ERROR), LC_E_UNAVAILABLE);
    assert_int_equal(lc_db_status_of(ER_TABLEACCESS_DENIED_ERROR), LC_E_NOPERM);
    assert_int_equal(lc_db_status_of(ER_SPECIFIC_ACCESS_DENIED_ERROR), LC_E_NOPERM);
    assert_int_equal(lc_db_status_of(ER_DBACCESS_DENIED_ERROR), LC_E_NOPERM);
    assert_int_equal(lc_db_status_of(ER_LOCK_WAIT_TIMEOUT), LC_E_TEMPFAIL);
    assert_int_equal(lc_db_status_of(ER_LOCK_DEADLOCK), LC_E_TEMPFAIL);
    assert_int_equal(lc_db_status_of(ER_TABLE_DEF_CHANGED), LC_E_TEMPFAIL);
    assert_int_equal(lc_db_status_of(ER_BAD_DB_ERROR), LC_E_CONFIG);
    assert_int_equal(lc_db_status_of(ER_NO_SUCH_TABLE), LC_E_CONFIG);
    assert_int_equal(lc_db_status_of(ER_CONNECTION_KILLED), LC_E_UNAVAILABLE);
}

static void test_describe(void **state)
{
    struct lc_mariadb_cfg cfg = {0};
    char host[] = "db.example", host6[] = "::1", sock[] = "/run/mysqld/mysqld.sock";
    char buf[100];

    (void)state;
    cfg.host = host;
    cfg.port = 3307;
    assert_string_equal(lc_db_describe(&cfg, buf, sizeof(buf)), "db.example:3307");
    cfg.host = host6;
    assert_string_equal(lc_db_describe(&cfg, buf, sizeof(buf)), "[::1]:3307");
    cfg.socket = sock;
    assert_string_equal(lc_db_describe(&cfg, buf, sizeof(buf)), "socket /run/mysqld/mysqld.sock");
}

static void test_connect_refused(void **state)
{
    struct lc_mariadb_cfg cfg = {0};
    struct lc_err err = LC_ERR_INIT;
    char host[] = "127.0.0.1", user[] = "backup";

    (void)state;
    /* Port 1 on loopback: nothing listens there, the kernel refuses at once. */
    cfg.host = host;
    cfg.port = 1;
    cfg.user = user;
    cfg.connect_timeout_ms = 2000;
    assert_null(lc_db_connect(&cfg, "test_db", &err));
    assert_int_equal(err.status, LC_E_UNAVAILABLE);
    assert_non_null(strstr(err.msg, "mariadb: cannot connect to '127.0.0.1:1' as user 'backup'"));
}

static void test_connect_option_file_missing(void **state)
{
    struct lc_mariadb_cfg cfg = {0};
    struct lc_err err = LC_ERR_INIT;
    char host[] = "127.0.0.1", file[] = "/nonexistent/lcbp3-test/my.cnf";

    (void)state;
    cfg.host = host;
    cfg.port = 1;
    cfg.option_file = file;
    assert_null(lc_db_connect(&cfg, NULL, &err));
    assert_int_equal(err.status, LC_E_CONFIG);
    assert_non_null(strstr(err.msg, "cannot read option_file '/nonexistent/lcbp3-test/my.cnf'"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ident_valid),
        cmocka_unit_test(test_quote_ident),
        cmocka_unit_test(test_grant_covers),
        cmocka_unit_test(test_status_of),
        cmocka_unit_test(test_describe),
        cmocka_unit_test(test_connect_refused),
        cmocka_unit_test(test_connect_option_file_missing),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
