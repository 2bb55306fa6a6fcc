/*
 * The gzip writer: its output is one valid gzip stream to zlib (multi-member across
 * 1 MiB blocks), byte-exact after inflating, sizes reported right; an empty input
 * still makes a valid file; a bad path is status 73.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "common/gz.h"
#include "common/mem.h"

/* Inflates a (multi-member) gzip file with zlib's gzread, which concatenates members. */
static unsigned char *inflate_file(const char *path, size_t *out_len)
{
    gzFile gz = gzopen(path, "rb");
    size_t cap = 1 << 20, len = 0;
    unsigned char *data = lc_xmalloc(cap);
    int n;

    assert_non_null(gz);
    while ((n = gzread(gz, data + len, (unsigned)(cap - len))) > 0) {
        len += (size_t)n;
        if (len == cap) {
            cap *= 2;
            data = lc_xrealloc(data, cap);
        }
    }
    assert_true(n == 0);
    gzclose(gz);
    *out_len = len;
    return data;
}

static void round_trip(size_t size, int level)
{
    char path[] = "/tmp/lc-test-gz-XXXXXX";
    int fd = mkstemp(path);
    unsigned char *input = lc_xmalloc(size ? size : 1);
    struct lc_err err = LC_ERR_INIT;
    struct lc_gz_writer *w;
    uint64_t raw = 0, packed = 0;
    unsigned char *output;
    size_t out_len;
    struct stat st;

    close(fd);
    for (size_t idx = 0; idx < size; idx++)
        input[idx] = (unsigned char)((idx * 7919) % 251 == 0 ? 0 : "lcbp3 เอกสาร"[idx % 12]);
    w = lc_gz_writer_open(path, level, &err);
    assert_non_null(w);
    /* uneven writes across block boundaries */
    for (size_t off = 0; off < size; off += 100003)
        assert_int_equal(lc_gz_write(w, input + off, size - off < 100003 ? size - off : 100003, &err), 0);
    assert_int_equal(lc_gz_writer_close(w, &raw, &packed, &err), 0);
    assert_int_equal(raw, size);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal((uint64_t)st.st_size, packed);
    assert_int_equal(st.st_mode & 0777, 0600);
    output = inflate_file(path, &out_len);
    assert_int_equal(out_len, size);
    if (size)
        assert_memory_equal(output, input, size);
    if (size > (1 << 20) && level > 0)
        assert_true(packed < size / 2);
    free(output);
    free(input);
    unlink(path);
}

static void test_sizes(void **state)
{
    (void)state;
    round_trip(0, 6);
    round_trip(1, 6);
    round_trip(LC_GZ_BLOCK_SIZE, 6);
    round_trip(3 * LC_GZ_BLOCK_SIZE + 17, 1);
    round_trip(2 * LC_GZ_BLOCK_SIZE + 5, 0);
}

static void test_bad_path(void **state)
{
    struct lc_err err = LC_ERR_INIT;

    (void)state;
    assert_null(lc_gz_writer_open("/nonexistent-dir/x.gz", 6, &err));
    assert_int_equal(err.status, LC_E_CANTCREAT);
    assert_non_null(strstr(err.msg, "/nonexistent-dir/x.gz"));
    assert_null(lc_gz_writer_open("/tmp/x.gz", 13, &err));
    assert_int_equal(err.status, LC_E_CONFIG);
    lc_gz_writer_abort(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sizes),
        cmocka_unit_test(test_bad_path),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
