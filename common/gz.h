/*
 * gzip output at speed. Input is cut into blocks (1 MiB) and each block is compressed
 * with libdeflate into its own gzip member; a file of concatenated members is valid
 * gzip (RFC 1952), so zcat, gzip -t and zlib read it as one stream. Independent
 * blocks let several threads compress one table's data and let chunk files be
 * concatenated into one member of a set.
 */
#ifndef LC_GZ_H
#define LC_GZ_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

#define LC_GZ_BLOCK_SIZE (1024 * 1024)

/* A streaming writer to a new file (created 0600, truncated). */
struct lc_gz_writer;

/* level: 1..12 (libdeflate's scale; 6 is comparable to gzip -6), 0 = store (no compression). */
struct lc_gz_writer *lc_gz_writer_open(const char *path, int level, struct lc_err *err);

int lc_gz_write(struct lc_gz_writer *w, const void *data, size_t len, struct lc_err *err);

/*
 * Flushes the last block, closes the file, frees the writer (also on failure).
 * out_raw/out_packed (optional) receive the uncompressed and file sizes. No fsync: the
 * files are scratch parts, and what must be durable (the set) is fsynced by its writer.
 */
int lc_gz_writer_close(struct lc_gz_writer *w, uint64_t *out_raw, uint64_t *out_packed,
                       struct lc_err *err);

/* Abandons a writer: closes and unlinks its file, frees it. Accepts NULL. */
void lc_gz_writer_abort(struct lc_gz_writer *w);

#endif
