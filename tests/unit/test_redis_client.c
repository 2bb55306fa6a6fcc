/*
 * Unit tests for the pure parts of common/redis_client.c: [redis] nodes entries, node
 * names, INFO fields and the CLUSTER NODES parser (masters, slot coverage, failed and
 * slotless masters, IPv6 and empty addresses).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/mem.h"
#include "common/redis_client.h"

static void expect_node(const char *spec, const char *host, int port)
{
    struct lc_err err = LC_ERR_INIT;
    char *h = NULL;
    int p = -1;

    assert_int_equal(lc_redis_parse_node(spec, &h, &p, &err), 0);
    assert_string_equal(h, host);
    assert_int_equal(p, port);
    free(h);
}

static void expect_bad_node(const char *spec)
{
    struct lc_err err = LC_ERR_INIT;
    char *h = (char *)0x1;
    int p = -7;

    assert_int_equal(lc_redis_parse_node(spec, &h, &p, &err), -1);
    assert_int_equal(err.status, LC_E_CONFIG);
    assert_non_null(strstr(err.msg, "redis node"));
    assert_ptr_equal(h, (char *)0x1); /* untouched on failure */
    assert_int_equal(p, -7);
}

static void test_parse_node(void **state)
{
    (void)state;
    expect_node("127.0.0.1:6379", "127.0.0.1", 6379);
    expect_node("redis.lan:16380", "redis.lan", 16380);
    expect_node("[::1]:6379", "::1", 6379);
    expect_node("[fe80::1%eth0]:1", "fe80::1%eth0", 1);
    expect_node("/run/redis/redis.sock", "/run/redis/redis.sock", 0);
    expect_node("h:65535", "h", 65535);
    expect_bad_node("");
    expect_bad_node(NULL);
    expect_bad_node("localhost");
    expect_bad_node("localhost:");
    expect_bad_node(":6379");
    expect_bad_node("h:0");
    expect_bad_node("h:65536");
    expect_bad_node("h:63x");
    expect_bad_node("h:-1");
    expect_bad_node("h: 1");
    expect_bad_node("[::1]6379");
    expect_bad_node("[]:6379");
    expect_bad_node("[::1:6379");
    expect_bad_node("a b:6379");
}

static void test_parse_node_ipv6_hint(void **state)
{
    struct lc_err err = LC_ERR_INIT;
    char *h = NULL;
    int p = 0;

    (void)state;
    assert_int_equal(lc_redis_parse_node("::1:6379", &h, &p, &err), -1);
    assert_int_equal(err.status, LC_E_CONFIG);
    assert_non_null(strstr(err.msg, "brackets"));
    assert_non_null(strstr(err.hint, "[::1]:6379"));
}

static void test_node_name(void **state)
{
    char *n;

    (void)state;
    n = lc_redis_node_name("127.0.0.1", 7000);
    assert_string_equal(n, "127.0.0.1:7000");
    free(n);
    n = lc_redis_node_name("::1", 7000);
    assert_string_equal(n, "[::1]:7000");
    free(n);
    n = lc_redis_node_name("/tmp/r.sock", 0);
    assert_string_equal(n, "/tmp/r.sock");
    free(n);
    assert_string_equal(lc_redis_mode_name(LC_REDIS_STANDALONE), "standalone");
    assert_string_equal(lc_redis_mode_name(LC_REDIS_SENTINEL), "sentinel");
    assert_string_equal(lc_redis_mode_name(LC_REDIS_CLUSTER), "cluster");
}

static void test_info_field(void **state)
{
    static const char info[] = "# Server\r\nredis_version:7.0.15\r\nredis_mode:standalone\r\n"
                               "\r\n# Memory\r\nused_memory:123456\r\nused_memory_rss:999\r\n"
                               "empty:\r\nrole:master\r\nlast:x";
    char *v;

    (void)state;
    v = lc_redis_info_field(info, "redis_version");
    assert_string_equal(v, "7.0.15");
    free(v);
    v = lc_redis_info_field(info, "used_memory");
    assert_string_equal(v, "123456");
    free(v);
    v = lc_redis_info_field(info, "used_memory_rss");
    assert_string_equal(v, "999");
    free(v);
    v = lc_redis_info_field(info, "empty");
    assert_string_equal(v, "");
    free(v);
    v = lc_redis_info_field(info, "last");
    assert_string_equal(v, "x");
    free(v);
    assert_null(lc_redis_info_field(info, "used"));
    assert_null(lc_redis_info_field(info, "Server"));
    assert_null(lc_redis_info_field(info, "nosuch"));
    assert_null(lc_redis_info_field(info, ""));
    assert_null(lc_redis_info_field(NULL, "role"));
}

/* CLUSTER NODES of a healthy 3-master, 1-replica cluster (redis 7.0 format). */
static const char nodes_ok[] =
    "3a20 127.0.0.1:17113@27113 master - 0 1795500953129 3 connected 10923-16383\n"
    "fce0 127.0.0.1:17112@27112,node-b master - 0 1795500952125 2 connected 5461-10922\n"
    "bdac 127.0.0.1:17111@27111 myself,master - 0 1795500952000 1 connected 0-5459 5460\n"
    "9f00 127.0.0.1:17114@27114 slave bdac 0 1795500952000 1 connected\n";

static void test_cluster_masters(void **state)
{
    struct lc_err err = LC_ERR_INIT;
    char **m = NULL;

    (void)state;
    assert_int_equal(lc_redis_cluster_masters(nodes_ok, "seed", &m, &err), 0);
    assert_int_equal(lc_strv_len(m), 3);
    assert_string_equal(m[0], "127.0.0.1:17111");
    assert_string_equal(m[1], "127.0.0.1:17112");
    assert_string_equal(m[2], "127.0.0.1:17113");
    lc_strv_free(m);
}

static void test_cluster_special_addresses(void **state)
{
    static const char nodes[] =
        "a ::1:7000@17000 myself,master - 0 0 1 connected 0-8191 [8191->-b]\n"
        "b :7001@17001 master - 0 0 2 connected 8192-16383 [100-<-a]\r\n"
        "c 10.0.0.9:7002@17002 master,fail - 0 0 3 disconnected\n"
        "d 10.0.0.8:7003@17003 master - 0 0 4 connected\n";
    struct lc_err err = LC_ERR_INIT;
    char **m = NULL;

    (void)state;
    assert_int_equal(lc_redis_cluster_masters(nodes, "10.1.1.1", &m, &err), 0);
    assert_int_equal(lc_strv_len(m), 2);
    assert_string_equal(m[0], "10.1.1.1:7001");
    assert_string_equal(m[1], "[::1]:7000");
    lc_strv_free(m);
}

static void expect_cluster_error(const char *nodes, enum lc_status status, const char *text)
{
    struct lc_err err = LC_ERR_INIT;
    char **m = (char **)0x1;

    assert_int_equal(lc_redis_cluster_masters(nodes, "seed", &m, &err), -1);
    assert_int_equal(err.status, status);
    assert_non_null(strstr(err.msg, text));
    assert_ptr_equal(m, (char **)0x1);
}

static void test_cluster_errors(void **state)
{
    (void)state;
    /* A slot-serving master that failed: the snapshot would miss its slots. */
    expect_cluster_error("a h:1@2 master - 0 0 1 connected 0-8191\n"
                         "b h:2@3 master,fail - 0 0 2 disconnected 8192-16383\n",
                         LC_E_UNAVAILABLE, "flagged 'master,fail'");
    expect_cluster_error("a h:1@2 master,noaddr - 0 0 1 connected 0-16383\n", LC_E_UNAVAILABLE,
                         "noaddr");
    /* Slots not covered (one master missing from the text). */
    expect_cluster_error("a h:1@2 master - 0 0 1 connected 0-8191\n", LC_E_UNAVAILABLE,
                         "8192 of 16384 slots");
    expect_cluster_error("", LC_E_UNAVAILABLE, "0 of 16384 slots");
    expect_cluster_error("a h:1@2 master - 0 0\n", LC_E_DATA, "cannot parse");
    expect_cluster_error("a h:1@2 master - 0 0 1 connected 0-99999\n", LC_E_DATA, "bad slot");
    expect_cluster_error("a h:1@2 master - 0 0 1 connected 10-5\n", LC_E_DATA, "bad slot");
    expect_cluster_error("a h:1@2 master - 0 0 1 connected 1-\n", LC_E_DATA, "bad slot");
    expect_cluster_error("a h:1@2 master - 0 0 1 connected x\n", LC_E_DATA, "bad slot");
    expect_cluster_error("a nocolon@2 master - 0 0 1 connected 0-16383\n", LC_E_DATA,
                         "bad address");
    expect_cluster_error("a h:0@2 master - 0 0 1 connected 0-16383\n", LC_E_DATA, "bad address");
}

static void test_masters_config_errors(void **state)
{
    struct lc_redis_cfg cfg;
    struct lc_err err = LC_ERR_INIT;
    char first[] = "127.0.0.1:1", bad[] = "bad";
    char *nodes[] = {first, bad, NULL};
    char **out = (char **)0x1;

    (void)state;
    memset(&cfg, 0, sizeof(cfg));
    assert_int_equal(lc_redis_masters(&cfg, &out, &err), -1);
    assert_int_equal(err.status, LC_E_CONFIG);
    /* A bad entry is reported even though it comes after another one. */
    cfg.nodes = nodes;
    assert_int_equal(lc_redis_masters(&cfg, &out, &err), -1);
    assert_int_equal(err.status, LC_E_CONFIG);
    assert_non_null(strstr(err.msg, "'bad'"));
    /* Sentinel mode needs master_name. */
    nodes[1] = NULL;
    cfg.mode = LC_REDIS_SENTINEL;
    assert_int_equal(lc_redis_masters(&cfg, &out, &err), -1);
    assert_int_equal(err.status, LC_E_CONFIG);
    assert_non_null(strstr(err.msg, "master_name"));
    assert_ptr_equal(out, (char **)0x1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_node),      cmocka_unit_test(test_parse_node_ipv6_hint),
        cmocka_unit_test(test_node_name),       cmocka_unit_test(test_info_field),
        cmocka_unit_test(test_cluster_masters), cmocka_unit_test(test_cluster_special_addresses),
        cmocka_unit_test(test_cluster_errors),  cmocka_unit_test(test_masters_config_errors),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
