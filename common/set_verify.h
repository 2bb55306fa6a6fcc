/*
 * Deep verification of a backup set file: everything a restore would rely on, without
 * restoring. The set is read once by the set reader (the sidecar's SHA-256 of the whole
 * file, every member's SHA-256 and size against the manifest), then every gzip member
 * is inflated to its end (each gzip member's CRC-32 and length) and its output length
 * compared with the manifest's raw size, two members at a time. What `sha256sum -c`
 * plus `gzip -t` on every member would prove, in one command.
 */
#ifndef LC_SET_VERIFY_H
#define LC_SET_VERIFY_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "common/progress.h"

struct lc_set_verify_stats {
    size_t members;           /* members checked */
    size_t gzip_members;      /* of those inflated to the end */
    uint64_t bytes;           /* bytes of the file read (twice for gzip members) */
    int sidecar_checked;      /* the sidecar existed and matched */
};

/*
 * Verifies the set at `path` as above. Errors: LC_E_NOINPUT (no such file), LC_E_IO,
 * LC_E_DATA naming the member and what is wrong ("member 'x': gzip data is corrupt at
 * compressed byte N", "member 'x' inflates to N bytes, the manifest says M"),
 * LC_E_TEMPFAIL when interrupted. `progress` (may be NULL) counts bytes read.
 */
int lc_set_verify_deep(const char *path, struct lc_progress *progress,
                       struct lc_set_verify_stats *stats, struct lc_err *err);

#endif
