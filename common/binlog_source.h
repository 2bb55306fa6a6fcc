/*
 * A MariaDB primary's binary logs read as a replica does, through Connector/C's
 * replication API (TECH-NOTES §4.2: the call order, the session variables without
 * which the stream differs from the files, the leading OK byte, artificial ROTATEs,
 * the FDE re-sent on resume, heartbeats). What comes out are the events' raw bytes,
 * exactly as they lie in the server's file.
 */
#ifndef LC_BINLOG_SOURCE_H
#define LC_BINLOG_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "common/binlog_event.h"
#include "common/config.h"
#include "common/error.h"

struct lc_binlog_source;

struct lc_binlog_file {
    char *name;
    uint64_t size;
};

struct lc_binlog_files {
    struct lc_binlog_file *items;   /* the server's order: oldest first */
    size_t len;
};

void lc_binlog_files_done(struct lc_binlog_files *files);

/*
 * Connects as [mariadb] says and checks that the server writes a binary log (LC_E_CONFIG
 * with the my.cnf lines to add when it does not); *out_server_id is @@server_id. The
 * client read timeout is `io_timeout_s`: heartbeats (see open) keep a live stream
 * from ever being that silent. NULL-safe free with lc_binlog_source_free().
 */
int lc_binlog_source_connect(const struct lc_mariadb_cfg *cfg, unsigned io_timeout_s,
                             struct lc_binlog_source **out, uint32_t *out_server_id,
                             struct lc_err *err);

/* Whether the server's events carry a CRC-32 (@@global.binlog_checksum): needed to
 * read an artificial ROTATE, which has no FDE of its own. */
int lc_binlog_source_has_crc(const struct lc_binlog_source *src);

/* SHOW BINARY LOGS: the files the server still has (BINLOG MONITOR privilege). */
int lc_binlog_source_files(struct lc_binlog_source *src, struct lc_binlog_files *out,
                           struct lc_err *err);

/*
 * Starts the dump of `file` from byte `pos` (4 = the start) as replica `client_id`.
 * follow: the stream waits for new events forever, with a heartbeat after every
 * `heartbeat_ms` of silence; otherwise it ends at the server's current end.
 * Once open, the connection serves only the stream.
 */
int lc_binlog_source_open(struct lc_binlog_source *src, const char *file, uint64_t pos,
                          uint32_t client_id, int follow, unsigned heartbeat_ms,
                          struct lc_err *err);

/*
 * The next event: 1 and *ev (valid until the next call), 0 at the end of a stream
 * opened without follow, -1 with err set (LC_E_UNAVAILABLE: the server went away or
 * refused, with its message).
 */
int lc_binlog_source_fetch(struct lc_binlog_source *src, struct lc_binlog_event *ev,
                           struct lc_err *err);

void lc_binlog_source_free(struct lc_binlog_source *src);

#endif
