/*
 * Backup targets: the places sets are shipped to. A target is a URL with one driver per
 * scheme, each in its own file: file:// (target_file.c), sftp:// (target_sftp.c),
 * https:// and http:// WebDAV (target_webdav.c), s3:// (target_s3.c). Every driver
 * offers the same operations on objects named by a path relative to the target's base
 * ("lcbp3-qnap-20261124T020000Z-daily.tar", later "binlogs/1/0/mysql-bin.000042"):
 *
 *   put      upload from a stream, published atomically: a reader never sees a half
 *            object under the final name (a temporary name then a rename, or one S3
 *            PUT / multipart completion); missing directories are created
 *   get      download to a stream
 *   list     the objects directly inside a directory of the target (not recursive)
 *   stat     size and time of one object, or "not there"
 *   remove   delete one object; a missing object is not an error
 *   free     free space, where the protocol tells
 *
 * Drivers never log and never retry: they fill `err` with a status that says what kind
 * of failure it was, and lc_target_retryable() decides. The statuses drivers use:
 *   LC_E_UNAVAILABLE  transient: connection refused or reset, timeout, HTTP 5xx/408/429
 *                     (retried with backoff)
 *   LC_E_NOPERM       authentication refused, permission denied, unknown or changed
 *                     host key, TLS verification failed (never retried)
 *   LC_E_NOINPUT      get/stat of an object that is not there (stat returns 0 instead)
 *   LC_E_IO           the target is full or a write failed there
 *   LC_E_DATA         the target answered something we cannot parse
 *   LC_E_CONFIG       the URL or the target's keys are wrong (found by lc_target_open)
 */
#ifndef LC_TARGET_H
#define LC_TARGET_H

#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "common/config.h"
#include "common/error.h"

struct lc_target;

struct lc_target_object {
    char *name;               /* relative to the directory that was listed (no '/') */
    uint64_t size;
    time_t mtime;             /* 0 when the target does not say */
};

struct lc_target_objects {
    struct lc_target_object *items;
    size_t len;
};

/*
 * Where an upload's bytes come from. read() returns the number of bytes put in buf
 * (0 at the end) or -1 with err set. rewind() starts again from the first byte, for a
 * retry; NULL when the source cannot be read twice (then a failed put is not retried).
 */
struct lc_target_source {
    ssize_t (*read)(void *ctx, void *buf, size_t len, struct lc_err *err);
    int (*rewind)(void *ctx, struct lc_err *err);
    void *ctx;
    int64_t size;             /* total bytes, or -1 when unknown (streaming) */
    /*
     * Optional, NULL unless the source is a file: copies up to `max` bytes from the
     * current position into `out_fd` inside the kernel (copy_file_range), advancing as
     * read() does; where the kernel cannot copy between the two files (another file
     * system, e.g. an NFS mount), through `scratch` with read() and write(). Returns the
     * bytes copied (0 at the end) or -1 with err set; err->sys_errno says what failed
     * (ENOSPC: the destination is full).
     */
    ssize_t (*copy_to)(void *ctx, int out_fd, size_t max, void *scratch, size_t scratch_len,
                       struct lc_err *err);
};

/* Where a download's bytes go: returns 0, or -1 with err set (which ends the get). */
struct lc_target_sink {
    int (*write)(void *ctx, const void *buf, size_t len, struct lc_err *err);
    void *ctx;
};

struct lc_target_ops {
    const char *scheme;       /* "file", "sftp", "https", "s3" */
    /* Parses cfg->url and checks the keys the driver needs; sets t->priv. */
    int (*open)(struct lc_target *t, struct lc_err *err);
    int (*put)(struct lc_target *t, const char *name, const struct lc_target_source *src,
               struct lc_err *err);
    int (*get)(struct lc_target *t, const char *name, const struct lc_target_sink *sink,
               struct lc_err *err);
    /* dir "" is the base; a missing directory is an empty list, not an error. */
    int (*list)(struct lc_target *t, const char *dir, struct lc_target_objects *out,
                struct lc_err *err);
    /* 1 and *out filled (out->name NULL) when the object exists, 0 when it does not. */
    int (*stat)(struct lc_target *t, const char *name, struct lc_target_object *out,
                struct lc_err *err);
    int (*remove)(struct lc_target *t, const char *name, struct lc_err *err);
    /* 1 and *out_bytes when the target tells, 0 when it cannot. NULL: never tells. */
    int (*free_space)(struct lc_target *t, uint64_t *out_bytes, struct lc_err *err);
    /* Frees t->priv. */
    void (*close)(struct lc_target *t);
};

struct lc_target {
    const struct lc_target_cfg *cfg;
    const struct lc_target_ops *ops;
    void *priv;               /* the driver's state */
    int64_t retries;          /* cfg->retries, or 0 after lc_target_no_retries() */
};

extern const struct lc_target_ops lc_target_file_ops;
extern const struct lc_target_ops lc_target_sftp_ops;
extern const struct lc_target_ops lc_target_webdav_ops;
extern const struct lc_target_ops lc_target_s3_ops;

/* Picks the driver for cfg->url and opens it. On failure *out is untouched. */
int lc_target_open(const struct lc_target_cfg *cfg, struct lc_target **out, struct lc_err *err);
void lc_target_free(struct lc_target *t);  /* accepts NULL */

/* Each operation is tried once (still bounded by the target's timeout): for checks that
 * must answer promptly, such as lcbp3-integrity's. */
void lc_target_no_retries(struct lc_target *t);

/* The configured [target.NAME], or NULL with LC_E_USAGE naming the configured targets. */
const struct lc_target_cfg *lc_target_find(const struct lc_config *cfg, const char *name,
                                           struct lc_err *err);

/* Opens the configured [target.NAME] (see lc_target_find). */
int lc_target_open_named(const struct lc_config *cfg, const char *name, struct lc_target **out,
                         struct lc_err *err);

/* "[target.NAME] <url>" with any password in the url masked, for messages. New string. */
char *lc_target_describe(const struct lc_target *t);

/*
 * The operations with the retry policy applied: transient failures (see above) are
 * tried again up to cfg->retries times, with exponential backoff from 1 s (doubling, up
 * to 60 s) and full jitter, cut short by SIGTERM/SIGINT. A put whose source cannot be
 * rewound is tried once. Each retry is logged at warning level with the reason.
 */
int lc_target_put(struct lc_target *t, const char *name, const struct lc_target_source *src,
                  struct lc_err *err);
int lc_target_get(struct lc_target *t, const char *name, const struct lc_target_sink *sink,
                  struct lc_err *err);
int lc_target_list(struct lc_target *t, const char *dir, struct lc_target_objects *out,
                   struct lc_err *err);
int lc_target_stat(struct lc_target *t, const char *name, struct lc_target_object *out,
                   struct lc_err *err);
int lc_target_remove(struct lc_target *t, const char *name, struct lc_err *err);
int lc_target_free_space(struct lc_target *t, uint64_t *out_bytes, struct lc_err *err);

/* Whether a failure with this status is worth another try. */
int lc_target_retryable(const struct lc_err *err);

/*
 * The temporary name an upload of `name` goes to before it is published:
 * "<dir>/.<base>.partial-<pid>-<random>" (hidden, unique, never a set name), and the
 * test for it, so that listings skip such leftovers and prune can remove them.
 */
char *lc_target_temp_name(const char *name);
int lc_target_is_temp(const char *base);

/* Adds one object to a list (drivers' list() use it). */
void lc_target_objects_add(struct lc_target_objects *list, const char *name, uint64_t size,
                           time_t mtime);
void lc_target_objects_done(struct lc_target_objects *list);

/* A source over an open file descriptor (size from fstat; rewind seeks to 0). */
struct lc_target_fd_source {
    int fd;
    uint64_t done;
    int no_kernel_copy;       /* copy_file_range refused these files: copy through memory */
};
void lc_target_source_fd(struct lc_target_fd_source *state, int fd, int64_t size,
                         struct lc_target_source *out);

#endif
