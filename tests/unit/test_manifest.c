/*
 * manifest.json: what the writer builds, the parser reads back field for field; a
 * malformed manifest is status 65 naming what is wrong.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "common/manifest.h"
#include "common/mem.h"

static const char sha_a[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

static void test_round_trip(void **state)
{
    struct lc_member_list members = LC_MEMBER_LIST_INIT;
    struct lc_dump_mariadb_info mdb = {0};
    struct lc_dump_redis_info rds = {0};
    char db_name[] = "lcbp3_production";
    char *dbs[] = {db_name, NULL};
    struct lc_set_header h = {"lcbp3-h-20261124T020000Z-daily.tar", "h", "daily", 1795500000,
                              1795500060, dbs, &mdb, &rds};
    struct lc_manifest m;
    struct lc_err err = LC_ERR_INIT;
    struct lc_member *mem;
    char *json;

    (void)state;
    mdb.server_version = lc_xstrdup("10.11.19-MariaDB");
    mdb.binlog_file = lc_xstrdup("mysql-bin.000002");
    mdb.binlog_pos = 1680;
    mdb.gtid = lc_xstrdup("0-1-7");
    rds.version = lc_xstrdup("7.0.15");
    rds.mode = lc_xstrdup("standalone");
    mem = lc_member_list_add(&members, "mariadb/lcbp3_production/t.data.sql.gz", "data");
    mem->db = lc_xstrdup("lcbp3_production");
    mem->table = lc_xstrdup("t");
    mem->rows = 42;
    mem->size = 1234;
    mem->raw_size = 5678;
    memcpy(mem->sha256, sha_a, 65);
    mem = lc_member_list_add(&members, "redis/dump.rdb.gz", "rdb");
    mem->node = lc_xstrdup("127.0.0.1:6379");
    memcpy(mem->sha256, sha_a, 65);

    json = lc_manifest_build(&h, &members);
    assert_int_equal(lc_manifest_parse(json, strlen(json), &m, &err), 0);
    assert_int_equal(m.format, LC_MANIFEST_FORMAT);
    assert_string_equal(m.set_name, h.set_name);
    assert_string_equal(m.host, "h");
    assert_string_equal(m.kind, "daily");
    assert_int_equal(m.started_at, 1795500000);
    assert_int_equal(m.finished_at, 1795500060);
    assert_string_equal(m.mariadb_version, "10.11.19-MariaDB");
    assert_string_equal(m.binlog_file, "mysql-bin.000002");
    assert_int_equal(m.binlog_pos, 1680);
    assert_string_equal(m.gtid, "0-1-7");
    assert_string_equal(m.redis_version, "7.0.15");
    assert_int_equal(m.n_members, 2);
    assert_string_equal(m.members[0].path, "mariadb/lcbp3_production/t.data.sql.gz");
    assert_string_equal(m.members[0].table, "t");
    assert_int_equal(m.members[0].rows, 42);
    assert_int_equal(m.members[0].size, 1234);
    assert_int_equal(m.members[0].raw_size, 5678);
    assert_string_equal(m.members[0].sha256, sha_a);
    assert_int_equal(m.members[1].rows, -1);
    assert_string_equal(m.members[1].node, "127.0.0.1:6379");
    assert_null(m.members[1].db);
    lc_manifest_done(&m);
    free(json);
    lc_member_list_done(&members);
    lc_dump_mariadb_info_done(&mdb);
    lc_dump_redis_info_done(&rds);
}

static void expect_bad(const char *json, const char *needle)
{
    struct lc_manifest m;
    struct lc_err err = LC_ERR_INIT;

    assert_int_equal(lc_manifest_parse(json, strlen(json), &m, &err), -1);
    assert_int_equal(err.status, LC_E_DATA);
    if (!strstr(err.msg, needle))
        fail_msg("message '%s' lacks '%s'", err.msg, needle);
}

#define HEAD "\"format\":1,\"tool_version\":\"0.1.0\",\"set\":\"s\",\"host\":\"h\",\"kind\":\"daily\"," \
             "\"started_at_unix\":1,\"finished_at_unix\":2"

static void test_malformed(void **state)
{
    (void)state;
    expect_bad("{\"format\":1", "not valid JSON");
    expect_bad("[1,2]", "not a JSON object");
    expect_bad("{\"format\":9}", "format 9 is newer");
    expect_bad("{\"format\":1}", "field 'tool_version' is missing");
    expect_bad("{" HEAD "}", "'members' is missing");
    expect_bad("{" HEAD ",\"members\":[{\"path\":\"a\",\"kind\":\"data\",\"size\":1,\"sha256\":\"xyz\"}]}",
               "sha256 'xyz' is not 64 hex digits");
    expect_bad("{" HEAD ",\"members\":[{\"path\":\"a\",\"kind\":\"data\",\"size\":-1}]}",
               "field 'size' is negative");
    expect_bad("{" HEAD ",\"members\":[{\"path\":7}]}", "field 'path' is not a string");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_malformed),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
