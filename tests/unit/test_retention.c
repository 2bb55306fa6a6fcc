/*
 * Unit tests of common/retention.c: each rule alone (min_keep, newest verified,
 * keep_days, daily, weekly across ISO year boundaries, monthly), their union over a
 * year of daily sets, ties, input order, extreme times, and the exact reason strings
 * that `prune --dry-run` shows.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "common/retention.h"

#define DAY 86400

/* "2026-11-23T02:00:00Z" -> seconds */
static time_t at(const char *iso)
{
    struct tm tm;

    memset(&tm, 0, sizeof(tm));
    assert_int_equal(sscanf(iso, "%d-%d-%dT%d:%d:%dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                            &tm.tm_hour, &tm.tm_min, &tm.tm_sec), 6);
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return timegm(&tm);
}

static struct lc_retention_cfg cfg_of(int64_t days, int64_t daily, int64_t weekly,
                                      int64_t monthly, int64_t min_keep)
{
    struct lc_retention_cfg c = {days, daily, weekly, monthly, min_keep};

    return c;
}

static void item(struct lc_retention_item *it, const char *name, time_t when, int verified)
{
    memset(it, 0, sizeof(*it));
    it->name = name;
    it->when = when;
    it->verified = verified;
    it->keep = -1;
    snprintf(it->reason, sizeof(it->reason), "untouched");
}

static void expect(const struct lc_retention_item *it, int keep, const char *reason)
{
    if (it->keep != keep || strcmp(it->reason, reason) != 0)
        fail_msg("'%s': got keep=%d '%s', want keep=%d '%s'", it->name ? it->name : "(null)",
                 it->keep, it->reason, keep, reason);
}

static size_t count_kept(const struct lc_retention_item *items, size_t n)
{
    size_t k = 0;

    for (size_t i = 0; i < n; i++)
        k += items[i].keep == 1;
    return k;
}

static void test_empty(void **state)
{
    struct lc_retention_cfg cfg = cfg_of(30, 7, 4, 6, 3);

    (void)state;
    lc_retention_plan(NULL, 0, &cfg, at("2026-11-23T03:00:00Z"));
}

/* Ten verified sets, all 40+ days old: only min_keep (3) keeps anything. */
static void test_all_old_min_keep(void **state)
{
    struct lc_retention_item items[10];
    static char names[10][8];
    struct lc_retention_cfg cfg = cfg_of(30, -1, -1, -1, 3);
    time_t now = at("2026-11-23T03:00:00Z");

    (void)state;
    for (int i = 0; i < 10; i++) {
        snprintf(names[i], sizeof(names[i]), "s%d", i);
        item(&items[i], names[i], now - (40 + i) * DAY, 1);
    }
    lc_retention_plan(items, 10, &cfg, now);
    expect(&items[0], 1, "newest verified set");
    expect(&items[1], 1, "verified #2 of min_keep 3");
    expect(&items[2], 1, "verified #3 of min_keep 3");
    expect(&items[3], 0, "older than 30d, not among the newest 0 daily/0 weekly/0 monthly, "
                         "3 newer verified sets (min_keep 3)");
    expect(&items[9], 0, "older than 30d, not among the newest 0 daily/0 weekly/0 monthly, "
                         "9 newer verified sets (min_keep 3)");
    assert_int_equal(count_kept(items, 10), 3);
}

/* min_keep larger than the number of verified sets keeps them all; unverified old
 * sets between them are not counted and go. */
static void test_min_keep_counts_verified_only(void **state)
{
    struct lc_retention_item items[5];
    struct lc_retention_cfg cfg = cfg_of(30, 0, 0, 0, 3);
    time_t now = at("2026-11-23T03:00:00Z");

    (void)state;
    item(&items[0], "u1", now - 40 * DAY, 0);
    item(&items[1], "v1", now - 41 * DAY, 1);
    item(&items[2], "u2", now - 42 * DAY, 0);
    item(&items[3], "v2", now - 43 * DAY, 1);
    item(&items[4], "u3", now - 44 * DAY, 0);
    lc_retention_plan(items, 5, &cfg, now);
    expect(&items[0], 0, "older than 30d, not among the newest 0 daily/0 weekly/0 monthly, "
                         "unverified (min_keep counts verified sets only)");
    expect(&items[1], 1, "newest verified set");
    expect(&items[2], 0, "older than 30d, not among the newest 0 daily/0 weekly/0 monthly, "
                         "unverified (min_keep counts verified sets only)");
    expect(&items[3], 1, "verified #2 of min_keep 3");
    expect(&items[4], 0,
           "older than 30d, not among the newest 0 daily/0 weekly/0 monthly, "
           "unverified (min_keep counts verified sets only)");
}

/* The newest set is unverified: it does not protect anything, and the newest
 * verified set is kept although it is older. */
static void test_unverified_newest_not_protecting(void **state)
{
    struct lc_retention_item items[4];
    struct lc_retention_cfg cfg = cfg_of(0, -1, -1, -1, 0);
    time_t now = at("2026-11-23T03:00:00Z");

    (void)state;
    item(&items[0], "old", now - 3 * DAY, 1);
    item(&items[1], "newest-unverified", now - 3600, 0);
    item(&items[2], "newest-verified", now - 2 * DAY, 1);
    item(&items[3], "older-unverified", now - 4 * DAY, 0);
    lc_retention_plan(items, 4, &cfg, now);
    expect(&items[1], 0, "not among the newest 0 daily/0 weekly/0 monthly, "
                         "unverified (min_keep counts verified sets only)");
    expect(&items[2], 1, "newest verified set");
    expect(&items[0], 0, "not among the newest 0 daily/0 weekly/0 monthly, "
                         "1 newer verified sets (min_keep 0)");
    expect(&items[3], 0, "not among the newest 0 daily/0 weekly/0 monthly, "
                         "unverified (min_keep counts verified sets only)");

    /* keep_daily 1 keeps the unverified newest set for its day, and still the newest
     * verified set as well */
    cfg = cfg_of(0, 1, 0, 0, 0);
    lc_retention_plan(items, 4, &cfg, now);
    expect(&items[1], 1, "daily 2026-11-23");
    expect(&items[2], 1, "newest verified set");
    expect(&items[0], 0, "not among the newest 1 daily/0 weekly/0 monthly, "
                         "1 newer verified sets (min_keep 0)");

    /* no verified set at all: nothing is protected */
    items[0].verified = items[2].verified = 0;
    cfg = cfg_of(-1, -1, -1, -1, 3);
    lc_retention_plan(items, 4, &cfg, now);
    assert_int_equal(count_kept(items, 4), 0);
}

static void test_keep_days(void **state)
{
    struct lc_retention_item items[5];
    struct lc_retention_cfg cfg = cfg_of(30, -1, -1, -1, -1);
    time_t now = at("2026-11-23T03:00:00Z");

    (void)state;
    item(&items[0], "future", now + 3600, 0);
    item(&items[1], "edge", now - 30 * DAY, 0);       /* exactly 30 days: within */
    item(&items[2], "past-edge", now - 30 * DAY - 1, 0);
    item(&items[3], "recent", now - DAY, 0);
    item(&items[4], "verified-old", now - 31 * DAY, 1);
    lc_retention_plan(items, 5, &cfg, now);
    expect(&items[0], 1, "within 30d");
    expect(&items[1], 1, "within 30d");
    expect(&items[2], 0, "older than 30d, not among the newest 0 daily/0 weekly/0 monthly, "
                         "unverified (min_keep counts verified sets only)");
    expect(&items[3], 1, "within 30d");
    expect(&items[4], 1, "newest verified set");

    /* keep_days=0 disables the rule: no "within", no "older than" */
    cfg = cfg_of(0, -1, -1, -1, -1);
    lc_retention_plan(items, 5, &cfg, now);
    expect(&items[0], 0, "not among the newest 0 daily/0 weekly/0 monthly, "
                         "unverified (min_keep counts verified sets only)");
    expect(&items[3], 0, "not among the newest 0 daily/0 weekly/0 monthly, "
                         "unverified (min_keep counts verified sets only)");
    expect(&items[4], 1, "newest verified set");
    assert_int_equal(count_kept(items, 5), 1);

    /* a keep_days too large to multiply out keeps everything */
    cfg = cfg_of(INT64_MAX / 2, -1, -1, -1, -1);
    lc_retention_plan(items, 5, &cfg, now);
    assert_int_equal(count_kept(items, 5), 5);
}

/* Several sets a day, days without sets: the newest set of each of the N most recent
 * days that have sets. */
static void test_daily(void **state)
{
    struct lc_retention_item items[6];
    struct lc_retention_cfg cfg = cfg_of(-1, 3, -1, -1, -1);
    time_t now = at("2026-11-23T23:00:00Z");

    (void)state;
    item(&items[0], "23-late", at("2026-11-23T22:00:00Z"), 0);
    item(&items[1], "23-early", at("2026-11-23T00:00:00Z"), 0);
    item(&items[2], "22-late", at("2026-11-22T23:59:59Z"), 0);
    item(&items[3], "20", at("2026-11-20T12:00:00Z"), 0);  /* 21st has no set */
    item(&items[4], "19", at("2026-11-19T12:00:00Z"), 0);
    item(&items[5], "22-early", at("2026-11-22T01:00:00Z"), 0);
    lc_retention_plan(items, 6, &cfg, now);
    expect(&items[0], 1, "daily 2026-11-23");
    expect(&items[1], 0, "not among the newest 3 daily/0 weekly/0 monthly, "
                         "unverified (min_keep counts verified sets only)");
    expect(&items[2], 1, "daily 2026-11-22");
    expect(&items[5], 0,
           "not among the newest 3 daily/0 weekly/0 monthly, "
           "unverified (min_keep counts verified sets only)");
    expect(&items[3], 1, "daily 2026-11-20");
    expect(&items[4], 0, "not among the newest 3 daily/0 weekly/0 monthly, "
                         "unverified (min_keep counts verified sets only)");
}

/* ISO weeks across year boundaries: 2020 has a week 53 that ends on 2021-01-03, and
 * 2020-W01 starts on 2019-12-30. */
static void test_weekly_year_boundary(void **state)
{
    struct lc_retention_item items[6];
    struct lc_retention_cfg cfg = cfg_of(-1, -1, 3, -1, -1);

    (void)state;
    item(&items[0], "2020-12-28", at("2020-12-28T02:00:00Z"), 0);  /* Mon 2020-W53 */
    item(&items[1], "2019-12-29", at("2019-12-29T02:00:00Z"), 0);  /* Sun 2019-W52 */
    item(&items[2], "2021-01-04", at("2021-01-04T02:00:00Z"), 0);  /* Mon 2021-W01 */
    item(&items[3], "2021-01-03", at("2021-01-03T02:00:00Z"), 0);  /* Sun 2020-W53 */
    item(&items[4], "2019-12-30", at("2019-12-30T02:00:00Z"), 0);  /* Mon 2020-W01 */
    item(&items[5], "2020-01-05", at("2020-01-05T02:00:00Z"), 0);  /* Sun 2020-W01 */
    lc_retention_plan(items, 6, &cfg, at("2021-01-05T00:00:00Z"));
    expect(&items[2], 1, "weekly 2021-W01");
    expect(&items[3], 1, "weekly 2020-W53");
    expect(&items[0], 0, "not among the newest 0 daily/3 weekly/0 monthly, "
                         "unverified (min_keep counts verified sets only)");
    expect(&items[5], 1, "weekly 2020-W01");
    expect(&items[4], 0, "not among the newest 0 daily/3 weekly/0 monthly, "
                         "unverified (min_keep counts verified sets only)");
    expect(&items[1], 0, "not among the newest 0 daily/3 weekly/0 monthly, "
                         "unverified (min_keep counts verified sets only)");
}

static void test_monthly(void **state)
{
    struct lc_retention_item items[5];
    struct lc_retention_cfg cfg = cfg_of(-1, -1, -1, 2, -1);

    (void)state;
    item(&items[0], "jan-31", at("2026-01-31T23:59:59Z"), 0);
    item(&items[1], "feb-01", at("2026-02-01T00:00:00Z"), 0);
    item(&items[2], "dec-31", at("2025-12-31T12:00:00Z"), 0);
    item(&items[3], "jan-01", at("2026-01-01T00:00:00Z"), 0);
    item(&items[4], "feb-28", at("2026-02-28T10:00:00Z"), 0);
    lc_retention_plan(items, 5, &cfg, at("2026-03-01T00:00:00Z"));
    expect(&items[4], 1, "monthly 2026-02");
    expect(&items[1], 0, "not among the newest 0 daily/0 weekly/2 monthly, "
                         "unverified (min_keep counts verified sets only)");
    expect(&items[0], 1, "monthly 2026-01");
    expect(&items[3], 0, "not among the newest 0 daily/0 weekly/2 monthly, "
                         "unverified (min_keep counts verified sets only)");
    expect(&items[2], 0, "not among the newest 0 daily/0 weekly/2 monthly, "
                         "unverified (min_keep counts verified sets only)");
}

/* A year of nightly verified sets under a typical GFS policy. */
static void test_gfs_year(void **state)
{
    enum { N = 365 };
    struct lc_retention_item *items = calloc(N, sizeof(*items));
    struct lc_retention_cfg cfg = cfg_of(7, 7, 4, 6, 3);
    time_t last = at("2026-11-23T02:00:00Z");          /* a Monday, 2026-W48 */
    static const char *const kept[] = {
        "2026-11-23", "2026-11-22", "2026-11-21", "2026-11-20", "2026-11-19", "2026-11-18",
        "2026-11-17", "2026-11-15", "2026-11-08", "2026-10-31", "2026-09-30", "2026-08-31",
        "2026-07-31", "2026-06-30",
    };
    static char names[N][16];

    (void)state;
    assert_non_null(items);
    for (int i = 0; i < N; i++) {
        time_t t = last - (time_t)i * DAY;
        struct tm tm;

        gmtime_r(&t, &tm);
        strftime(names[i], sizeof(names[i]), "%Y-%m-%d", &tm);
        item(&items[i], names[i], t, 1);
    }
    lc_retention_plan(items, N, &cfg, last + 3600);
    assert_int_equal(count_kept(items, N), sizeof(kept) / sizeof(kept[0]));
    for (size_t k = 0; k < sizeof(kept) / sizeof(kept[0]); k++) {
        int found = 0;

        for (int i = 0; i < N; i++)
            found |= items[i].keep && strcmp(items[i].name, kept[k]) == 0;
        if (!found)
            fail_msg("%s not kept", kept[k]);
    }
    expect(&items[0], 1, "newest verified set; within 7d; daily 2026-11-23; weekly 2026-W48; "
                         "monthly 2026-11");
    expect(&items[1], 1, "verified #2 of min_keep 3; within 7d; daily 2026-11-22; "
                         "weekly 2026-W47");
    expect(&items[6], 1, "within 7d; daily 2026-11-17");
    expect(&items[7], 0, "older than 7d, not among the newest 7 daily/4 weekly/6 monthly, "
                         "7 newer verified sets (min_keep 3)");
    expect(&items[8], 1, "weekly 2026-W46");
    expect(&items[23], 1, "monthly 2026-10");
    free(items);
}

/* Same timestamp: the verified set is "newer" than the unverified one, then names
 * ascending, then input position; the outcome does not depend on input order. */
static void test_ties(void **state)
{
    struct lc_retention_item items[4];
    struct lc_retention_cfg cfg = cfg_of(-1, 1, -1, -1, 2);
    time_t t = at("2026-11-23T02:00:00Z");

    (void)state;
    item(&items[0], "lcbp3-b", t, 1);
    item(&items[1], "lcbp3-z-unverified", t, 0);
    item(&items[2], "lcbp3-a", t, 1);
    item(&items[3], NULL, t, 0);
    lc_retention_plan(items, 4, &cfg, t);
    expect(&items[2], 1, "newest verified set; daily 2026-11-23");
    expect(&items[0], 1, "verified #2 of min_keep 2");
    expect(&items[1], 0, "not among the newest 1 daily/0 weekly/0 monthly, "
                         "unverified (min_keep counts verified sets only)");
    expect(&items[3], 0, "not among the newest 1 daily/0 weekly/0 monthly, "
                         "unverified (min_keep counts verified sets only)");

    /* reversed input, same plan */
    {
        struct lc_retention_item rev[4];

        for (int i = 0; i < 4; i++)
            rev[i] = items[3 - i];
        lc_retention_plan(rev, 4, &cfg, t);
        for (int i = 0; i < 4; i++) {
            assert_int_equal(rev[i].keep, items[3 - i].keep);
            assert_string_equal(rev[i].reason, items[3 - i].reason);
        }
    }

    /* identical names and times: input position decides */
    item(&items[0], "same", t, 1);
    item(&items[1], "same", t, 1);
    cfg = cfg_of(-1, -1, -1, -1, 1);
    lc_retention_plan(items, 2, &cfg, t);
    expect(&items[0], 1, "newest verified set");
    expect(&items[1], 0, "not among the newest 0 daily/0 weekly/0 monthly, "
                         "1 newer verified sets (min_keep 1)");
}

/* Times gmtime_r cannot represent share the bucket "?"; a time far in the past does
 * not overflow the age computation. */
static void test_extreme_times(void **state)
{
    struct lc_retention_item items[4];
    struct lc_retention_cfg cfg = cfg_of(30, 5, -1, -1, -1);
    time_t now = at("2026-11-23T03:00:00Z");

    (void)state;
    item(&items[0], "max", (time_t)INT64_MAX, 0);
    item(&items[1], "max-1", (time_t)INT64_MAX - 1, 0);
    item(&items[2], "min", (time_t)INT64_MIN, 0);
    item(&items[3], "now", now, 0);
    lc_retention_plan(items, 4, &cfg, now);
    expect(&items[0], 1, "within 30d; daily ?");
    expect(&items[1], 1, "within 30d");
    expect(&items[3], 1, "within 30d; daily 2026-11-23");
    expect(&items[2], 1, "daily ?");

    cfg = cfg_of(30, -1, -1, -1, -1);
    lc_retention_plan(items, 4, &cfg, now);
    expect(&items[2], 0, "older than 30d, not among the newest 0 daily/0 weekly/0 monthly, "
                         "unverified (min_keep counts verified sets only)");
}

/* A reason longer than the field is cut and stays terminated. */
static void test_reason_truncated(void **state)
{
    struct lc_retention_item it;
    struct lc_retention_cfg cfg = cfg_of(INT64_MAX, INT64_MAX, INT64_MAX, INT64_MAX, INT64_MAX);
    time_t t = at("2026-11-23T02:00:00Z");

    (void)state;
    item(&it, "x", t, 1);
    lc_retention_plan(&it, 1, &cfg, t);
    assert_int_equal(it.keep, 1);
    assert_string_equal(it.reason, "newest verified set; within 9223372036854775807d; "
                                   "daily 2026-11-23; weekly 2026-W48; monthly 2026-11");

    /* deleted despite huge limits: same "?" bucket as a newer set, outside the window */
    {
        struct lc_retention_item two[2];

        cfg.keep_days = INT64_MAX / 86400;
        item(&two[0], "newer", (time_t)INT64_MIN + 1, 0);
        item(&two[1], "older", (time_t)INT64_MIN, 0);
        lc_retention_plan(two, 2, &cfg, t);
        expect(&two[0], 1, "daily ?; weekly ?; monthly ?");
        assert_int_equal(two[1].keep, 0);
        assert_int_equal(strlen(two[1].reason), sizeof(two[1].reason) - 1);
        assert_memory_equal(two[1].reason, "older than 106751991167300d, not among the newest "
                            "9223372036854775807 daily/", 76);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_all_old_min_keep),
        cmocka_unit_test(test_min_keep_counts_verified_only),
        cmocka_unit_test(test_unverified_newest_not_protecting),
        cmocka_unit_test(test_keep_days),
        cmocka_unit_test(test_daily),
        cmocka_unit_test(test_weekly_year_boundary),
        cmocka_unit_test(test_monthly),
        cmocka_unit_test(test_gfs_year),
        cmocka_unit_test(test_ties),
        cmocka_unit_test(test_extreme_times),
        cmocka_unit_test(test_reason_truncated),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
