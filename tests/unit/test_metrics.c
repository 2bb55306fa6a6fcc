/*
 * Unit tests of common/metrics.c that need no network: the exposition text (grouping,
 * HELP/TYPE once per name, escaping, exact integers, special values, replacement of a
 * repeated series), the label builder, the atomic textfile (content, mode 0644 under
 * a 0077 umask, failure leaves the old file) and the argument checks of the push.
 * The push itself is tested by hand against a listener (see the helper's report).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <math.h>

#include "common/metrics.h"

static void check_render(const struct lc_metrics *m, const char *want)
{
    char *text = lc_metrics_render(m);

    assert_string_equal(text, want);
    free(text);
}

static void test_empty(void **state)
{
    struct lc_metrics *m = lc_metrics_new();

    (void)state;
    check_render(m, "");
    lc_metrics_free(m);
    lc_metrics_free(NULL);
}

static void test_grouping(void **state)
{
    struct lc_metrics *m = lc_metrics_new();

    (void)state;
    lc_metrics_gauge(m, "lcbp3_backup_last_success_timestamp_seconds",
                     "Unix time of the last successful backup.", "kind=\"daily\"", 1795399509);
    lc_metrics_gauge(m, "lcbp3_backup_bytes", "Size of the last set.", NULL, 3435973837.0);
    lc_metrics_gauge(m, "lcbp3_backup_last_success_timestamp_seconds", "ignored: first wins",
                     "kind=\"weekly\"", 1794794709);
    lc_metrics_gauge(m, "lcbp3_backup_duration_seconds", NULL, "", 12.5);
    /* the same series again replaces its value */
    lc_metrics_gauge(m, "lcbp3_backup_bytes", "Size of the last set.", NULL, 1024);
    check_render(m,
                 "# HELP lcbp3_backup_last_success_timestamp_seconds Unix time of the last "
                 "successful backup.\n"
                 "# TYPE lcbp3_backup_last_success_timestamp_seconds gauge\n"
                 "lcbp3_backup_last_success_timestamp_seconds{kind=\"daily\"} 1795399509\n"
                 "lcbp3_backup_last_success_timestamp_seconds{kind=\"weekly\"} 1794794709\n"
                 "# HELP lcbp3_backup_bytes Size of the last set.\n"
                 "# TYPE lcbp3_backup_bytes gauge\n"
                 "lcbp3_backup_bytes 1024\n"
                 "# HELP lcbp3_backup_duration_seconds \n"
                 "# TYPE lcbp3_backup_duration_seconds gauge\n"
                 "lcbp3_backup_duration_seconds 12.5\n");
    lc_metrics_free(m);
}

static void test_counter(void **state)
{
    struct lc_metrics *m = lc_metrics_new();

    (void)state;
    lc_metrics_gauge(m, "g", "a gauge", NULL, 1);
    lc_metrics_counter(m, "c_total", "a counter", NULL, 41);
    lc_metrics_counter(m, "c_total", "a counter", NULL, 42);   /* replaces */
    check_render(m, "# HELP g a gauge\n"
                    "# TYPE g gauge\n"
                    "g 1\n"
                    "# HELP c_total a counter\n"
                    "# TYPE c_total counter\n"
                    "c_total 42\n");
    lc_metrics_free(m);
}

static void test_values(void **state)
{
    struct lc_metrics *m = lc_metrics_new();

    (void)state;
    lc_metrics_gauge(m, "v", "values", "i=\"0\"", 0);
    lc_metrics_gauge(m, "v", "values", "i=\"1\"", -0.0);
    lc_metrics_gauge(m, "v", "values", "i=\"2\"", 1795399509123.0);   /* ms timestamp */
    lc_metrics_gauge(m, "v", "values", "i=\"3\"", 9007199254740991.0); /* 2^53 - 1 */
    lc_metrics_gauge(m, "v", "values", "i=\"4\"", 9007199254740992.0); /* 2^53 */
    lc_metrics_gauge(m, "v", "values", "i=\"5\"", 0.1);
    lc_metrics_gauge(m, "v", "values", "i=\"6\"", 1.0 / 3);
    lc_metrics_gauge(m, "v", "values", "i=\"7\"", -42);
    lc_metrics_gauge(m, "v", "values", "i=\"8\"", NAN);
    lc_metrics_gauge(m, "v", "values", "i=\"9\"", INFINITY);
    lc_metrics_gauge(m, "v", "values", "i=\"10\"", -INFINITY);
    lc_metrics_gauge(m, "v", "values", "i=\"11\"", 1e300);
    check_render(m, "# HELP v values\n"
                    "# TYPE v gauge\n"
                    "v{i=\"0\"} 0\n"
                    "v{i=\"1\"} 0\n"
                    "v{i=\"2\"} 1795399509123\n"
                    "v{i=\"3\"} 9007199254740991\n"
                    "v{i=\"4\"} 9007199254740992\n"
                    "v{i=\"5\"} 0.1\n"
                    "v{i=\"6\"} 0.33333333333333331\n"
                    "v{i=\"7\"} -42\n"
                    "v{i=\"8\"} NaN\n"
                    "v{i=\"9\"} +Inf\n"
                    "v{i=\"10\"} -Inf\n"
                    "v{i=\"11\"} 1e+300\n");
    lc_metrics_free(m);
}

static void test_escaping(void **state)
{
    struct lc_metrics *m = lc_metrics_new();
    char *labels;
    char *esc;

    (void)state;
    esc = lc_metrics_escape_label("a\\b\"c\nd");
    assert_string_equal(esc, "a\\\\b\\\"c\\nd");
    free(esc);

    labels = lc_metrics_labels("target", "nas \"1\"\\x\ny", "kind", "daily", "empty", NULL,
                               NULL);
    assert_string_equal(labels, "target=\"nas \\\"1\\\"\\\\x\\ny\",kind=\"daily\",empty=\"\"");
    lc_metrics_gauge(m, "lcbp3_target_up", "Help with \\ and\nnewline, \"quotes\" kept.",
                     labels, 1);
    free(labels);
    labels = lc_metrics_labels("only", "one", NULL);
    assert_string_equal(labels, "only=\"one\"");
    free(labels);
    check_render(m, "# HELP lcbp3_target_up Help with \\\\ and\\nnewline, \"quotes\" kept.\n"
                    "# TYPE lcbp3_target_up gauge\n"
                    "lcbp3_target_up{target=\"nas \\\"1\\\"\\\\x\\ny\",kind=\"daily\","
                    "empty=\"\"} 1\n");
    lc_metrics_free(m);
}

static void test_many(void **state)
{
    struct lc_metrics *m = lc_metrics_new();
    char *text;
    char labels[32];

    (void)state;
    for (int i = 0; i < 100; i++) {
        snprintf(labels, sizeof(labels), "i=\"%d\"", i);
        lc_metrics_gauge(m, i % 2 ? "odd" : "even", "parity", labels, i);
    }
    text = lc_metrics_render(m);
    assert_non_null(strstr(text, "even{i=\"98\"} 98\n# HELP odd parity\n"));
    assert_non_null(strstr(text, "odd{i=\"99\"} 99\n"));
    free(text);
    lc_metrics_free(m);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    char *data = calloc(1, 4096);

    assert_non_null(f);
    assert_non_null(data);
    assert_true(fread(data, 1, 4095, f) > 0);
    fclose(f);
    return data;
}

static void test_textfile(void **state)
{
    char dir[] = "/tmp/lc-test-metrics-XXXXXX";
    char path[256];
    char partial[280];
    struct lc_err err = LC_ERR_INIT;
    struct lc_metrics *m = lc_metrics_new();
    struct stat st;
    mode_t old_umask;
    char *data;

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/lcbp3.prom", dir);
    snprintf(partial, sizeof(partial), "%s.partial", path);
    lc_metrics_gauge(m, "lcbp3_backup_last_run_success", "1 if the last run succeeded.", NULL,
                     1);

    old_umask = umask(077);
    assert_int_equal(lc_metrics_write_textfile(m, path, &err), 0);
    umask(old_umask);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0644);
    assert_int_equal(access(partial, F_OK), -1);
    data = slurp(path);
    assert_string_equal(data, "# HELP lcbp3_backup_last_run_success 1 if the last run "
                              "succeeded.\n# TYPE lcbp3_backup_last_run_success gauge\n"
                              "lcbp3_backup_last_run_success 1\n");
    free(data);

    /* rewriting replaces the whole file */
    lc_metrics_gauge(m, "lcbp3_backup_last_run_success", NULL, NULL, 0);
    assert_int_equal(lc_metrics_write_textfile(m, path, &err), 0);
    data = slurp(path);
    assert_non_null(strstr(data, "lcbp3_backup_last_run_success 0\n"));
    free(data);

    /* a directory that does not exist: error with context, the old file untouched */
    snprintf(partial, sizeof(partial), "%s/missing/lcbp3.prom", dir);
    assert_int_equal(lc_metrics_write_textfile(m, partial, &err), -1);
    assert_true(strncmp(err.msg, "metrics textfile '", 18) == 0);
    assert_non_null(strstr(err.msg, "No such file or directory"));
    assert_true(err.status != LC_OK);

    assert_int_equal(unlink(path), 0);
    assert_int_equal(rmdir(dir), 0);
    lc_metrics_free(m);
}

/* Only the argument checks: the network part is tested by hand, not in unit tests. */
static void test_push_args(void **state)
{
    struct lc_err err = LC_ERR_INIT;
    struct lc_metrics *m = lc_metrics_new();

    (void)state;
    assert_int_equal(lc_metrics_push(m, "ftp://user:secret@gw:9091", "lcbp3", NULL, &err), -1);
    assert_int_equal(err.status, LC_E_CONFIG);
    assert_string_equal(err.msg, "pushgateway url 'ftp://user:***@gw:9091' is not http:// or https://");
    assert_int_equal(lc_metrics_push(m, "gw:9091", "lcbp3", NULL, &err), -1);
    assert_string_equal(err.msg, "pushgateway url 'gw:9091' is not http:// or https://");
    assert_int_equal(lc_metrics_push(m, "http://gw:9091/", "", NULL, &err), -1);
    assert_int_equal(err.status, LC_E_CONFIG);
    assert_string_equal(err.msg, "push to 'http://gw:9091/' failed: the job name is empty");
    assert_int_equal(lc_metrics_push(m, "HTTPS://u:p@gw:9091/x?a=b@c", NULL, NULL, &err), -1);
    assert_string_equal(err.msg, "push to 'HTTPS://u:***@gw:9091/x?a=b@c' failed: the job name is "
                                 "empty");
    assert_int_equal(lc_metrics_push(m, "http://gw/x?a@b", "", NULL, &err), -1);
    assert_string_equal(err.msg, "push to 'http://gw/x?a@b' failed: the job name is empty");

    /* a port curl refuses to parse fails before any network I/O, and the message shows
     * how job and instance went into the path */
    assert_int_equal(lc_metrics_push(m, "http://u:p@gw:99999//", "lcbp3", "qnap ts/473a", &err),
                     -1);
    assert_int_equal(err.status, LC_E_UNAVAILABLE);
    assert_string_equal(err.msg, "push to 'http://u:***@gw:99999/metrics/job/lcbp3/instance@base64/"
                                 "cW5hcCB0cy80NzNh' failed: URL using bad/illegal format or "
                                 "missing URL");
    assert_int_equal(lc_metrics_push(m, "http://gw:99999", "a/b?", "", &err), -1);
    assert_string_equal(err.msg, "push to 'http://gw:99999/metrics/job@base64/YS9iPw==' failed: "
                                 "URL using bad/illegal format or missing URL");
    assert_int_equal(lc_metrics_push(m, "http://gw:99999", "/>>", "/??", &err), -1);
    assert_string_equal(err.msg, "push to 'http://gw:99999/metrics/job@base64/Lz4-/instance@base64/"
                                 "Lz8_' failed: URL using bad/illegal format or missing URL");
    assert_int_equal(lc_metrics_push(m, "http://gw:99999", "\xff>~", "a b-c_d.e~%", &err), -1);
    assert_string_equal(err.msg, "push to 'http://gw:99999/metrics/job/%FF%3E~/instance/"
                                 "a%20b-c_d.e~%25' failed: URL using bad/illegal format or "
                                 "missing URL");
    lc_metrics_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_grouping),
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_counter),
        cmocka_unit_test(test_escaping),
        cmocka_unit_test(test_many),
        cmocka_unit_test(test_textfile),
        cmocka_unit_test(test_push_args),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
