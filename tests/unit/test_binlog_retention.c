/*
 * Unit tests of common/binlog_retention.c: the cut at the oldest retained set's
 * position, across generations and name widths, the newest segment that never goes,
 * unshipped spool segments, unknown positions, sets that need no binlog, an empty
 * plan, input order, and the exact reasons that `prune --dry-run` shows.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "common/binlog_retention.h"

#define OLDER "older than every retained set's snapshot (the oldest: 'B' at 0/mysql-bin.000003)"
#define NEWEST "the newest segment (the archiver may still be writing it)"

static void seg(struct lc_binlog_retention_item *it, unsigned gen, const char *name)
{
    memset(it, 0, sizeof(*it));
    it->generation = gen;
    it->name = name;
    it->keep = -1;
    snprintf(it->reason, sizeof(it->reason), "untouched");
}

static void expect(const struct lc_binlog_retention_item *it, int keep, const char *reason)
{
    if (it->keep != keep || strcmp(it->reason, reason) != 0)
        fail_msg("%u/%s: got keep=%d '%s', want keep=%d '%s'", it->generation, it->name,
                 it->keep, it->reason, keep, reason);
}

/* One generation, two sets: everything before the older set's file goes. */
static void test_cut_at_oldest_set(void **state)
{
    struct lc_binlog_retention_item s[6];
    struct lc_binlog_need needs[] = {
        {"A", 1, 0, "mysql-bin.000005"},
        {"B", 1, 0, "mysql-bin.000003"},
    };

    (void)state;
    seg(&s[0], 0, "mysql-bin.000001");
    seg(&s[1], 0, "mysql-bin.000002");
    seg(&s[2], 0, "mysql-bin.000003");
    seg(&s[3], 0, "mysql-bin.000004");
    seg(&s[4], 0, "mysql-bin.000005");
    seg(&s[5], 0, "mysql-bin.000006");
    lc_binlog_retention_plan(s, 6, needs, 2);
    expect(&s[0], 0, OLDER);
    expect(&s[1], 0, OLDER);
    expect(&s[2], 1, "needed by set 'B'");
    expect(&s[3], 1, "needed by set 'B'");
    expect(&s[4], 1, "needed by set 'A'");
    expect(&s[5], 1, NEWEST);
}

/* The order of the input does not matter; numbers compare as numbers across widths. */
static void test_input_order_and_widths(void **state)
{
    struct lc_binlog_retention_item s[4];
    struct lc_binlog_need need = {"B", 1, 0, "mysql-bin.000003"};

    (void)state;
    seg(&s[0], 0, "mysql-bin.1000000");
    seg(&s[1], 0, "mysql-bin.000002");
    seg(&s[2], 0, "mysql-bin.999999");
    seg(&s[3], 0, "mysql-bin.000003");
    lc_binlog_retention_plan(s, 4, &need, 1);
    expect(&s[0], 1, NEWEST);
    expect(&s[1], 0, OLDER);
    expect(&s[2], 1, "needed by set 'B'");
    expect(&s[3], 1, "needed by set 'B'");
}

/* Older generations go whole; a later generation's early segments stay (after the cut),
 * named after the set whose snapshot precedes them. */
static void test_generations(void **state)
{
    struct lc_binlog_retention_item s[6];
    struct lc_binlog_need needs[] = {
        {"old", 1, 1, "mysql-bin.000007"},
        {"new", 1, 2, "mysql-bin.000004"},
    };

    (void)state;
    seg(&s[0], 0, "mysql-bin.000001");
    seg(&s[1], 1, "mysql-bin.000006");
    seg(&s[2], 1, "mysql-bin.000007");
    seg(&s[3], 2, "mysql-bin.000001");
    seg(&s[4], 2, "mysql-bin.000004");
    seg(&s[5], 2, "mysql-bin.000005");
    lc_binlog_retention_plan(s, 6, needs, 2);
    expect(&s[0], 0, "older than every retained set's snapshot (the oldest: 'old' at "
                     "1/mysql-bin.000007)");
    expect(&s[1], 0, "older than every retained set's snapshot (the oldest: 'old' at "
                     "1/mysql-bin.000007)");
    expect(&s[2], 1, "needed by set 'old'");
    expect(&s[3], 1, "after the snapshot of set 'old'");
    expect(&s[4], 1, "needed by set 'new'");
    expect(&s[5], 1, NEWEST);
}

/* The spool keeps what has not reached every target, however old. */
static void test_unshipped(void **state)
{
    struct lc_binlog_retention_item s[3];
    struct lc_binlog_need need = {"B", 1, 0, "mysql-bin.000003"};

    (void)state;
    seg(&s[0], 0, "mysql-bin.000001");
    seg(&s[1], 0, "mysql-bin.000002");
    seg(&s[2], 0, "mysql-bin.000003");
    s[0].unshipped_to = "'asustor', 'offsite'";
    lc_binlog_retention_plan(s, 3, &need, 1);
    expect(&s[0], 1, "not yet shipped to 'asustor', 'offsite'");
    expect(&s[1], 0, OLDER);
    expect(&s[2], 1, NEWEST);
}

/* A set whose position is unknown may need anything: nothing goes. */
static void test_unknown_position(void **state)
{
    struct lc_binlog_retention_item s[3];
    struct lc_binlog_need needs[] = {
        {"B", 1, 0, "mysql-bin.000003"},
        {"lost", 0, -1, NULL},
        {"lost2", 0, -1, NULL},
    };

    (void)state;
    seg(&s[0], 0, "mysql-bin.000001");
    seg(&s[1], 0, "mysql-bin.000002");
    seg(&s[2], 0, "mysql-bin.000003");
    lc_binlog_retention_plan(s, 3, needs, 3);
    expect(&s[0], 1, "the snapshot position of set 'lost' is unknown");
    expect(&s[1], 1, "the snapshot position of set 'lost' is unknown");
    expect(&s[2], 1, NEWEST);
}

/* Sets that need no binlog (no file, no generation) are ignored; with none left, nothing
 * is known to be unneeded. */
static void test_no_position(void **state)
{
    struct lc_binlog_retention_item s[2];
    struct lc_binlog_need needs[] = {
        {"redis-only", 1, 0, NULL},
        {"before-archiving", 1, -1, "mysql-bin.000001"},
    };

    (void)state;
    seg(&s[0], 0, "mysql-bin.000001");
    seg(&s[1], 0, "mysql-bin.000002");
    lc_binlog_retention_plan(s, 2, needs, 2);
    expect(&s[0], 1, "no retained set records a binlog position");
    expect(&s[1], 1, NEWEST);
    lc_binlog_retention_plan(s, 2, NULL, 0);
    expect(&s[0], 1, "no retained set records a binlog position");
}

/* A set newer than the whole archive (the archiver is behind): everything older goes
 * but the newest segment; an empty list is a no-op. */
static void test_set_ahead_and_empty(void **state)
{
    struct lc_binlog_retention_item s[2];
    struct lc_binlog_need need = {"B", 1, 0, "mysql-bin.000009"};

    (void)state;
    seg(&s[0], 0, "mysql-bin.000001");
    seg(&s[1], 0, "mysql-bin.000002");
    lc_binlog_retention_plan(s, 2, &need, 1);
    expect(&s[0], 0, "older than every retained set's snapshot (the oldest: 'B' at "
                     "0/mysql-bin.000009)");
    expect(&s[1], 1, NEWEST);
    lc_binlog_retention_plan(NULL, 0, &need, 1);
}

/* A long set name is cut, NUL-terminated. */
static void test_long_reason(void **state)
{
    char name[300];
    struct lc_binlog_retention_item s[2];
    struct lc_binlog_need need = {name, 1, 0, "mysql-bin.000002"};

    (void)state;
    memset(name, 'x', sizeof(name) - 1);
    name[sizeof(name) - 1] = '\0';
    seg(&s[0], 0, "mysql-bin.000001");
    seg(&s[1], 0, "mysql-bin.000002");
    lc_binlog_retention_plan(s, 2, &need, 1);
    assert_int_equal(s[0].keep, 0);
    assert_int_equal(strlen(s[0].reason), sizeof(s[0].reason) - 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cut_at_oldest_set),
        cmocka_unit_test(test_input_order_and_widths),
        cmocka_unit_test(test_generations),
        cmocka_unit_test(test_unshipped),
        cmocka_unit_test(test_unknown_position),
        cmocka_unit_test(test_no_position),
        cmocka_unit_test(test_set_ahead_and_empty),
        cmocka_unit_test(test_long_reason),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
