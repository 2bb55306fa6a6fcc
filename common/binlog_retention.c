/*
 * The binlog retention rule (see binlog_retention.h): positions are ordered by
 * generation, then by segment name as the archive orders them (lc_binlog_name_cmp), and
 * the oldest known position of a retained set is the cut.
 */
#include "common/binlog_retention.h"

#include <stdio.h>
#include <string.h>

#include "common/binlog_archive.h"

/* Orders two positions (generation, segment name). */
static int pos_cmp(unsigned ga, const char *a, unsigned gb, const char *b)
{
    if (ga != gb)
        return ga < gb ? -1 : 1;
    return lc_binlog_name_cmp(a, b);
}

static int need_usable(const struct lc_binlog_need *need)
{
    return need->known && need->file && need->generation >= 0;
}

/* The newest segment of the list (the newest generation's last name), or NULL. */
static const struct lc_binlog_retention_item *
newest_item(const struct lc_binlog_retention_item *items, size_t n)
{
    const struct lc_binlog_retention_item *newest = NULL;

    for (size_t idx = 0; idx < n; idx++)
        if (!newest || pos_cmp(items[idx].generation, items[idx].name, newest->generation,
                               newest->name) > 0)
            newest = &items[idx];
    return newest;
}

/* Among the usable needs at or before the segment, the newest one (NULL: none). */
static const struct lc_binlog_need *newest_need_before(const struct lc_binlog_retention_item *it,
                                                       const struct lc_binlog_need *needs,
                                                       size_t n_needs)
{
    const struct lc_binlog_need *best = NULL;

    for (size_t idx = 0; idx < n_needs; idx++) {
        const struct lc_binlog_need *need = &needs[idx];

        if (!need_usable(need) ||
            pos_cmp((unsigned)need->generation, need->file, it->generation, it->name) > 0)
            continue;
        if (!best || pos_cmp((unsigned)need->generation, need->file, (unsigned)best->generation,
                             best->file) > 0)
            best = need;
    }
    return best;
}

void lc_binlog_retention_plan(struct lc_binlog_retention_item *items, size_t n,
                              const struct lc_binlog_need *needs, size_t n_needs)
{
    const struct lc_binlog_retention_item *newest = newest_item(items, n);
    const struct lc_binlog_need *unknown = NULL, *oldest = NULL;

    for (size_t idx = 0; idx < n_needs; idx++) {
        const struct lc_binlog_need *need = &needs[idx];

        if (!need->known && !unknown)
            unknown = need;
        if (need_usable(need) &&
            (!oldest || pos_cmp((unsigned)need->generation, need->file,
                                (unsigned)oldest->generation, oldest->file) < 0))
            oldest = need;
    }
    for (size_t idx = 0; idx < n; idx++) {
        struct lc_binlog_retention_item *it = &items[idx];
        const struct lc_binlog_need *before;

        it->keep = 1;
        if (it == newest) {
            snprintf(it->reason, sizeof(it->reason),
                     "the newest segment (the archiver may still be writing it)");
        } else if (unknown) {
            snprintf(it->reason, sizeof(it->reason),
                     "the snapshot position of set '%s' is unknown", unknown->set);
        } else if (!oldest) {
            snprintf(it->reason, sizeof(it->reason), "no retained set records a binlog position");
        } else if ((before = newest_need_before(it, needs, n_needs)) != NULL) {
            int same = (unsigned)before->generation == it->generation;

            snprintf(it->reason, sizeof(it->reason),
                     same ? "needed by set '%s'" : "after the snapshot of set '%s'", before->set);
        } else if (it->unshipped_to) {
            snprintf(it->reason, sizeof(it->reason), "not yet shipped to %s", it->unshipped_to);
        } else {
            it->keep = 0;
            snprintf(it->reason, sizeof(it->reason),
                     "older than every retained set's snapshot (the oldest: '%s' at %d/%s)",
                     oldest->set, oldest->generation, oldest->file);
        }
    }
}
