/*
 * Reading a backup set: the tar is scanned once with libarchive, every member's
 * SHA-256 is computed as it passes and compared with manifest.json (the last member),
 * and the byte range of each member inside the file is recorded, so that members can
 * afterwards be read in parallel with pread (common/gz_reader.h) without unpacking
 * anything to disk. Nothing is trusted before the whole file has been checked: a
 * truncated file, a flipped byte, a missing, extra or resized member, or a manifest
 * that does not parse is LC_E_DATA naming what is wrong.
 */
#ifndef LC_SET_READER_H
#define LC_SET_READER_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "common/manifest.h"
#include "common/progress.h"

struct lc_set_entry {
    const struct lc_manifest_member *member;  /* in reader->manifest */
    uint64_t offset;                          /* first byte of the content in the file */
};

struct lc_set_reader {
    char *path;
    int fd;                                   /* open for pread */
    uint64_t file_size;
    struct lc_manifest manifest;
    struct lc_set_entry *entries;             /* in manifest order */
    size_t n_entries;
    int sidecar_checked;                      /* 1 when <path>.sha256 existed and matched */
};

/* A reader that holds nothing (lc_set_reader_close accepts it). */
#define LC_SET_READER_INIT {.fd = -1}

/*
 * Opens and verifies `path`. When "<path>.sha256" exists, the whole file's SHA-256 is
 * checked against it as well. Progress counts bytes of the file read. Errors:
 * LC_E_NOINPUT (no such file), LC_E_IO (read failure), LC_E_DATA (anything wrong with
 * the content: "'<set>': member '<path>': SHA-256 mismatch (the set is corrupt)",
 * with a hint to use an older set or another copy), LC_E_TEMPFAIL (interrupted).
 * On failure *out holds nothing to free.
 */
int lc_set_reader_open(const char *path, struct lc_progress *progress, struct lc_set_reader *out,
                       struct lc_err *err);

/*
 * Only the manifest of the set at `path`, parsed, without verifying anything: the tar
 * headers are walked (other members' data is skipped) to manifest.json. For listings
 * and plans that need a set's position or times, never for a restore. LC_E_IO when the
 * file cannot be opened, LC_E_DATA when there is no readable, parsable manifest.
 */
int lc_set_read_manifest(const char *path, struct lc_manifest *out, struct lc_err *err);

/* The entry of member `path`, or NULL. */
const struct lc_set_entry *lc_set_reader_find(const struct lc_set_reader *s, const char *path);

void lc_set_reader_close(struct lc_set_reader *s);

#endif
