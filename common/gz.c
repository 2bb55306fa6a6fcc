/*
 * The gzip writer: input is gathered into LC_GZ_BLOCK_SIZE blocks and every block is
 * compressed by libdeflate into one complete gzip member, appended to the file. Level
 * 0 writes the same framing with stored (uncompressed) deflate blocks.
 */
#include "common/gz.h"

#include <errno.h>
#include <fcntl.h>
#include <libdeflate.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/fs.h"
#include "common/mem.h"

struct lc_gz_writer {
    char *path;
    int fd;
    struct libdeflate_compressor *compressor;
    unsigned char *in;
    size_t in_len;
    unsigned char *out;
    size_t out_cap;
    uint64_t raw;
    uint64_t packed;
};

struct lc_gz_writer *lc_gz_writer_open(const char *path, int level, struct lc_err *err)
{
    struct lc_gz_writer *w;

    if (level < 0 || level > 12) {
        lc_err_set(err, LC_E_CONFIG, "gzip level %d out of range 0..12", level);
        return NULL;
    }
    w = lc_xcalloc(1, sizeof(*w));
    w->compressor = libdeflate_alloc_compressor(level);
    if (!w->compressor) {
        free(w);
        lc_err_set(err, LC_E_OSERR, "cannot allocate a level %d compressor", level);
        return NULL;
    }
    w->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (w->fd < 0) {
        lc_err_sys(err, LC_E_CANTCREAT, "cannot create '%s'", path);
        libdeflate_free_compressor(w->compressor);
        free(w);
        return NULL;
    }
    w->path = lc_xstrdup(path);
    w->in = lc_xmalloc(LC_GZ_BLOCK_SIZE);
    w->out_cap = libdeflate_gzip_compress_bound(w->compressor, LC_GZ_BLOCK_SIZE);
    w->out = lc_xmalloc(w->out_cap);
    return w;
}

static int flush_block(struct lc_gz_writer *w, struct lc_err *err)
{
    size_t n;

    if (w->in_len == 0)
        return 0;
    n = libdeflate_gzip_compress(w->compressor, w->in, w->in_len, w->out, w->out_cap);
    if (n == 0)
        return lc_err_set(err, LC_E_SOFTWARE, "gzip compression of '%s' failed", w->path);
    if (lc_fs_write_all(w->fd, w->out, n, w->path, err) < 0)
        return -1;
    w->packed += n;
    w->in_len = 0;
    return 0;
}

int lc_gz_write(struct lc_gz_writer *w, const void *data, size_t len, struct lc_err *err)
{
    const unsigned char *p = data;

    w->raw += len;
    while (len > 0) {
        size_t room = LC_GZ_BLOCK_SIZE - w->in_len;
        size_t take = len < room ? len : room;

        memcpy(w->in + w->in_len, p, take);
        w->in_len += take;
        p += take;
        len -= take;
        if (w->in_len == LC_GZ_BLOCK_SIZE && flush_block(w, err) < 0)
            return -1;
    }
    return 0;
}

static void writer_free(struct lc_gz_writer *w)
{
    libdeflate_free_compressor(w->compressor);
    free(w->in);
    free(w->out);
    free(w->path);
    free(w);
}

int lc_gz_writer_close(struct lc_gz_writer *w, uint64_t *out_raw, uint64_t *out_packed,
                       struct lc_err *err)
{
    int rc = -1;

    /* An empty input still gets one (empty) member, so the file is valid gzip. */
    if (w->raw == 0) {
        size_t n = libdeflate_gzip_compress(w->compressor, "", 0, w->out, w->out_cap);

        if (n == 0 || lc_fs_write_all(w->fd, w->out, n, w->path, err) < 0)
            goto out;
        w->packed += n;
    }
    if (flush_block(w, err) < 0)
        goto out;
    if (out_raw)
        *out_raw = w->raw;
    if (out_packed)
        *out_packed = w->packed;
    rc = 0;
out:
    if (close(w->fd) < 0 && rc == 0)
        rc = lc_err_sys(err, LC_E_IO, "cannot close '%s'", w->path);
    writer_free(w);
    return rc;
}

void lc_gz_writer_abort(struct lc_gz_writer *w)
{
    if (!w)
        return;
    close(w->fd);
    (void)unlink(w->path);
    writer_free(w);
}
