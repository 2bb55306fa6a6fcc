/*
 * The diagnostic runbooks of lcbp3-dr, one file each (runbook_<name>.c); runbook.c
 * finds the one named on the command line. Each prints its findings and the
 * recommended action, changes nothing unless opts->apply, and returns 0 (nothing
 * found, or the action applied), 1 (findings that need action) or -1 with err.
 */
#ifndef LC_TOOLS_DR_RUNBOOK_H
#define LC_TOOLS_DR_RUNBOOK_H

#include "tools/dr/dr.h"

int dr_runbook_high_utilization(const struct lc_config *cfg, const struct dr_opts *opts,
                                struct lc_err *err);
int dr_runbook_yearly_reset(const struct lc_config *cfg, const struct dr_opts *opts,
                            struct lc_err *err);
int dr_runbook_lock_wait(const struct lc_config *cfg, const struct dr_opts *opts,
                         struct lc_err *err);
int dr_runbook_redis_down(const struct lc_config *cfg, const struct dr_opts *opts,
                          struct lc_err *err);
int dr_runbook_slow_generation(const struct lc_config *cfg, const struct dr_opts *opts,
                               struct lc_err *err);
int dr_runbook_version_conflicts(const struct lc_config *cfg, const struct dr_opts *opts,
                                 struct lc_err *err);
int dr_runbook_audit_archive(const struct lc_config *cfg, const struct dr_opts *opts,
                             struct lc_err *err);

#endif
