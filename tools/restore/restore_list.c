/*
 * `lcbp3-restore list`: the sets this host can restore from, newest first, with when
 * each was last verified member by member. (Targets join when shipping lands.)
 */
#include <stdio.h>

#include "common/spool.h"
#include "tools/restore/restore.h"

int restore_list(const struct lc_config *cfg, const struct restore_opts *opts, struct lc_err *err)
{
    struct lc_spool_list sets = {NULL, 0};

    if (opts->target)
        return lc_err_set(err, LC_E_SOFTWARE, "'--target' is not implemented yet: only the "
                                              "spool can be listed");
    if (lc_spool_list(cfg->backup.spool_dir, &sets, err) < 0)
        return -1;
    lc_spool_print(&sets, cfg->backup.spool_dir, opts->cli.json, stdout);
    lc_spool_list_done(&sets);
    return 0;
}
