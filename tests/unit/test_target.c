/*
 * Unit tests of the target layer's pure parts: driver choice by URL, temporary upload
 * names, which failures are retried, the retry loop with a counting driver (a stand-in
 * for the network, so that the policy is tested without waiting on real servers; the
 * drivers themselves are tested against real servers in tests/integration/target_*.sh),
 * HTTP status mapping, URL redaction and escaping, sidecar parsing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/http.h"
#include "common/ship.h"
#include "common/target.h"

static struct lc_target_cfg cfg_for(const char *url)
{
    struct lc_target_cfg c;

    memset(&c, 0, sizeof(c));
    c.name = (char *)"t";
    c.url = (char *)url;
    c.timeout_ms = 1000;
    c.retries = 2;
    return c;
}

static void test_open_by_scheme(void **state)
{
    struct lc_target_cfg c = cfg_for("file:///srv/lcbp3");
    struct lc_err err = LC_ERR_INIT;
    struct lc_target *t = NULL;

    (void)state;
    assert_int_equal(lc_target_open(&c, &t, &err), 0);
    assert_string_equal(t->ops->scheme, "file");
    lc_target_free(t);
    t = NULL;

    c = cfg_for("ftp://nas/x");
    assert_int_equal(lc_target_open(&c, &t, &err), -1);
    assert_null(t);
    assert_int_equal(err.status, LC_E_CONFIG);
    assert_non_null(strstr(err.msg, "is not file://, sftp://, https:// (WebDAV) or s3://"));

    c = cfg_for("file://relative/path");
    assert_int_equal(lc_target_open(&c, &t, &err), -1);
    assert_int_equal(err.status, LC_E_CONFIG);
    assert_non_null(strstr(err.msg, "[target.t]"));
    assert_non_null(strstr(err.msg, "absolute path"));
    lc_target_free(NULL);
}

static void test_temp_names(void **state)
{
    char *a = lc_target_temp_name("lcbp3-h-20261124T020000Z-daily.tar");
    char *b = lc_target_temp_name("binlogs/1/0/mysql-bin.000042");

    (void)state;
    assert_true(strncmp(a, ".lcbp3-h-20261124T020000Z-daily.tar.partial-", 44) == 0);
    assert_true(lc_target_is_temp(a));
    assert_true(strncmp(b, "binlogs/1/0/.mysql-bin.000042.partial-", 38) == 0);
    assert_true(lc_target_is_temp(strrchr(b, '/') + 1));
    assert_false(lc_target_is_temp("lcbp3-h-20261124T020000Z-daily.tar"));
    assert_false(lc_target_is_temp("lcbp3-h-20261124T020000Z-daily.tar.sha256"));
    assert_false(lc_target_is_temp(".hidden"));
    free(a);
    free(b);
}

/* A driver whose operations fail with a chosen status a chosen number of times. */
static int calls;
static int failures_left;
static enum lc_status failure_status;

static int fake_open(struct lc_target *t, struct lc_err *err)
{
    return 0;
}

static int fake_stat(struct lc_target *t, const char *name, struct lc_target_object *out,
                     struct lc_err *err)
{
    calls++;
    if (failures_left-- > 0)
        return lc_err_set(err, failure_status, "failure %d", calls);
    out->size = 7;
    return 1;
}

static ssize_t rewinds_read(void *ctx, void *buf, size_t len, struct lc_err *err)
{
    return 0;
}

static int rewinds;

static int count_rewind(void *ctx, struct lc_err *err)
{
    rewinds++;
    return 0;
}

static int fake_put(struct lc_target *t, const char *name, const struct lc_target_source *src,
                    struct lc_err *err)
{
    calls++;
    if (failures_left-- > 0)
        return lc_err_set(err, failure_status, "failure %d", calls);
    return 0;
}

static const struct lc_target_ops fake_ops = {
    .scheme = "fake", .open = fake_open, .stat = fake_stat, .put = fake_put,
};

static void test_retries(void **state)
{
    struct lc_target_cfg c = cfg_for("fake://x");
    struct lc_target t = {&c, &fake_ops, NULL, 2};
    struct lc_target_object o;
    struct lc_err err = LC_ERR_INIT;
    struct lc_target_source src = {rewinds_read, count_rewind, NULL, 0, NULL};

    (void)state;
    /* transient: retried, then it works (the backoff sleeps about 0.5-1 s and 1-2 s) */
    calls = 0, failures_left = 2, failure_status = LC_E_UNAVAILABLE;
    assert_int_equal(lc_target_stat(&t, "x", &o, &err), 1);
    assert_int_equal(calls, 3);
    assert_int_equal(o.size, 7);
    /* permanent: tried once */
    calls = 0, failures_left = 5, failure_status = LC_E_NOPERM;
    assert_int_equal(lc_target_stat(&t, "x", &o, &err), -1);
    assert_int_equal(calls, 1);
    assert_int_equal(err.status, LC_E_NOPERM);
    assert_string_equal(err.msg, "target 't': failure 1");
    /* retries exhausted: the last failure is reported */
    t.retries = 1;
    calls = 0, failures_left = 5, failure_status = LC_E_UNAVAILABLE;
    assert_int_equal(lc_target_stat(&t, "x", &o, &err), -1);
    assert_int_equal(calls, 2);
    assert_string_equal(err.msg, "target 't': failure 2");
    /* an upload is rewound before each retry; one that cannot be rewound is tried once */
    calls = 0, rewinds = 0, failures_left = 1;
    assert_int_equal(lc_target_put(&t, "x", &src, &err), 0);
    assert_int_equal(calls, 2);
    assert_int_equal(rewinds, 1);
    src.rewind = NULL;
    calls = 0, failures_left = 1;
    assert_int_equal(lc_target_put(&t, "x", &src, &err), -1);
    assert_int_equal(calls, 1);
    /* lc_target_no_retries(): one try, even for a transient failure */
    lc_target_no_retries(&t);
    calls = 0, failures_left = 5, failure_status = LC_E_UNAVAILABLE;
    assert_int_equal(lc_target_stat(&t, "x", &o, &err), -1);
    assert_int_equal(calls, 1);
    /* no free_space operation: "cannot tell" */
    {
        uint64_t bytes = 99;

        assert_int_equal(lc_target_free_space(&t, &bytes, &err), 0);
        assert_int_equal(bytes, 99);
    }
}

static void test_http_status(void **state)
{
    struct lc_err err = LC_ERR_INIT;

    (void)state;
    assert_int_equal(lc_http_check_status(201, "put", NULL, &err), 0);
    assert_int_equal(lc_http_check_status(403, "put 'x'", "AccessDenied", &err), -1);
    assert_int_equal(err.status, LC_E_NOPERM);
    assert_string_equal(err.msg, "put 'x': HTTP 403: AccessDenied");
    assert_int_equal(lc_http_check_status(404, "get", NULL, &err), -1);
    assert_int_equal(err.status, LC_E_NOINPUT);
    assert_string_equal(err.msg, "get: HTTP 404");
    assert_int_equal(lc_http_check_status(507, "put", NULL, &err), -1);
    assert_int_equal(err.status, LC_E_IO);
    assert_int_equal(lc_http_check_status(503, "put", NULL, &err), -1);
    assert_true(lc_target_retryable(&err));
    assert_int_equal(lc_http_check_status(429, "put", NULL, &err), -1);
    assert_true(lc_target_retryable(&err));
    assert_int_equal(lc_http_check_status(409, "mkcol", NULL, &err), -1);
    assert_int_equal(err.status, LC_E_DATA);
    assert_false(lc_target_retryable(&err));
}

static void test_redact_and_escape(void **state)
{
    char *s;

    (void)state;
    s = lc_http_redact_url("sftp://backup:s3cret@asustor:22/volume1");
    assert_string_equal(s, "sftp://backup:***@asustor:22/volume1");
    free(s);
    s = lc_http_redact_url("sftp://backup@asustor/x?a=b:c@d");
    assert_string_equal(s, "sftp://backup@asustor/x?a=b:c@d");
    free(s);
    s = lc_http_escape("a b+c/d~é", 1);
    assert_string_equal(s, "a%20b%2Bc/d~%C3%A9");
    free(s);
    s = lc_http_escape("a/b", 0);
    assert_string_equal(s, "a%2Fb");
    free(s);
}

static void test_sidecar(void **state)
{
    const char good[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef  x.tar\n";
    struct lc_err err = LC_ERR_INIT;
    char hex[65];
    enum lc_verify v = LC_VERIFY_SIZE;

    (void)state;
    assert_int_equal(lc_sidecar_parse(good, strlen(good), "x.tar.sha256", hex, &err), 0);
    assert_string_equal(hex, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
    assert_int_equal(lc_sidecar_parse("0123", 4, "y.sha256", hex, &err), -1);
    assert_int_equal(err.status, LC_E_DATA);
    assert_string_equal(err.msg, "'y.sha256' is not a sha256sum line");
    assert_int_equal(lc_sidecar_parse(good, 64, "z", hex, &err), -1);
    assert_int_equal(lc_verify_parse("full", &v), 0);
    assert_int_equal(v, LC_VERIFY_FULL);
    assert_int_equal(lc_verify_parse("size", &v), 0);
    assert_int_equal(v, LC_VERIFY_SIZE);
    assert_int_equal(lc_verify_parse("FULL", &v), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_open_by_scheme),
        cmocka_unit_test(test_temp_names),
        cmocka_unit_test(test_retries),
        cmocka_unit_test(test_http_status),
        cmocka_unit_test(test_redact_and_escape),
        cmocka_unit_test(test_sidecar),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
