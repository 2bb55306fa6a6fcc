/*
 * Unit tests for common/redis_slot.c: the hash slot of keys (hash tags, binary keys,
 * the values Redis's CLUSTER KEYSLOT gives) and the slot map parsed from CLUSTER SLOTS
 * replies (built from RESP text with hiredis's reader).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <hiredis/hiredis.h>

#include "common/redis_slot.h"

static unsigned slot(const char *key)
{
    return lc_redis_key_slot(key, strlen(key));
}

static void test_key_slot(void **state)
{
    (void)state;
    /* Values from CLUSTER KEYSLOT on Redis 7.0. */
    assert_int_equal(slot("foo"), 12182);
    assert_int_equal(slot("bar"), 5061);
    assert_int_equal(slot("hello"), 866);
    assert_int_equal(slot("123456789"), 0x31c3); /* the CRC16/XMODEM check value */
    assert_int_equal(slot(""), 0);
    /* Hash tags: the first '{' and the first '}' after it, when something is between. */
    assert_int_equal(slot("{user1000}.following"), slot("user1000"));
    assert_int_equal(slot("{user1000}.followers"), slot("user1000"));
    assert_int_equal(slot("foo{}{bar}"), slot("foo{}{bar}"));
    assert_int_not_equal(slot("foo{}{bar}"), slot("bar"));
    assert_int_equal(slot("foo{{bar}}zap"), slot("{bar"));
    assert_int_equal(slot("foo{bar}{zap}"), slot("bar"));
    assert_int_equal(slot("{"), lc_redis_key_slot("{", 1));
    assert_int_equal(slot("a{b"), lc_redis_key_slot("a{b", 3));
    /* Binary-safe: a NUL inside the key counts. */
    assert_int_not_equal(lc_redis_key_slot("a\0b", 3), slot("a"));
    assert_int_equal(lc_redis_key_slot("x{a\0b}y", 7), lc_redis_key_slot("a\0b", 3));
    for (unsigned idx = 0; idx < 1000; idx++) {
        char key[32];
        int len = snprintf(key, sizeof(key), "reservation:lcbp3:%u", idx);

        assert_true(lc_redis_key_slot(key, (size_t)len) < 16384);
    }
}

/* A reply object from RESP text, as hiredis would build it from the server. */
static redisReply *reply_from(const char *resp)
{
    redisReader *r = redisReaderCreate();
    void *reply = NULL;

    assert_int_equal(redisReaderFeed(r, resp, strlen(resp)), REDIS_OK);
    assert_int_equal(redisReaderGetReply(r, &reply), REDIS_OK);
    assert_non_null(reply);
    redisReaderFree(r);
    return reply;
}

/* [start, end, [127.0.0.1, port, id]] */
#define RANGE(start, end, port)                                                         \
    "*3\r\n:" #start "\r\n:" #end "\r\n*3\r\n$9\r\n127.0.0.1\r\n:" #port "\r\n$2\r\nid\r\n"

static void test_slot_map_parse(void **state)
{
    struct lc_redis_slot_map map;
    struct lc_err err = LC_ERR_INIT;
    redisReply *reply;

    (void)state;
    /* Three masters, one of them twice, one with an unknown ("") host; a replica. */
    reply = reply_from("*4\r\n"
                       "*4\r\n:0\r\n:5460\r\n*3\r\n$9\r\n127.0.0.1\r\n:7001\r\n$2\r\nid\r\n"
                       "*3\r\n$9\r\n127.0.0.1\r\n:7004\r\n$2\r\nid\r\n"
                       "*3\r\n:5461\r\n:10922\r\n*3\r\n$0\r\n\r\n:7002\r\n$2\r\nid\r\n"
                       "*3\r\n:10923\r\n:16000\r\n*4\r\n$3\r\n::1\r\n:7003\r\n$2\r\nid\r\n*0\r\n"
                       "*3\r\n:16001\r\n:16383\r\n*3\r\n$9\r\n127.0.0.1\r\n:7001\r\n$2\r\nid\r\n");
    memset(&map, 0, sizeof(map));
    assert_int_equal(lc_redis_slot_map_parse(reply, "10.0.0.9", &map, &err), 0);
    assert_int_equal(map.n_masters, 3);
    assert_string_equal(map.masters[0], "127.0.0.1:7001");
    assert_string_equal(map.masters[1], "10.0.0.9:7002");
    assert_string_equal(map.masters[2], "[::1]:7003");
    assert_null(map.masters[3]);
    assert_int_equal(map.owner[0], 0);
    assert_int_equal(map.owner[5460], 0);
    assert_int_equal(map.owner[5461], 1);
    assert_int_equal(map.owner[10922], 1);
    assert_int_equal(map.owner[10923], 2);
    assert_int_equal(map.owner[16000], 2);
    assert_int_equal(map.owner[16001], 0);
    assert_int_equal(map.owner[16383], 0);
    assert_int_equal(map.owner[slot("foo")], 2);
    lc_redis_slot_map_done(&map);
    lc_redis_slot_map_done(&map);
    lc_redis_slot_map_done(NULL);
    freeReplyObject(reply);
}

static void test_slot_map_errors(void **state)
{
    struct lc_redis_slot_map map;
    struct lc_err err = LC_ERR_INIT;
    redisReply *reply;

    (void)state;
    memset(&map, 0, sizeof(map));
    /* A slot without a master. */
    reply = reply_from("*2\r\n" RANGE(0, 100, 7001) RANGE(102, 16383, 7002));
    assert_int_equal(lc_redis_slot_map_parse(reply, "h", &map, &err), -1);
    assert_int_equal(err.status, LC_E_UNAVAILABLE);
    assert_non_null(strstr(err.msg, "16383 of 16384 slots (slot 101"));
    assert_null(map.masters);
    freeReplyObject(reply);
    /* No slots at all (a node that is not part of a cluster yet). */
    lc_err_clear(&err);
    reply = reply_from("*0\r\n");
    assert_int_equal(lc_redis_slot_map_parse(reply, "h", &map, &err), -1);
    assert_int_equal(err.status, LC_E_UNAVAILABLE);
    freeReplyObject(reply);
    /* Shapes that are not CLUSTER SLOTS. */
    static const char *const bad[] = {
        "+OK\r\n",
        "*1\r\n:5\r\n",
        "*1\r\n*2\r\n:0\r\n:16383\r\n",
        "*1\r\n*3\r\n:0\r\n:16384\r\n*2\r\n$1\r\nh\r\n:1\r\n",
        "*1\r\n*3\r\n:10\r\n:5\r\n*2\r\n$1\r\nh\r\n:1\r\n",
        "*1\r\n*3\r\n:-1\r\n:5\r\n*2\r\n$1\r\nh\r\n:1\r\n",
        "*1\r\n*3\r\n:0\r\n:16383\r\n*1\r\n$1\r\nh\r\n",
        "*1\r\n*3\r\n:0\r\n:16383\r\n*2\r\n:1\r\n:1\r\n",
        "*1\r\n*3\r\n:0\r\n:16383\r\n*2\r\n$1\r\nh\r\n:0\r\n",
        "*1\r\n*3\r\n:0\r\n:16383\r\n*2\r\n$1\r\nh\r\n:65536\r\n",
        "*1\r\n*3\r\n:0\r\n:16383\r\n$1\r\nh\r\n",
    };
    for (size_t idx = 0; idx < sizeof(bad) / sizeof(bad[0]); idx++) {
        lc_err_clear(&err);
        reply = reply_from(bad[idx]);
        assert_int_equal(lc_redis_slot_map_parse(reply, "h", &map, &err), -1);
        assert_int_equal(err.status, LC_E_DATA);
        assert_null(map.masters);
        freeReplyObject(reply);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key_slot),
        cmocka_unit_test(test_slot_map_parse),
        cmocka_unit_test(test_slot_map_errors),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
