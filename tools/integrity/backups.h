/*
 * The backups checks' shared picture: the places sets live (the spool, each target)
 * with what was listed there. backups.c checks presence, freshness and completeness and
 * cross-checks the spool with every target; backups_deep.c re-reads sets in full.
 */
#ifndef LC_TOOLS_INTEGRITY_BACKUPS_H
#define LC_TOOLS_INTEGRITY_BACKUPS_H

#include "common/spool.h"
#include "common/target.h"
#include "tools/integrity/integrity.h"

/* A set not deep-verified for this long is reported (WARNING) by the coverage check. */
#define IC_DEEP_STALE_DAYS 7

struct ic_place {
    char *label;              /* "spool" or "target.NAME": the check ids' prefix */
    struct lc_target *target; /* NULL for the spool */
    struct lc_spool_list sets;/* newest first; for a target, has_sidecar = complete */
    int listed;               /* the listing worked (else the place was reported UNKNOWN) */
};

/*
 * Deep verification of the listed sets of every place, least recently verified first,
 * within opts->budget_ms when set; what was verified is remembered (spool: the
 * "<set>.verified" marker; targets: a state file in the spool or work_dir).
 */
void ic_backups_deep(const struct lc_config *cfg, const struct ic_opts *opts,
                     struct ic_place *places, size_t n_places, struct ic_report *r);

#endif
