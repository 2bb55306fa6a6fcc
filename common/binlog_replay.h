/*
 * Replaying archived binary logs for point-in-time recovery (lcbp3-restore db --until;
 * lcbp3-dr may use it too). Two halves:
 *
 *   the range    which events of a list of local segment files are replayed: from the
 *                set's snapshot position in the first file up to a target, a time (the
 *                first transaction with an event at or after it is not replayed, as
 *                mariadb-binlog --stop-datetime, rounded down to the transaction's
 *                start) or a GTID (its transaction is the last one replayed). Every
 *                event in the range has its CRC checked on the way; the result says
 *                where to stop (file and offset), the last event replayed, and how many
 *                transactions that is.
 *   the replay   `mariadb-binlog --start-position=P --stop-position=Q FILES |
 *                mariadb`, two child processes and a pipe, only the source database's
 *                events (--database), renamed with --rewrite-db when restoring into
 *                another database, the replay kept out of the server's binary log
 *                (--disable-log-bin). The client's connection settings come from
 *                [mariadb] through a 0600 option file in the work directory, never argv.
 *
 * The stop is computed here rather than left to mariadb-binlog's --stop-datetime or
 * GTID --stop-position so that the plan printed before anything is touched names
 * exactly the events that are replayed, and a transaction is never cut in two.
 */
#ifndef LC_BINLOG_REPLAY_H
#define LC_BINLOG_REPLAY_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <mysql.h>

#include "common/binlog_event.h"
#include "common/config.h"
#include "common/error.h"

/* Where a replay stops. */
struct lc_binlog_target {
    int by_gtid;
    time_t until;                 /* !by_gtid: nothing at or after this second */
    struct lc_binlog_gtid gtid;   /* by_gtid: the last transaction replayed */
};

/* An event, for plans: where it is and what it belongs to. */
struct lc_binlog_event_ref {
    int set;                      /* 0: there is no such event */
    size_t file;                  /* index of its file in the range */
    uint64_t offset;
    uint32_t timestamp;
    uint8_t type;
    int has_gtid;
    struct lc_binlog_gtid gtid;   /* of the transaction it is part of */
};

/* The range, built file by file with lc_binlog_range_add(). */
struct lc_binlog_range {
    struct lc_binlog_target target;
    uint64_t start_pos;           /* in the first file */
    size_t n_files;               /* files added so far */
    int found;                    /* the stop is known: n_files is the last file needed */
    uint64_t stop_pos;            /* in the last file: replay ends before this offset */
    uint64_t transactions;        /* transaction groups in the range (all databases) */
    struct lc_binlog_event_ref last;  /* the last event replayed */
    struct lc_binlog_event_ref next;  /* the first event not replayed (found by time) */
    uint32_t newest_timestamp;    /* of the last event seen */
    int has_newest_gtid;
    struct lc_binlog_gtid newest_gtid;
    uint64_t valid_size;          /* of the last file added: up to its last whole event */

    /* the scan's own state */
    int start_seen;
    int has_crc;
    int in_group;
    int group_standalone;
    struct lc_binlog_event_ref group;  /* the GTID event that opened the current group */
    int target_seen;
};

void lc_binlog_range_init(struct lc_binlog_range *r, uint64_t start_pos,
                          const struct lc_binlog_target *target);

/*
 * Adds the next file (`path`, named `name` in messages) and scans it. `may_be_cut`:
 * the file is an active segment whose end may be cut inside an event (normal: then
 * the range ends at valid_size); otherwise it must end on a whole event. Returns 1 when
 * the stop lies in this file (add no more), 0 when the range goes on past it, -1 with
 * LC_E_DATA when an event inside the range is damaged (CRC, header), the file ends
 * inside an event, or the first file has no event at the start position.
 */
int lc_binlog_range_add(struct lc_binlog_range *r, const char *path, const char *name,
                        int may_be_cut, struct lc_err *err);

/*
 * Checks that the session on `db` may replay: BINLOG REPLAY (or SUPER) for the
 * BINLOG statements mariadb-binlog prints, and sets *out_can_skip_log to whether it may
 * keep the replay out of the binary log (SET sql_log_bin needs BINLOG ADMIN or SUPER).
 * LC_E_NOPERM naming the missing privilege.
 */
int lc_binlog_replay_check(MYSQL *db, const char *target_db, int *out_can_skip_log,
                           struct lc_err *err);

struct lc_binlog_replay {
    char *const *files;           /* local segment files in order, NULL-terminated */
    uint64_t start_pos;           /* in files[0] */
    uint64_t stop_pos;            /* in the last file */
    const char *source_db;        /* only its events are replayed */
    const char *target_db;        /* renamed to it (--rewrite-db) when it differs */
    int skip_log;                 /* --disable-log-bin */
    const char *work_dir;         /* where the client's option file is written */
};

/*
 * Runs the replay and waits for both programs. LC_E_UNAVAILABLE when a program cannot
 * be started or the server refused a statement (the client's message is on stderr),
 * LC_E_DATA when mariadb-binlog failed to decode. Interrupted (SIGTERM/SIGINT):
 * both are stopped, LC_E_TEMPFAIL.
 */
int lc_binlog_replay_run(const struct lc_mariadb_cfg *cfg, const struct lc_binlog_replay *r,
                         struct lc_err *err);

#endif
