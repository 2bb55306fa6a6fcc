/*
 * The backup sets' side of the binlog archive, for retention and the integrity checks:
 * each set's snapshot position (server id, archive generation, binlog file), read from
 * the manifest.json of the spool's copy without verifying the whole set, and
 * remembered in "<work_dir>/.lcbp3-set-binlog.json" so that a set which later exists
 * only on targets still has a known position; and the server ids and generations an
 * archive holds in the spool or on a target.
 */
#ifndef LC_BINLOG_SETS_H
#define LC_BINLOG_SETS_H

#include <stddef.h>
#include <stdint.h>

#include "common/config.h"
#include "common/error.h"
#include "common/target.h"

#define LC_SET_BINLOG_STATE ".lcbp3-set-binlog.json"

/* A set's snapshot position, as its manifest records it. */
struct lc_set_binlog {
    int known;                /* 0: neither the spool's copy nor the record has it */
    uint32_t server_id;       /* 0: none recorded (older manifest, no MariaDB part) */
    int generation;           /* -1: none recorded (made while archiving was off) */
    char *file;               /* NULL: none (binlog off, or no MariaDB part) */
    uint64_t pos;
};

void lc_set_binlog_done(struct lc_set_binlog *b);

struct lc_set_binlogs;

/* The positions of `cfg`'s sets: the record is loaded from the work directory (a
 * missing or unreadable one is empty). */
struct lc_set_binlogs *lc_set_binlogs_open(const struct lc_config *cfg);

/*
 * The position of set `name` into *out (lc_set_binlog_done frees it): from the spool's
 * copy when there is one (then recorded), else from the record; out->known 0 when
 * neither has it (a spool copy whose manifest cannot be read included).
 */
void lc_set_binlogs_get(struct lc_set_binlogs *c, const char *name, struct lc_set_binlog *out);

/* Saves the record when it changed (best effort: a failure is logged as a warning),
 * frees everything; accepts NULL. */
void lc_set_binlogs_close(struct lc_set_binlogs *c);

#endif
