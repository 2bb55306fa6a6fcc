/*
 * DDL rewrites: the DEFINER clause goes in all its spellings, including mysqldump's
 * executable comments (dropped whole when they hold nothing else) and the view form
 * "DEFINER=... SQL SECURITY DEFINER"; database qualifiers are renamed; foreign keys get
 * their database. Strings, comments, user variables and names that only look alike are
 * never touched. The DDL of tests/data/legacy_sample.sql (real mariadb-dump output) is
 * rewritten as well; that the results run on a server without the original definer was
 * checked by hand against mariadbd 10.11 (see the report of issue 3).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/mem.h"
#include "common/sql_rewrite.h"

static void do_strip(const char *in, int want_rc, const char *want)
{
    struct lc_buf out = LC_BUF_INIT;
    int rc;

    lc_buf_puts(&out, "prefix:");
    rc = lc_sql_strip_definer(&out, in, strlen(in));
    if (rc != want_rc || strcmp(out.data + 7, want) != 0)
        fail_msg("strip_definer(<%s>) = %d <%s>, expected %d <%s>", in, rc, out.data + 7, want_rc,
                 want);
    /* appends: what was in the buffer stays */
    assert_memory_equal(out.data, "prefix:", 7);
    lc_buf_done(&out);
}

static void test_strip_definer_forms(void **state)
{
    (void)state;
    do_strip("CREATE DEFINER=`root`@`localhost` FUNCTION f() RETURNS int RETURN 1", 1,
             "CREATE FUNCTION f() RETURNS int RETURN 1");
    do_strip("CREATE DEFINER='app'@'10.0.%' PROCEDURE p() SELECT 1", 1,
             "CREATE PROCEDURE p() SELECT 1");
    do_strip("CREATE DEFINER=app@localhost TRIGGER t BEFORE INSERT ON x FOR EACH ROW SET @a=1", 1,
             "CREATE TRIGGER t BEFORE INSERT ON x FOR EACH ROW SET @a=1");
    do_strip("CREATE DEFINER=app@127.0.0.1 EVENT e ON SCHEDULE EVERY 1 DAY DO SELECT 1", 1,
             "CREATE EVENT e ON SCHEDULE EVERY 1 DAY DO SELECT 1");
    do_strip("CREATE DEFINER = `a``b` @ `h` VIEW v AS SELECT 1", 1, "CREATE VIEW v AS SELECT 1");
    do_strip("CREATE DEFINER=CURRENT_USER() PROCEDURE p() SELECT 1", 1,
             "CREATE PROCEDURE p() SELECT 1");
    do_strip("CREATE DEFINER=CURRENT_USER PROCEDURE p() SELECT 1", 1,
             "CREATE PROCEDURE p() SELECT 1");
    do_strip("CREATE definer=`role_admin` PROCEDURE p() SELECT 1", 1,
             "CREATE PROCEDURE p() SELECT 1");
    do_strip(
        "CREATE OR REPLACE ALGORITHM=UNDEFINED DEFINER=`root`@`localhost` SQL SECURITY DEFINER "
        "VIEW `v` AS select 1 AS `a`",
        1,
        "CREATE OR REPLACE ALGORITHM=UNDEFINED SQL SECURITY DEFINER VIEW `v` AS select 1 AS `a`");
}

static void test_strip_definer_mysqldump(void **state)
{
    (void)state;
    /* the trigger and event forms: the comment holding the clause goes whole */
    do_strip("/*!50003 CREATE*/ /*!50017 DEFINER=`root`@`localhost`*/ /*!50003 TRIGGER t BEFORE "
             "INSERT ON x FOR EACH ROW\nBEGIN\n  SET NEW.a = 1;\nEND \n*/",
             1,
             "/*!50003 CREATE*/ /*!50003 TRIGGER t BEFORE INSERT ON x FOR EACH ROW\nBEGIN\n  SET "
             "NEW.a = 1;\nEND \n*/");
    do_strip("/*!50106 CREATE*/ /*!50117 DEFINER=`root`@`localhost`*/ /*!50106 EVENT `e` ON "
             "SCHEDULE EVERY 1 MINUTE DO SELECT 1 */",
             1, "/*!50106 CREATE*/ /*!50106 EVENT `e` ON SCHEDULE EVERY 1 MINUTE DO SELECT 1 */");
    /* the view form: the comment also holds SQL SECURITY, which stays */
    do_strip("/*!50001 CREATE ALGORITHM=UNDEFINED */\n/*!50013 DEFINER=`root`@`localhost` SQL "
             "SECURITY DEFINER */\n/*!50001 VIEW `v` AS select 1 AS `a` */",
             1,
             "/*!50001 CREATE ALGORITHM=UNDEFINED */\n/*!50013 SQL SECURITY DEFINER */\n/*!50001 "
             "VIEW `v` AS select 1 AS `a` */");
}

static void test_strip_definer_leaves_alone(void **state)
{
    (void)state;
    do_strip("SELECT 'DEFINER=`a`@`b`' AS x", 0, "SELECT 'DEFINER=`a`@`b`' AS x");
    do_strip("SELECT 1 /* DEFINER=`a`@`b` */ -- DEFINER=x@y\n", 0,
             "SELECT 1 /* DEFINER=`a`@`b` */ -- DEFINER=x@y\n");
    do_strip("CREATE SQL SECURITY DEFINER VIEW v AS SELECT `DEFINER` FROM t", 0,
             "CREATE SQL SECURITY DEFINER VIEW v AS SELECT `DEFINER` FROM t");
    do_strip("UPDATE t SET definer_name = 'x'", 0, "UPDATE t SET definer_name = 'x'");
    do_strip("INSERT INTO t VALUES (_binary'\\0DEFINER=`a`@`b`\\'')", 0,
             "INSERT INTO t VALUES (_binary'\\0DEFINER=`a`@`b`\\'')");
    do_strip("", 0, "");
    /* only the first clause */
    do_strip("CREATE DEFINER=a@b PROCEDURE p() SELECT 'x' DEFINER", 1,
             "CREATE PROCEDURE p() SELECT 'x' DEFINER");
}

static void do_rename(const char *in, const char *from, const char *to, size_t want_n,
                      const char *want)
{
    struct lc_buf out = LC_BUF_INIT;
    size_t n = lc_sql_rename_schema(&out, in, strlen(in), from, to);

    if (n != want_n || strcmp(out.data, want) != 0)
        fail_msg("rename_schema(<%s>) = %zu <%s>, expected %zu <%s>", in, n, out.data, want_n,
                 want);
    lc_buf_done(&out);
}

static void test_rename_schema(void **state)
{
    (void)state;
    do_rename("CREATE VIEW `lcbp3`.`v` AS select `lcbp3`.`t`.`id` AS `id` from `lcbp3`.`t` where "
              "`lcbp3`.`t`.`s` <> 'lcbp3.x'",
              "lcbp3", "lcbp3_copy", 4,
              "CREATE VIEW `lcbp3_copy`.`v` AS select `lcbp3_copy`.`t`.`id` AS `id` from "
              "`lcbp3_copy`.`t` where `lcbp3_copy`.`t`.`s` <> 'lcbp3.x'");
    do_rename("SELECT src.t.a FROM src.t JOIN other.src ON 1 -- src.t\n", "src", "dst", 2,
              "SELECT `dst`.t.a FROM `dst`.t JOIN other.src ON 1 -- src.t\n");
    /* a table or column called like the database, a user variable, a system variable */
    do_rename("SELECT `src` FROM `x`.`src`.`c`, src WHERE @src.x = 1 AND @@src.y", "src", "dst", 0,
              "SELECT `src` FROM `x`.`src`.`c`, src WHERE @src.x = 1 AND @@src.y");
    /* exact and case-sensitive */
    do_rename("SELECT * FROM SRC.t, srcx.t, `src `.t", "src", "dst", 0,
              "SELECT * FROM SRC.t, srcx.t, `src `.t");
    /* inside executable comments (the server runs them) but not in plain ones */
    do_rename("/*!50001 VIEW `v` AS select 1 from `src`.`t` */ /* `src`.`t` */", "src", "dst", 1,
              "/*!50001 VIEW `v` AS select 1 from `dst`.`t` */ /* `src`.`t` */");
    /* backticks in names are doubled both ways */
    do_rename("SELECT * FROM `a``b`.`t`", "a`b", "c`d", 1, "SELECT * FROM `c``d`.`t`");
    /* numbers are not names */
    do_rename("SELECT 1.5, 12.t", "1", "x", 0, "SELECT 1.5, 12.t");
    do_rename("SELECT '`src`.t', \"src.t\"", "src", "dst", 0, "SELECT '`src`.t', \"src.t\"");
}

static void do_qualify(const char *in, const char *db, size_t want_n, const char *want)
{
    struct lc_buf out = LC_BUF_INIT;
    size_t n = lc_sql_qualify_references(&out, in, strlen(in), db);

    if (n != want_n || strcmp(out.data, want) != 0)
        fail_msg("qualify_references(<%s>) = %zu <%s>, expected %zu <%s>", in, n, out.data, want_n,
                 want);
    lc_buf_done(&out);
}

static void test_qualify_references(void **state)
{
    (void)state;
    do_qualify("CREATE TABLE `c` (\n  `id` int,\n  `p` int,\n  `q` int,\n"
               "  CONSTRAINT `f1` FOREIGN KEY (`p`) REFERENCES `parent` (`id`) ON DELETE CASCADE,\n"
               "  CONSTRAINT `f2` FOREIGN KEY (`q`) REFERENCES `other`.`t` (`id`),\n"
               "  CONSTRAINT `f3` FOREIGN KEY (`q`) references t2(id)\n) ENGINE=InnoDB COMMENT="
               "'REFERENCES `x` (`y`)'",
               "lcbp3", 2,
               "CREATE TABLE `c` (\n  `id` int,\n  `p` int,\n  `q` int,\n"
               "  CONSTRAINT `f1` FOREIGN KEY (`p`) REFERENCES `lcbp3`.`parent` (`id`) ON DELETE "
               "CASCADE,\n"
               "  CONSTRAINT `f2` FOREIGN KEY (`q`) REFERENCES `other`.`t` (`id`),\n"
               "  CONSTRAINT `f3` FOREIGN KEY (`q`) references `lcbp3`.t2(id)\n) ENGINE=InnoDB "
               "COMMENT='REFERENCES `x` (`y`)'");
    /* not a foreign key reference */
    do_qualify("GRANT REFERENCES ON db.t TO u", "lcbp3", 0, "GRANT REFERENCES ON db.t TO u");
    do_qualify("CREATE TABLE t (`references` int) /* REFERENCES `a` (`b`) */", "x", 0,
               "CREATE TABLE t (`references` int) /* REFERENCES `a` (`b`) */");
    do_qualify("CREATE TABLE t (a int REFERENCES `p` (`id`))", "we`ird", 1,
               "CREATE TABLE t (a int REFERENCES `we``ird`.`p` (`id`))");
}

/* The DDL of a real mariadb-dump: every DEFINER goes, nothing else changes length oddly. */
static void test_real_dump(void **state)
{
    char *path = lc_xasprintf("%s/legacy_sample.expected", LC_TEST_DATA);
    FILE *f = fopen(path, "rb");
    struct lc_buf all = LC_BUF_INIT;
    char chunk[65536];
    size_t n, stripped = 0, qualified = 0;
    char *p, *end;

    (void)state;
    assert_non_null(f);
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        lc_buf_append(&all, chunk, n);
    fclose(f);
    p = all.data;
    end = all.data + all.len;
    while (p < end) {
        char *cut = memmem(p, (size_t)(end - p), "\n----8<----\n", 12);
        char *text = memchr(p, '\n', (size_t)(cut - p)) + 1;
        size_t len = (size_t)(cut - text);
        struct lc_buf out = LC_BUF_INIT, again = LC_BUF_INIT;
        int had = memmem(text, len, "DEFINER=", 8) != NULL;

        if (lc_sql_strip_definer(&out, text, len)) {
            stripped++;
            assert_true(had);
            assert_null(memmem(out.data, out.len, "DEFINER=", 8));
            /* idempotent */
            assert_int_equal(lc_sql_strip_definer(&again, out.data, out.len), 0);
            assert_int_equal(again.len, out.len);
        } else {
            assert_false(had);
            assert_int_equal(out.len, len);
        }
        lc_buf_reset(&out);
        qualified += lc_sql_qualify_references(&out, text, len, "lcbp3");
        lc_buf_done(&out);
        lc_buf_done(&again);
        p = cut + 12;
    }
    /* 2 routines, 3 triggers, 1 view, 1 event; 1 foreign key */
    assert_int_equal(stripped, 7);
    assert_int_equal(qualified, 1);
    lc_buf_done(&all);
    free(path);
}

static void do_defer(const char *in, size_t want_n, const char *want_create, const char *want_keys)
{
    struct lc_buf create = LC_BUF_INIT, keys = LC_BUF_INIT;
    size_t n = lc_sql_defer_keys(&create, &keys, in, strlen(in));

    assert_int_equal(n, want_n);
    assert_string_equal(create.data, want_create);
    assert_string_equal(keys.data ? keys.data : "", want_keys);
    lc_buf_done(&create);
    lc_buf_done(&keys);
}

static void test_defer_keys(void **state)
{
    (void)state;
    /* the audit table as SHOW CREATE TABLE writes it: both keys go, the comma before ")" too */
    do_defer("CREATE TABLE `a` (\n"
             "  `id` bigint(20) unsigned NOT NULL AUTO_INCREMENT,\n"
             "  `created_at` datetime(6) NOT NULL,\n"
             "  PRIMARY KEY (`id`),\n"
             "  KEY `ix_seq` (`sequence_id`,`created_at`),\n"
             "  KEY `ix_created` (`created_at`)\n"
             ") ENGINE=InnoDB",
             2,
             "CREATE TABLE `a` (\n"
             "  `id` bigint(20) unsigned NOT NULL AUTO_INCREMENT,\n"
             "  `created_at` datetime(6) NOT NULL,\n"
             "  PRIMARY KEY (`id`)\n"
             ") ENGINE=InnoDB",
             "ADD KEY `ix_seq` (`sequence_id`,`created_at`), ADD KEY `ix_created` (`created_at`)");
    /* keys before a CHECK constraint: the constraint keeps its place, unique keys stay */
    do_defer("CREATE TABLE `z` (\n"
             "  `id` int NOT NULL,\n"
             "  PRIMARY KEY (`id`),\n"
             "  UNIQUE KEY `u` (`v`),\n"
             "  KEY `k` (`v`),\n"
             "  CONSTRAINT `c` CHECK (`v` > 0)\n"
             ") ENGINE=InnoDB",
             1,
             "CREATE TABLE `z` (\n"
             "  `id` int NOT NULL,\n"
             "  PRIMARY KEY (`id`),\n"
             "  UNIQUE KEY `u` (`v`),\n"
             "  CONSTRAINT `c` CHECK (`v` > 0)\n"
             ") ENGINE=InnoDB",
             "ADD KEY `k` (`v`)");
    /* a foreign key needs its index: nothing moves; neither does a table without keys */
    do_defer("CREATE TABLE `s` (\n  `c` int,\n  KEY `fk` (`c`),\n  CONSTRAINT `fk` FOREIGN KEY (`c`) "
             "REFERENCES `p` (`id`)\n) ENGINE=InnoDB",
             0,
             "CREATE TABLE `s` (\n  `c` int,\n  KEY `fk` (`c`),\n  CONSTRAINT `fk` FOREIGN KEY (`c`) "
             "REFERENCES `p` (`id`)\n) ENGINE=InnoDB",
             "");
    do_defer("CREATE TABLE `t` (\n  `id` int,\n  PRIMARY KEY (`id`)\n)", 0,
             "CREATE TABLE `t` (\n  `id` int,\n  PRIMARY KEY (`id`)\n)", "");
    do_defer("DROP TABLE IF EXISTS `t`", 0, "DROP TABLE IF EXISTS `t`", "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strip_definer_forms),
        cmocka_unit_test(test_strip_definer_mysqldump),
        cmocka_unit_test(test_strip_definer_leaves_alone),
        cmocka_unit_test(test_rename_schema),
        cmocka_unit_test(test_qualify_references),
        cmocka_unit_test(test_real_dump),
        cmocka_unit_test(test_defer_keys),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
