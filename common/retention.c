/*
 * The retention planner (see retention.h). Items are visited newest first through a
 * sorted index, so the caller's array keeps its order; each rule is independent (as
 * in restic), and a set is kept when any rule keeps it. Calendar buckets are the UTC
 * day, ISO week and month of the set's time, as strings, which also serve as the
 * words of the reason.
 */
#include "common/retention.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/mem.h"

struct slot {
    struct lc_retention_item *item;
    size_t pos;
};

/* One keep-daily/weekly/monthly rule: the label of the last bucket seen and how many
 * buckets it has kept so far. */
struct bucket_rule {
    const char *word;         /* "daily", "weekly", "monthly" */
    int64_t limit;
    int64_t used;
    char last[16];
};

static int cmp_newest_first(const void *a, const void *b)
{
    const struct slot *x = a, *y = b;
    int c;

    if (x->item->when != y->item->when)
        return x->item->when > y->item->when ? -1 : 1;
    if (!x->item->verified != !y->item->verified)
        return x->item->verified ? -1 : 1;
    c = strcmp(x->item->name ? x->item->name : "", y->item->name ? y->item->name : "");
    if (c)
        return c;
    return x->pos < y->pos ? -1 : 1;
}

static void reason_add(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Appends to the reason, separated from what is already there by "; ". */
static void reason_add(char *buf, size_t size, const char *fmt, ...)
{
    size_t len = strlen(buf);
    va_list ap;

    if (len && len + 2 < size) {
        memcpy(buf + len, "; ", 3);
        len += 2;
    }
    va_start(ap, fmt);
    vsnprintf(buf + len, size - len, fmt, ap);
    va_end(ap);
}

/* Returns 1 if the rule keeps a set whose bucket label is `label` (the newest set of
 * a new bucket, while the rule has buckets left). */
static int bucket_keeps(struct bucket_rule *r, const char *label)
{
    if (strcmp(label, r->last) == 0)
        return 0;
    snprintf(r->last, sizeof(r->last), "%s", label);
    if (r->used >= r->limit)
        return 0;
    r->used++;
    return 1;
}

/* The bucket of rule r (0 day, 1 ISO week, 2 month) as "2026-11-23", "2026-W47",
 * "2026-11"; a time too far out for gmtime_r or the label is in the bucket "?". */
static void bucket_label(size_t r, const struct tm *tm, char *buf, size_t size)
{
    size_t n = 0;

    if (tm && r == 0)
        n = strftime(buf, size, "%Y-%m-%d", tm);
    else if (tm && r == 1)
        n = strftime(buf, size, "%G-W%V", tm);
    else if (tm)
        n = strftime(buf, size, "%Y-%m", tm);
    if (n == 0)
        snprintf(buf, size, "?");
}

static int within_days(time_t when, time_t now, int64_t days)
{
    if (days <= 0)
        return 0;
    if (when >= now || days > INT64_MAX / 86400)
        return 1;
    /* the difference of two time_t can exceed INT64_MAX; as unsigned it is exact */
    return (uint64_t)now - (uint64_t)when <= (uint64_t)days * 86400;
}

static int64_t rule_value(int64_t v)
{
    return v > 0 ? v : 0;
}

void lc_retention_plan(struct lc_retention_item *items, size_t n,
                       const struct lc_retention_cfg *cfg, time_t now)
{
    struct bucket_rule rules[3] = {
        {"daily", rule_value(cfg->keep_daily), 0, ""},
        {"weekly", rule_value(cfg->keep_weekly), 0, ""},
        {"monthly", rule_value(cfg->keep_monthly), 0, ""},
    };
    int64_t keep_days = rule_value(cfg->keep_days);
    int64_t min_keep = rule_value(cfg->min_keep);
    struct slot *order;
    size_t newer_verified = 0;

    if (!n)
        return;
    order = lc_xcalloc(n, sizeof(*order));
    for (size_t i = 0; i < n; i++) {
        order[i].item = &items[i];
        order[i].pos = i;
    }
    qsort(order, n, sizeof(*order), cmp_newest_first);

    for (size_t i = 0; i < n; i++) {
        struct lc_retention_item *it = order[i].item;
        struct tm tm;
        int have_tm = gmtime_r(&it->when, &tm) != NULL;

        it->reason[0] = '\0';
        it->keep = 0;
        if (it->verified && newer_verified == 0) {
            it->keep = 1;
            reason_add(it->reason, sizeof(it->reason), "newest verified set");
        } else if (it->verified && (int64_t)newer_verified < min_keep) {
            it->keep = 1;
            reason_add(it->reason, sizeof(it->reason), "verified #%zu of min_keep %" PRId64,
                       newer_verified + 1, min_keep);
        }
        if (within_days(it->when, now, keep_days)) {
            it->keep = 1;
            reason_add(it->reason, sizeof(it->reason), "within %" PRId64 "d", keep_days);
        }
        for (size_t r = 0; r < sizeof(rules) / sizeof(rules[0]); r++) {
            char label[16];

            bucket_label(r, have_tm ? &tm : NULL, label, sizeof(label));
            if (bucket_keeps(&rules[r], label)) {
                it->keep = 1;
                reason_add(it->reason, sizeof(it->reason), "%s %s", rules[r].word, label);
            }
        }
        if (!it->keep) {
            size_t len;

            if (keep_days > 0)
                snprintf(it->reason, sizeof(it->reason), "older than %" PRId64 "d, ",
                         keep_days);
            len = strlen(it->reason);
            snprintf(it->reason + len, sizeof(it->reason) - len,
                     "not among the newest %" PRId64 " daily/%" PRId64 " weekly/%" PRId64
                     " monthly, %s",
                     rules[0].limit, rules[1].limit, rules[2].limit,
                     it->verified ? "" : "unverified (min_keep counts verified sets only)");
            if (it->verified) {
                len = strlen(it->reason);
                snprintf(it->reason + len, sizeof(it->reason) - len,
                         "%zu newer verified sets (min_keep %" PRId64 ")", newer_verified,
                         min_keep);
            }
        }
        if (it->verified)
            newer_verified++;
    }
    free(order);
}
