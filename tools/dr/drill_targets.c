/*
 * A drill's measured RTO and RPO against the recovery objectives of the seeds, one
 * scenario each ([dr] rto_* / rpo_*), and the verdict. A drill restores a set: the
 * data it can bring back is as old as the set, so an RPO target of 0 (a database
 * failure within a site, which needs point-in-time recovery from the binary logs) is
 * reported as missed, never as met.
 */
#include <string.h>

#include "tools/dr/drill.h"

void drill_judge(const struct lc_config *cfg, struct drill *d)
{
    const struct lc_dr_cfg *dr = &cfg->dr;
    const struct drill_target targets[DRILL_N_TARGETS] = {
        {"database", "database failure within a site", dr->rto_database_ms, dr->rpo_database_ms,
         0, 0},
        {"site", "complete site failure", dr->rto_site_ms, dr->rpo_site_ms, 0, 0},
        {"corruption", "data corruption", dr->rto_corruption_ms, dr->rpo_corruption_ms, 0, 0},
    };
    int all_met = 1, check_failed = 0;

    memcpy(d->targets, targets, sizeof(targets));
    for (size_t idx = 0; idx < DRILL_N_TARGETS; idx++) {
        struct drill_target *t = &d->targets[idx];

        t->rto_met = d->verified && d->rto_seconds >= 0 && d->rto_seconds * 1000 <= (double)t->rto_ms;
        t->rpo_met = d->verified && d->rpo_seconds >= 0 && t->rpo_ms > 0 &&
                     d->rpo_seconds * 1000 <= (double)t->rpo_ms;
        all_met &= t->rto_met && t->rpo_met;
    }
    for (size_t idx = 0; idx < d->n_checks; idx++)
        check_failed |= strcmp(d->checks[idx].status, DRILL_FAILED) == 0;
    if (!d->verified)
        d->verdict = "failed";
    else if (check_failed)
        d->verdict = "check failed";
    else if (!all_met)
        d->verdict = "target missed";
    else
        d->verdict = "passed";
}
