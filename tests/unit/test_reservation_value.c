/*
 * Unit tests of the pure parts of the reservations GC: times recorded in reservation
 * values (common/reservation_value.c: ISO 8601 forms, zones, epochs, JSON fields in
 * order of preference, rejections), the rate limit's arithmetic (common/rate.c) and
 * the SHA-1 that EVALSHA names a script by (common/redis_script.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/rate.h"
#include "common/redis_script.h"
#include "common/reservation_value.h"

/* 2025-01-15T08:15:00Z */
#define T0 INT64_C(1736928900000)

static int64_t parsed(const char *s)
{
    int64_t ms = -42;

    if (lc_reservation_parse_time(s, strlen(s), &ms) != 0)
        fail_msg("'%s' did not parse", s);
    return ms;
}

static void bad(const char *s)
{
    int64_t ms = -42;

    if (lc_reservation_parse_time(s, strlen(s), &ms) != -1)
        fail_msg("'%s' parsed as %lld", s, (long long)ms);
    assert_int_equal(ms, -42);
}

static void test_iso_forms(void **state)
{
    assert_int_equal(parsed("2025-01-15T08:15:00Z"), T0);
    assert_int_equal(parsed("2025-01-15T08:15:00"), T0);        /* no zone: UTC */
    assert_int_equal(parsed("2025-01-15 08:15:00Z"), T0);
    assert_int_equal(parsed("2025-01-15T08:15Z"), T0);
    assert_int_equal(parsed("2025-01-15T08:15:00.250Z"), T0 + 250);
    assert_int_equal(parsed("2025-01-15T08:15:00.5Z"), T0 + 500);
    assert_int_equal(parsed("2025-01-15T08:15:00.123456Z"), T0 + 123);
    assert_int_equal(parsed("2025-01-15T15:15:00+07:00"), T0);  /* Bangkok */
    assert_int_equal(parsed("2025-01-15T15:15:00+0700"), T0);
    assert_int_equal(parsed("2025-01-15T15:15:00+07"), T0);
    assert_int_equal(parsed("2025-01-15T03:15:00-05:00"), T0);
    assert_int_equal(parsed("2024-02-29T00:00:00Z"), INT64_C(1709164800000));
}

static void test_epochs(void **state)
{
    assert_int_equal(parsed("1736928900"), T0);                 /* seconds */
    assert_int_equal(parsed("1736928900000"), T0);              /* milliseconds */
}

static void test_rejections(void **state)
{
    bad("");
    bad("soon");
    bad("2025-01-15");
    bad("2025-1-15T08:15:00Z");
    bad("2025-13-15T08:15:00Z");
    bad("2025-01-15T24:00:00Z");
    bad("2025-01-15T08:15:00.Z");
    bad("2025-01-15T08:15:00+7");
    bad("2025-01-15T08:15:00 UTC");
    bad("17369289OO");
    bad("-1736928900");
}

static int json_time(const char *json, int64_t *ms)
{
    return lc_reservation_json_time(json, strlen(json), ms);
}

static void test_json_fields(void **state)
{
    int64_t ms = 0;

    /* the expiry wins over the creation time, whatever the order in the object */
    assert_int_equal(json_time("{\"created_at\":\"2020-01-01T00:00:00Z\","
                               "\"expires_at\":\"2025-01-15T08:15:00Z\"}", &ms), 0);
    assert_int_equal(ms, T0);
    assert_string_equal(lc_reservation_time_fields[0], "expires_at");
    /* camelCase (what a NestJS backend writes) and epoch numbers */
    assert_int_equal(json_time("{\"number\":\"LCBP3-0001\",\"expiresAt\":1736928900000}", &ms), 1);
    assert_int_equal(ms, T0);
    /* no expiry: the creation time */
    assert_int_equal(json_time("{\"reservedAt\":\"2025-01-15T15:15:00+07:00\"}", &ms), 6);
    assert_int_equal(ms, T0);
    assert_true(6 >= LC_RESERVATION_EXPIRY_FIELDS);
    /* an unparsable expiry falls through to a parsable creation time */
    assert_int_equal(json_time("{\"expires_at\":\"never\",\"created_at\":1736928900}", &ms), 3);
    assert_int_equal(ms, T0);
}

static void test_json_rejections(void **state)
{
    int64_t ms = -42;

    assert_int_equal(json_time("", &ms), -1);
    assert_int_equal(json_time("owner-7", &ms), -1);
    assert_int_equal(json_time("[\"2025-01-15T08:15:00Z\"]", &ms), -1);
    assert_int_equal(json_time("{\"expires_at\":\"2025-01-15T08:15:00Z\"", &ms), -1);
    assert_int_equal(json_time("{\"expires_at\":true,\"note\":\"x\"}", &ms), -1);
    assert_int_equal(json_time("{\"expires_at\":-5}", &ms), -1);
    assert_int_equal(json_time("{\"nested\":{\"expires_at\":\"2025-01-15T08:15:00Z\"}}", &ms), -1);
    assert_int_equal(ms, -42);
}

static void test_rate_delay(void **state)
{
    struct lc_rate none, limited;

    lc_rate_init(&none, 0);
    assert_true(lc_rate_delay(&none, 1000000, 0.0) == 0.0);
    lc_rate_init(&limited, 1000);
    /* 500 units at 1000/s are due at 0.5 s */
    assert_true(lc_rate_delay(&limited, 500, 0.0) > 0.499 && lc_rate_delay(&limited, 500, 0.0) < 0.501);
    assert_true(lc_rate_delay(&limited, 500, 0.2) > 0.299 && lc_rate_delay(&limited, 500, 0.2) < 0.301);
    assert_true(lc_rate_delay(&limited, 500, 0.7) == 0.0);     /* behind: no wait */
}

static void test_script_sha1(void **state)
{
    struct lc_redis_script script;

    /* sha1sum of the same bytes: what Redis's SCRIPT LOAD would answer */
    lc_redis_script_init(&script, "t", "local n = 0");
    assert_string_equal(script.sha1, "8e12ac82d509b2b00c8d2008205da01952658092");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_iso_forms),
        cmocka_unit_test(test_epochs),
        cmocka_unit_test(test_rejections),
        cmocka_unit_test(test_json_fields),
        cmocka_unit_test(test_json_rejections),
        cmocka_unit_test(test_rate_delay),
        cmocka_unit_test(test_script_sha1),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
