/*
 * The set a recovery or a drill restores: the newest complete set in the spool or on
 * any target, by lcbp3-restore's rule for `latest` (a spool file counts as it is, a set
 * on a target only with its sidecar; on equal times the spool, then the first target in
 * config order, wins).
 */
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/mem.h"
#include "common/ship.h"
#include "common/spool.h"
#include "tools/dr/dr.h"

/* The newest complete set of a list (newest first), or NULL. */
static const struct lc_spool_set *newest(const struct lc_spool_list *sets)
{
    for (size_t idx = 0; idx < sets->len; idx++)
        if (sets->items[idx].path || sets->items[idx].has_sidecar)
            return &sets->items[idx];
    return NULL;
}

/* Takes `s` (found on `target`, NULL for the spool) when it is newer than *out's. */
static void consider(struct dr_latest *out, const struct lc_spool_set *s,
                     const struct lc_target_cfg *target)
{
    if (!s || (out->name && out->when >= s->id.when))
        return;
    dr_latest_done(out);
    out->name = lc_xstrdup(s->name);
    out->when = s->id.when;
    out->path = s->path ? lc_xstrdup(s->path) : NULL;
    out->target = target;
}

int dr_find_latest(const struct lc_config *cfg, int try_once, struct dr_latest *out,
                   struct lc_err *err)
{
    struct lc_spool_list sets = {NULL, 0};

    memset(out, 0, sizeof(*out));
    if (lc_spool_list(cfg->backup.spool_dir, &sets, err) < 0)
        return -1;
    consider(out, newest(&sets), NULL);
    lc_spool_list_done(&sets);
    for (size_t idx = 0; idx < cfg->n_targets; idx++) {
        struct lc_target *t = NULL;
        struct lc_err terr = LC_ERR_INIT;

        if (lc_target_open(&cfg->targets[idx], &t, &terr) == 0) {
            if (try_once)
                lc_target_no_retries(t);
            if (lc_target_list_sets(t, &sets, NULL, &terr) == 0) {
                consider(out, newest(&sets), &cfg->targets[idx]);
                lc_spool_list_done(&sets);
            }
        }
        if (terr.status != LC_OK)
            lc_log_warn("%s, skipping", terr.msg);
        lc_target_free(t);
    }
    return out->name ? 1 : 0;
}

void dr_latest_done(struct dr_latest *l)
{
    free(l->name);
    free(l->path);
    memset(l, 0, sizeof(*l));
}
