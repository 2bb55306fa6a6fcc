/*
 * Opening a backup set for restore (see set_reader.h): one sequential pass through the
 * file with libarchive, hashing every member and the whole file, then the checks
 * against manifest.json and the sidecar, then the member offsets.
 *
 * libarchive does not hand out the file offset of an entry's content, only of its
 * header (archive_read_header_position). A set is an uncompressed tar, so the content
 * of entry k ends, padded to 512 bytes, where the header of entry k+1 begins; the
 * offset is derived from that and then checked against the first bytes libarchive
 * gave for the entry, so a miscount is caught here and never read as data later.
 */
#include "common/set_reader.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/digest.h"
#include "common/mem.h"
#include "common/signals.h"

#define READ_BLOCK (1024 * 1024)
#define MANIFEST_MAX (64 * 1024 * 1024)
#define PROBE_LEN 16                 /* first bytes of a member kept to check its offset */
#define TAR_BLOCK 512

/* One entry as found in the tar. */
struct scanned {
    char *path;
    uint64_t header_pos;
    uint64_t size;
    char sha256[65];
    unsigned char probe[PROBE_LEN];
    size_t probe_len;
    int listed;               /* a manifest member matched it */
};

/* State of the sequential pass. */
struct scan {
    const char *path;
    int fd;
    char *block;
    struct lc_sha256 *whole;          /* NULL when there is no sidecar */
    struct lc_progress *progress;
    struct lc_err *err;               /* set by the read callback */
    int failed;
    struct scanned *items;
    size_t n_items;
    size_t cap_items;
    struct lc_buf manifest;
    int have_manifest;
};

static la_ssize_t read_cb(struct archive *a, void *ctx, const void **out)
{
    struct scan *s = ctx;
    ssize_t n;

    (void)a;
    if (lc_check_interrupted(s->err)) {
        s->failed = 1;
        return -1;
    }
    do
        n = read(s->fd, s->block, READ_BLOCK);
    while (n < 0 && errno == EINTR);
    if (n < 0) {
        lc_err_sys(s->err, LC_E_IO, "'%s': read failed", s->path);
        s->failed = 1;
        return -1;
    }
    if (s->whole)
        lc_sha256_update(s->whole, s->block, (size_t)n);
    lc_progress_add(s->progress, (uint64_t)n);
    *out = s->block;
    return n;
}

static struct scanned *add_item(struct scan *s)
{
    if (s->n_items == s->cap_items) {
        s->cap_items = s->cap_items ? 2 * s->cap_items : 64;
        s->items = lc_xrealloc(s->items, s->cap_items * sizeof(*s->items));
    }
    memset(&s->items[s->n_items], 0, sizeof(s->items[0]));
    return &s->items[s->n_items++];
}

static int archive_failed(struct scan *s, struct archive *a)
{
    if (s->failed)
        return -1; /* the read callback recorded the cause */
    lc_err_set(s->err, LC_E_DATA, "'%s': damaged or truncated tar: %s", s->path,
               archive_error_string(a) ? archive_error_string(a) : "unknown error");
    lc_err_hint(s->err, "the file is not a complete backup set; use another set or copy");
    return -1;
}

/* Reads one entry's content: hashed, first bytes kept, the manifest kept whole. */
static int read_entry(struct scan *s, struct archive *a, struct scanned *item)
{
    struct lc_sha256 *sha = lc_sha256_new();
    int is_manifest = strcmp(item->path, LC_MANIFEST_NAME) == 0;
    uint64_t seen = 0;
    int rc = -1;

    for (;;) {
        const void *data;
        size_t len;
        la_int64_t off;
        int r = archive_read_data_block(a, &data, &len, &off);

        if (r == ARCHIVE_EOF)
            break;
        if (r != ARCHIVE_OK) {
            archive_failed(s, a);
            goto out;
        }
        if (is_manifest) {
            if (s->manifest.len + len > MANIFEST_MAX) {
                lc_err_set(s->err, LC_E_DATA, "'%s': manifest.json is larger than %d MiB",
                           s->path, MANIFEST_MAX >> 20);
                goto out;
            }
            lc_buf_append(&s->manifest, data, len);
        }
        if (item->probe_len < PROBE_LEN) {
            size_t take = PROBE_LEN - item->probe_len < len ? PROBE_LEN - item->probe_len : len;

            memcpy(item->probe + item->probe_len, data, take);
            item->probe_len += take;
        }
        lc_sha256_update(sha, data, len);
        seen += len;
    }
    if (seen != item->size) {
        lc_err_set(s->err, LC_E_DATA, "'%s': member '%s' holds %llu of its %llu bytes (truncated)",
                   s->path, item->path, (unsigned long long)seen, (unsigned long long)item->size);
        goto out;
    }
    if (is_manifest)
        s->have_manifest = 1;
    rc = 0;
out:
    lc_sha256_final_hex(sha, item->sha256);
    lc_sha256_free(sha);
    return rc;
}

static int scan_tar(struct scan *s)
{
    struct archive *a = archive_read_new();
    struct archive_entry *entry;
    int rc = -1;

    archive_read_support_format_tar(a);
    if (archive_read_open2(a, s, NULL, read_cb, NULL, NULL) != ARCHIVE_OK) {
        archive_failed(s, a);
        goto out;
    }
    for (;;) {
        int r = archive_read_next_header(a, &entry);
        struct scanned *item;

        if (r == ARCHIVE_EOF)
            break;
        if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
            archive_failed(s, a);
            goto out;
        }
        if (s->have_manifest) {
            lc_err_set(s->err, LC_E_DATA, "'%s': member '%s' follows manifest.json", s->path,
                       archive_entry_pathname(entry));
            goto out;
        }
        item = add_item(s);
        item->path = lc_xstrdup(archive_entry_pathname(entry) ? archive_entry_pathname(entry) : "");
        item->header_pos = (uint64_t)archive_read_header_position(a);
        item->size = (uint64_t)archive_entry_size(entry);
        if (read_entry(s, a, item))
            goto out;
    }
    /* The tar's end blocks and record padding are part of the file too. */
    while (s->whole) {
        const void *rest;
        la_ssize_t n = read_cb(a, s, &rest);

        if (n < 0)
            goto out;
        if (n == 0)
            break;
    }
    rc = 0;
out:
    archive_read_free(a);
    return rc;
}

/* The sidecar's digest ("<hex>  <name>" as sha256sum writes it) into hex[65]; 0 when
 * there is no sidecar. */
static int read_sidecar(const char *path, char hex[65], int *out_present, struct lc_err *err)
{
    char *side = lc_xasprintf("%s.sha256", path);
    char line[200];
    FILE *f = fopen(side, "re");
    int rc = -1;

    *out_present = 0;
    if (!f) {
        rc = errno == ENOENT ? 0
                             : lc_err_sys(err, errno == EACCES ? LC_E_NOPERM : LC_E_IO,
                                          "'%s': cannot open", side);
        goto out;
    }
    if (!fgets(line, sizeof(line), f) || strspn(line, "0123456789abcdef") != 64) {
        lc_err_set(err, LC_E_DATA, "'%s': not a sha256sum line", side);
        goto out;
    }
    memcpy(hex, line, 64);
    hex[64] = '\0';
    *out_present = 1;
    rc = 0;
out:
    if (f)
        fclose(f);
    free(side);
    return rc;
}

/* The tar item of a member (manifest.json, the last item, is never one), trying the
 * same position first. */
static struct scanned *find_scanned(const struct scan *s, size_t hint, const char *path)
{
    if (hint + 1 < s->n_items && strcmp(s->items[hint].path, path) == 0)
        return &s->items[hint];
    for (size_t idx = 0; idx + 1 < s->n_items; idx++)
        if (strcmp(s->items[idx].path, path) == 0)
            return &s->items[idx];
    return NULL;
}

static uint64_t round_up(uint64_t n)
{
    return (n + TAR_BLOCK - 1) / TAR_BLOCK * TAR_BLOCK;
}

/* The content offset of scanned item idx (not the manifest, which is last), checked
 * against the first bytes seen. */
static int content_offset(const struct scan *s, size_t idx, uint64_t *out, struct lc_err *err)
{
    const struct scanned *item = &s->items[idx];
    unsigned char probe[PROBE_LEN];
    uint64_t end = s->items[idx + 1].header_pos;
    uint64_t off = end - round_up(item->size);
    ssize_t n;

    if (round_up(item->size) > end)
        goto bad;
    n = pread(s->fd, probe, item->probe_len, (off_t)off);
    if (n < 0)
        return lc_err_sys(err, LC_E_IO, "'%s': read failed", s->path);
    if ((size_t)n != item->probe_len || memcmp(probe, item->probe, item->probe_len) != 0)
        goto bad;
    *out = off;
    return 0;
bad:
    return lc_err_set(err, LC_E_DATA, "'%s': cannot locate member '%s' in the file", s->path,
                      item->path);
}

/* Every member of the manifest is in the tar with its size and digest, and nothing else is. */
static int check_members(struct scan *s, struct lc_set_reader *out, struct lc_err *err)
{
    const struct lc_manifest *m = &out->manifest;

    out->entries = lc_xcalloc(m->n_members ? m->n_members : 1, sizeof(*out->entries));
    for (size_t idx = 0; idx < m->n_members; idx++) {
        const struct lc_manifest_member *mm = &m->members[idx];
        struct scanned *item = find_scanned(s, idx, mm->path);

        if (!item)
            return lc_err_set(err, LC_E_DATA, "'%s': member '%s' listed in the manifest is missing",
                              s->path, mm->path);
        if (item->listed)
            return lc_err_set(err, LC_E_DATA, "'%s': the manifest lists member '%s' twice", s->path,
                              mm->path);
        item->listed = 1;
        if (item->size != mm->size)
            return lc_err_set(err, LC_E_DATA, "'%s': member '%s' is %llu bytes, the manifest says %llu",
                              s->path, mm->path, (unsigned long long)item->size,
                              (unsigned long long)mm->size);
        if (strcmp(item->sha256, mm->sha256) != 0) {
            lc_err_set(err, LC_E_DATA, "'%s': member '%s': SHA-256 mismatch (the set is corrupt)",
                       s->path, mm->path);
            lc_err_hint(err, "nothing was restored; use an older set or another copy of this one");
            return -1;
        }
        out->entries[idx].member = mm;
        if (content_offset(s, (size_t)(item - s->items), &out->entries[idx].offset, err))
            return -1;
    }
    out->n_entries = m->n_members;
    /* manifest.json is the last item and is not a member of itself. */
    for (size_t idx = 0; idx + 1 < s->n_items; idx++)
        if (!s->items[idx].listed)
            return lc_err_set(err, LC_E_DATA, "'%s': member '%s' is not in the manifest",
                              s->path, s->items[idx].path);
    return 0;
}

int lc_set_reader_open(const char *path, struct lc_progress *progress, struct lc_set_reader *out,
                       struct lc_err *err)
{
    struct lc_set_reader r = LC_SET_READER_INIT;
    struct scan s;
    struct stat st;
    char sidecar[65];
    int has_sidecar = 0;
    int rc = -1;

    memset(&s, 0, sizeof(s));
    s.path = path;
    s.err = err;
    s.progress = progress;
    r.fd = open(path, O_RDONLY | O_CLOEXEC);
    if (r.fd < 0) {
        lc_err_sys(err, errno == ENOENT ? LC_E_NOINPUT : errno == EACCES ? LC_E_NOPERM : LC_E_IO,
                   "'%s': cannot open", path);
        goto out;
    }
    if (fstat(r.fd, &st) != 0) {
        lc_err_sys(err, LC_E_IO, "'%s': cannot stat", path);
        goto out;
    }
    lc_progress_set_total(progress, (uint64_t)st.st_size);
    if (read_sidecar(path, sidecar, &has_sidecar, err))
        goto out;
    s.fd = r.fd;
    s.block = lc_xmalloc(READ_BLOCK);
    s.whole = has_sidecar ? lc_sha256_new() : NULL;
    if (scan_tar(&s))
        goto out;
    if (has_sidecar) {
        char whole[65];

        lc_sha256_final_hex(s.whole, whole);
        if (strcmp(whole, sidecar) != 0) {
            lc_err_set(err, LC_E_DATA, "'%s': SHA-256 of the file does not match '%s.sha256'",
                       path, path);
            lc_err_hint(err, "the set is corrupt or incomplete; use an older set or another copy");
            goto out;
        }
    }
    if (!s.have_manifest) {
        lc_err_set(err, LC_E_DATA, "'%s': no manifest.json at the end (truncated, or not a backup set)",
                   path);
        goto out;
    }
    if (lc_manifest_parse(s.manifest.data, s.manifest.len, &r.manifest, err)) {
        lc_err_prefix(err, "'%s'", path);
        goto out;
    }
    if (check_members(&s, &r, err))
        goto out;
    r.path = lc_xstrdup(path);
    r.file_size = (uint64_t)st.st_size;
    r.sidecar_checked = has_sidecar;
    *out = r;
    r = (struct lc_set_reader)LC_SET_READER_INIT;
    rc = 0;
out:
    lc_set_reader_close(&r);
    for (size_t idx = 0; idx < s.n_items; idx++)
        free(s.items[idx].path);
    free(s.items);
    free(s.block);
    lc_buf_done(&s.manifest);
    lc_sha256_free(s.whole);
    return rc;
}

const struct lc_set_entry *lc_set_reader_find(const struct lc_set_reader *s, const char *path)
{
    for (size_t idx = 0; idx < s->n_entries; idx++)
        if (strcmp(s->entries[idx].member->path, path) == 0)
            return &s->entries[idx];
    return NULL;
}

void lc_set_reader_close(struct lc_set_reader *s)
{
    if (!s)
        return;
    if (s->fd >= 0)
        close(s->fd);
    s->fd = -1;
    lc_manifest_done(&s->manifest);
    free(s->entries);
    free(s->path);
    s->entries = NULL;
    s->path = NULL;
    s->n_entries = 0;
}

int lc_set_read_manifest(const char *path, struct lc_manifest *out, struct lc_err *err)
{
    struct archive *a = archive_read_new();
    struct archive_entry *e;
    char *buf = NULL;
    int r, rc = -1;

    archive_read_support_format_tar(a);
    if (archive_read_open_filename(a, path, 64 * 1024) != ARCHIVE_OK) {
        lc_err_set(err, LC_E_IO, "cannot open '%s': %s", path, archive_error_string(a));
        goto out;
    }
    while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
        la_int64_t size = archive_entry_size(e);
        la_ssize_t got;

        if (strcmp(archive_entry_pathname(e), LC_MANIFEST_NAME) != 0)
            continue; /* the next header call skips the data */
        if (size < 0 || size > MANIFEST_MAX) {
            lc_err_set(err, LC_E_DATA, "'%s': " LC_MANIFEST_NAME " has a bad size", path);
            goto out;
        }
        buf = lc_xmalloc((size_t)size + 1);
        got = archive_read_data(a, buf, (size_t)size);
        if (got != size) {
            lc_err_set(err, LC_E_DATA, "'%s': " LC_MANIFEST_NAME " cannot be read: %s", path,
                       got < 0 ? archive_error_string(a) : "short read");
            goto out;
        }
        buf[size] = '\0';
        rc = lc_manifest_parse(buf, (size_t)size, out, err);
        if (rc < 0)
            lc_err_prefix(err, "'%s'", path);
        goto out;
    }
    lc_err_set(err, LC_E_DATA, "'%s': no " LC_MANIFEST_NAME "%s%s", path,
               r == ARCHIVE_EOF ? "" : ": ", r == ARCHIVE_EOF ? "" : archive_error_string(a));
out:
    free(buf);
    archive_read_free(a);
    return rc;
}
