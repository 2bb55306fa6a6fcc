/*
 * lcbp3-dr: the disaster-recovery runbook as a program. main.c parses, loads the config
 * and calls the command's function: recovery.c (plan, run: the recovery plan, resumable),
 * drill.c (a measured restore into the scratch database and Redis database, with a
 * report), runbook*.c (the diagnostic runbooks behind the alerts). Steps that restore
 * or check run the other programs of the toolkit (lcbp3-restore, lcbp3-integrity) as
 * child processes, through dr_exec.c, exactly as an engineer would type them: what the
 * plan prints is what runs.
 */
#ifndef LC_TOOLS_DR_H
#define LC_TOOLS_DR_H

#include <stdint.h>
#include <time.h>

#include "common/cli.h"
#include "common/config.h"
#include "common/error.h"

enum dr_command {
    DR_CMD_PLAN,
    DR_CMD_RUN,
    DR_CMD_DRILL,
    DR_CMD_RUNBOOK,
};

struct dr_opts {
    struct lc_cli cli;
    enum dr_command command;
    const char *command_name;
    long from_step;           /* run --from-step N (1-based); 0 = resume or start */
    int yes;                  /* run: no confirmation before the first destructive step */
    const char *report_dir;   /* drill --report DIR */
    const char *runbook;      /* runbook NAME */
    int apply;                /* runbook --apply: act, not only diagnose */
    const char *type;         /* runbook high-utilization --type T */
    double factor;            /* runbook high-utilization --factor F (0: not given) */
    long kill_thread;         /* runbook lock-wait --kill THREAD_ID (0: not given) */
    const char *reason;       /* runbook --reason TEXT (audit rows) */
    const char *older_than;   /* runbook audit-archive --older-than DURATION (NULL: 2y) */
};

extern const char dr_usage[];

/* <0 error (64), 0 parsed. */
int dr_parse_args(int argc, char **argv, struct dr_opts *opts, struct lc_err *err);

/* recovery.c: print the plan; run it (resumable). 0 done, -1 with err. */
int dr_plan(const struct lc_config *cfg, const struct dr_opts *opts, struct lc_err *err);
int dr_run(const struct lc_config *cfg, const struct dr_opts *opts, struct lc_err *err);

/* drill.c: restore the latest set into the scratch database and Redis database,
 * verify, measure RTO/RPO, write the report. 0 all targets met, 1 a target missed or a
 * check failed (the report says which), -1 with err when the drill could not run. */
int dr_drill(const struct lc_config *cfg, const struct dr_opts *opts, struct lc_err *err);

/* runbook.c: the runbook opts->runbook. 0 nothing found (or applied), 1 findings that
 * need action, -1 with err. */
int dr_runbook(const struct lc_config *cfg, const struct dr_opts *opts, struct lc_err *err);

/* ---- the set to restore (latest.c) ---------------------------------------------------- */

struct dr_latest {
    char *name;
    time_t when;                        /* its snapshot time, from its name */
    char *path;                         /* in the spool; NULL when only on a target */
    const struct lc_target_cfg *target; /* where it is when not in the spool */
};

/*
 * The newest complete set in the spool or on any target, as `lcbp3-restore ... latest`
 * chooses it. A target that cannot be listed is skipped with a warning; with try_once
 * its operations are not retried (a plan answers promptly). 1 found, 0 none (*out
 * empty), -1 with err when the spool cannot be read. dr_latest_done() frees.
 */
int dr_find_latest(const struct lc_config *cfg, int try_once, struct dr_latest *out,
                   struct lc_err *err);
void dr_latest_done(struct dr_latest *l);

/* ---- child processes (dr_exec.c) ---------------------------------------------------- */

struct dr_exec_result {
    int exit_code;            /* -1 when killed by a signal or timed out */
    int term_signal;          /* the signal that ended it, 0 if none */
    int timed_out;
    double seconds;
};

/*
 * Runs argv[0] (a path, or a name looked up in PATH) without a shell, stdin from
 * /dev/null, stdout and stderr passed through (or appended to `log_path` when not
 * NULL), and waits at most timeout_ms (0: no limit) — then SIGTERM, and SIGKILL 10 s
 * later. SIGTERM/SIGINT to lcbp3-dr are passed on to the child. Returns 0 with *out
 * filled whatever the child's exit status, -1 with err when it could not be started.
 */
int dr_exec(char *const argv[], int64_t timeout_ms, const char *log_path,
            struct dr_exec_result *out, struct lc_err *err);

/* The path of a sibling program ("lcbp3-restore"): next to this executable when it is
 * there (a build tree, /usr/bin), else the bare name for PATH. A new string. */
char *dr_tool_path(const char *tool);

/* The command line as one line for messages and plans, each word quoted for a shell
 * when needed (a new string). */
char *dr_argv_string(char *const argv[]);

#endif
