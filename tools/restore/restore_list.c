/*
 * `lcbp3-restore list`: the sets this host can restore from, newest first, with when
 * each was last verified member by member; with --target NAME, the sets on that target.
 */
#include <stdio.h>

#include "common/ship.h"
#include "tools/restore/restore.h"

int restore_list(const struct lc_config *cfg, const struct restore_opts *opts, struct lc_err *err)
{
    return lc_sets_print(cfg, opts->target, opts->cli.json, stdout, err);
}
