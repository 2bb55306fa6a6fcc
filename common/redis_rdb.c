/*
 * The RDB fetch over the replication protocol (see redis_rdb.h): the handshake on a
 * hiredis context, then raw reads from its socket with poll() (a short tick, so that
 * SIGTERM is noticed promptly and a silent server times out), the SYNC header parser,
 * and the streaming RDB check that strips the diskless EOF marker and verifies the
 * CRC64 trailer while the bytes flow to the gzip writer.
 */
#include "common/redis_rdb.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/crc64.h"
#include "common/log.h"
#include "common/mem.h"
#include "common/redis_client.h"
#include "common/signals.h"

#define RDB_READ_SIZE (256 * 1024)
#define RDB_POLL_TICK_MS 250
#define RDB_MAX_HEADER 1024

int lc_redis_rdb_parse_header(const char *buf, size_t len, size_t *out_used,
                              struct lc_rdb_header *out, struct lc_err *err)
{
    struct lc_rdb_header h;
    const char *line, *nl;
    size_t pos = 0, llen;

    while (pos < len && buf[pos] == '\n')
        pos++;
    if (pos == len)
        return 0;
    line = buf + pos;
    nl = memchr(line, '\n', len - pos);
    if (!nl) {
        if (len - pos > RDB_MAX_HEADER)
            return lc_err_set(err, LC_E_UNAVAILABLE,
                              "SYNC: unexpected answer (no line end in %zu bytes)", len - pos);
        return 0;
    }
    llen = (size_t)(nl - line);
    if (llen && line[llen - 1] == '\r')
        llen--;
    memset(&h, 0, sizeof(h));
    if (llen && line[0] == '-')
        return lc_err_set(err, LC_E_UNAVAILABLE, "SYNC: %.*s", (int)(llen - 1), line + 1);
    if (llen == 5 + LC_RDB_EOF_MARK_LEN && memcmp(line, "$EOF:", 5) == 0) {
        h.diskless = 1;
        memcpy(h.mark, line + 5, LC_RDB_EOF_MARK_LEN);
    } else if (llen >= 2 && llen <= 21 && line[0] == '$') {
        uint64_t v = 0;

        for (size_t idx = 1; idx < llen; idx++) {
            unsigned digit = (unsigned)(line[idx] - '0');

            if (digit > 9 || v > (UINT64_MAX - digit) / 10)
                goto bad;
            v = v * 10 + digit;
        }
        h.length = v;
    } else {
        goto bad;
    }
    *out = h;
    *out_used = (size_t)(nl - buf) + 1;
    return 1;
bad:
    return lc_err_set(err, LC_E_UNAVAILABLE, "SYNC: unexpected answer '%.*s'",
                      (int)(llen > 60 ? 60 : llen), line);
}

void lc_rdb_stream_init(struct lc_rdb_stream *s, const struct lc_rdb_header *header,
                        lc_rdb_sink_fn sink, void *sink_ctx)
{
    memset(s, 0, sizeof(*s));
    s->header = *header;
    s->sink = sink;
    s->sink_ctx = sink_ctx;
}

/* Passes checksummed bytes to the sink. */
static int stream_emit(struct lc_rdb_stream *s, const unsigned char *data, size_t len,
                       struct lc_err *err)
{
    if (!len)
        return 0;
    for (size_t idx = 0; s->emitted + idx < sizeof(s->head) && idx < len; idx++)
        s->head[s->emitted + idx] = data[idx];
    s->crc = lc_crc64(s->crc, data, len);
    s->emitted += len;
    s->last = data[len - 1];
    return s->sink(s->sink_ctx, data, len, err);
}

int lc_rdb_stream_feed(struct lc_rdb_stream *s, const void *data, size_t len, struct lc_err *err)
{
    const unsigned char *in = data;
    size_t keep = s->header.diskless ? sizeof(s->hold) : 8;
    size_t total, out, from_hold;

    if (s->complete)
        return 1;
    if (!s->header.diskless && s->received + len > s->header.length)
        len = (size_t)(s->header.length - s->received);
    s->received += len;
    total = s->hold_len + len;
    if (total <= keep) {
        memcpy(s->hold + s->hold_len, in, len);
        s->hold_len = total;
    } else {
        out = total - keep;
        from_hold = out < s->hold_len ? out : s->hold_len;
        if (stream_emit(s, s->hold, from_hold, err) < 0 ||
            stream_emit(s, in, out - from_hold, err) < 0)
            return -1;
        /* The new hold: what is left of the old one, then the tail of the input. */
        memmove(s->hold, s->hold + from_hold, s->hold_len - from_hold);
        s->hold_len -= from_hold;
        memcpy(s->hold + s->hold_len, in + (out - from_hold), len - (out - from_hold));
        s->hold_len += len - (out - from_hold);
    }
    if (s->header.diskless)
        s->complete = s->hold_len >= LC_RDB_EOF_MARK_LEN &&
                      memcmp(s->hold + s->hold_len - LC_RDB_EOF_MARK_LEN, s->header.mark,
                             LC_RDB_EOF_MARK_LEN) == 0;
    else
        s->complete = s->received == s->header.length;
    return s->complete;
}

int lc_rdb_stream_finish(struct lc_rdb_stream *s, struct lc_redis_rdb_stats *out_stats,
                         struct lc_err *err)
{
    size_t body = s->header.diskless ? s->hold_len - LC_RDB_EOF_MARK_LEN : s->hold_len;
    uint64_t stored = 0;

    if (!s->complete)
        return lc_err_set(err, LC_E_DATA, "the RDB is incomplete (%" PRIu64 " bytes)", s->received);
    /* The smallest RDB: "REDIS" + 4-digit version + 0xFF + CRC = 18 bytes. */
    if (body != 8 || s->emitted < 10)
        return lc_err_set(err, LC_E_DATA, "the RDB is too short (%" PRIu64 " bytes)",
                          s->emitted + body);
    if (memcmp(s->head, "REDIS", 5) != 0)
        return lc_err_set(err, LC_E_DATA, "the data is not an RDB (no REDIS magic)");
    if (s->last != 0xff)
        return lc_err_set(err, LC_E_DATA,
                          "the RDB has no EOF opcode before its checksum "
                          "(truncated or corrupt)");
    for (int idx = 7; idx >= 0; idx--)
        stored = stored << 8 | s->hold[idx];
    if (stored == 0) {
        lc_log_debug("the RDB has no checksum (rdbchecksum is off on the server)");
    } else if (stored != s->crc) {
        return lc_err_set(err, LC_E_DATA,
                          "the RDB checksum does not match: stored %016" PRIx64
                          ", computed %016" PRIx64,
                          stored, s->crc);
    }
    if (s->sink(s->sink_ctx, s->hold, 8, err) < 0)
        return -1;
    out_stats->bytes = s->emitted + 8;
    out_stats->crc = stored;
    out_stats->diskless = s->header.diskless;
    return 0;
}

struct fetch_sink {
    struct lc_gz_writer *w;
    struct lc_progress *progress;
};

static int fetch_sink_write(void *ctx, const void *data, size_t len, struct lc_err *err)
{
    struct fetch_sink *fs = ctx;

    if (lc_gz_write(fs->w, data, len, err) < 0)
        return -1;
    lc_progress_add(fs->progress, len);
    return 0;
}

static int64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* REPLCONF capa eof; REPLCONF rdb-only 1 (optional); SYNC written raw. */
static int fetch_handshake(redisContext *c, const char *name, struct lc_err *err)
{
    const char *capa[3] = {"REPLCONF", "capa", "eof"};
    const char *rdbonly[3] = {"REPLCONF", "rdb-only", "1"};
    redisReply *reply = lc_redis_cmdv(c, 3, capa, NULL, err);
    static const char sync_cmd[] = "SYNC\r\n";
    size_t done = 0;

    if (!reply)
        return -1;
    freeReplyObject(reply);
    reply = redisCommandArgv(c, 3, rdbonly, NULL);
    if (!reply)
        return lc_redis_reply_error(c, "REPLCONF", reply, err);
    if (reply->type == REDIS_REPLY_ERROR)
        lc_log_debug("redis '%s': REPLCONF rdb-only refused (%s); the server keeps a "
                     "replication backlog for this fetch",
                     name, reply->str);
    freeReplyObject(reply);
    while (done < sizeof(sync_cmd) - 1) {
        ssize_t n = write(c->fd, sync_cmd + done, sizeof(sync_cmd) - 1 - done);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return lc_err_sys(err, LC_E_UNAVAILABLE, "redis '%s': cannot send SYNC", name);
        done += (size_t)n;
    }
    return 0;
}

/*
 * Waits for readable data on fd for up to the idle timeout, in short ticks so that a
 * signal is noticed. Returns 1 when readable, -1 on timeout/interrupt/poll error.
 */
static int wait_readable(int fd, int64_t idle_timeout_ms, const char *name, int started,
                         uint64_t got, struct lc_err *err)
{
    int64_t start = now_ms();

    for (;;) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN, .revents = 0};
        int n;

        if (lc_check_interrupted(err) < 0)
            return -1;
        n = poll(&pfd, 1, RDB_POLL_TICK_MS);
        if (n > 0)
            return 1;
        if (n < 0 && errno != EINTR)
            return lc_err_sys(err, LC_E_UNAVAILABLE, "redis '%s': poll", name);
        if (now_ms() - start >= idle_timeout_ms) {
            if (started)
                lc_err_set(err, LC_E_UNAVAILABLE,
                           "redis '%s': no data for %" PRId64 " s after %" PRIu64
                           " bytes of the RDB",
                           name, idle_timeout_ms / 1000, got);
            else
                lc_err_set(err, LC_E_UNAVAILABLE, "redis '%s': no answer to SYNC for %" PRId64 " s",
                           name, idle_timeout_ms / 1000);
            lc_err_hint(err, "the server may be too slow to fork or overloaded; see its log");
            return -1;
        }
    }
}

int lc_redis_rdb_fetch(redisContext *c, struct lc_gz_writer *w, int64_t idle_timeout_ms,
                       struct lc_progress *progress, struct lc_redis_rdb_stats *out_stats,
                       struct lc_err *err)
{
    struct fetch_sink sink = {w, progress};
    struct lc_buf head = LC_BUF_INIT;
    struct lc_rdb_stream stream;
    struct lc_rdb_header header;
    char *buf = lc_xmalloc(RDB_READ_SIZE);
    char name[300];
    int started = 0, rc = -1;

    memset(&stream, 0, sizeof(stream));
    lc_redis_name(c, name, sizeof(name));
    if (idle_timeout_ms < LC_RDB_MIN_IDLE_TIMEOUT_MS)
        idle_timeout_ms = LC_RDB_MIN_IDLE_TIMEOUT_MS;
    if (fetch_handshake(c, name, err) < 0)
        goto out;
    /* Anything hiredis read past the last reply belongs to the SYNC answer. */
    if (c->reader && c->reader->len > c->reader->pos)
        lc_buf_append(&head, c->reader->buf + c->reader->pos, c->reader->len - c->reader->pos);
    for (;;) {
        ssize_t n;
        int done;

        if (!started && head.len) {
            size_t used = 0;
            int got = lc_redis_rdb_parse_header(head.data, head.len, &used, &header, err);

            if (got < 0) {
                lc_err_prefix(err, "redis '%s'", name);
                if (strstr(err->msg, "NOPERM"))
                    lc_err_hint(err, "the backup user needs +sync +replconf (ACL)");
                goto out;
            }
            if (got > 0) {
                started = 1;
                if (header.diskless)
                    lc_log_debug("redis '%s': diskless RDB transfer started", name);
                else
                    lc_log_debug("redis '%s': RDB transfer of %" PRIu64 " bytes started", name,
                                 header.length);
                lc_rdb_stream_init(&stream, &header, fetch_sink_write, &sink);
                done = lc_rdb_stream_feed(&stream, head.data + used, head.len - used, err);
                if (done < 0)
                    goto out;
                if (done > 0)
                    break;
            }
        }
        if (wait_readable(c->fd, idle_timeout_ms, name, started, stream.received, err) < 0)
            goto out;
        n = read(c->fd, buf, RDB_READ_SIZE);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n <= 0) {
            if (n < 0)
                lc_err_sys(err, LC_E_UNAVAILABLE,
                           "redis '%s': connection lost after %" PRIu64 " bytes of the RDB", name,
                           started ? stream.received : 0);
            else if (started)
                lc_err_set(err, LC_E_UNAVAILABLE,
                           "redis '%s': connection lost after %" PRIu64 " bytes of the RDB", name,
                           stream.received);
            else
                lc_err_set(err, LC_E_UNAVAILABLE,
                           "redis '%s': connection closed before the RDB started", name);
            if (!started)
                lc_err_hint(err, "see the server's log (a failed fork or an output buffer "
                                 "limit closes replicas)");
            goto out;
        }
        if (!started) {
            lc_buf_append(&head, buf, (size_t)n);
            continue;
        }
        done = lc_rdb_stream_feed(&stream, buf, (size_t)n, err);
        if (done < 0)
            goto out;
        if (done > 0)
            break;
    }
    if (lc_rdb_stream_finish(&stream, out_stats, err) < 0) {
        if (err->status == LC_E_DATA)
            lc_err_prefix(err, "redis '%s'", name);
        goto out;
    }
    rc = 0;
out:
    lc_buf_done(&head);
    free(buf);
    return rc;
}
