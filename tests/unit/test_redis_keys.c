/*
 * Unit tests for the pure parts of common/redis_keys.c: the databases of INFO keyspace
 * and the binary-safe RESP encoding of the commands written to keys.dump.gz.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/buf.h"
#include "common/redis_keys.h"

static void test_keyspace_dbs(void **state)
{
    static const char info[] = "# Keyspace\r\ndb0:keys=21255,expires=400,avg_ttl=29403624\r\n"
                               "db3:keys=1,expires=0,avg_ttl=0\r\n"
                               "dbx:keys=1\r\ndb:keys=1\r\ndb7\r\n"
                               "db15:keys=2,expires=0,avg_ttl=0";
    unsigned *dbs = NULL;
    size_t n = 0;

    (void)state;
    lc_redis_keyspace_dbs(info, &dbs, &n);
    assert_int_equal(n, 3);
    assert_int_equal(dbs[0], 0);
    assert_int_equal(dbs[1], 3);
    assert_int_equal(dbs[2], 15);
    free(dbs);
    lc_redis_keyspace_dbs("# Keyspace\r\n", &dbs, &n);
    assert_int_equal(n, 0);
    assert_null(dbs);
    lc_redis_keyspace_dbs("", &dbs, &n);
    assert_int_equal(n, 0);
}

static void test_resp_command(void **state)
{
    const char *select[2] = {"SELECT", "15"};
    const char key[] = "bin\0key";
    const char payload[] = "\0\xff\r\n";
    const char *restore[6] = {"RESTORE", key, "1795500953129", payload, "REPLACE", "ABSTTL"};
    const size_t lens[6] = {7, 7, 13, 4, 7, 6};
    static const char want[] = "*2\r\n$6\r\nSELECT\r\n$2\r\n15\r\n"
                               "*6\r\n$7\r\nRESTORE\r\n$7\r\nbin\0key\r\n$13\r\n1795500953129\r\n"
                               "$4\r\n\0\xff\r\n\r\n$7\r\nREPLACE\r\n$6\r\nABSTTL\r\n";
    struct lc_buf b = LC_BUF_INIT;

    (void)state;
    lc_redis_resp_command(&b, 2, select, NULL);
    lc_redis_resp_command(&b, 6, restore, lens);
    assert_int_equal(b.len, sizeof(want) - 1);
    assert_memory_equal(b.data, want, sizeof(want) - 1);
    lc_buf_done(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keyspace_dbs),
        cmocka_unit_test(test_resp_command),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
