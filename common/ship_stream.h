/*
 * Streaming a set straight to targets while it is written, for hosts without room for a
 * second copy in a spool ([backup] spool_dir empty). One thread per target uploads from
 * a pipe (size unknown, so S3 uses a multipart upload and the other drivers a temporary
 * name); the set writer's bytes go to every pipe. The upload is published only when
 * the writer finished: after lc_ship_stream_abort() a reader sees an error, never a
 * clean end, so a half set is never published. A target that fails drops out and the
 * others go on; its failure is reported by lc_ship_stream_finish(). After the uploads,
 * each copy is verified (size, or SHA-256 read back) and its sidecar uploaded.
 */
#ifndef LC_SHIP_STREAM_H
#define LC_SHIP_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "common/ship.h"
#include "common/target.h"

struct lc_ship_stream;

/* Starts one upload of `set_name` per target. */
int lc_ship_stream_start(struct lc_target *const *targets, size_t n, const char *set_name,
                         struct lc_ship_stream **out, struct lc_err *err);

/* A set-writer sink: sends the bytes to every target still uploading; fails only when
 * none is left (with the first target's error). */
int lc_ship_stream_write(void *stream, const void *data, size_t len, struct lc_err *err);

/*
 * Ends the uploads (the set is complete: `hex` and `size` are its SHA-256 and length),
 * verifies each copy and uploads its sidecar. out_errs[i] gets target i's failure
 * (status LC_OK when it succeeded); returns the number of targets that failed. Frees
 * the stream.
 */
size_t lc_ship_stream_finish(struct lc_ship_stream *s, const char *hex, uint64_t size,
                             const enum lc_verify *verify, struct lc_err *out_errs);

/* The set could not be completed: every upload fails and is not published. Frees the
 * stream; accepts NULL. */
void lc_ship_stream_abort(struct lc_ship_stream *s);

#endif
