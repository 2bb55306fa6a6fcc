/*
 * The set writer (see set_writer.h).
 */
#include "common/set_writer.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/digest.h"
#include "common/fs.h"
#include "common/mem.h"
#include "common/signals.h"

#define COPY_BUF (1024 * 1024)

/* The output side: every byte libarchive emits goes to the caller's sink and the hash. */
struct tar_sink {
    const struct lc_set_sink *out;
    struct lc_sha256 *sha;
    uint64_t bytes;
    struct lc_err *err;
    int failed;
};

static la_ssize_t sink_write(struct archive *a, void *user, const void *data, size_t len)
{
    struct tar_sink *sink = user;

    (void)a;
    if (sink->out->write(sink->out->ctx, data, len, sink->err) < 0) {
        sink->failed = 1;
        return -1;
    }
    lc_sha256_update(sink->sha, data, len);
    sink->bytes += len;
    return (la_ssize_t)len;
}

static int archive_fail(struct archive *a, struct tar_sink *sink, const char *what,
                        struct lc_err *err)
{
    if (sink->failed)
        return -1; /* the sink recorded the system error already */
    return lc_err_set(err, LC_E_IO, "%s: %s", what, archive_error_string(a));
}

static int write_entry_header(struct archive *a, struct tar_sink *sink, const char *name,
                              uint64_t size, time_t mtime, struct lc_err *err)
{
    struct archive_entry *entry = archive_entry_new();
    int rc = 0;

    archive_entry_set_pathname(entry, name);
    archive_entry_set_size(entry, (la_int64_t)size);
    archive_entry_set_filetype(entry, AE_IFREG);
    archive_entry_set_perm(entry, 0600);
    archive_entry_set_mtime(entry, mtime, 0);
    if (archive_write_header(a, entry) != ARCHIVE_OK)
        rc = archive_fail(a, sink, name, err);
    archive_entry_free(entry);
    return rc;
}

static int write_data(struct archive *a, struct tar_sink *sink, const char *name,
                      const void *data, size_t len, struct lc_err *err)
{
    la_ssize_t n = archive_write_data(a, data, len);

    if (n < 0 || (size_t)n != len)
        return archive_fail(a, sink, name, err);
    return 0;
}

/* Copies the parts of one member into the tar (the hasher thread hashes them). */
static int write_member(struct archive *a, struct tar_sink *sink, struct lc_member *m,
                        char *buf, time_t mtime, struct lc_err *err)
{
    uint64_t size = 0, copied = 0;
    struct stat st;
    int fd = -1;
    int rc = -1;

    for (size_t idx = 0; m->parts && m->parts[idx]; idx++) {
        if (stat(m->parts[idx], &st) < 0)
            return lc_err_sys(err, LC_E_IO, "member '%s': cannot stat '%s'", m->name, m->parts[idx]);
        size += (uint64_t)st.st_size;
    }
    if (write_entry_header(a, sink, m->name, size, mtime, err) < 0)
        return -1;
    for (size_t idx = 0; m->parts && m->parts[idx]; idx++) {
        ssize_t n;

        fd = open(m->parts[idx], O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            lc_err_sys(err, LC_E_IO, "member '%s': cannot open '%s'", m->name, m->parts[idx]);
            goto out;
        }
        while ((n = read(fd, buf, COPY_BUF)) != 0) {
            if (n < 0) {
                if (errno == EINTR)
                    continue;
                lc_err_sys(err, LC_E_IO, "member '%s': cannot read '%s'", m->name, m->parts[idx]);
                goto out;
            }
            if (write_data(a, sink, m->name, buf, (size_t)n, err) < 0)
                goto out;
            copied += (uint64_t)n;
        }
        close(fd);
        fd = -1;
        if (lc_check_interrupted(err) < 0)
            goto out;
    }
    if (copied != size) {
        lc_err_set(err, LC_E_IO, "member '%s' changed size while being archived", m->name);
        goto out;
    }
    m->size = size;
    rc = 0;
out:
    if (fd >= 0)
        close(fd);
    return rc;
}

/*
 * Member hashes are computed by a second thread that reads the parts on its own (from
 * the page cache), so the writer's path carries only the copy and the whole-file hash.
 * It writes nothing but each member's sha256 field, which is read after the join.
 */
struct member_hasher {
    pthread_t thread;
    struct lc_member_list *members;
    atomic_int stop;
    int failed;
    struct lc_err err;
};

static void *hash_members(void *arg)
{
    struct member_hasher *h = arg;

    for (size_t idx = 0; idx < h->members->len && !atomic_load(&h->stop); idx++) {
        struct lc_member *m = &h->members->items[idx];

        if (lc_sha256_files(m->parts, m->sha256, &h->err) < 0) {
            lc_err_prefix(&h->err, "member '%s'", m->name);
            h->failed = 1;
            break;
        }
    }
    return NULL;
}

static int write_sidecar(const char *spool_dir, const char *set_name, const char *hex,
                         struct lc_err *err)
{
    char *path = lc_xasprintf("%s/%s.sha256", spool_dir, set_name);
    char *line = lc_xasprintf("%s  %s\n", hex, set_name);
    int rc = lc_fs_write_atomic(path, line, strlen(line), 0600, err);

    free(path);
    free(line);
    return rc;
}

int lc_set_write_to(struct lc_set_header *header, struct lc_member_list *members,
                    const struct lc_set_sink *out, char out_hex[65], uint64_t *out_size,
                    struct lc_err *err)
{
    struct tar_sink sink = {out, NULL, 0, err, 0};
    struct archive *a = NULL;
    char *buf = NULL;
    char *manifest = NULL;
    struct member_hasher hasher;
    int hasher_running = 0;
    int rc = -1;

    memset(&hasher, 0, sizeof(hasher));
    hasher.members = members;
    sink.sha = lc_sha256_new();
    a = archive_write_new();
    /* Block size 0: libarchive passes our 1 MiB buffers straight to the sink instead of
     * copying them into tar's 10 KiB blocks (60 000 writes and a second copy of a 600 MB
     * set); entries are still padded to 512 bytes, the end is not padded to a block. */
    if (archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
        archive_write_set_bytes_per_block(a, 0) != ARCHIVE_OK ||
        archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK ||
        archive_write_open2(a, &sink, NULL, sink_write, NULL, NULL) != ARCHIVE_OK) {
        archive_fail(a, &sink, header->set_name, err);
        goto out;
    }
    if (pthread_create(&hasher.thread, NULL, hash_members, &hasher) != 0) {
        lc_err_set(err, LC_E_OSERR, "cannot start the hashing thread");
        goto out;
    }
    hasher_running = 1;
    buf = lc_xmalloc(COPY_BUF);
    for (size_t idx = 0; idx < members->len; idx++)
        if (write_member(a, &sink, &members->items[idx], buf, header->started_at, err) < 0)
            goto out;
    pthread_join(hasher.thread, NULL);
    hasher_running = 0;
    if (hasher.failed) {
        *err = hasher.err;
        goto out;
    }
    header->finished_at = time(NULL);
    manifest = lc_manifest_build(header, members);
    if (write_entry_header(a, &sink, LC_MANIFEST_NAME, strlen(manifest), header->finished_at,
                           err) < 0 ||
        write_data(a, &sink, LC_MANIFEST_NAME, manifest, strlen(manifest), err) < 0)
        goto out;
    if (archive_write_close(a) != ARCHIVE_OK) {
        archive_fail(a, &sink, header->set_name, err);
        goto out;
    }
    lc_sha256_final_hex(sink.sha, out_hex);
    if (out_size)
        *out_size = sink.bytes;
    rc = 0;
out:
    if (hasher_running) {
        atomic_store(&hasher.stop, 1);
        pthread_join(hasher.thread, NULL);
    }
    if (a)
        archive_write_free(a);
    lc_sha256_free(sink.sha);
    free(manifest);
    free(buf);
    return rc;
}

struct file_out {
    int fd;
    const char *path;
};

static int file_write(void *ctx, const void *data, size_t len, struct lc_err *err)
{
    const struct file_out *f = ctx;

    return lc_fs_write_all(f->fd, data, len, f->path, err);
}

int lc_set_write(const char *spool_dir, struct lc_set_header *header,
                 struct lc_member_list *members, uint64_t *out_size, struct lc_err *err)
{
    char *final_path = lc_xasprintf("%s/%s", spool_dir, header->set_name);
    char *partial = lc_xasprintf("%s.partial", final_path);
    struct file_out file = {-1, partial};
    struct lc_set_sink out = {file_write, &file};
    char hex[65];
    int sidecar_written = 0;
    int rc = -1;

    file.fd = open(partial, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (file.fd < 0) {
        lc_err_sys(err, LC_E_CANTCREAT, "cannot create '%s'", partial);
        goto out;
    }
    if (lc_set_write_to(header, members, &out, hex, out_size, err) < 0)
        goto out;
    if (fsync(file.fd) < 0) {
        lc_err_sys(err, LC_E_IO, "cannot fsync '%s'", partial);
        goto out;
    }
    if (write_sidecar(spool_dir, header->set_name, hex, err) < 0)
        goto out;
    sidecar_written = 1;
    if (lc_fs_publish(file.fd, partial, final_path, err) < 0)
        goto out;
    rc = 0;
out:
    if (file.fd >= 0)
        close(file.fd);
    if (rc < 0) {
        (void)unlink(partial);
        if (sidecar_written) {
            char *sidecar = lc_xasprintf("%s/%s.sha256", spool_dir, header->set_name);

            (void)unlink(sidecar);
            free(sidecar);
        }
    }
    free(partial);
    free(final_path);
    return rc;
}
