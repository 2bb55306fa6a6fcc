/*
 * lcbp3-backup binlog: the archiver's parts. backup_binlog.c runs the replication
 * stream (where to start, generations, reconnects, flushes); binlog_segment.c owns the
 * local segment file being written; binlog_ship.c copies segments to the targets.
 * Layout and names: common/binlog_archive.h.
 */
#ifndef LC_TOOLS_BACKUP_BINLOG_H
#define LC_TOOLS_BACKUP_BINLOG_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

#include "common/binlog_event.h"
#include "common/config.h"
#include "common/error.h"

/* The segment being written: "<spool>/binlogs/<server_id>/<generation>/<name>". */
struct binlog_segment {
    char *path;
    char *name;
    int fd;                   /* -1: none open */
    uint64_t size;            /* bytes appended (the next event's offset) */
    uint64_t synced;          /* bytes known durable */
    unsigned char *buf;       /* appended events not yet written to the file: one write
                               * per batch instead of one per event */
    size_t buf_len;
    struct timespec buf_since;  /* when buf got its first byte */
    int has_crc;              /* its FDE's checksum setting */
    uint32_t fde_timestamp;
};

/*
 * Opens a new segment `name` in `dir` for writing from its start (the server sends
 * its magic-less stream from byte 4: the magic is written here). LC_E_CANTCREAT when
 * the name already exists there (never overwritten: the caller starts a new
 * generation).
 */
int binlog_segment_create(struct binlog_segment *seg, const char *dir, const char *name,
                          struct lc_err *err);

/*
 * Opens an existing unclosed segment to append to it: cut back to its last whole,
 * CRC-valid event (what a crash may have left half-written is dropped and logged).
 */
int binlog_segment_resume(struct binlog_segment *seg, const char *dir, const char *name,
                          struct lc_err *err);

/* Appends one event; LC_E_DATA when its log_pos says it does not belong right here. */
int binlog_segment_append(struct binlog_segment *seg, const struct lc_binlog_event *ev,
                          struct lc_err *err);

/* Writes what is buffered to the file (visible to readers, not yet durable); with
 * `if_older_ms` only when the oldest buffered byte waited that long. */
int binlog_segment_write_out(struct binlog_segment *seg, int64_t if_older_ms,
                             struct lc_err *err);

/* Writes out and fdatasyncs when anything is unsynced. */
int binlog_segment_sync(struct binlog_segment *seg, struct lc_err *err);

/*
 * Closes the segment for good: synced and its sidecar "<name>.sha256" written; from now
 * on it never changes. (The dump thread sends every FDE with the in-use flag clear, so
 * a copy equals the server's file byte for byte, except that flag in a file the server
 * never closed because it crashed.)
 */
int binlog_segment_close(struct binlog_segment *seg, struct lc_err *err);

/* Closes the descriptor (after a sync attempt) without closing the segment; frees. */
void binlog_segment_release(struct binlog_segment *seg);

/*
 * The shipper: a thread that copies closed segments (with the set rules: upload,
 * verify, sidecar, spool mark) and, every [backup] binlog_ship_interval, the active
 * segment's durable bytes as "<name>.open-<size>" to every target.
 */
struct binlog_shipper {
    const struct lc_config *cfg;
    pthread_t thread;
    uint32_t server_id;
    int running;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    int stop;
    /* what the stream publishes for it (under lock) */
    unsigned generation;      /* server_id above too: 0 until the stream connected */
    char *active_name;        /* NULL: none */
    uint64_t active_synced;
    /* what it reports (under lock) */
    time_t *target_success;   /* per configured target: last time all was shipped */
};

/* Ships everything pending once, in the calling thread (one-shot mode); the first
 * failure is returned after trying every target (the others are logged). */
int binlog_ship_pending(struct binlog_shipper *sh, int include_active, struct lc_err *err);

/* Sets the shipper up; with `thread` it ships in the background from now on. */
int binlog_shipper_start(struct binlog_shipper *sh, const struct lc_config *cfg, int thread,
                         struct lc_err *err);

/* Tells the shipper where the stream stands (active NULL: unchanged) and wakes it when
 * a segment closed. */
void binlog_shipper_publish(struct binlog_shipper *sh, uint32_t server_id, unsigned generation,
                            const char *active, uint64_t synced, int closed_one);

/* Stops the thread (an upload under way finishes first) and frees. */
void binlog_shipper_stop(struct binlog_shipper *sh);

#endif
