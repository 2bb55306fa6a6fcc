/*
 * Reading gzip at speed: a stream of concatenated gzip members (what lc_gz_writer and
 * gzip itself produce) read from a byte range of an open file with pread, so several
 * threads can read members of one set file at once. Members up to LC_GZ_READER_FAST
 * bytes of output are inflated whole with libdeflate; a longer member (a legacy
 * `mysqldump | gzip` file is one member of gigabytes) is streamed with zlib. Every
 * member's CRC-32 and length are checked. A range that is not gzip at all can be read
 * as plain bytes (a legacy .sql file).
 */
#ifndef LC_GZ_READER_H
#define LC_GZ_READER_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

/* Output size below which a member is inflated in one libdeflate call. */
#define LC_GZ_READER_FAST (4 * 1024 * 1024)

struct lc_gz_reader;

enum lc_gz_input {
    LC_GZ_INPUT_GZIP,  /* the range must be gzip; anything else is LC_E_DATA */
    LC_GZ_INPUT_PLAIN, /* the range is returned as it is */
    LC_GZ_INPUT_SNIFF, /* gzip if it starts with the gzip magic, plain otherwise */
};

/*
 * Opens a reader over bytes [offset, offset + length) of `fd` (not owned, not moved:
 * pread only); length UINT64_MAX reads up to the end of the file. `name` (copied)
 * names the data in errors, e.g. the member path. Returns NULL only for a bad argument
 * (fd < 0, name NULL, a range past 2^64); errors come from lc_gz_read(). Memory: a
 * 2 MiB window of compressed input, a LC_GZ_READER_FAST output buffer only when a
 * member does not fit the caller's buffer, and zlib's state for long members.
 */
struct lc_gz_reader *lc_gz_reader_open(int fd, uint64_t offset, uint64_t length,
                                       enum lc_gz_input input, const char *name);

/*
 * Reads up to `cap` (> 0) bytes of output into buf. *out_len is 0 only at the end of
 * the data (and stays 0 after). With cap >= LC_GZ_BLOCK_SIZE a member of lc_gz_writer
 * is inflated straight into buf (one member per call, no copy). Errors: LC_E_IO for a
 * failed pread ("'<name>': read failed at byte N: <strerror>"), LC_E_DATA for damaged
 * data: "'<name>': gzip data is corrupt at compressed byte N: <why>" (N counts from the
 * start of the range; <why> is zlib's text, e.g. "incorrect data check" for a CRC-32
 * mismatch, "incorrect length check", or "not the start of a gzip member" for bytes
 * after a member that are not another member), "'<name>': ends in the middle of a gzip
 * member (truncated?)", "'<name>': the file ends at byte N of M (truncated?)" when the
 * file is shorter than the range, "'<name>' is empty, expected gzip data". After an
 * error the reader can only be closed.
 */
int lc_gz_read(struct lc_gz_reader *r, void *buf, size_t cap, size_t *out_len, struct lc_err *err);

/* Bytes of the range consumed so far (compressed position), for progress. */
uint64_t lc_gz_reader_consumed(const struct lc_gz_reader *r);

/* 1 when the data was gzip (known after the first lc_gz_read). */
int lc_gz_reader_is_gzip(const struct lc_gz_reader *r);

/* Frees; accepts NULL. */
void lc_gz_reader_close(struct lc_gz_reader *r);

#endif
