/*
 * Binlog retention: which archived binlog segments of one server id, in one place (the
 * spool or a target), the retained backup sets still need, with a one-line reason for
 * each decision so that `prune --dry-run` can explain itself as it does for sets.
 *
 * A set is restored to a point in time by replaying the segments from its snapshot
 * position (its manifest's binlog file, in its archive generation) onwards, so the
 * oldest retained set's position is the cut: every segment at or after it stays, every
 * segment before it goes, and so do whole generations older than that set's. Pure
 * logic: no I/O; the caller lists the segments and reads the sets' positions.
 */
#ifndef LC_BINLOG_RETENTION_H
#define LC_BINLOG_RETENTION_H

#include <stddef.h>

/* A retained set's snapshot position. */
struct lc_binlog_need {
    const char *set;          /* the set's name, for reasons */
    int known;                /* 0: the position could not be read (the manifest is not
                               * at hand): nothing may go, since it may need anything */
    int generation;           /* the archive generation of `file`; -1: none recorded */
    const char *file;         /* "mysql-bin.000042"; NULL: the set needs no binlog (no
                               * MariaDB part, binlog off, or made before archiving) */
};

struct lc_binlog_retention_item {
    /* inputs */
    unsigned generation;
    const char *name;         /* "mysql-bin.000042" */
    const char *unshipped_to; /* spool: "'a', 'b'", the targets it has not reached yet;
                               * NULL when shipped everywhere (or on a target) */
    /* outputs */
    int keep;                 /* 1 keep, 0 remove */
    char reason[160];
};

/*
 * Decides keep/remove for every segment of one server id and fills `keep` and
 * `reason`; the order of `items` does not matter and is not changed. Needs with
 * file NULL or generation < 0 are ignored (they need nothing). A segment is kept,
 * with the first of these reasons that holds:
 *   - "the newest segment (the archiver may still be writing it)": the newest of the
 *     newest generation, always;
 *   - "the snapshot position of set 'X' is unknown": some need is not known;
 *   - "no retained set records a binlog position": nothing is known to be unneeded;
 *   - "needed by set 'X'": X is the newest set whose position is at or before the
 *     segment in the same generation (its snapshot is in that segment or earlier);
 *   - "after the snapshot of set 'X'": at or after the oldest position, in a later
 *     generation than any set whose position precedes it;
 *   - "not yet shipped to 'a'": older than every retained set, but the spool's only
 *     copy until shipped.
 * Otherwise it goes: "older than every retained set's snapshot (the oldest: 'X' at
 * N/mysql-bin.000040)". Reasons longer than the field are cut.
 */
void lc_binlog_retention_plan(struct lc_binlog_retention_item *items, size_t n,
                              const struct lc_binlog_need *needs, size_t n_needs);

#endif
