/*
 * Backup sets on a target: shipping one from the spool, verifying a shipped copy, and
 * listing and removing them. A set on a target is two objects, "<set>" and
 * "<set>.sha256" (the spool's sidecar, sha256sum format). The set is uploaded first
 * (published atomically by the driver), then verified, then the sidecar is uploaded:
 * a set with its sidecar on a target is complete and was verified when shipped; a set
 * without one is incomplete (an interrupted ship) and is shipped again, never counted
 * by retention. In the spool, "<set>.shipped-<target>" records a verified shipment.
 */
#ifndef LC_SHIP_H
#define LC_SHIP_H

#include <stdint.h>

#include "common/error.h"
#include "common/progress.h"
#include "common/spool.h"
#include "common/target.h"

enum lc_verify {
    LC_VERIFY_FULL = 0,       /* size, and the SHA-256 of the object read back */
    LC_VERIFY_SIZE,           /* size only */
};

/* "full" / "size" -> 0 and *out, or -1. */
int lc_verify_parse(const char *s, enum lc_verify *out);

struct lc_ship_stats {
    uint64_t bytes_sent;      /* set + sidecar bytes uploaded */
    uint64_t bytes_read_back; /* verification reads */
    double seconds;
};

/* The hex SHA-256 recorded in a sidecar's text ("<64 hex>  <name>\n"): 0 and hex, or -1
 * with LC_E_DATA. */
int lc_sidecar_parse(const char *text, size_t len, const char *where, char hex[65],
                     struct lc_err *err);

/* The hex SHA-256 in "<set_path>.sha256": 0, or -1 with LC_E_NOINPUT (no sidecar),
 * LC_E_IO or LC_E_DATA. */
int lc_sidecar_read(const char *set_path, char hex[65], struct lc_err *err);

/* Whether "<spool>/<set>.shipped-<target>" exists. */
int lc_ship_is_marked(const char *spool_dir, const char *set_name, const char *target);

/*
 * The second half of shipping, once `set_name` (size bytes, SHA-256 hex) was uploaded
 * to t: verify it (a copy that does not match is removed: LC_E_DATA), then upload its
 * sidecar, which makes the set complete there.
 */
int lc_ship_complete(struct lc_target *t, const char *set_name, uint64_t size, const char *hex,
                     enum lc_verify verify, struct lc_progress *progress,
                     struct lc_ship_stats *stats, struct lc_err *err);

/* Drops that mark (a copy found corrupt there); 1 when there was one to drop. */
int lc_ship_unmark(const char *spool_dir, const char *set_name, const char *target);

/*
 * Ships the spool's set `set_name` to `t`: upload (with the target's retries), verify
 * (size; with LC_VERIFY_FULL the object is read back and its SHA-256 compared with the
 * sidecar's, a mismatch is LC_E_DATA and the bad object is removed), upload the
 * sidecar, then mark it shipped in the spool. `progress` may be NULL.
 */
int lc_ship_set(struct lc_target *t, const char *spool_dir, const char *set_name,
                enum lc_verify verify, struct lc_progress *progress,
                struct lc_ship_stats *stats, struct lc_err *err);

/*
 * Lists the sets on a target (newest first) in the spool's list type: path is NULL,
 * has_sidecar says complete, verified_at is the sidecar's time. out_temps (optional)
 * gets the leftovers of interrupted uploads (hidden ".*.partial-*" names).
 */
int lc_target_list_sets(struct lc_target *t, struct lc_spool_list *out,
                        struct lc_target_objects *out_temps, struct lc_err *err);

/*
 * Checks one set on a target against its sidecar there (and `expected_hex`, the
 * spool's, when not NULL): the object's size equals `expected_size` when non-zero, and
 * with LC_VERIFY_FULL its SHA-256 read back matches. LC_E_DATA on a mismatch.
 */
int lc_target_verify_set(struct lc_target *t, const char *set_name, uint64_t expected_size,
                         const char *expected_hex, enum lc_verify verify,
                         struct lc_progress *progress, struct lc_ship_stats *stats,
                         struct lc_err *err);

/* Removes a set from a target: the sidecar first (so the set is no longer complete and
 * never counted), then the set. */
int lc_target_remove_set(struct lc_target *t, const char *set_name, struct lc_err *err);

/*
 * Downloads a set from a target into `dir` (written as ".partial", fsynced, renamed;
 * the sidecar too, before the set), so that the restore path can verify and read it
 * like any spool set. LC_E_NOINPUT when it is not on the target or incomplete there.
 */
int lc_target_fetch_set(struct lc_target *t, const char *set_name, const char *dir,
                        struct lc_progress *progress, struct lc_err *err);

/*
 * Prints the sets of the spool (target NULL) or of the configured target `target`, as
 * lc_spool_print() does; for a target, leftovers of interrupted uploads are counted on
 * stderr.
 */
int lc_sets_print(const struct lc_config *cfg, const char *target, int json, FILE *out,
                  struct lc_err *err);

#endif
