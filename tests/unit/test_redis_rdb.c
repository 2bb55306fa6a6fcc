/*
 * Unit tests for the pure parts of common/redis_rdb.c: the SYNC header parser
 * (keepalives, "$EOF:" and "$<len>", error lines, garbage) and the streaming RDB check
 * (marker stripping and CRC64 verification for every way the bytes can be cut into
 * reads, disk-mode length handling, corrupt, foreign, truncated and checksum-less
 * RDBs).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/buf.h"
#include "common/crc64.h"
#include "common/redis_rdb.h"

static const char MARK[] = "0123456789abcdef0123456789abcdef01234567";

static void test_header_eof(void **state)
{
    static const char in[] = "\n\n\n$EOF:0123456789abcdef0123456789abcdef01234567\r\nREDIS";
    struct lc_err err = LC_ERR_INIT;
    struct lc_rdb_header h;
    size_t used = 0;

    (void)state;
    assert_int_equal(lc_redis_rdb_parse_header(in, sizeof(in) - 1, &used, &h, &err), 1);
    assert_int_equal(h.diskless, 1);
    assert_memory_equal(h.mark, MARK, LC_RDB_EOF_MARK_LEN);
    assert_int_equal(used, sizeof(in) - 1 - 5);
    /* Every prefix short of the line end asks for more. */
    for (size_t len = 0; len < used; len++)
        assert_int_equal(lc_redis_rdb_parse_header(in, len, &used, &h, &err), 0);
}

static void test_header_length(void **state)
{
    struct lc_err err = LC_ERR_INIT;
    struct lc_rdb_header h;
    size_t used = 0;

    (void)state;
    assert_int_equal(lc_redis_rdb_parse_header("$18971312\r\nR", 12, &used, &h, &err), 1);
    assert_int_equal(h.diskless, 0);
    assert_true(h.length == 18971312);
    assert_int_equal(used, 11);
    assert_int_equal(lc_redis_rdb_parse_header("\n$0\n", 4, &used, &h, &err), 1);
    assert_true(h.length == 0);
    assert_int_equal(used, 4);
    assert_int_equal(lc_redis_rdb_parse_header("\n\n", 2, &used, &h, &err), 0);
    assert_int_equal(lc_redis_rdb_parse_header("", 0, &used, &h, &err), 0);
}

static void expect_header_error(const char *in, const char *text)
{
    struct lc_err err = LC_ERR_INIT;
    struct lc_rdb_header h;
    size_t used = 99;

    assert_int_equal(lc_redis_rdb_parse_header(in, strlen(in), &used, &h, &err), -1);
    assert_int_equal(err.status, LC_E_UNAVAILABLE);
    assert_non_null(strstr(err.msg, text));
    assert_int_equal(used, 99);
}

static void test_header_errors(void **state)
{
    char big[2048];

    (void)state;
    expect_header_error("-NOPERM this user has no permissions to run the 'sync' command\r\n",
                        "SYNC: NOPERM this user");
    expect_header_error("\n-ERR Can't SYNC while not connected with my master\r\n",
                        "SYNC: ERR Can't SYNC");
    expect_header_error("+FULLRESYNC abc 0\r\n", "unexpected answer '+FULLRESYNC");
    expect_header_error("$EOF:short\r\n", "unexpected answer");
    expect_header_error("$\r\n", "unexpected answer");
    expect_header_error("$12a\r\n", "unexpected answer");
    expect_header_error("$99999999999999999999\r\n", "unexpected answer");
    expect_header_error("hello\n", "unexpected answer");
    memset(big, 'x', sizeof(big));
    big[sizeof(big) - 1] = '\0';
    expect_header_error(big, "no line end");
}

/* A small but well-formed RDB: magic, version, AUX, a key, EOF opcode, CRC64 (LE). */
static size_t make_rdb(unsigned char *out, size_t body_len, int zero_crc)
{
    static const char head[] = "REDIS0010\xfa\x09redis-ver\x06"
                               "7.0.15\xfe\x00\xfb\x01\x00"
                               "\x00\x03key";
    size_t len = sizeof(head) - 1;
    uint64_t crc;

    memcpy(out, head, len);
    out[len++] = (unsigned char)(body_len < 64 ? body_len : 63);
    for (size_t idx = 0; idx < body_len; idx++)
        out[len++] = (unsigned char)(idx * 7 + 3);
    out[len++] = 0xff;
    crc = zero_crc ? 0 : lc_crc64(0, out, len);
    for (int idx = 0; idx < 8; idx++)
        out[len++] = (unsigned char)(crc >> (8 * idx));
    return len;
}

static int buf_sink(void *ctx, const void *data, size_t len, struct lc_err *err)
{
    (void)err;
    lc_buf_append(ctx, data, len);
    return 0;
}

static int failing_sink(void *ctx, const void *data, size_t len, struct lc_err *err)
{
    (void)ctx;
    (void)data;
    (void)len;
    return lc_err_set(err, LC_E_IO, "disk full");
}

/* Feeds `in` in pieces of `step` bytes; returns what finish() returned. */
static int run_stream(const struct lc_rdb_header *h, const unsigned char *in, size_t len,
                      size_t step, struct lc_buf *out, struct lc_redis_rdb_stats *stats,
                      struct lc_err *err)
{
    struct lc_rdb_stream s;
    int done = 0;

    lc_rdb_stream_init(&s, h, buf_sink, out);
    for (size_t off = 0; off < len && !done; off += step) {
        size_t n = len - off < step ? len - off : step;

        done = lc_rdb_stream_feed(&s, in + off, n, err);
        assert_true(done >= 0);
    }
    return lc_rdb_stream_finish(&s, stats, err);
}

static void test_stream_diskless_all_cuts(void **state)
{
    unsigned char rdb[256], in[512];
    struct lc_rdb_header h;
    size_t len = make_rdb(rdb, 100, 0);

    (void)state;
    memset(&h, 0, sizeof(h));
    h.diskless = 1;
    memcpy(h.mark, MARK, LC_RDB_EOF_MARK_LEN);
    memcpy(in, rdb, len);
    memcpy(in + len, MARK, LC_RDB_EOF_MARK_LEN);
    for (size_t step = 1; step <= len + LC_RDB_EOF_MARK_LEN; step++) {
        struct lc_buf out = LC_BUF_INIT;
        struct lc_redis_rdb_stats stats = {0, 0, 0};
        struct lc_err err = LC_ERR_INIT;

        assert_int_equal(run_stream(&h, in, len + LC_RDB_EOF_MARK_LEN, step, &out, &stats, &err),
                         0);
        assert_int_equal(out.len, len);
        assert_memory_equal(out.data, rdb, len);
        assert_true(stats.bytes == len);
        assert_int_equal(stats.diskless, 1);
        assert_true(stats.crc == lc_crc64(0, rdb, len - 8));
        lc_buf_done(&out);
    }
}

static void test_stream_disk_length(void **state)
{
    unsigned char rdb[256], in[300];
    struct lc_rdb_header h;
    size_t len = make_rdb(rdb, 60, 0);

    (void)state;
    memset(&h, 0, sizeof(h));
    h.length = len;
    memcpy(in, rdb, len);
    memset(in + len, '*', 20); /* bytes after the RDB are not part of it */
    for (size_t step = 1; step <= len + 20; step += 3) {
        struct lc_buf out = LC_BUF_INIT;
        struct lc_redis_rdb_stats stats = {0, 0, 0};
        struct lc_err err = LC_ERR_INIT;

        assert_int_equal(run_stream(&h, in, len + 20, step, &out, &stats, &err), 0);
        assert_int_equal(out.len, len);
        assert_memory_equal(out.data, rdb, len);
        assert_int_equal(stats.diskless, 0);
        lc_buf_done(&out);
    }
}

static void expect_stream_error(const unsigned char *rdb, size_t len, const char *text)
{
    struct lc_buf out = LC_BUF_INIT;
    struct lc_redis_rdb_stats stats = {7, 7, 7};
    struct lc_err err = LC_ERR_INIT;
    struct lc_rdb_header h;

    memset(&h, 0, sizeof(h));
    h.length = len;
    assert_int_equal(run_stream(&h, rdb, len, 5, &out, &stats, &err), -1);
    assert_int_equal(err.status, LC_E_DATA);
    assert_non_null(strstr(err.msg, text));
    assert_true(stats.bytes == 7);
    lc_buf_done(&out);
}

static void test_stream_bad_rdbs(void **state)
{
    unsigned char rdb[256];
    size_t len;

    (void)state;
    len = make_rdb(rdb, 40, 0);
    rdb[20] ^= 0x10;
    expect_stream_error(rdb, len, "checksum does not match");
    len = make_rdb(rdb, 40, 0);
    rdb[0] = 'X';
    expect_stream_error(rdb, len, "not an RDB");
    len = make_rdb(rdb, 40, 0);
    rdb[len - 9] = 0xfe;
    expect_stream_error(rdb, len, "no EOF opcode");
    expect_stream_error((const unsigned char *)"REDIS", 5, "too short");
    expect_stream_error((const unsigned char *)"REDIS0010\xff\0\0\0\0\0\0\0", 17, "too short");
}

static void test_stream_zero_crc_accepted(void **state)
{
    unsigned char rdb[256];
    struct lc_buf out = LC_BUF_INIT;
    struct lc_redis_rdb_stats stats = {0, 1, 0};
    struct lc_err err = LC_ERR_INIT;
    struct lc_rdb_header h;
    size_t len = make_rdb(rdb, 10, 1);

    (void)state;
    memset(&h, 0, sizeof(h));
    h.length = len;
    assert_int_equal(run_stream(&h, rdb, len, 1000, &out, &stats, &err), 0);
    assert_true(stats.crc == 0);
    assert_int_equal(out.len, len);
    lc_buf_done(&out);
}

static void test_stream_incomplete_and_sink_error(void **state)
{
    unsigned char rdb[256];
    struct lc_redis_rdb_stats stats;
    struct lc_err err = LC_ERR_INIT;
    struct lc_rdb_header h;
    struct lc_rdb_stream s;
    size_t len = make_rdb(rdb, 100, 0);

    (void)state;
    memset(&h, 0, sizeof(h));
    h.diskless = 1;
    memcpy(h.mark, MARK, LC_RDB_EOF_MARK_LEN);
    /* No marker yet: not complete, and finish() says so. */
    lc_rdb_stream_init(&s, &h, failing_sink, NULL);
    assert_int_equal(lc_rdb_stream_feed(&s, rdb, 30, &err), 0);
    assert_int_equal(lc_rdb_stream_finish(&s, &stats, &err), -1);
    assert_int_equal(err.status, LC_E_DATA);
    assert_non_null(strstr(err.msg, "incomplete"));
    /* Once bytes must leave the hold-back window, the sink's error comes through. */
    assert_int_equal(lc_rdb_stream_feed(&s, rdb + 30, len - 30, &err), -1);
    assert_int_equal(err.status, LC_E_IO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header_eof),
        cmocka_unit_test(test_header_length),
        cmocka_unit_test(test_header_errors),
        cmocka_unit_test(test_stream_diskless_all_cuts),
        cmocka_unit_test(test_stream_disk_length),
        cmocka_unit_test(test_stream_bad_rdbs),
        cmocka_unit_test(test_stream_zero_crc_accepted),
        cmocka_unit_test(test_stream_incomplete_and_sink_error),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
