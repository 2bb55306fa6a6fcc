/*
 * Fetching an RDB snapshot over the replication protocol, as `redis-cli --rdb` does but
 * without it: REPLCONF capa eof, REPLCONF rdb-only 1, SYNC, then the bulk that follows
 * (either "$<len>" from a disk snapshot or "$EOF:<40-byte marker>" from a diskless one,
 * whose marker is stripped) streamed into a gzip writer while its CRC64 trailer is
 * checked. Needs only the +sync +replconf (+ping +auth) ACL rights; no file-system
 * access to the server. The parsing and checking steps are pure functions, so they are
 * unit-tested without a server.
 */
#ifndef LC_REDIS_RDB_H
#define LC_REDIS_RDB_H

#include <stddef.h>
#include <stdint.h>

#include <hiredis/hiredis.h>

#include "common/error.h"
#include "common/gz.h"
#include "common/progress.h"

#define LC_RDB_EOF_MARK_LEN 40

/* The least time without a byte from the server before a fetch gives up. */
#define LC_RDB_MIN_IDLE_TIMEOUT_MS 60000

/* What a fetch produced. */
struct lc_redis_rdb_stats {
    uint64_t bytes; /* RDB bytes written (before compression; the EOF marker excluded) */
    uint64_t crc;   /* the RDB's stored CRC64; 0 when the server has rdbchecksum off */
    int diskless;   /* 1 when the server streamed it with an EOF marker */
};

/*
 * Sends REPLCONF capa eof and REPLCONF rdb-only 1 (an error to the latter, from a server
 * older than 7.0, is only logged at debug level), then SYNC, and writes the RDB into
 * `w` (not closed here). The server may take a while to fork and may wait
 * repl-diskless-sync-delay before sending; the fetch fails only after `idle_timeout_ms`
 * (at least LC_RDB_MIN_IDLE_TIMEOUT_MS) without a byte, and checks for SIGTERM/SIGINT
 * several times a second. The context cannot be used for commands afterwards: free it.
 * Errors: LC_E_UNAVAILABLE for a refused SYNC ("-NOPERM ..."), a timeout or a connection
 * lost ("redis 'host:port': connection lost after N bytes of the RDB"); LC_E_DATA for an
 * RDB that is not one or fails its checksum; the writer's error for a write failure;
 * LC_E_TEMPFAIL when interrupted.
 */
int lc_redis_rdb_fetch(redisContext *c, struct lc_gz_writer *w, int64_t idle_timeout_ms,
                       struct lc_progress *progress, struct lc_redis_rdb_stats *out_stats,
                       struct lc_err *err);

/* The bulk header that answers SYNC. */
struct lc_rdb_header {
    int diskless;                            /* "$EOF:<mark>" */
    unsigned char mark[LC_RDB_EOF_MARK_LEN]; /* diskless only */
    uint64_t length;                         /* "$<len>" only */
};

/*
 * Parses the start of the server's answer to SYNC in buf[0..len): newline keepalives
 * (sent while the server forks) are skipped, then "$EOF:<40 bytes>\r\n" or
 * "$<len>\r\n". Returns 1 with *out_used = bytes consumed (payload starts there) and
 * *out filled; 0 when more bytes are needed; -1 for an error line ("-ERR ...",
 * "-NOPERM ...": LC_E_UNAVAILABLE with the server's text) or anything else
 * (LC_E_UNAVAILABLE, "unexpected answer to SYNC").
 */
int lc_redis_rdb_parse_header(const char *buf, size_t len, size_t *out_used,
                              struct lc_rdb_header *out, struct lc_err *err);

/* Receives the RDB bytes in order; returns 0 or -1 with err set. */
typedef int (*lc_rdb_sink_fn)(void *ctx, const void *data, size_t len, struct lc_err *err);

/*
 * The streaming check of an RDB payload: bytes go to the sink as they come, except the
 * last 8 (the CRC64) and, in diskless mode, the 40-byte EOF marker, which are held back
 * until the end is known. Fields are private; the struct is public so that it can live
 * on the stack.
 */
struct lc_rdb_stream {
    struct lc_rdb_header header;
    lc_rdb_sink_fn sink;
    void *sink_ctx;
    unsigned char hold[LC_RDB_EOF_MARK_LEN + 8];
    size_t hold_len;
    unsigned char head[5];
    uint64_t emitted;  /* bytes passed to the sink, checksummed */
    uint64_t received; /* payload bytes fed */
    uint64_t crc;
    unsigned char last; /* the last byte passed to the sink */
    int complete;
};

void lc_rdb_stream_init(struct lc_rdb_stream *s, const struct lc_rdb_header *header,
                        lc_rdb_sink_fn sink, void *sink_ctx);

/*
 * Feeds payload bytes. Returns 1 once the RDB is complete (the marker seen at the end
 * of what was fed, or the announced length reached; later bytes are ignored), 0 when
 * more are expected, -1 when the sink failed.
 */
int lc_rdb_stream_feed(struct lc_rdb_stream *s, const void *data, size_t len, struct lc_err *err);

/*
 * After completion: passes the held-back CRC to the sink and checks the RDB: "REDIS"
 * magic, the EOF opcode 0xFF before the checksum, and the CRC64 of everything before
 * the checksum (a stored 0 means the server has rdbchecksum off: accepted, logged at
 * debug level). Fails with LC_E_DATA; fills out_stats on success.
 */
int lc_rdb_stream_finish(struct lc_rdb_stream *s, struct lc_redis_rdb_stats *out_stats,
                         struct lc_err *err);

#endif
