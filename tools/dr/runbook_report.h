/*
 * What the diagnostic runbooks share: their report (facts, findings, recommended
 * actions; printed as text or, with --json, as one JSON object), the MariaDB
 * connection with the account for GRANT hints, and the Redis latency that several
 * runbooks look at. A runbook returns dr_rb_print()'s value: 1 when it found something,
 * 0 when not.
 */
#ifndef LC_TOOLS_DR_RUNBOOK_REPORT_H
#define LC_TOOLS_DR_RUNBOOK_REPORT_H

#include <mysql.h>
#include <stddef.h>

#include "tools/dr/dr.h"

struct dr_rb {
    const char *name;         /* "lock-wait" */
    char **facts;             /* what was looked at and what it showed */
    size_t n_facts;
    char **findings;          /* what needs action */
    size_t n_findings;
    char **actions;           /* the recommended commands, in order */
    size_t n_actions;
    char **applied;           /* what --apply did */
    size_t n_applied;
};

void dr_rb_init(struct dr_rb *rb, const char *name);
void dr_rb_done(struct dr_rb *rb);
void dr_rb_fact(struct dr_rb *rb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void dr_rb_finding(struct dr_rb *rb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* An action line; a duplicate of an earlier one is dropped. */
void dr_rb_action(struct dr_rb *rb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void dr_rb_applied(struct dr_rb *rb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Prints the report on stdout: "Runbook NAME", the facts, "Findings:", "Recommended
 * action:" (or "Nothing to do."), "Applied:"; with json one object {runbook, facts,
 * findings, actions, applied, exit_code}. Returns 1 when there are findings, else 0.
 */
int dr_rb_print(const struct dr_rb *rb, int json);

/* A word quoted for a POSIX shell when it needs it ("abc" stays, "a b" -> 'a b'). New. */
char *dr_rb_shell_word(const char *s);

/* Connects as [mariadb] for a runbook; NULL with err. */
MYSQL *dr_rb_connect(const struct lc_config *cfg, struct lc_err *err);

/*
 * When err says a privilege is missing (LC_E_NOPERM), replaces its hint with the GRANT
 * that gives it: "GRANT <privilege> ON <on> TO <CURRENT_USER()>;". Returns -1.
 */
int dr_rb_grant_hint(MYSQL *db, struct lc_err *err, const char *privilege, const char *on);

/* Runs one statement that returns no rows; *out_rows gets its affected rows. */
int dr_rb_exec_rows(MYSQL *db, const char *sql, unsigned long long *out_rows, struct lc_err *err);

/* The operator of an --apply: "<OS user> as <CURRENT_USER()>" (new string). */
char *dr_rb_operator(MYSQL *db);

/* Refuses --apply (and its options) for a runbook that has nothing to apply (64). */
int dr_rb_no_apply(const struct dr_opts *opts, struct lc_err *err);

/*
 * The Redis latency: PING round trips (best of 5) to each master of [redis] (as
 * lc_redis_masters() finds them) as facts; a node slower than `slow_ms` or unreachable
 * is a finding that points to the redis-down runbook.
 */
void dr_rb_redis_latency(const struct lc_config *cfg, struct dr_rb *rb, double slow_ms);

#endif
