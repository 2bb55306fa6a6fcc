/*
 * The backups checks' shared picture: the places sets live (the spool, each target)
 * with what was listed there. backups.c checks presence, freshness and completeness and
 * cross-checks the spool with every target; backups_deep.c re-reads sets in full.
 * When binlog archiving is on, backups_binlog.c checks each place's binlog archive
 * (chain from every set, age, sidecars, shipped segments) and backups_binlog_deep.c
 * re-reads its segments.
 */
#ifndef LC_TOOLS_INTEGRITY_BACKUPS_H
#define LC_TOOLS_INTEGRITY_BACKUPS_H

#include "common/binlog_archive.h"
#include "common/spool.h"
#include "common/target.h"
#include "tools/integrity/integrity.h"

/* A set not deep-verified for this long is reported (WARNING) by the coverage check. */
#define IC_DEEP_STALE_DAYS 7

/* One generation of a place's binlog archive. */
struct ic_binlog_gen {
    uint32_t server_id;
    unsigned generation;
    struct lc_binlog_segments segs;   /* oldest first */
};

struct ic_place {
    char *label;              /* "spool" or "target.NAME": the check ids' prefix */
    struct lc_target *target; /* NULL for the spool */
    struct lc_spool_list sets;/* newest first; for a target, has_sidecar = complete */
    int listed;               /* the listing worked (else the place was reported UNKNOWN) */
    struct ic_binlog_gen *binlogs;    /* by server id, then generation, ascending */
    size_t n_binlogs;
    int binlogs_listed;       /* the archive was listed (binlog archiving on, no failure) */
};

/*
 * Deep verification of the listed sets of every place, least recently verified first,
 * within opts->budget_ms when set; what was verified is remembered (spool: the
 * "<set>.verified" marker; targets: a state file in the spool or work_dir).
 */
void ic_backups_deep(const struct lc_config *cfg, const struct ic_opts *opts,
                     struct ic_place *places, size_t n_places, struct ic_report *r);

/*
 * The binlog archive checks of every listed place (binlog archiving on): lists each
 * place's archive into place->binlogs (freed by ic_binlog_place_done) and adds
 * "<place>.binlog.chain", ".age", ".sidecars" and, on targets, ".shipped".
 */
void ic_backups_binlog(const struct lc_config *cfg, const struct ic_opts *opts,
                       struct ic_place *places, size_t n_places, struct ic_report *r);

/*
 * --deep: re-reads the archived segments of every place listed by ic_backups_binlog(),
 * newest first, for at most budget_ms (-1: no limit), and adds "<place>.binlog.deep".
 */
void ic_backups_binlog_deep(const struct lc_config *cfg, const struct ic_opts *opts,
                            struct ic_place *places, size_t n_places, int64_t budget_ms,
                            struct ic_report *r);

void ic_binlog_place_done(struct ic_place *p);

#endif
