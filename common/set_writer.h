/*
 * Writing a backup set: one tar (libarchive, pax format) holding every member in the
 * order produced and manifest.json last, written as "<set>.partial", plus the sidecar
 * "<set>.sha256" in sha256sum format; then the .partial is fsynced and renamed. The
 * sidecar is published before the set, so a set without ".partial" always has one.
 * SHA-256 of each member and of the whole file are computed while the bytes pass
 * through, so nothing is read twice.
 */
#ifndef LC_SET_WRITER_H
#define LC_SET_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "common/manifest.h"
#include "common/member.h"

/* Where the bytes of a set go: write() returns 0, or -1 with err set. */
struct lc_set_sink {
    int (*write)(void *ctx, const void *data, size_t len, struct lc_err *err);
    void *ctx;
};

/*
 * Writes the set's tar (members in order, manifest.json last) to `out`, filling each
 * member's sha256 and size and header->finished_at; out_hex gets the SHA-256 of the
 * whole stream (the sidecar's), out_size (optional) its length. Used for the spool
 * below and for streaming a set straight to targets.
 */
int lc_set_write_to(struct lc_set_header *header, struct lc_member_list *members,
                    const struct lc_set_sink *out, char out_hex[65], uint64_t *out_size,
                    struct lc_err *err);

/*
 * Writes the set `header->set_name` into `spool_dir`. Fills each member's sha256 and
 * size, sets header->finished_at. On failure nothing but a .partial (removed here when
 * possible) is left. out_size (optional) gets the size of the set file.
 */
int lc_set_write(const char *spool_dir, struct lc_set_header *header,
                 struct lc_member_list *members, uint64_t *out_size, struct lc_err *err);

#endif
