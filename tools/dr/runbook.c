/*
 * lcbp3-dr runbook NAME: finds the runbook by its name and runs it. Each runbook lives
 * in its own file (runbook_<name>.c, '-' written '_').
 */
#include <string.h>

#include "common/buf.h"
#include "tools/dr/runbook.h"

typedef int (*dr_runbook_fn)(const struct lc_config *cfg, const struct dr_opts *opts,
                             struct lc_err *err);

static const struct {
    const char *name;
    dr_runbook_fn run;
} runbooks[] = {
    {"high-utilization", dr_runbook_high_utilization},
    {"yearly-reset", dr_runbook_yearly_reset},
    {"lock-wait", dr_runbook_lock_wait},
    {"redis-down", dr_runbook_redis_down},
    {"slow-generation", dr_runbook_slow_generation},
    {"version-conflicts", dr_runbook_version_conflicts},
    {"audit-archive", dr_runbook_audit_archive},
};

int dr_runbook(const struct lc_config *cfg, const struct dr_opts *opts, struct lc_err *err)
{
    struct lc_buf names = LC_BUF_INIT;

    for (size_t idx = 0; idx < sizeof(runbooks) / sizeof(runbooks[0]); idx++)
        if (strcmp(opts->runbook, runbooks[idx].name) == 0)
            return runbooks[idx].run(cfg, opts, err);
    for (size_t idx = 0; idx < sizeof(runbooks) / sizeof(runbooks[0]); idx++)
        lc_buf_printf(&names, "%s%s", idx ? ", " : "", runbooks[idx].name);
    lc_cli_usage_error(err, opts->cli.program, "unknown runbook '%s'; the runbooks are: %s",
               opts->runbook, names.data);
    lc_buf_done(&names);
    return -1;
}
