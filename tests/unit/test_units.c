/*
 * Unit tests of common/units.c: duration, size and integer parsing (accepted forms,
 * every rejection with its message, overflow at the INT64_MAX edge) and the compact
 * human formatting of durations and sizes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/units.h"

static int64_t dur(const char *s)
{
    struct lc_err err = LC_ERR_INIT;
    int64_t v = -42;

    assert_int_equal(lc_parse_duration_ms(s, &v, &err), 0);
    return v;
}

/* Expects a rejection whose message contains `why`; checks the out-param is untouched. */
static void dur_bad(const char *s, const char *why)
{
    struct lc_err err = LC_ERR_INIT;
    int64_t v = -42;

    assert_int_equal(lc_parse_duration_ms(s, &v, &err), -1);
    assert_int_equal(v, -42);
    assert_int_equal(err.status, LC_E_CONFIG);
    assert_true(strncmp(err.msg, "invalid duration '", 18) == 0);
    if (!strstr(err.msg, why))
        fail_msg("message '%s' lacks '%s'", err.msg, why);
}

static void test_duration_units(void **state)
{
    (void)state;
    assert_int_equal(dur("1500ms"), 1500);
    assert_int_equal(dur("30s"), 30000);
    assert_int_equal(dur("5m"), 300000);
    assert_int_equal(dur("26h"), 26LL * 3600 * 1000);
    assert_int_equal(dur("30d"), 30LL * 86400 * 1000);
    assert_int_equal(dur("2w"), 14LL * 86400 * 1000);
    assert_int_equal(dur("2y"), 730LL * 86400 * 1000);
    assert_int_equal(dur("0s"), 0);
    assert_int_equal(dur("0"), 0);
}

static void test_duration_forms(void **state)
{
    (void)state;
    assert_int_equal(dur("90"), 90000);                 /* bare number: seconds */
    assert_int_equal(dur("  90 \t"), 90000);
    assert_int_equal(dur("1h30m"), 5400000);
    assert_int_equal(dur(" 1h 30m "), 5400000);
    assert_int_equal(dur("1 h"), 3600000);
    assert_int_equal(dur("1d2h3m4s5ms"), 93784005);
    assert_int_equal(dur("1h1h"), 7200000);             /* repeated units add up */
    assert_int_equal(dur("007s"), 7000);
}

static void test_duration_limits(void **state)
{
    (void)state;
    /* INT64_MAX ms exactly, then one more */
    assert_int_equal(dur("9223372036854775807ms"), INT64_MAX);
    dur_bad("9223372036854775808ms", "too large");
    dur_bad("99999999999999999999", "too large");
    dur_bad("9223372036854776s", "too large");          /* number fits, times 1000 does not */
    dur_bad("9223372036854775s 1s", "too large");       /* the sum overflows */
    assert_int_equal(dur("9223372036854775s"), 9223372036854775000LL);
    dur_bad("300000000y", "too large");
}

static void test_duration_rejects(void **state)
{
    (void)state;
    dur_bad("", "empty value");
    dur_bad("   ", "empty value");
    dur_bad("-5m", "negative");
    dur_bad("5m -1s", "negative");
    dur_bad("+5m", "expected a number at '+5m'");
    dur_bad("m", "expected a number");
    dur_bad("1.5h", "expected a number at '.5h'");
    dur_bad("5M", "unknown unit 'M' (use ms, s, m, h, d, w or y)");
    dur_bad("5min", "unknown unit 'min'");
    dur_bad("3q", "unknown unit 'q'");
    dur_bad("1h30", "a number without a unit must stand alone");
    dur_bad("30 5m", "a number without a unit must stand alone");
    dur_bad("5m,", "expected a number at ','");
}

static int64_t size(const char *s)
{
    struct lc_err err = LC_ERR_INIT;
    int64_t v = -42;

    assert_int_equal(lc_parse_size(s, &v, &err), 0);
    return v;
}

static void size_bad(const char *s, const char *why)
{
    struct lc_err err = LC_ERR_INIT;
    int64_t v = -42;

    assert_int_equal(lc_parse_size(s, &v, &err), -1);
    assert_int_equal(v, -42);
    assert_int_equal(err.status, LC_E_CONFIG);
    assert_true(strncmp(err.msg, "invalid size '", 14) == 0);
    if (!strstr(err.msg, why))
        fail_msg("message '%s' lacks '%s'", err.msg, why);
}

static void test_size(void **state)
{
    (void)state;
    assert_int_equal(size("512"), 512);
    assert_int_equal(size("0"), 0);
    assert_int_equal(size("512B"), 512);
    assert_int_equal(size("64K"), 65536);
    assert_int_equal(size("64k"), 65536);
    assert_int_equal(size("64KiB"), 65536);
    assert_int_equal(size("64KB"), 65536);
    assert_int_equal(size("64kb"), 65536);
    assert_int_equal(size(" 64 KiB "), 65536);
    assert_int_equal(size("10M"), 10LL << 20);
    assert_int_equal(size("10MB"), 10LL << 20);
    assert_int_equal(size("2G"), 2LL << 30);
    assert_int_equal(size("2GiB"), 2LL << 30);
    assert_int_equal(size("1T"), 1LL << 40);
    assert_int_equal(size("3P"), 3LL << 50);
    assert_int_equal(size("8191P"), 8191LL << 50);
    assert_int_equal(size("9223372036854775807"), INT64_MAX);
}

static void test_size_rejects(void **state)
{
    (void)state;
    size_bad("", "empty value");
    size_bad("-1K", "negative");
    size_bad("K", "expected a number at 'K'");
    size_bad("1.5G", "unknown unit '.5G'");
    size_bad("10X", "unknown unit 'X'");
    size_bad("10iB", "unknown unit 'iB'");
    size_bad("10KK", "unknown unit 'KK'");
    size_bad("10 K B", "unknown unit 'K B'");
    size_bad("8192P", "too large");
    size_bad("9223372036854775808", "too large");
}

static void test_parse_uint(void **state)
{
    struct lc_err err = LC_ERR_INIT;
    int64_t v = -42;

    (void)state;
    assert_int_equal(lc_parse_uint("42", 0, 100, &v, &err), 0);
    assert_int_equal(v, 42);
    assert_int_equal(lc_parse_uint(" 7 ", 1, 10, &v, &err), 0);
    assert_int_equal(v, 7);
    assert_int_equal(lc_parse_uint("9223372036854775807", 0, INT64_MAX, &v, &err), 0);
    assert_int_equal(v, INT64_MAX);

    v = -42;
    assert_int_equal(lc_parse_uint("", 0, 100, &v, &err), -1);
    assert_string_equal(err.msg, "invalid number '': expected a decimal integer between 0 and 100");
    assert_int_equal(err.status, LC_E_CONFIG);
    assert_int_equal(lc_parse_uint("-1", 0, 100, &v, &err), -1);
    assert_int_equal(lc_parse_uint("+1", 0, 100, &v, &err), -1);
    assert_int_equal(lc_parse_uint("0x10", 0, 100, &v, &err), -1);
    assert_string_equal(err.msg, "invalid number '0x10': unexpected 'x10' after the number");
    assert_int_equal(lc_parse_uint("12abc", 0, 100, &v, &err), -1);
    assert_int_equal(lc_parse_uint("101", 0, 100, &v, &err), -1);
    assert_string_equal(err.msg, "invalid number '101': out of range (0..100)");
    assert_int_equal(lc_parse_uint("0", 1, 100, &v, &err), -1);
    assert_int_equal(lc_parse_uint("9223372036854775808", 0, INT64_MAX, &v, &err), -1);
    assert_true(strstr(err.msg, "out of range") != NULL);
    assert_int_equal(v, -42);
}

static void check_duration(int64_t ms, const char *want)
{
    char buf[32];

    lc_format_duration(ms, buf, sizeof(buf));
    assert_string_equal(buf, want);
}

static void test_format_duration(void **state)
{
    char small[4] = "xyz";

    (void)state;
    check_duration(0, "0ms");
    check_duration(850, "850ms");
    check_duration(999, "999ms");
    check_duration(1000, "1s");
    check_duration(1050, "1s");
    check_duration(1500, "1.5s");
    check_duration(9999, "9.9s");
    check_duration(10500, "10s");
    check_duration(42000, "42s");
    check_duration(60000, "1m");
    check_duration(312000, "5m12s");
    check_duration(312999, "5m12s");
    check_duration(3599999, "59m59s");
    check_duration(3600000, "1h");
    check_duration(3600000 + 5 * 60000, "1h5m");
    check_duration(26LL * 3600000, "26h");
    check_duration(47LL * 3600000 + 59 * 60000, "47h59m");
    check_duration(48LL * 3600000, "2d");
    check_duration(3LL * 86400000 + 4 * 3600000 + 5 * 60000, "3d4h");
    check_duration(400LL * 86400000, "400d");
    check_duration(-1500, "-1.5s");
    check_duration(-312000, "-5m12s");
    check_duration(INT64_MIN, "-106751991167d7h");
    check_duration(INT64_MAX, "106751991167d7h");

    lc_format_duration(312000, small, sizeof(small));
    assert_string_equal(small, "5m1");                  /* cut, but terminated */
    lc_format_duration(312000, small, 0);               /* len 0: untouched */
    assert_string_equal(small, "5m1");
}

static void check_size(uint64_t bytes, const char *want)
{
    char buf[16];

    lc_format_size(bytes, buf, sizeof(buf));
    assert_string_equal(buf, want);
}

static void test_format_size(void **state)
{
    char small[3] = "ab";

    (void)state;
    check_size(0, "0 B");
    check_size(512, "512 B");
    check_size(1023, "1023 B");
    check_size(1024, "1.0 KiB");
    check_size(1536, "1.5 KiB");
    check_size(1048524, "1023.9 KiB");
    check_size(1048575, "1.0 MiB");                     /* not "1024.0 KiB" */
    check_size(3435973837ULL, "3.2 GiB");
    check_size(1ULL << 40, "1.0 TiB");
    check_size(1ULL << 50, "1.0 PiB");
    check_size(UINT64_MAX, "16.0 EiB");

    lc_format_size(1536, small, 0);
    assert_string_equal(small, "ab");
    lc_format_size(1536, small, sizeof(small));
    assert_string_equal(small, "1.");
}

static void test_format_utc(void **state)
{
    char buf[32];
    char tiny[5] = "xxxx";

    (void)state;
    lc_format_utc(0, buf, sizeof(buf));
    assert_string_equal(buf, "1970-01-01T00:00:00Z");
    lc_format_utc(1795500000, buf, sizeof(buf));
    assert_string_equal(buf, "2026-11-24T06:00:00Z");
    lc_format_utc(951782400, buf, sizeof(buf)); /* a leap day */
    assert_string_equal(buf, "2000-02-29T00:00:00Z");
    lc_format_utc(0, tiny, sizeof(tiny)); /* too short: empty, never a cut-off time */
    assert_string_equal(tiny, "");
    lc_format_utc(0, buf, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_duration_units),
        cmocka_unit_test(test_duration_forms),
        cmocka_unit_test(test_duration_limits),
        cmocka_unit_test(test_duration_rejects),
        cmocka_unit_test(test_size),
        cmocka_unit_test(test_size_rejects),
        cmocka_unit_test(test_parse_uint),
        cmocka_unit_test(test_format_duration),
        cmocka_unit_test(test_format_size),
        cmocka_unit_test(test_format_utc),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
