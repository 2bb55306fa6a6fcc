/*
 * Retention planning: which backup sets of one target to keep and which to delete,
 * with a one-line reason for each decision so that `prune --dry-run` can explain
 * itself. The rules are restic/borg's (keep-within, keep-daily/weekly/monthly) plus a
 * floor of verified sets. Pure logic: no I/O, no clock (the caller passes `now`).
 */
#ifndef LC_RETENTION_H
#define LC_RETENTION_H

#include <stddef.h>
#include <time.h>

#include "common/config.h"

struct lc_retention_item {
    /* inputs */
    const char *name;         /* set name (a tie-breaker and nothing else); may be NULL */
    time_t when;              /* the set's time (UTC seconds) */
    int verified;             /* non-zero: the set's checksums were verified whole */
    /* outputs */
    int keep;                 /* 1 keep, 0 delete */
    char reason[160];         /* why, e.g. "newest verified set; within 30d; daily 2026-11-23"
                               * or "older than 30d, not among the newest 3 daily/0 weekly/
                               * 0 monthly, 7 newer verified sets (min_keep 3)" */
};

/*
 * Decides keep/delete for every item and fills `keep` and `reason`; the order of
 * `items` is not changed and does not matter. A config value <= 0 (-1 is "not set")
 * disables its rule. A set is kept when any of these holds (the reason lists all that
 * hold, in this order):
 *   - "newest verified set": the newest set with verified != 0 is never deleted;
 *   - "among the newest N verified" (min_keep N): the N newest verified sets, whatever
 *     their age; unverified sets never count toward min_keep;
 *   - "within Nd" (keep_days N): when >= now - N days (future times are within);
 *   - "daily YYYY-MM-DD" (keep_daily N): the newest set of each of the N most recent
 *     UTC calendar days that have sets (verified or not);
 *   - "weekly YYYY-Www" (keep_weekly N): the same per ISO 8601 week (week-year, so
 *     2020-12-31 is in 2020-W53 and 2021-01-03 too);
 *   - "monthly YYYY-MM" (keep_monthly N): the same per UTC calendar month.
 * "Newest" orders by `when` descending, then verified before unverified, then `name`
 * ascending (NULL as ""), then input position, so the plan is deterministic even for
 * sets with the same timestamp. A deleted set's reason says why no rule kept it.
 * Reasons longer than the field are cut (always NUL-terminated).
 */
void lc_retention_plan(struct lc_retention_item *items, size_t n,
                       const struct lc_retention_cfg *cfg, time_t now);

#endif
