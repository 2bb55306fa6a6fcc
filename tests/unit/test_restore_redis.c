/*
 * Unit tests for the server-free parts of the Redis restore: the parser of the export's
 * RESP commands (complete, incomplete at every byte, malformed), the scan of a whole
 * export fed in awkward pieces, and the placement of an RDB as dump.rdb (checks, the
 * kept old file, nothing left behind on failure).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/buf.h"
#include "common/crc64.h"
#include "common/fs.h"
#include "common/mem.h"
#include "common/redis_keys.h"
#include "common/restore_redis.h"

static void restore_cmd(struct lc_buf *b, const char *key, size_t key_len, const char *ttl,
                        const char *payload, size_t payload_len)
{
    const char *argv[6] = {"RESTORE", key, ttl, payload, "REPLACE", "ABSTTL"};
    size_t lens[6] = {7, key_len, strlen(ttl), payload_len, 7, 6};

    lc_redis_resp_command(b, 6, argv, lens);
}

static void select_cmd(struct lc_buf *b, const char *db)
{
    const char *argv[2] = {"SELECT", db};

    lc_redis_resp_command(b, 2, argv, NULL);
}

static void test_parse_commands(void **state)
{
    struct lc_buf b = LC_BUF_INIT;
    struct lc_export_cmd cmd;
    struct lc_err err = LC_ERR_INIT;
    size_t used = 0, first;

    (void)state;
    select_cmd(&b, "3");
    first = b.len;
    restore_cmd(&b, "k\r\n\0y", 5, "1795500953129", "\0\xff\r\n", 4);
    assert_int_equal(lc_restore_redis_parse(b.data, b.len, &cmd, &used, &err), 1);
    assert_int_equal(used, first);
    assert_int_equal(cmd.restore, 0);
    assert_int_equal(cmd.db, 3);
    assert_ptr_equal(cmd.raw, b.data);
    assert_int_equal(cmd.raw_len, first);
    assert_int_equal(lc_restore_redis_parse(b.data + first, b.len - first, &cmd, &used, &err), 1);
    assert_int_equal(used, b.len - first);
    assert_int_equal(cmd.restore, 1);
    assert_int_equal(cmd.key_len, 5);
    assert_memory_equal(cmd.key, "k\r\n\0y", 5);
    assert_int_equal(cmd.abs_ms, 1795500953129LL);
    assert_int_equal(cmd.raw_len, b.len - first);
    /* Every proper prefix is "need more", never an error. */
    for (size_t len = 0; len < b.len - first; len++)
        assert_int_equal(lc_restore_redis_parse(b.data + first, len, &cmd, &used, &err), 0);
    /* Lower case and no TTL without ABSTTL are fine. */
    lc_buf_reset(&b);
    lc_buf_puts(&b, "*4\r\n$7\r\nrestore\r\n$1\r\nk\r\n$1\r\n0\r\n$1\r\np\r\n");
    assert_int_equal(lc_restore_redis_parse(b.data, b.len, &cmd, &used, &err), 1);
    assert_int_equal(cmd.abs_ms, 0);
    lc_buf_done(&b);
}

static void test_parse_errors(void **state)
{
    static const char *const bad[] = {
        "+OK\r\n",
        "PING\r\n",
        "*0\r\n",
        "*17\r\n",
        "*-1\r\n",
        "*1x\r\n",
        "*1\r\r",
        "*1\r\n+PING\r\n",
        "*1\r\n$4\r\nPINGxx",
        "*1\r\n$4\r\nPING\r\n",
        "*1\r\n$6\r\nSELECT\r\n",
        "*2\r\n$6\r\nSELECT\r\n$1\r\nx\r\n",
        "*2\r\n$6\r\nSELECT\r\n$10\r\n2147483648\r\n",
        "*3\r\n$7\r\nRESTORE\r\n$1\r\nk\r\n$1\r\n0\r\n",
        "*4\r\n$7\r\nRESTORE\r\n$1\r\nk\r\n$2\r\n-5\r\n$1\r\np\r\n",
        "*4\r\n$7\r\nRESTORE\r\n$1\r\nk\r\n$2\r\n50\r\n$1\r\np\r\n",
        "*1\r\n$99999999999999999999\r\n",
        "*1\r\n$4294967297\r\n",
    };
    struct lc_export_cmd cmd;
    size_t used = 0;

    (void)state;
    for (size_t idx = 0; idx < sizeof(bad) / sizeof(bad[0]); idx++) {
        struct lc_err err = LC_ERR_INIT;
        int rc = lc_restore_redis_parse(bad[idx], strlen(bad[idx]), &cmd, &used, &err);

        if (rc != -1)
            fail_msg("'%s' parsed as %d", bad[idx], rc);
        assert_int_equal(err.status, LC_E_DATA);
    }
}

/* A read function over memory that hands out at most `piece` bytes per call. */
struct mem_src {
    const char *data;
    size_t len, pos, piece;
    int fail_at_end;
};

static int mem_read(void *ctx, char *buf, size_t cap, size_t *out_len, struct lc_err *err)
{
    struct mem_src *m = ctx;
    size_t n = m->len - m->pos;

    if (n == 0 && m->fail_at_end)
        return lc_err_set(err, LC_E_IO, "read failed");
    if (n > m->piece)
        n = m->piece;
    if (n > cap)
        n = cap;
    memcpy(buf, m->data + m->pos, n);
    m->pos += n;
    *out_len = n;
    return 0;
}

static void test_scan(void **state)
{
    struct lc_buf b = LC_BUF_INIT;
    const struct lc_restore_redis_scan init = LC_RESTORE_REDIS_SCAN_INIT;
    struct lc_restore_redis_scan scan;
    struct lc_err err = LC_ERR_INIT;
    char *big = lc_xmalloc(700000);

    (void)state;
    memset(big, 'x', 700000);
    select_cmd(&b, "0");
    restore_cmd(&b, "a", 1, "0", "p", 1);
    restore_cmd(&b, "big", 3, "0", big, 700000);
    select_cmd(&b, "3");
    restore_cmd(&b, "c", 1, "1700000000000", "p", 1);
    select_cmd(&b, "5");
    restore_cmd(&b, "d", 1, "0", "p", 1);
    for (size_t piece = 1; piece <= 1 << 20; piece = piece < 64 ? piece + 1 : piece * 7) {
        struct mem_src src = {b.data, b.len, 0, piece, 0};

        scan = init;
        assert_int_equal(lc_restore_redis_scan(mem_read, &src, NULL, &scan, &err), 0);
        assert_int_equal(scan.keys, 4);
        assert_int_equal(scan.dbs, 3);
        assert_int_equal(scan.keys_not_db0, 2);
        assert_int_equal(scan.first_other_db, 3);
        assert_int_equal(scan.bytes, b.len);
        if (piece > 64 * 1024)
            break;
    }
    /* Truncated: the offset of the incomplete command is named. */
    {
        struct mem_src src = {b.data, b.len - 3, 0, 4096, 0};

        scan = init;
        assert_int_equal(lc_restore_redis_scan(mem_read, &src, NULL, &scan, &err), -1);
        assert_int_equal(err.status, LC_E_DATA);
        assert_non_null(strstr(err.msg, "truncated"));
    }
    /* Garbage after two commands: "not a valid export at byte N". */
    {
        struct lc_buf g = LC_BUF_INIT;
        struct mem_src src;
        char want[64];

        select_cmd(&g, "0");
        restore_cmd(&g, "a", 1, "0", "p", 1);
        snprintf(want, sizeof(want), "at byte %zu:", g.len);
        lc_buf_puts(&g, "+OK\r\n");
        src = (struct mem_src){g.data, g.len, 0, 3, 0};
        scan = init;
        lc_err_clear(&err);
        assert_int_equal(lc_restore_redis_scan(mem_read, &src, NULL, &scan, &err), -1);
        assert_int_equal(err.status, LC_E_DATA);
        assert_non_null(strstr(err.msg, want));
        assert_int_equal(scan.keys, 1);
        lc_buf_done(&g);
    }
    /* The read function's error is passed on. */
    {
        struct mem_src src = {b.data, b.len, 0, 4096, 1};

        scan = init;
        lc_err_clear(&err);
        assert_int_equal(lc_restore_redis_scan(mem_read, &src, NULL, &scan, &err), -1);
        assert_int_equal(err.status, LC_E_IO);
    }
    /* An empty export is a valid one. */
    {
        struct mem_src src = {"", 0, 0, 1, 0};

        scan = init;
        assert_int_equal(lc_restore_redis_scan(mem_read, &src, NULL, &scan, &err), 0);
        assert_int_equal(scan.keys, 0);
        assert_int_equal(scan.first_other_db, -1);
    }
    free(big);
    lc_buf_done(&b);
}

/* A minimal valid RDB: header, a few body bytes, EOF opcode, CRC-64 little-endian. */
static size_t make_rdb(unsigned char *out, const char *body, int crc_ok)
{
    size_t len = 0;
    uint64_t crc;

    memcpy(out, "REDIS0010", 9);
    len = 9;
    memcpy(out + len, body, strlen(body));
    len += strlen(body);
    out[len++] = 0xff;
    crc = lc_crc64(0, out, len);
    if (!crc_ok)
        crc ^= 1;
    for (int idx = 0; idx < 8; idx++)
        out[len++] = (unsigned char)(crc >> (8 * idx));
    return len;
}

static char *read_file(const char *path, size_t *out_len)
{
    FILE *f = fopen(path, "rb");
    char *data = lc_xmalloc(4096);

    assert_non_null(f);
    *out_len = fread(data, 1, 4096, f);
    fclose(f);
    return data;
}

static void test_rdb_place(void **state)
{
    char tmpl[] = "/tmp/test_restore_redis.XXXXXX";
    char *dir = mkdtemp(tmpl), *sub, *path, *partial, *kept = NULL, *data;
    unsigned char rdb[256], rdb2[256];
    size_t len, len2, got = 0;
    uint64_t bytes = 0;
    struct lc_err err = LC_ERR_INIT;
    struct stat st;

    (void)state;
    assert_non_null(dir);
    sub = lc_xasprintf("%s/new/dir", dir);
    path = lc_xasprintf("%s/dump.rdb", sub);
    partial = lc_xasprintf("%s/dump.rdb.partial", sub);
    len = make_rdb(rdb, "\xfa\x09redis-ver\x067.0.15", 1);
    for (size_t piece = 1; piece <= 64; piece *= 4) {
        struct mem_src src = {(const char *)rdb, len, 0, piece, 0};

        assert_int_equal(lc_restore_redis_rdb(sub, mem_read, &src, &kept, &bytes, &err), 0);
        assert_int_equal(bytes, len);
        data = read_file(path, &got);
        assert_int_equal(got, len);
        assert_memory_equal(data, rdb, len);
        free(data);
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0600);
        assert_int_not_equal(stat(partial, &st), 0);
        if (piece == 1) {
            assert_null(kept); /* the directory was created: nothing to keep */
        } else {
            /* The earlier dump.rdb is kept beside it. */
            assert_non_null(kept);
            assert_non_null(strstr(kept, "/dump.rdb.before-restore-"));
            assert_int_equal(stat(kept, &st), 0);
            free(kept);
            kept = NULL;
        }
    }
    /* Corrupt: bad checksum, no magic, no EOF opcode, too short, a read error. */
    len2 = make_rdb(rdb2, "body", 0);
    {
        struct mem_src bad_crc = {(const char *)rdb2, len2, 0, 5, 0};
        struct mem_src no_magic = {"RADIS0010\xff\0\0\0\0\0\0\0\0", 18, 0, 100, 0};
        struct mem_src no_eof = {(const char *)rdb, len - 1, 0, 100, 0};
        struct mem_src short_rdb = {"REDIS", 5, 0, 100, 0};
        struct mem_src io = {(const char *)rdb, len, 0, 100, 1};
        struct mem_src *cases[] = {&bad_crc, &no_magic, &no_eof, &short_rdb, &io};

        for (size_t idx = 0; idx < 5; idx++) {
            lc_err_clear(&err);
            assert_int_equal(lc_restore_redis_rdb(sub, mem_read, cases[idx], NULL, NULL, &err), -1);
            assert_int_equal(err.status, idx == 4 ? LC_E_IO : LC_E_DATA);
            assert_int_not_equal(stat(partial, &st), 0);
            /* The dump.rdb placed before is untouched. */
            data = read_file(path, &got);
            assert_int_equal(got, len);
            assert_memory_equal(data, rdb, len);
            free(data);
        }
    }
    /* No checksum (rdbchecksum no): accepted. */
    memset(rdb2 + len2 - 8, 0, 8);
    {
        struct mem_src src = {(const char *)rdb2, len2, 0, 100, 0};

        assert_int_equal(lc_restore_redis_rdb(sub, mem_read, &src, NULL, NULL, &err), 0);
    }
    /* Not a directory. */
    {
        struct mem_src src = {(const char *)rdb, len, 0, 100, 0};

        lc_err_clear(&err);
        assert_int_equal(lc_restore_redis_rdb(path, mem_read, &src, NULL, NULL, &err), -1);
        assert_int_equal(err.status, LC_E_CANTCREAT);
    }
    assert_int_equal(lc_fs_remove_tree(dir, &err), 0);
    free(sub);
    free(path);
    free(partial);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_commands),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_scan),
        cmocka_unit_test(test_rdb_place),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
