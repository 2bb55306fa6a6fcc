/*
 * The binlog archive: where `lcbp3-backup binlog` keeps the server's binary logs, the
 * same layout in the spool and on every target (TECH-NOTES §4.2, item 13):
 *
 *   binlogs/<server_id>/<generation>/<name>          a segment: the server's file
 *                                                    <name>, byte for byte
 *   binlogs/<server_id>/<generation>/<name>.sha256   its sidecar (sha256sum format),
 *                                                    written when the segment is closed
 *   <spool>/binlogs/.../<name>.shipped-<target>      spool only: shipped and verified
 *   binlogs/<server_id>/<generation>/<name>.open-<size>   targets only: a copy of the
 *                                                    segment still being written, its
 *                                                    first <size> bytes (the newest
 *                                                    copy wins; removed once closed)
 *
 * A segment with a sidecar is closed: the server moved on to the next file (or
 * stopped) and it will never change. The newest segment of the newest generation
 * without a sidecar is the active one. The generation starts at 0 and goes up when the
 * server's binlog numbering restarts (a RESET MASTER, a restore, a failover to a server
 * with the same id), so that a new "mysql-bin.000001" never overwrites history
 * (wal-g#1636, #889). Within a generation, segment names are the server's: a base name
 * and a number that goes up by one at every rotation; a missing number is a gap.
 */
#ifndef LC_BINLOG_ARCHIVE_H
#define LC_BINLOG_ARCHIVE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "common/error.h"
#include "common/target.h"

#define LC_BINLOG_DIR "binlogs"
#define LC_BINLOG_OPEN_MARK ".open-"

/* "binlogs/<server_id>/<generation>" (new string): a directory in the spool or on a
 * target. */
char *lc_binlog_gen_dir(uint32_t server_id, unsigned generation);

/* "binlogs/<server_id>/<generation>/<name>" (new string). */
char *lc_binlog_object(uint32_t server_id, unsigned generation, const char *name);

/* The open copy of its first `size` bytes on a target:
 * "binlogs/<server_id>/<generation>/<name>.open-<size, 12 digits>" (new string). */
char *lc_binlog_open_object(uint32_t server_id, unsigned generation, const char *name,
                            uint64_t size);

/*
 * A binlog file name's base and number: "mysql-bin.000042" -> "mysql-bin", 42, 6
 * digits. -1 when the name is not "<base>.<digits>" or could not be a file name here
 * (a '/', a leading '.').
 */
int lc_binlog_name_split(const char *name, char **out_base, uint64_t *out_number,
                         int *out_digits);

/* The name after `name` ("mysql-bin.000042" -> "mysql-bin.000043"; new string), or
 * NULL when `name` does not split. */
char *lc_binlog_name_next(const char *name);

/* Orders two segment names of one generation: by base, then by number. */
int lc_binlog_name_cmp(const char *a, const char *b);

struct lc_binlog_segment {
    char *name;               /* "mysql-bin.000042" */
    uint64_t size;
    time_t mtime;
    int closed;               /* has its sidecar */
    uint64_t open_size;       /* targets: the largest ".open-<size>" copy, 0: none */
};

struct lc_binlog_segments {
    struct lc_binlog_segment *items;  /* oldest first (lc_binlog_name_cmp) */
    size_t len;
};

void lc_binlog_segments_done(struct lc_binlog_segments *list);

/* The server ids with an archive in the spool ("binlogs/<id>" directories), ascending;
 * none when there is no archive (or no spool). */
int lc_binlog_server_ids(const char *spool_dir, uint32_t **out, size_t *out_len,
                         struct lc_err *err);

/*
 * The generations under binlogs/<server_id> of the spool (`spool_dir`) or of a target
 * (`t`, spool_dir NULL), ascending; a missing directory is none.
 */
int lc_binlog_generations(const char *spool_dir, struct lc_target *t, uint32_t server_id,
                          unsigned **out, size_t *out_len, struct lc_err *err);

/* The newest generation in the spool's archive of `server_id`; 0 when there is none yet
 * (the archiver starts there) or it cannot be listed. */
unsigned lc_binlog_newest_generation(const char *spool_dir, uint32_t server_id);

/*
 * The segments of one generation in the spool or on a target (as above). Objects that
 * are not segments, sidecars, marks or open copies are ignored here (integrity reports
 * them). A segment that exists only as open copies is listed with size 0 and
 * open_size set.
 */
int lc_binlog_segments_list(const char *spool_dir, struct lc_target *t, uint32_t server_id,
                            unsigned generation, struct lc_binlog_segments *out,
                            struct lc_err *err);

/*
 * The chain a restore replays from a set's snapshot file `from`: the segments from
 * `from` to the newest of the list, which must follow each other without a missing
 * number, all closed but the last. 0 with *out_first / *out_count (indexes into
 * list); -1 with LC_E_NOINPUT when `from` is not archived, LC_E_DATA naming the first
 * missing or unclosed segment otherwise.
 */
int lc_binlog_chain(const struct lc_binlog_segments *list, const char *from, size_t *out_first,
                    size_t *out_count, struct lc_err *err);

#endif
