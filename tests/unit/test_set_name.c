/*
 * Unit tests of common/set_name.c: kind names, formatting with host sanitising, and
 * parsing of good names (hosts with '-' and '.', leap days, epoch edges) and of
 * everything that only looks like a set name (.partial, .sha256, bad dates).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/set_name.h"

/* 2026-11-23T02:05:09Z */
#define T_2026 ((time_t)1795399509)

static void test_kind(void **state)
{
    enum lc_set_kind k = LC_KIND_MANUAL;

    (void)state;
    assert_string_equal(lc_set_kind_name(LC_KIND_DAILY), "daily");
    assert_string_equal(lc_set_kind_name(LC_KIND_WEEKLY), "weekly");
    assert_string_equal(lc_set_kind_name(LC_KIND_MONTHLY), "monthly");
    assert_string_equal(lc_set_kind_name(LC_KIND_MANUAL), "manual");
    assert_string_equal(lc_set_kind_name((enum lc_set_kind)17), "unknown");
    assert_string_equal(lc_set_kind_name((enum lc_set_kind)-1), "unknown");

    assert_int_equal(lc_set_kind_parse("daily", &k), 0);
    assert_int_equal(k, LC_KIND_DAILY);
    assert_int_equal(lc_set_kind_parse("weekly", &k), 0);
    assert_int_equal(k, LC_KIND_WEEKLY);
    assert_int_equal(lc_set_kind_parse("monthly", &k), 0);
    assert_int_equal(k, LC_KIND_MONTHLY);
    assert_int_equal(lc_set_kind_parse("manual", &k), 0);
    assert_int_equal(k, LC_KIND_MANUAL);
    assert_int_equal(lc_set_kind_parse("Daily", &k), -1);
    assert_int_equal(lc_set_kind_parse("", &k), -1);
    assert_int_equal(lc_set_kind_parse("hourly", &k), -1);
    assert_int_equal(k, LC_KIND_MANUAL);
}

static void check_format(const char *host, time_t when, enum lc_set_kind kind, const char *want)
{
    char *name = lc_set_name_format(host, when, kind);

    assert_non_null(name);
    assert_string_equal(name, want);
    free(name);
}

static void test_format(void **state)
{
    char longhost[400];
    char *name;
    struct lc_set_id id;

    (void)state;
    check_format("qnap", T_2026, LC_KIND_DAILY, "lcbp3-qnap-20261123T020509Z-daily.tar");
    check_format("ts-473a.lan", 0, LC_KIND_MANUAL, "lcbp3-ts-473a.lan-19700101T000000Z-manual.tar");
    check_format("a b/c_d:é", T_2026, LC_KIND_WEEKLY,
                 "lcbp3-a-b-c-d----20261123T020509Z-weekly.tar"); /* é is 2 bytes */
    check_format("", T_2026, LC_KIND_MONTHLY, "lcbp3-unknown-20261123T020509Z-monthly.tar");
    check_format(NULL, T_2026, LC_KIND_MONTHLY, "lcbp3-unknown-20261123T020509Z-monthly.tar");
    /* 9999-12-31T23:59:59Z is the last representable moment */
    check_format("h", 253402300799, LC_KIND_DAILY, "lcbp3-h-99991231T235959Z-daily.tar");
    assert_null(lc_set_name_format("h", 253402300800, LC_KIND_DAILY));
    assert_null(lc_set_name_format("h", -1, LC_KIND_DAILY));
    /* far beyond what struct tm can hold: gmtime_r fails */
    assert_null(lc_set_name_format("h", (time_t)INT64_MAX, LC_KIND_DAILY));

    /* a long host is cut to 255 so that the name parses back */
    memset(longhost, 'x', sizeof(longhost) - 1);
    longhost[sizeof(longhost) - 1] = '\0';
    name = lc_set_name_format(longhost, T_2026, LC_KIND_DAILY);
    assert_non_null(name);
    assert_int_equal(lc_set_name_parse(name, &id), 0);
    assert_int_equal(strlen(id.host), 255);
    free(name);
}

static void test_parse_good(void **state)
{
    struct lc_set_id id;

    (void)state;
    assert_int_equal(lc_set_name_parse("lcbp3-qnap-20261123T020509Z-daily.tar", &id), 0);
    assert_string_equal(id.host, "qnap");
    assert_int_equal(id.when, T_2026);
    assert_int_equal(id.kind, LC_KIND_DAILY);

    /* a host with dashes, dots and digits that look like a stamp */
    assert_int_equal(lc_set_name_parse(
        "lcbp3-ts-473a.lan-20201231T000000Z-20240229T235959Z-monthly.tar", &id), 0);
    assert_string_equal(id.host, "ts-473a.lan-20201231T000000Z");
    assert_int_equal(id.when, 1709251199);              /* 2024-02-29T23:59:59Z, leap day */
    assert_int_equal(id.kind, LC_KIND_MONTHLY);

    assert_int_equal(lc_set_name_parse("lcbp3-h-19700101T000000Z-manual.tar", &id), 0);
    assert_int_equal(id.when, 0);
    assert_int_equal(id.kind, LC_KIND_MANUAL);
    assert_int_equal(lc_set_name_parse("lcbp3-h-20000229T120000Z-weekly.tar", &id), 0);
    assert_int_equal(id.when, 951825600);               /* 2000 is a leap year */
    assert_int_equal(lc_set_name_parse("lcbp3-h-99991231T235959Z-daily.tar", &id), 0);
    assert_int_equal(id.when, 253402300799);
    assert_int_equal(lc_set_name_parse("lcbp3---20261123T020509Z-daily.tar", &id), 0);
    assert_string_equal(id.host, "-");
}

static void test_round_trip(void **state)
{
    static const time_t times[] = {0, 59, 86399, 86400, 951782400, 1709164800, 1795399509,
                                   4102444800, 253402300799};
    struct lc_set_id id;

    (void)state;
    for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
        for (int k = LC_KIND_DAILY; k <= LC_KIND_MANUAL; k++) {
            char *name = lc_set_name_format("nas-01.example", times[i], (enum lc_set_kind)k);

            assert_int_equal(lc_set_name_parse(name, &id), 0);
            assert_string_equal(id.host, "nas-01.example");
            assert_int_equal(id.when, times[i]);
            assert_int_equal(id.kind, k);
            free(name);
        }
    }
}

static void test_parse_bad(void **state)
{
    static const char *const bad[] = {
        "",
        "lcbp3-",
        "lcbp3-qnap-20261123T020509Z-daily.tar.partial",
        "lcbp3-qnap-20261123T020509Z-daily.tar.sha256",
        "lcbp3-qnap-20261123T020509Z-daily.sha256",
        "lcbp3-qnap-20261123T020509Z-daily",
        "LCBP3-qnap-20261123T020509Z-daily.tar",
        "xcbp3-qnap-20261123T020509Z-daily.tar",
        "dir/lcbp3-qnap-20261123T020509Z-daily.tar",
        "lcbp3-q/n-20261123T020509Z-daily.tar",           /* '/' in the host */
        "lcbp3-q_n-20261123T020509Z-daily.tar",           /* '_' in the host */
        "lcbp3--20261123T020509Z-daily.tar",              /* empty host */
        "lcbp3-20261123T020509Z-daily.tar",               /* no host at all */
        "lcbp3-qnap-20261123T020509Z-hourly.tar",
        "lcbp3-qnap-20261123T020509Z-Daily.tar",
        "lcbp3-qnap-20261123T020509Z-dailydailydailydaily.tar",
        "lcbp3-qnap-20261123T020509Z_daily.tar",
        "lcbp3-qnap_20261123T020509Z-daily.tar",          /* no '-' before the stamp */
        "lcbp3-qnap-20261123 020509Z-daily.tar",
        "lcbp3-qnap-20261123T020509-Z-daily.tar",
        "lcbp3-qnap-2026112T3020509Z-daily.tar",
        "lcbp3-qnap-2026x123T020509Z-daily.tar",
        "lcbp3-qnap-20261123T020509z-daily.tar",
        "lcbp3-qnap-19691231T235959Z-daily.tar",          /* before the epoch */
        "lcbp3-qnap-20261323T020509Z-daily.tar",          /* month 13 */
        "lcbp3-qnap-20260023T020509Z-daily.tar",          /* month 0 */
        "lcbp3-qnap-20261100T020509Z-daily.tar",          /* day 0 */
        "lcbp3-qnap-20260431T020509Z-daily.tar",          /* 31 April */
        "lcbp3-qnap-20250229T020509Z-daily.tar",          /* not a leap year */
        "lcbp3-qnap-21000229T020509Z-daily.tar",          /* 2100 is not either */
        "lcbp3-qnap-20261123T240000Z-daily.tar",          /* hour 24 */
        "lcbp3-qnap-20261123T026000Z-daily.tar",          /* minute 60 */
        "lcbp3-qnap-20261123T020560Z-daily.tar",          /* second 60 */
        "lcbp3-qnap-20261123T0205-9Z-daily.tar",
    };
    struct lc_set_id id;
    char longname[400];

    (void)state;
    memset(&id, 0x5a, sizeof(id));
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (lc_set_name_parse(bad[i], &id) != -1)
            fail_msg("'%s' parsed as a set name", bad[i]);
    }
    assert_int_equal((unsigned char)id.host[0], 0x5a);  /* untouched on failure */

    /* a 256-character host is one too many */
    snprintf(longname, sizeof(longname), "lcbp3-%0256d-20261123T020509Z-daily.tar", 0);
    assert_int_equal(lc_set_name_parse(longname, &id), -1);
    snprintf(longname, sizeof(longname), "lcbp3-%0255d-20261123T020509Z-daily.tar", 0);
    assert_int_equal(lc_set_name_parse(longname, &id), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kind),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_parse_good),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_parse_bad),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
