/*
 * The gzip reader: compressed bytes are pread from the range into a window; each
 * member is first tried whole with libdeflate (straight into the caller's buffer when
 * it is big enough, else into a LC_GZ_READER_FAST buffer), and a member libdeflate
 * cannot do in one call (longer output, larger than the window, or damaged) is
 * streamed with zlib from its first byte, which also gives the exact diagnosis of a
 * damaged or truncated member.
 */
#include "common/gz_reader.h"

#include <errno.h>
#include <libdeflate.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "common/gz.h"
#include "common/mem.h"

/*
 * The window of compressed input. A member of lc_gz_writer (LC_GZ_BLOCK_SIZE of input,
 * at most a few hundred bytes more when stored) always fits whole after a refill.
 */
#define WINDOW (2 * LC_GZ_BLOCK_SIZE + 64 * 1024)
#define REFILL_BELOW (LC_GZ_BLOCK_SIZE + 64 * 1024)

enum mode {
    MODE_START,  /* nothing read yet */
    MODE_MEMBER, /* at a member boundary */
    MODE_ZLIB,   /* inside a member streamed by zlib */
    MODE_PLAIN,  /* not gzip: bytes as they are */
    MODE_END,
};

struct lc_gz_reader {
    int fd;
    uint64_t offset;  /* first byte of the range in the file */
    uint64_t length;  /* UINT64_MAX: up to the end of the file */
    uint64_t fetched; /* bytes of the range pread so far */
    int eof;          /* the range (or the file) has no more bytes */
    enum lc_gz_input input;
    enum mode mode;
    int gzip;
    char *name;
    unsigned char *win; /* compressed bytes [win_pos, win_len) not consumed yet */
    size_t win_pos;
    size_t win_len;
    uint64_t win_base;  /* range offset of win[0] */
    unsigned char *out; /* a member inflated by libdeflate, served from out_pos */
    size_t out_pos;
    size_t out_len;
    int direct_misses; /* members that did not fit the caller's buffer */
    struct libdeflate_decompressor *dec;
    z_stream zs;
    int zs_ready;
};

struct lc_gz_reader *lc_gz_reader_open(int fd, uint64_t offset, uint64_t length,
                                       enum lc_gz_input input, const char *name)
{
    struct lc_gz_reader *r;

    if (fd < 0 || !name || (length != UINT64_MAX && offset > UINT64_MAX - length))
        return NULL;
    r = lc_xcalloc(1, sizeof(*r));
    r->fd = fd;
    r->offset = offset;
    r->length = length;
    r->input = input;
    r->mode = MODE_START;
    r->name = lc_xstrdup(name);
    return r;
}

void lc_gz_reader_close(struct lc_gz_reader *r)
{
    if (!r)
        return;
    if (r->zs_ready)
        inflateEnd(&r->zs);
    libdeflate_free_decompressor(r->dec);
    free(r->win);
    free(r->out);
    free(r->name);
    free(r);
}

uint64_t lc_gz_reader_consumed(const struct lc_gz_reader *r)
{
    return r->win_base + r->win_pos;
}

int lc_gz_reader_is_gzip(const struct lc_gz_reader *r)
{
    return r->gzip;
}

/* preads up to `want` bytes of the range at range offset r->fetched into dst. */
static int fetch(struct lc_gz_reader *r, unsigned char *dst, size_t want, size_t *out_got,
                 struct lc_err *err)
{
    size_t got = 0;

    if (r->length != UINT64_MAX && r->length - r->fetched < want)
        want = (size_t)(r->length - r->fetched);
    while (got < want) {
        ssize_t n = pread(r->fd, dst + got, want - got, (off_t)(r->offset + r->fetched));

        if (n < 0) {
            if (errno == EINTR)
                continue;
            return lc_err_sys(err, LC_E_IO, "'%s': read failed at byte %llu", r->name,
                              (unsigned long long)r->fetched);
        }
        if (n == 0) {
            if (r->length != UINT64_MAX)
                return lc_err_set(err, LC_E_DATA,
                                  "'%s': the file ends at byte %llu of %llu (truncated?)", r->name,
                                  (unsigned long long)r->fetched, (unsigned long long)r->length);
            r->eof = 1;
            break;
        }
        got += (size_t)n;
        r->fetched += (uint64_t)n;
    }
    if (r->length != UINT64_MAX && r->fetched == r->length)
        r->eof = 1;
    *out_got = got;
    return 0;
}

/* Moves the unconsumed input to the front of the window and fills the rest. */
static int refill(struct lc_gz_reader *r, struct lc_err *err)
{
    size_t got;

    if (!r->win)
        r->win = lc_xmalloc(WINDOW);
    if (r->win_pos > 0) {
        memmove(r->win, r->win + r->win_pos, r->win_len - r->win_pos);
        r->win_base += r->win_pos;
        r->win_len -= r->win_pos;
        r->win_pos = 0;
    }
    if (r->eof || r->win_len == WINDOW)
        return 0;
    if (fetch(r, r->win + r->win_len, WINDOW - r->win_len, &got, err) < 0)
        return -1;
    r->win_len += got;
    return 0;
}

static int corrupt(struct lc_gz_reader *r, const char *why, struct lc_err *err)
{
    return lc_err_set(err, LC_E_DATA, "'%s': gzip data is corrupt at compressed byte %llu: %s",
                      r->name, (unsigned long long)(r->win_base + r->win_pos), why);
}

static int truncated(struct lc_gz_reader *r, struct lc_err *err)
{
    return lc_err_set(err, LC_E_DATA, "'%s': ends in the middle of a gzip member (truncated?)",
                      r->name);
}

/* One zlib step inside a member: output into buf; *out_len 0 only at the member's end. */
static int zlib_read(struct lc_gz_reader *r, unsigned char *buf, size_t cap, size_t *out_len,
                     struct lc_err *err)
{
    if (cap > UINT_MAX)
        cap = UINT_MAX;
    for (;;) {
        int ret;

        if (r->win_pos == r->win_len) {
            if (refill(r, err) < 0)
                return -1;
            if (r->win_len == 0)
                return truncated(r, err);
        }
        r->zs.next_in = r->win + r->win_pos;
        r->zs.avail_in = (uInt)(r->win_len - r->win_pos);
        r->zs.next_out = buf;
        r->zs.avail_out = (uInt)cap;
        ret = inflate(&r->zs, Z_NO_FLUSH);
        r->win_pos = (size_t)(r->zs.next_in - r->win);
        *out_len = cap - r->zs.avail_out;
        if (ret == Z_STREAM_END) {
            r->mode = MODE_MEMBER;
            return 0;
        }
        if (ret == Z_DATA_ERROR)
            return corrupt(r, r->zs.msg ? r->zs.msg : "invalid data", err);
        if (ret == Z_MEM_ERROR)
            return lc_err_set(err, LC_E_OSERR, "'%s': out of memory inflating", r->name);
        if (ret != Z_OK && ret != Z_BUF_ERROR)
            return lc_err_set(err, LC_E_SOFTWARE, "'%s': inflate failed (%d)", r->name, ret);
        if (*out_len > 0)
            return 0;
        if (r->win_pos < r->win_len)
            return lc_err_set(err, LC_E_SOFTWARE, "'%s': inflate made no progress", r->name);
    }
}

static int start_zlib(struct lc_gz_reader *r, struct lc_err *err)
{
    int ret = r->zs_ready ? inflateReset2(&r->zs, 16 + 15) : inflateInit2(&r->zs, 16 + 15);

    if (ret != Z_OK)
        return lc_err_set(err, LC_E_OSERR, "'%s': cannot start inflate: %s", r->name,
                          r->zs.msg ? r->zs.msg : zError(ret));
    r->zs_ready = 1;
    r->mode = MODE_ZLIB;
    return 0;
}

/*
 * Decodes the member at the window position with libdeflate into dst (cap bytes).
 * Returns 1 on success (*out_len set, member consumed), 0 when it did not work in one
 * call (the caller retries or streams it), -1 on error.
 */
static int deflate_member(struct lc_gz_reader *r, unsigned char *dst, size_t cap, size_t *out_len,
                          enum libdeflate_result *out_res)
{
    size_t used = 0, produced = 0;
    enum libdeflate_result res;

    if (!r->dec) {
        r->dec = libdeflate_alloc_decompressor();
        if (!r->dec)
            return -1;
    }
    res = libdeflate_gzip_decompress_ex(r->dec, r->win + r->win_pos, r->win_len - r->win_pos, dst,
                                        cap, &used, &produced);
    *out_res = res;
    if (res != LIBDEFLATE_SUCCESS)
        return 0;
    r->win_pos += used;
    *out_len = produced;
    return 1;
}

/* Reads the next member; output goes to buf directly or to r->out. */
static int next_member(struct lc_gz_reader *r, unsigned char *buf, size_t cap, size_t *out_len,
                       struct lc_err *err)
{
    enum libdeflate_result res = LIBDEFLATE_SUCCESS;
    size_t produced = 0;
    int ok;

    if (r->win_len - r->win_pos < REFILL_BELOW && refill(r, err) < 0)
        return -1;
    if (r->win_pos == r->win_len) {
        r->mode = MODE_END;
        *out_len = 0;
        return 0;
    }
    if (r->win_len - r->win_pos < 3 || r->win[r->win_pos] != 0x1f ||
        r->win[r->win_pos + 1] != 0x8b || r->win[r->win_pos + 2] != 8)
        return r->win_len - r->win_pos < 3 && r->eof && r->win[r->win_pos] == 0x1f
                   ? truncated(r, err)
                   : corrupt(r, "not the start of a gzip member", err);
    if (cap >= LC_GZ_READER_FAST) {
        /* the caller's buffer is as big as ours: no copy, and no second try */
        ok = deflate_member(r, buf, cap, &produced, &res);
        if (ok < 0)
            return lc_err_set(err, LC_E_OSERR, "'%s': cannot allocate a decompressor", r->name);
        if (ok) {
            *out_len = produced;
            return 0;
        }
    } else {
        /* straight into the caller's buffer while our members fit it */
        if (cap >= LC_GZ_BLOCK_SIZE && r->direct_misses < 2) {
            ok = deflate_member(r, buf, cap, &produced, &res);
            if (ok < 0)
                return lc_err_set(err, LC_E_OSERR, "'%s': cannot allocate a decompressor", r->name);
            if (ok) {
                *out_len = produced;
                return 0;
            }
            if (res == LIBDEFLATE_INSUFFICIENT_SPACE)
                r->direct_misses++;
        }
        if (res == LIBDEFLATE_SUCCESS || res == LIBDEFLATE_INSUFFICIENT_SPACE) {
            if (!r->out)
                r->out = lc_xmalloc(LC_GZ_READER_FAST);
            ok = deflate_member(r, r->out, LC_GZ_READER_FAST, &produced, &res);
            if (ok < 0)
                return lc_err_set(err, LC_E_OSERR, "'%s': cannot allocate a decompressor", r->name);
            if (ok) {
                r->out_pos = 0;
                r->out_len = produced;
                *out_len = 0;
                return 0;
            }
        }
    }
    /* Too long, larger than the window, or damaged: zlib streams it and says which. */
    if (start_zlib(r, err) < 0)
        return -1;
    *out_len = 0;
    return 0;
}

static int read_plain(struct lc_gz_reader *r, unsigned char *buf, size_t cap, size_t *out_len,
                      struct lc_err *err)
{
    size_t n = r->win_len - r->win_pos;

    if (n > 0) {
        if (n > cap)
            n = cap;
        memcpy(buf, r->win + r->win_pos, n);
        r->win_pos += n;
        *out_len = n;
        return 0;
    }
    if (r->eof) {
        *out_len = 0;
        return 0;
    }
    if (fetch(r, buf, cap, &n, err) < 0)
        return -1;
    /* bytes read straight into buf count as consumed */
    r->win_base += n;
    *out_len = n;
    return 0;
}

static int start(struct lc_gz_reader *r, struct lc_err *err)
{
    int magic;

    if (refill(r, err) < 0)
        return -1;
    magic = r->win_len >= 2 && r->win[0] == 0x1f && r->win[1] == 0x8b;
    if (r->input == LC_GZ_INPUT_PLAIN || (r->input == LC_GZ_INPUT_SNIFF && !magic)) {
        r->mode = MODE_PLAIN;
        return 0;
    }
    if (r->win_len == 0)
        return lc_err_set(err, LC_E_DATA, "'%s' is empty, expected gzip data", r->name);
    r->gzip = 1;
    r->mode = MODE_MEMBER;
    return 0;
}

int lc_gz_read(struct lc_gz_reader *r, void *buf, size_t cap, size_t *out_len, struct lc_err *err)
{
    unsigned char *dst = buf;
    size_t n = 0;

    if (cap == 0)
        return lc_err_set(err, LC_E_SOFTWARE, "'%s': read with an empty buffer", r->name);
    if (r->mode == MODE_START && start(r, err) < 0)
        return -1;
    for (;;) {
        if (r->out_pos < r->out_len) {
            n = r->out_len - r->out_pos;
            if (n > cap)
                n = cap;
            memcpy(dst, r->out + r->out_pos, n);
            r->out_pos += n;
            break;
        }
        if (r->mode == MODE_PLAIN) {
            if (read_plain(r, dst, cap, &n, err) < 0)
                return -1;
            break;
        }
        if (r->mode == MODE_END)
            break;
        if (r->mode == MODE_ZLIB) {
            if (zlib_read(r, dst, cap, &n, err) < 0)
                return -1;
        } else if (next_member(r, dst, cap, &n, err) < 0) {
            return -1;
        }
        if (n > 0)
            break;
    }
    *out_len = n;
    return 0;
}
