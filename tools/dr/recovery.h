/*
 * The recovery plan's execution, shared by recovery.c (plan, run) and step_run.c (one
 * step). The set to restore is chosen once, when a run starts, and kept in the run's
 * state so that a resumed run restores the same set.
 */
#ifndef LC_TOOLS_DR_RECOVERY_H
#define LC_TOOLS_DR_RECOVERY_H

#include "tools/dr/dr.h"
#include "tools/dr/steps.h"

/* Carries out one step; `set` is the set the restore steps restore. 0, or -1 with err. */
int dr_step_run(const struct lc_config *cfg, const struct dr_step *step, const char *set,
                struct lc_err *err);

/* `lcbp3-restore [--config CFG] WHAT SET --yes` (NULL-terminated, lc_strv_free). */
char **dr_restore_argv(const struct lc_config *cfg, const char *what, const char *set);

/* `lcbp3-integrity [--config CFG] CHECK`. */
char **dr_integrity_argv(const struct lc_config *cfg, const char *check);

/* The highest exit code of `lcbp3-integrity CHECK` that a verify step accepts. */
int dr_verify_max_ok(const char *check);

#endif
