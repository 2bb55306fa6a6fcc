/*
 * The gzip reader: multi-member files of lc_gz_writer and single-member legacy files
 * (longer than LC_GZ_READER_FAST, so streamed by zlib) come back byte-exact whatever
 * the read size; a byte range inside a larger file is read alone; truncation at every
 * kind of place, flipped bytes in data, CRC and length, trailing garbage and a file
 * shorter than its range are LC_E_DATA naming the input; sniffing tells gzip from
 * plain text.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "common/gz.h"
#include "common/gz_reader.h"
#include "common/mem.h"

struct blob {
    unsigned char *data;
    size_t len;
};

/* Compressible but not trivial: SQL-like text with a pseudo-random mix. */
static struct blob make_input(size_t len, unsigned seed)
{
    struct blob b = {lc_xmalloc(len ? len : 1), len};
    static const char *words[] = {"INSERT", "INTO", "`t`", "VALUES", "(1,'x')",  "_binary'\\0'",
                                  "ท่าเรือ",  ",",    "\n",  "NULL",   "0x1F8B08", "'it\\'s'"};
    size_t pos = 0;

    while (pos < len) {
        const char *w;
        size_t n;

        seed = seed * 1103515245u + 12345u;
        w = words[(seed >> 16) % 12];
        n = strlen(w);
        if (n > len - pos)
            n = len - pos;
        memcpy(b.data + pos, w, n);
        pos += n;
        if ((seed >> 8) % 7 == 0 && pos < len)
            b.data[pos++] = (unsigned char)(seed >> 3);
    }
    return b;
}

static char *temp_path(void)
{
    char *path = lc_xstrdup("/tmp/lc-test-gzr-XXXXXX");
    int fd = mkstemp(path);

    assert_true(fd >= 0);
    close(fd);
    return path;
}

/* Writes data with lc_gz_writer (members of LC_GZ_BLOCK_SIZE input). */
static struct blob gz_ours(const struct blob *in, int level)
{
    char *path = temp_path();
    struct lc_err err = LC_ERR_INIT;
    struct lc_gz_writer *w = lc_gz_writer_open(path, level, &err);
    struct blob out;
    FILE *f;
    long size;

    assert_non_null(w);
    assert_int_equal(lc_gz_write(w, in->data, in->len, &err), 0);
    assert_int_equal(lc_gz_writer_close(w, NULL, NULL, &err), 0);
    f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    size = ftell(f);
    rewind(f);
    out.len = (size_t)size;
    out.data = lc_xmalloc(out.len);
    assert_int_equal(fread(out.data, 1, out.len, f), out.len);
    fclose(f);
    unlink(path);
    free(path);
    return out;
}

/* One gzip member made by zlib, with a file name in the header (as gzip(1) writes). */
static struct blob gz_zlib(const struct blob *in)
{
    z_stream zs;
    gz_header head;
    struct blob out;

    memset(&zs, 0, sizeof(zs));
    memset(&head, 0, sizeof(head));
    head.name = (Bytef *)(uintptr_t) "dump.sql";
    assert_int_equal(deflateInit2(&zs, 6, Z_DEFLATED, 16 + 15, 8, Z_DEFAULT_STRATEGY), Z_OK);
    assert_int_equal(deflateSetHeader(&zs, &head), Z_OK);
    out.len = deflateBound(&zs, (uLong)in->len) + 64;
    out.data = lc_xmalloc(out.len);
    zs.next_in = in->data;
    zs.avail_in = (uInt)in->len;
    zs.next_out = out.data;
    zs.avail_out = (uInt)out.len;
    assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
    out.len = zs.total_out;
    deflateEnd(&zs);
    return out;
}

static struct blob concat(const struct blob *a, const struct blob *b)
{
    struct blob c = {lc_xmalloc(a->len + b->len + 1), a->len + b->len};

    memcpy(c.data, a->data, a->len);
    memcpy(c.data + a->len, b->data, b->len);
    return c;
}

/* A temp file holding `pre` junk bytes, the data, and `post` junk bytes; returns an fd. */
static int file_with(const struct blob *b, size_t pre, size_t post)
{
    char *path = temp_path();
    int fd = open(path, O_RDWR);
    unsigned char junk[64];

    memset(junk, 0x1f, sizeof(junk)); /* looks like the start of gzip on purpose */
    assert_true(fd >= 0);
    unlink(path);
    free(path);
    for (size_t n = pre; n > 0;) {
        size_t k = n < sizeof(junk) ? n : sizeof(junk);

        assert_int_equal(write(fd, junk, k), (ssize_t)k);
        n -= k;
    }
    assert_int_equal(write(fd, b->data, b->len), (ssize_t)b->len);
    for (size_t n = post; n > 0;) {
        size_t k = n < sizeof(junk) ? n : sizeof(junk);

        assert_int_equal(write(fd, junk, k), (ssize_t)k);
        n -= k;
    }
    return fd;
}

/* Reads the whole range with reads of `cap`; returns 0 or -1 (err set), output in *out. */
static int read_all(int fd, uint64_t off, uint64_t len, enum lc_gz_input mode, size_t cap,
                    struct blob *out, struct lc_err *err, int *is_gzip)
{
    struct lc_gz_reader *r = lc_gz_reader_open(fd, off, len, mode, "member.sql.gz");
    unsigned char *buf = lc_xmalloc(cap);
    size_t alloc = 1 << 16, n;
    int rc = -1;

    assert_non_null(r);
    out->data = lc_xmalloc(alloc);
    out->len = 0;
    for (;;) {
        if (lc_gz_read(r, buf, cap, &n, err) < 0)
            goto done;
        assert_true(n <= cap);
        if (n == 0)
            break;
        while (out->len + n > alloc) {
            alloc *= 2;
            out->data = lc_xrealloc(out->data, alloc);
        }
        memcpy(out->data + out->len, buf, n);
        out->len += n;
    }
    /* the end is sticky */
    assert_int_equal(lc_gz_read(r, buf, cap, &n, err), 0);
    assert_int_equal(n, 0);
    if (len != UINT64_MAX)
        assert_int_equal(lc_gz_reader_consumed(r), len);
    rc = 0;
done:
    if (is_gzip)
        *is_gzip = lc_gz_reader_is_gzip(r);
    lc_gz_reader_close(r);
    free(buf);
    return rc;
}

static void expect_same(int fd, uint64_t off, uint64_t len, enum lc_gz_input mode, size_t cap,
                        const struct blob *want)
{
    struct lc_err err = LC_ERR_INIT;
    struct blob got;

    if (read_all(fd, off, len, mode, cap, &got, &err, NULL) < 0)
        fail_msg("read failed: %s", err.msg);
    assert_int_equal(got.len, want->len);
    if (want->len)
        assert_memory_equal(got.data, want->data, want->len);
    free(got.data);
}

static void expect_error(int fd, uint64_t off, uint64_t len, size_t cap, enum lc_status status,
                         const char *fragment)
{
    struct lc_err err = LC_ERR_INIT;
    struct blob got;

    assert_int_equal(read_all(fd, off, len, LC_GZ_INPUT_GZIP, cap, &got, &err, NULL), -1);
    free(got.data);
    assert_int_equal(err.status, status);
    if (!strstr(err.msg, fragment) || !strstr(err.msg, "'member.sql.gz'"))
        fail_msg("message '%s' lacks '%s' or the input name", err.msg, fragment);
}

static void test_our_members(void **state)
{
    static const size_t sizes[] = {
        0, 1, 1000, LC_GZ_BLOCK_SIZE, LC_GZ_BLOCK_SIZE + 1, 2 * LC_GZ_BLOCK_SIZE + 12345};
    static const size_t caps[] = {1, 4093, LC_GZ_BLOCK_SIZE, LC_GZ_READER_FAST,
                                  LC_GZ_READER_FAST + 1};

    (void)state;
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        struct blob in = make_input(sizes[i], (unsigned)i + 1);

        for (int level = 0; level <= 6; level += 6) {
            struct blob gz = gz_ours(&in, level);
            int fd = file_with(&gz, 0, 0);

            for (size_t c = 0; c < sizeof(caps) / sizeof(caps[0]); c++) {
                if (caps[c] == 1 && in.len > 100000)
                    continue;
                expect_same(fd, 0, gz.len, LC_GZ_INPUT_GZIP, caps[c], &in);
            }
            close(fd);
            free(gz.data);
        }
        free(in.data);
    }
}

static void test_range_inside_file(void **state)
{
    struct blob in = make_input(2 * LC_GZ_BLOCK_SIZE + 777, 9);
    struct blob gz = gz_ours(&in, 1);
    int fd = file_with(&gz, 12345, 4321);
    struct lc_err err = LC_ERR_INIT;
    struct blob got;
    int is_gzip = 0;

    (void)state;
    expect_same(fd, 12345, gz.len, LC_GZ_INPUT_GZIP, 65536, &in);
    assert_int_equal(read_all(fd, 12345, gz.len, LC_GZ_INPUT_SNIFF, 65536, &got, &err, &is_gzip),
                     0);
    assert_int_equal(is_gzip, 1);
    free(got.data);
    /* PLAIN hands the compressed bytes back as they are */
    expect_same(fd, 12345, gz.len, LC_GZ_INPUT_PLAIN, 1000, &gz);
    close(fd);
    free(gz.data);
    free(in.data);
}

/* A legacy `mysqldump | gzip`: one member longer than LC_GZ_READER_FAST. */
static void test_long_member(void **state)
{
    struct blob in = make_input(LC_GZ_READER_FAST + 99, 3);
    struct blob one = gz_zlib(&in);
    struct blob small = make_input(5000, 4);
    struct blob small_gz = gz_ours(&small, 6);
    struct blob both = concat(&one, &small_gz);
    struct blob want = concat(&in, &small);
    int fd = file_with(&one, 0, 0), fd2 = file_with(&both, 100, 0);

    (void)state;
    expect_same(fd, 0, one.len, LC_GZ_INPUT_GZIP, 65536, &in);
    expect_same(fd, 0, one.len, LC_GZ_INPUT_SNIFF, LC_GZ_BLOCK_SIZE, &in);
    expect_same(fd, 0, one.len, LC_GZ_INPUT_GZIP, 3 * LC_GZ_READER_FAST, &in);
    /* a long member followed by a short one: zlib, then libdeflate again */
    expect_same(fd2, 100, both.len, LC_GZ_INPUT_GZIP, 100000, &want);
    expect_same(fd2, 100, both.len, LC_GZ_INPUT_GZIP, LC_GZ_BLOCK_SIZE, &want);
    /* up to the end of the file */
    expect_same(fd, 0, UINT64_MAX, LC_GZ_INPUT_GZIP, 65536, &in);
    close(fd);
    close(fd2);
    free(in.data);
    free(one.data);
    free(small.data);
    free(small_gz.data);
    free(both.data);
    free(want.data);
}

static void test_truncated(void **state)
{
    struct blob in = make_input(LC_GZ_BLOCK_SIZE + 500, 5);
    struct blob gz = gz_ours(&in, 6);
    struct blob big_in = make_input(LC_GZ_READER_FAST + 1000, 6);
    struct blob big = gz_zlib(&big_in);
    int fd = file_with(&gz, 0, 64), fd_big = file_with(&big, 0, 64);
    /* inside the header, inside the data, inside the 8-byte trailer of the last member */
    const uint64_t cuts[] = {1, 2, 5, 100, gz.len / 2, gz.len - 7, gz.len - 1};

    (void)state;
    for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
        expect_error(fd, 0, cuts[i], 65536, LC_E_DATA, "(truncated?)");
        expect_error(fd, 0, cuts[i], LC_GZ_READER_FAST, LC_E_DATA, "(truncated?)");
    }
    expect_error(fd_big, 0, big.len / 2, 65536, LC_E_DATA, "(truncated?)");
    expect_error(fd_big, 0, big.len - 3, 65536, LC_E_DATA, "(truncated?)");
    close(fd);
    close(fd_big);
    free(in.data);
    free(gz.data);
    free(big_in.data);
    free(big.data);
}

static void test_cut_at_member_boundary(void **state)
{
    struct blob in = make_input(LC_GZ_BLOCK_SIZE, 7);
    struct blob one = gz_ours(&in, 6);
    struct blob two = concat(&one, &one);
    int fd = file_with(&two, 0, 0);

    (void)state;
    /* a range that ends exactly after a member is whole gzip (the set reader's business) */
    expect_same(fd, 0, one.len, LC_GZ_INPUT_GZIP, 65536, &in);
    expect_same(fd, one.len, one.len, LC_GZ_INPUT_GZIP, 65536, &in);
    close(fd);
    free(in.data);
    free(one.data);
    free(two.data);
}

static void flip_and_expect(const struct blob *gz, size_t at, const char *fragment)
{
    struct blob bad = {lc_xmalloc(gz->len), gz->len};
    int fd;

    memcpy(bad.data, gz->data, gz->len);
    bad.data[at] ^= 0x55;
    fd = file_with(&bad, 0, 0);
    expect_error(fd, 0, bad.len, 65536, LC_E_DATA, fragment);
    expect_error(fd, 0, bad.len, LC_GZ_READER_FAST, LC_E_DATA, fragment);
    close(fd);
    free(bad.data);
}

static void test_corrupt(void **state)
{
    struct blob in = make_input(LC_GZ_BLOCK_SIZE / 2, 8);
    struct blob gz = gz_ours(&in, 6);
    struct blob big_in = make_input(LC_GZ_READER_FAST + 100000, 10);
    struct blob big = gz_zlib(&big_in);
    struct blob junk = {(unsigned char *)lc_xstrdup("garbage!"), 8};
    struct blob tail = concat(&gz, &junk);
    int fd;

    (void)state;
    flip_and_expect(&gz, 0, "not the start of a gzip member");
    flip_and_expect(&gz, gz.len / 3, "gzip data is corrupt at compressed byte");
    flip_and_expect(&gz, gz.len - 6, "incorrect data check");   /* CRC-32 */
    flip_and_expect(&gz, gz.len - 2, "incorrect length check"); /* ISIZE */
    flip_and_expect(&big, big.len / 2, "gzip data is corrupt at compressed byte");
    flip_and_expect(&big, big.len - 6, "incorrect data check");
    /* the position is that of the damage, within the range */
    {
        struct blob bad = {lc_xmalloc(gz.len), gz.len};
        struct lc_err err = LC_ERR_INIT;
        struct blob got;
        char want[64];

        memcpy(bad.data, gz.data, gz.len);
        bad.data[0] = 'x';
        fd = file_with(&bad, 500, 0);
        assert_int_equal(read_all(fd, 500, bad.len, LC_GZ_INPUT_GZIP, 4096, &got, &err, NULL), -1);
        snprintf(want, sizeof(want), "at compressed byte 0:");
        assert_non_null(strstr(err.msg, want));
        free(got.data);
        close(fd);
        free(bad.data);
    }
    fd = file_with(&tail, 0, 0);
    expect_error(fd, 0, tail.len, 65536, LC_E_DATA, "not the start of a gzip member");
    close(fd);
    free(in.data);
    free(gz.data);
    free(big_in.data);
    free(big.data);
    free(junk.data);
    free(tail.data);
}

static void test_file_shorter_than_range(void **state)
{
    struct blob in = make_input(1000, 11);
    struct blob gz = gz_ours(&in, 6);
    int fd = file_with(&gz, 0, 0);
    struct lc_err err = LC_ERR_INIT;
    struct blob got;

    (void)state;
    expect_error(fd, 0, gz.len + 10, 65536, LC_E_DATA, "(truncated?)");
    assert_int_equal(read_all(fd, 0, gz.len + 10, LC_GZ_INPUT_PLAIN, 65536, &got, &err, NULL), -1);
    assert_int_equal(err.status, LC_E_DATA);
    free(got.data);
    close(fd);
    free(in.data);
    free(gz.data);
}

static void test_plain_and_sniff(void **state)
{
    struct blob text = make_input(3 * 1024 * 1024 + 5, 12);
    struct blob empty = {NULL, 0};
    int fd, is_gzip = 1;
    struct lc_err err = LC_ERR_INIT;
    struct blob got;

    (void)state;
    text.data[0] = '-'; /* a legacy .sql starts with text, never 0x1f 0x8b */
    fd = file_with(&text, 7, 9);
    assert_int_equal(read_all(fd, 7, text.len, LC_GZ_INPUT_SNIFF, 70000, &got, &err, &is_gzip), 0);
    assert_int_equal(is_gzip, 0);
    assert_int_equal(got.len, text.len);
    assert_memory_equal(got.data, text.data, text.len);
    free(got.data);
    /* byte by byte over a short range */
    {
        struct blob head = {text.data, 3};

        expect_same(fd, 7, 3, LC_GZ_INPUT_PLAIN, 1, &head);
    }
    /* a plain file where gzip is required */
    expect_error(fd, 7, text.len, 65536, LC_E_DATA, "not the start of a gzip member");
    close(fd);
    /* empty input: nothing when sniffing, an error when gzip is required */
    fd = file_with(&empty, 0, 0);
    expect_same(fd, 0, 0, LC_GZ_INPUT_SNIFF, 10, &empty);
    expect_error(fd, 0, 0, 10, LC_E_DATA, "empty");
    close(fd);
    free(text.data);
}

/* A failing pread is LC_E_IO; bad arguments give no reader. */
static void test_read_errors(void **state)
{
    int fd = open("/", O_RDONLY | O_DIRECTORY);
    struct lc_err err = LC_ERR_INIT;
    struct blob got;

    (void)state;
    assert_true(fd >= 0);
    assert_int_equal(read_all(fd, 0, 100, LC_GZ_INPUT_SNIFF, 100, &got, &err, NULL), -1);
    assert_int_equal(err.status, LC_E_IO);
    assert_non_null(strstr(err.msg, "'member.sql.gz': read failed"));
    free(got.data);
    close(fd);
    assert_null(lc_gz_reader_open(-1, 0, 10, LC_GZ_INPUT_GZIP, "x"));
    assert_null(lc_gz_reader_open(0, UINT64_MAX - 5, 10, LC_GZ_INPUT_GZIP, "x"));
    lc_gz_reader_close(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_our_members),
        cmocka_unit_test(test_range_inside_file),
        cmocka_unit_test(test_long_member),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_cut_at_member_boundary),
        cmocka_unit_test(test_corrupt),
        cmocka_unit_test(test_file_shorter_than_range),
        cmocka_unit_test(test_plain_and_sniff),
        cmocka_unit_test(test_read_errors),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
