/*
 * The statement splitter. Two real dumps are split exactly as the `mariadb` client
 * splits them: tests/data/legacy_sample.sql (mariadb-dump 10.11 of the seed schema:
 * sandbox line, executable comments, LOCK TABLES, DELIMITER ;; triggers, routines,
 * events, views) and tests/data/lcbp3_sample.sql (our own members: routines,
 * triggers, events, INSERTs with _binary and backslash escapes, views). The
 * *.expected files hold the statements the client sent, taken from the server's
 * general log (`SET GLOBAL general_log=1; mariadb db < file`), byte for byte, each
 * with the line where that text starts in the file. Whole, byte by byte and in random
 * pieces the result is the same. Then the
 * single rules: quotes and escapes, comments, DELIMITER, the sandbox line, empty
 * statements, the last statement without a delimiter, truncation and callback errors.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/mem.h"
#include "common/sql_stream.h"

#define CUT "\n----8<----\n"

struct stmt {
    char *text;
    size_t len;
    uint64_t line;
};

struct result {
    struct stmt *v;
    size_t n;
    size_t cap;
    int fail_at; /* callback fails on this statement (1-based), 0 never */
    int upcase;  /* callback rewrites the text in place */
};

static int collect(void *ctx, char *text, size_t len, uint64_t line, struct lc_err *err)
{
    struct result *r = ctx;

    assert_int_equal(text[len], '\0');
    if (r->fail_at && (int)r->n + 1 == r->fail_at)
        return lc_err_set(err, LC_E_UNAVAILABLE, "server went away at line %llu",
                          (unsigned long long)line);
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 16;
        r->v = lc_xrealloc(r->v, r->cap * sizeof(*r->v));
    }
    r->v[r->n].text = lc_xstrndup(text, len);
    r->v[r->n].len = len;
    r->v[r->n].line = line;
    r->n++;
    if (r->upcase)
        for (size_t i = 0; i <= len; i++)
            text[i] = 'X'; /* scribbling over the text (and its NUL) must not matter */
    return 0;
}

static void result_done(struct result *r)
{
    for (size_t i = 0; i < r->n; i++)
        free(r->v[i].text);
    free(r->v);
    memset(r, 0, sizeof(*r));
}

/* Splits `data` fed in pieces from `sizes` (cycled; NULL = whole); returns feed/finish rc. */
static int split(const char *data, size_t len, const size_t *sizes, size_t n_sizes,
                 struct result *r, struct lc_err *err)
{
    struct lc_sql_stream *s = lc_sql_stream_new("dump.sql", collect, r);
    size_t off = 0, k = 0;
    int rc = 0;

    while (off < len && rc == 0) {
        size_t n = sizes ? sizes[k++ % n_sizes] : len;

        if (n > len - off)
            n = len - off;
        rc = lc_sql_stream_feed(s, data + off, n, err);
        off += n;
    }
    if (rc == 0)
        rc = lc_sql_stream_finish(s, err);
    if (rc == 0)
        assert_int_equal(lc_sql_stream_count(s), r->n);
    lc_sql_stream_free(s);
    return rc;
}

static void split_ok(const char *sql, struct result *r)
{
    struct lc_err err = LC_ERR_INIT;

    if (split(sql, strlen(sql), NULL, 0, r, &err) != 0)
        fail_msg("split failed: %s", err.msg);
}

static char *slurp(const char *name, size_t *out_len)
{
    char *path = lc_xasprintf("%s/%s", LC_TEST_DATA, name);
    FILE *f = fopen(path, "rb");
    struct lc_buf b = LC_BUF_INIT;
    char chunk[65536];
    size_t n;

    if (!f)
        fail_msg("cannot open '%s'", path);
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        lc_buf_append(&b, chunk, n);
    fclose(f);
    free(path);
    *out_len = b.len;
    return lc_buf_steal(&b);
}

/* Parses an *.expected file: "-- line N\n<text>" blocks, each followed by CUT. */
static void load_expected(const char *name, struct result *want)
{
    size_t len;
    char *data = slurp(name, &len);
    char *p = data, *end = data + len;

    while (p < end) {
        char *cut = memmem(p, (size_t)(end - p), CUT, strlen(CUT));
        char *nl;

        assert_non_null(cut);
        assert_true(strncmp(p, "-- line ", 8) == 0);
        nl = memchr(p, '\n', (size_t)(cut - p));
        assert_non_null(nl);
        if (want->n == want->cap) {
            want->cap = want->cap ? want->cap * 2 : 16;
            want->v = lc_xrealloc(want->v, want->cap * sizeof(*want->v));
        }
        want->v[want->n].line = strtoull(p + 8, NULL, 10);
        want->v[want->n].text = lc_xstrndup(nl + 1, (size_t)(cut - nl - 1));
        want->v[want->n].len = (size_t)(cut - nl - 1);
        want->n++;
        p = cut + strlen(CUT);
    }
    free(data);
}

static void assert_same(const struct result *got, const struct result *want, const char *how)
{
    if (got->n != want->n)
        fail_msg("%s: %zu statements, expected %zu", how, got->n, want->n);
    for (size_t i = 0; i < want->n; i++) {
        if (got->v[i].len != want->v[i].len ||
            memcmp(got->v[i].text, want->v[i].text, want->v[i].len) != 0)
            fail_msg("%s: statement %zu differs:\n<%s>\nexpected\n<%s>", how, i + 1, got->v[i].text,
                     want->v[i].text);
        if (got->v[i].line != want->v[i].line)
            fail_msg("%s: statement %zu at line %llu, expected %llu", how, i + 1,
                     (unsigned long long)got->v[i].line, (unsigned long long)want->v[i].line);
    }
}

static void check_fixture(const char *sql_name, const char *expected_name, size_t n_expected)
{
    size_t len;
    char *sql = slurp(sql_name, &len);
    struct result want = {0}, got = {0};
    struct lc_err err = LC_ERR_INIT;
    static const size_t one[] = {1};
    size_t sizes[64];
    unsigned seed = 12345;

    load_expected(expected_name, &want);
    assert_int_equal(want.n, n_expected);
    assert_int_equal(split(sql, len, NULL, 0, &got, &err), 0);
    assert_same(&got, &want, "whole");
    result_done(&got);
    assert_int_equal(split(sql, len, one, 1, &got, &err), 0);
    assert_same(&got, &want, "byte by byte");
    result_done(&got);
    for (int round = 0; round < 20; round++) {
        for (size_t i = 0; i < 64; i++) {
            seed = seed * 1103515245u + 12345u;
            sizes[i] = 1 + (seed >> 16) % (round < 10 ? 17 : 4000);
        }
        assert_int_equal(split(sql, len, sizes, 64, &got, &err), 0);
        assert_same(&got, &want, "random pieces");
        result_done(&got);
    }
    got.upcase = 1;
    assert_int_equal(split(sql, len, one, 1, &got, &err), 0);
    got.upcase = 0;
    assert_same(&got, &want, "callback scribbling");
    result_done(&got);
    result_done(&want);
    free(sql);
}

static void test_mariadb_dump(void **state)
{
    (void)state;
    check_fixture("legacy_sample.sql", "legacy_sample.expected", 161);
}

static void test_our_dump(void **state)
{
    (void)state;
    check_fixture("lcbp3_sample.sql", "lcbp3_sample.expected", 50);
}

/* The statements of sql, one per element of want (NULL-terminated), checked as pieces too. */
static void expect_split(const char *sql, const char *const *want)
{
    struct result got = {0};
    size_t n = 0;

    split_ok(sql, &got);
    while (want[n])
        n++;
    if (got.n != n)
        fail_msg("'%s': %zu statements, expected %zu", sql, got.n, n);
    for (size_t i = 0; i < n; i++)
        if (strcmp(got.v[i].text, want[i]) != 0)
            fail_msg("'%s': statement %zu is <%s>, expected <%s>", sql, i + 1, got.v[i].text,
                     want[i]);
    result_done(&got);
    {
        static const size_t one[] = {1};
        struct lc_err err = LC_ERR_INIT;

        assert_int_equal(split(sql, strlen(sql), one, 1, &got, &err), 0);
        assert_int_equal(got.n, n);
        for (size_t i = 0; i < n; i++)
            assert_string_equal(got.v[i].text, want[i]);
        result_done(&got);
    }
}

static void test_quotes(void **state)
{
    (void)state;
    expect_split(
        "INSERT INTO t VALUES ('a;b','it\\'s;','x\\\\');SELECT 2;",
        (const char *const[]){"INSERT INTO t VALUES ('a;b','it\\'s;','x\\\\')", "SELECT 2", NULL});
    expect_split("SELECT 'it''s;', \"say \"\"hi;\"\"\", \"q\\\";\";SELECT 3",
                 (const char *const[]){"SELECT 'it''s;', \"say \"\"hi;\"\"\", \"q\\\";\"",
                                       "SELECT 3", NULL});
    /* no escapes in `identifiers`: the backslash does not hide the closing backtick */
    expect_split("CREATE TABLE `a;b\\` (`x``;` int);SELECT `c`;",
                 (const char *const[]){"CREATE TABLE `a;b\\` (`x``;` int)", "SELECT `c`", NULL});
    /* binary data as our dumps write it */
    expect_split("INSERT INTO b VALUES (_binary'\\0\\'\\\\\\n\\r\\Z;\xff\xfe');\n",
                 (const char *const[]){
                     "INSERT INTO b VALUES (_binary'\\0\\'\\\\\\n\\r\\Z;\xff\xfe')", NULL});
}

static void test_comments(void **state)
{
    (void)state;
    /* leading comments and whitespace are dropped, comments inside are kept */
    expect_split("-- header; not a statement\n# also ; not\n/* block; */  SELECT 1 /* in; */ + 1;"
                 "SELECT 2 -- trailing; comment\n, 3;",
                 (const char *const[]){"SELECT 1 /* in; */ + 1",
                                       "SELECT 2 -- trailing; comment\n, 3", NULL});
    /* "--" needs a space or control byte after it to open a comment */
    expect_split("SELECT 5--1;SELECT 6 --\tx;\n;",
                 (const char *const[]){"SELECT 5--1", "SELECT 6 --\tx;", NULL});
    /* comments only, and empty statements: nothing is emitted */
    expect_split("/* a */;\n-- b\n;;; # c\n  ;\n/* d */\n", (const char *const[]){NULL});
    /* executable comments are statements (and may contain quotes and semicolons) */
    expect_split("/*!40101 SET NAMES utf8mb4 */;\n/*M!100101 SET x='a;*/b' */;\n"
                 "/*!50003 CREATE*/ /*!50017 DEFINER=`u`@`h`*/ /*!50003 TRIGGER t BEFORE "
                 "INSERT ON x FOR EACH ROW SET @a=1 */;",
                 (const char *const[]){"/*!40101 SET NAMES utf8mb4 */",
                                       "/*M!100101 SET x='a;*/b' */",
                                       "/*!50003 CREATE*/ /*!50017 DEFINER=`u`@`h`*/ /*!50003 "
                                       "TRIGGER t BEFORE INSERT ON x FOR EACH ROW SET @a=1 */",
                                       NULL});
}

static void test_delimiter(void **state)
{
    (void)state;
    expect_split("DELIMITER $$\nCREATE PROCEDURE p() BEGIN SELECT 1; SELECT '$$'; END$$\n"
                 "delimiter //\nSELECT 4 / 2//\nSELECT 5;6//\nDeLiMiTeR ;\nSELECT 7;",
                 (const char *const[]){"CREATE PROCEDURE p() BEGIN SELECT 1; SELECT '$$'; END",
                                       "SELECT 4 / 2", "SELECT 5;6", "SELECT 7", NULL});
    /* the mysqldump form: ;; ends the statement after the executable comment */
    expect_split("DELIMITER ;;\n/*!50003 CREATE*/ /*!50003 TRIGGER t BEFORE INSERT ON x FOR "
                 "EACH ROW\nBEGIN\n  SET NEW.a = 1;\nEND */;;\nDELIMITER ;\nSELECT 1;",
                 (const char *const[]){"/*!50003 CREATE*/ /*!50003 TRIGGER t BEFORE INSERT ON x "
                                       "FOR EACH ROW\nBEGIN\n  SET NEW.a = 1;\nEND */",
                                       "SELECT 1", NULL});
    /* a quoted delimiter, CRLF line ends, and a table named like the command */
    expect_split("DELIMITER '||'\r\nSELECT 1||\r\nDELIMITER ;\r\nSELECT delimiter_x FROM t;",
                 (const char *const[]){"SELECT 1", "SELECT delimiter_x FROM t", NULL});
}

static void test_sandbox_line(void **state)
{
    struct result got = {0};

    (void)state;
    expect_split("/*M!999999\\- enable the sandbox mode */ \n-- MariaDB dump\n"
                 "/*!40101 SET NAMES utf8mb4 */;\n",
                 (const char *const[]){"/*!40101 SET NAMES utf8mb4 */", NULL});
    split_ok("/*M!999999\\- enable the sandbox mode */ \n\nSELECT 1;", &got);
    assert_int_equal(got.n, 1);
    assert_int_equal(got.v[0].line, 3);
    result_done(&got);
}

static void test_lines(void **state)
{
    struct result got = {0};

    (void)state;
    split_ok("\n\n-- c\nSELECT 1;\nSELECT\n'a\nb';\r\n/* x\ny */ SELECT 3; SELECT 4;\nDELIMITER ;;"
             "\nSELECT 5\n;;",
             &got);
    assert_int_equal(got.n, 5);
    assert_int_equal(got.v[0].line, 4);
    assert_int_equal(got.v[1].line, 5);
    assert_int_equal(got.v[2].line, 9); /* after the leading comment */
    assert_int_equal(got.v[3].line, 9);
    assert_int_equal(got.v[4].line, 11);
    result_done(&got);
}

static void test_last_statement_without_delimiter(void **state)
{
    (void)state;
    expect_split("SELECT 1;\nSELECT 2\n\n", (const char *const[]){"SELECT 1", "SELECT 2", NULL});
    expect_split("SELECT 1 -- no newline", (const char *const[]){"SELECT 1 -- no newline", NULL});
    expect_split("", (const char *const[]){NULL});
    expect_split("DELIMITER ;;", (const char *const[]){NULL});
}

static void expect_truncated(const char *sql, uint64_t line)
{
    struct result got = {0};
    struct lc_err err = LC_ERR_INIT;
    static const size_t three[] = {3};
    char want[128];

    snprintf(want, sizeof(want),
             "'dump.sql' ends in the middle of a statement starting at line %llu (truncated?)",
             (unsigned long long)line);
    assert_int_equal(split(sql, strlen(sql), NULL, 0, &got, &err), -1);
    assert_int_equal(err.status, LC_E_DATA);
    assert_string_equal(err.msg, want);
    result_done(&got);
    assert_int_equal(split(sql, strlen(sql), three, 1, &got, &err), -1);
    assert_string_equal(err.msg, want);
    result_done(&got);
}

static void test_truncated(void **state)
{
    (void)state;
    expect_truncated("SELECT 1;\nINSERT INTO t VALUES ('abc", 2);
    expect_truncated("SELECT 1;\n\nINSERT INTO t VALUES ('abc\\", 3);
    expect_truncated("SELECT \"x", 1);
    expect_truncated("SELECT `x", 1);
    expect_truncated("SELECT 1 /* open", 1);
    expect_truncated("SELECT 1;\n/* open", 2);
    expect_truncated("/*!40101 SET NAMES utf8mb4", 1);
    expect_truncated("DELIMITER ;;\nCREATE TRIGGER t BEGIN SET @a = 'x;;", 2);
}

static void test_bad_delimiter(void **state)
{
    struct result got = {0};
    struct lc_err err = LC_ERR_INIT;
    const char *sql = "SELECT 1;\nDELIMITER   \nSELECT 2;";

    (void)state;
    assert_int_equal(split(sql, strlen(sql), NULL, 0, &got, &err), -1);
    assert_int_equal(err.status, LC_E_DATA);
    assert_string_equal(err.msg, "'dump.sql' line 2: DELIMITER without a delimiter");
    result_done(&got);
    sql = "DELIMITER \\\\\n";
    assert_int_equal(split(sql, strlen(sql), NULL, 0, &got, &err), -1);
    assert_int_equal(err.status, LC_E_DATA);
    result_done(&got);
}

static void test_callback_error(void **state)
{
    struct result got = {.fail_at = 2};
    struct lc_err err = LC_ERR_INIT;
    const char *sql = "SELECT 1;\nSELECT 2;\nSELECT 3;";
    struct lc_sql_stream *s;

    (void)state;
    s = lc_sql_stream_new("dump.sql", collect, &got);
    assert_int_equal(lc_sql_stream_feed(s, sql, strlen(sql), &err), -1);
    /* the callback's error, as it is */
    assert_int_equal(err.status, LC_E_UNAVAILABLE);
    assert_string_equal(err.msg, "server went away at line 2");
    assert_int_equal(got.n, 1);
    /* the stream refuses to go on */
    assert_int_equal(lc_sql_stream_feed(s, "SELECT 4;", 9, &err), -1);
    assert_int_equal(lc_sql_stream_finish(s, &err), -1);
    assert_int_equal(got.n, 1);
    lc_sql_stream_free(s);
    result_done(&got);
    /* ... also for the last statement, passed by finish */
    got.fail_at = 1;
    s = lc_sql_stream_new("dump.sql", collect, &got);
    assert_int_equal(lc_sql_stream_feed(s, "SELECT 9", 8, &err), 0);
    assert_int_equal(lc_sql_stream_finish(s, &err), -1);
    assert_string_equal(err.msg, "server went away at line 1");
    lc_sql_stream_free(s);
    result_done(&got);
    lc_sql_stream_free(NULL);
}

/* A statement far larger than the pieces it arrives in (a long extended INSERT). */
static void test_long_statement(void **state)
{
    struct lc_buf sql = LC_BUF_INIT;
    struct result got = {0};
    struct lc_err err = LC_ERR_INIT;
    static const size_t sizes[] = {65536, 1000, 3};
    size_t first_len;

    (void)state;
    lc_buf_puts(&sql, "INSERT INTO t VALUES ");
    for (int i = 0; i < 100000; i++)
        lc_buf_printf(&sql, "%s(%d,'row; %d \\' -- /* x',\"y\")", i ? "," : "", i, i);
    first_len = sql.len;
    lc_buf_puts(&sql, ";\nSELECT 1;");
    assert_int_equal(split(sql.data, sql.len, sizes, 3, &got, &err), 0);
    assert_int_equal(got.n, 2);
    assert_int_equal(got.v[0].len, first_len);
    assert_memory_equal(got.v[0].text, sql.data, first_len);
    assert_string_equal(got.v[1].text, "SELECT 1");
    assert_int_equal(got.v[1].line, 2);
    result_done(&got);
    lc_buf_done(&sql);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mariadb_dump),
        cmocka_unit_test(test_our_dump),
        cmocka_unit_test(test_quotes),
        cmocka_unit_test(test_comments),
        cmocka_unit_test(test_delimiter),
        cmocka_unit_test(test_sandbox_line),
        cmocka_unit_test(test_lines),
        cmocka_unit_test(test_last_statement_without_delimiter),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_bad_delimiter),
        cmocka_unit_test(test_callback_error),
        cmocka_unit_test(test_long_statement),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
