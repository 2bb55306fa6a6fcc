/*
 * Placing an RDB snapshot as dump.rdb for a stopped Redis server (see restore_redis.h):
 * the bytes stream into dump.rdb.partial while the RDB's header and CRC-64 trailer are
 * checked, an existing dump.rdb is kept under a dated name, and the new file is
 * published with fsync + rename + fsync of the directory, as rdbSave() does.
 */
#include "common/restore_redis.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/crc64.h"
#include "common/fs.h"
#include "common/log.h"
#include "common/mem.h"
#include "common/signals.h"

#define RDB_CHUNK (1024 * 1024)
#define RDB_HEAD_LEN 9 /* "REDIS" + 4-digit version */
#define RDB_CRC_LEN 8

/* The running check: everything but the last 8 bytes goes into the CRC. */
struct rdb_check {
    unsigned char head[RDB_HEAD_LEN];
    unsigned char tail[RDB_CRC_LEN];
    size_t tail_len;
    uint64_t total;
    uint64_t crc;
    unsigned char last;       /* the last byte before the CRC */
};

static void check_crc(struct rdb_check *k, const unsigned char *data, size_t len)
{
    if (!len)
        return;
    k->crc = lc_crc64(k->crc, data, len);
    k->last = data[len - 1];
}

static void check_feed(struct rdb_check *k, const unsigned char *data, size_t len)
{
    for (size_t idx = 0; k->total + idx < RDB_HEAD_LEN && idx < len; idx++)
        k->head[k->total + idx] = data[idx];
    k->total += len;
    if (k->tail_len + len <= RDB_CRC_LEN) {
        memcpy(k->tail + k->tail_len, data, len);
        k->tail_len += len;
        return;
    }
    /* Out of tail + data, all but the last 8 bytes are checksummed. */
    {
        size_t out = k->tail_len + len - RDB_CRC_LEN;
        size_t from_tail = out < k->tail_len ? out : k->tail_len;
        unsigned char keep[RDB_CRC_LEN];
        size_t kept = 0;

        check_crc(k, k->tail, from_tail);
        check_crc(k, data, out - from_tail);
        memcpy(keep, k->tail + from_tail, k->tail_len - from_tail);
        kept = k->tail_len - from_tail;
        memcpy(keep + kept, data + (out - from_tail), len - (out - from_tail));
        kept += len - (out - from_tail);
        memcpy(k->tail, keep, kept);
        k->tail_len = kept;
    }
}

static int check_finish(const struct rdb_check *k, struct lc_err *err)
{
    uint64_t stored = 0;

    if (k->total < RDB_HEAD_LEN + 1 + RDB_CRC_LEN)
        return lc_err_set(err, LC_E_DATA, "the RDB is too short (%" PRIu64 " bytes)", k->total);
    if (memcmp(k->head, "REDIS", 5) != 0)
        return lc_err_set(err, LC_E_DATA, "the data is not an RDB (no REDIS magic)");
    for (int idx = 5; idx < RDB_HEAD_LEN; idx++) {
        if (k->head[idx] < '0' || k->head[idx] > '9')
            return lc_err_set(err, LC_E_DATA, "the RDB has no version number after REDIS");
    }
    if (k->last != 0xff)
        return lc_err_set(err, LC_E_DATA,
                          "the RDB has no EOF opcode before its checksum (truncated or corrupt)");
    for (int idx = RDB_CRC_LEN - 1; idx >= 0; idx--)
        stored = stored << 8 | k->tail[idx];
    if (stored == 0)
        lc_log_debug("the RDB has no checksum (it was saved with rdbchecksum off)");
    else if (stored != k->crc)
        return lc_err_set(err, LC_E_DATA,
                          "the RDB checksum does not match: stored %016" PRIx64
                          ", computed %016" PRIx64,
                          stored, k->crc);
    return 0;
}

/* When root: the new file gets the owner of the old dump.rdb, else of the directory. */
static int give_owner(int fd, const char *dir, const char *final, struct lc_err *err)
{
    struct stat st;

    if (geteuid() != 0)
        return 0;
    if (stat(final, &st) < 0 && stat(dir, &st) < 0)
        return lc_err_sys(err, LC_E_IO, "cannot stat '%s'", dir);
    if (fchown(fd, st.st_uid, st.st_gid) < 0)
        return lc_err_sys(err, LC_E_CANTCREAT, "cannot give '%s' to uid %u", final,
                          (unsigned)st.st_uid);
    return 0;
}

/*
 * Keeps the existing dump.rdb as dump.rdb.before-restore-<stamp>[-N] with a hard link
 * (a rename where links are not supported); *out_kept gets the name, or NULL if there
 * was no dump.rdb.
 */
static int keep_old(const char *final, char **out_kept, struct lc_err *err)
{
    struct stat st;
    struct tm tm;
    time_t now = time(NULL);
    char stamp[32];

    *out_kept = NULL;
    if (lstat(final, &st) < 0) {
        if (errno == ENOENT)
            return 0;
        return lc_err_sys(err, LC_E_IO, "cannot stat '%s'", final);
    }
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
    for (int n = 0; n < 100; n++) {
        char *kept = n ? lc_xasprintf("%s.before-restore-%s-%d", final, stamp, n)
                       : lc_xasprintf("%s.before-restore-%s", final, stamp);

        if (link(final, kept) == 0) {
            *out_kept = kept;
            return 0;
        }
        if (errno != EEXIST) {
            if (rename(final, kept) == 0) {
                *out_kept = kept;
                return 0;
            }
            lc_err_sys(err, LC_E_CANTCREAT, "cannot keep '%s' as '%s'", final, kept);
            free(kept);
            return -1;
        }
        free(kept);
    }
    return lc_err_set(err, LC_E_CANTCREAT, "cannot keep '%s': too many earlier copies", final);
}

int lc_restore_redis_rdb(const char *dir, lc_restore_read_fn read, void *ctx, char **out_kept,
                         uint64_t *out_bytes, struct lc_err *err)
{
    struct rdb_check check;
    struct stat st;
    char *final = lc_xasprintf("%s/dump.rdb", dir);
    char *partial = lc_xasprintf("%s/dump.rdb.partial", dir);
    char *kept = NULL;
    unsigned char *buf = lc_xmalloc(RDB_CHUNK);
    int fd = -1, rc = -1;

    memset(&check, 0, sizeof(check));
    if (stat(dir, &st) < 0) {
        if (errno != ENOENT) {
            lc_err_sys(err, LC_E_CANTCREAT, "cannot use '%s'", dir);
            goto out;
        }
        if (lc_fs_mkdir_p(dir, 0700, err) < 0)
            goto out;
    } else if (!S_ISDIR(st.st_mode)) {
        lc_err_set(err, LC_E_CANTCREAT, "'%s' is not a directory", dir);
        goto out;
    }
    fd = open(partial, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        lc_err_sys(err, LC_E_CANTCREAT, "cannot create '%s'", partial);
        goto out;
    }
    if (give_owner(fd, dir, final, err) < 0)
        goto out;
    for (;;) {
        size_t got = 0;

        if (lc_check_interrupted(err) < 0 || read(ctx, (char *)buf, RDB_CHUNK, &got, err) < 0)
            goto out;
        if (got == 0)
            break;
        check_feed(&check, buf, got);
        if (lc_fs_write_all(fd, buf, got, partial, err) < 0)
            goto out;
    }
    if (check_finish(&check, err) < 0)
        goto out;
    if (keep_old(final, &kept, err) < 0 || lc_fs_publish(fd, partial, final, err) < 0)
        goto out;
    lc_log_debug("'%s': %" PRIu64 " bytes, RDB version %.4s", final, check.total,
                 (const char *)check.head + 5);
    if (out_kept) {
        *out_kept = kept;
        kept = NULL;
    }
    if (out_bytes)
        *out_bytes = check.total;
    rc = 0;
out:
    if (fd >= 0)
        close(fd);
    if (rc < 0)
        (void)unlink(partial);
    free(kept);
    free(buf);
    free(partial);
    free(final);
    return rc;
}
