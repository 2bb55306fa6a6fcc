/*
 * The recovery plan as data: a list of steps, built in (dr_steps_default) or read from
 * [dr] steps_file, an INI file with one section per step, in file order, the section
 * name being the step's name:
 *
 *   [start the database]
 *   type    = start | wait-ready | restore-redis | restore-db | verify | health | manual
 *   command = docker compose -f /share/lcbp3/compose.yml up -d mariadb    (start)
 *   service = mariadb | redis | url                                      (wait-ready)
 *   url     = https://backend:3000/health                  (wait-ready url, health)
 *   checks  = sequences health                                            (verify)
 *   text    = Switch the load balancer back to the QNAP.                  (manual)
 *   timeout = 5m                                    (start, wait-ready, health, restore)
 *
 * `command` is split into words like a shell does with quotes ('...', "...", \x), but is
 * run without a shell: no variables, globs, pipes or redirections.
 */
#ifndef LC_TOOLS_DR_STEPS_H
#define LC_TOOLS_DR_STEPS_H

#include <stddef.h>
#include <stdint.h>

#include "common/config.h"
#include "common/error.h"

enum dr_step_kind {
    DR_STEP_START,
    DR_STEP_WAIT_READY,
    DR_STEP_RESTORE_REDIS,
    DR_STEP_RESTORE_DB,
    DR_STEP_VERIFY,
    DR_STEP_HEALTH,
    DR_STEP_MANUAL,
};

struct dr_step {
    enum dr_step_kind kind;
    char *name;
    char **command;           /* start: argv (NULL-terminated) */
    char *service;            /* wait-ready: "mariadb", "redis" or "url" */
    char *url;                /* wait-ready url, health (NULL: [dr] health_url) */
    char *checks;             /* verify: lcbp3-integrity commands, space-separated */
    char *text;               /* manual */
    int64_t timeout_ms;
};

struct dr_plan {
    struct dr_step *steps;
    size_t len;
    char *source;             /* "built in" or the steps file's path */
};

/* "start", "wait-ready", ... */
const char *dr_step_kind_name(enum dr_step_kind kind);

/* 1 for the steps that overwrite production data (the restores). */
int dr_step_destructive(const struct dr_step *step);

/* The built-in plan: wait for MariaDB and Redis, restore Redis, restore MariaDB, verify,
 * and the backend's health when [dr] health_url is set. */
void dr_steps_default(const struct lc_config *cfg, struct dr_plan *out);

/* Reads a steps file; LC_E_CONFIG naming the file, line and key on any mistake. */
int dr_steps_load(const char *path, struct dr_plan *out, struct lc_err *err);

/* [dr] steps_file when set, else the built-in plan. */
int dr_plan_load(const struct lc_config *cfg, struct dr_plan *out, struct lc_err *err);

/* A fingerprint of the plan's steps (kinds, names, commands), so that a resumed run can
 * tell that the plan it stopped in is still the same. A new string. */
char *dr_plan_fingerprint(const struct dr_plan *plan);

void dr_plan_done(struct dr_plan *plan);

/* Splits a command line into words (quotes and backslashes as in a shell, nothing
 * else); LC_E_CONFIG for an unterminated quote or an empty command. */
int dr_split_command(const char *line, char ***out_argv, struct lc_err *err);

#endif
