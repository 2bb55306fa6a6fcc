/*
 * lcbp3-integrity: its options, the report that every check adds its result to, and
 * the three families of checks. main.c parses, loads the config and runs the checks;
 * report.c prints the results (table, JSON, Prometheus) and gives the exit code;
 * sequences.c checks the numbering sequences, health_*.c the services, backups*.c the
 * backup sets on the spool and on every target.
 *
 * Statuses follow the monitoring-plugin convention (0 OK, 1 WARNING, 2 CRITICAL,
 * 3 UNKNOWN): a check that could not run is UNKNOWN, never OK.
 */
#ifndef LC_TOOLS_INTEGRITY_H
#define LC_TOOLS_INTEGRITY_H

#include <stdint.h>

#include "common/cli.h"
#include "common/config.h"
#include "common/error.h"
#include "common/metrics.h"

enum ic_status {
    IC_OK = 0,
    IC_WARNING = 1,
    IC_CRITICAL = 2,
    IC_UNKNOWN = 3,
};

enum ic_command {
    IC_CMD_SEQUENCES,
    IC_CMD_HEALTH,
    IC_CMD_BACKUPS,
    IC_CMD_ALL,
};

struct ic_opts {
    struct lc_cli cli;        /* -q: only non-OK lines; --json */
    enum ic_command command;
    int deep;                 /* backups --deep: re-read every member */
    const char *target;       /* backups --target NAME: only that target (and not the spool) */
    const char *prometheus;   /* --prometheus FILE */
    int64_t budget_ms;        /* backups --deep --budget DURATION; -1 = no budget */
};

/*
 * One result. `check` is a stable dotted id that names what was checked, e.g.
 * "mariadb.reachable", "redis.127.0.0.1:7001.persistence",
 * "sequence.LCBP3-ORG-RFA.2026.utilization", "backups.spool.age"; it becomes the
 * `check` label and the JSON field of the same name. All strings are copied; any of
 * value, threshold, detail, action and runbook may be NULL.
 */
struct ic_result {
    const char *check;
    enum ic_status status;
    const char *value;        /* what was measured: "1.3 ms", "95 %", "3 h 12 min" */
    const char *threshold;    /* what it is compared with: "warn > 80 %, crit > 90 %" */
    const char *detail;       /* what is wrong (non-OK), or a note (OK) */
    const char *action;       /* non-OK: what to do next */
    const char *runbook;      /* non-OK: the runbook, for `lcbp3-dr runbook NAME` */
};

struct ic_report;

struct ic_report *ic_report_new(void);
void ic_report_free(struct ic_report *r);  /* accepts NULL */

/* The group the next results belong to ("sequences", "health", "backups"). */
void ic_report_group(struct ic_report *r, const char *group);

/* Adds a result to the current group. */
void ic_report_add(struct ic_report *r, const struct ic_result *res);

/* ic_report_add() with a printf-formatted value. */
void ic_report_addf(struct ic_report *r, const char *check, enum ic_status status,
                    const char *threshold, const char *detail, const char *action,
                    const char *runbook, const char *value_fmt, ...)
    __attribute__((format(printf, 8, 9)));

/*
 * An UNKNOWN result for a check that could not run, with the error's message as its
 * detail and its hint (or `action` when the error has none) as what to do.
 */
void ic_report_unknown(struct ic_report *r, const char *check, const struct lc_err *err,
                       const char *action);

/*
 * The metrics that go with the results (lcbp3_sequence_utilization_ratio,
 * lcbp3_backup_age_seconds, ...): checks add their gauges here. The per-check
 * lcbp3_integrity_check_status gauges are added by ic_report_write_prometheus().
 */
struct lc_metrics *ic_report_metrics(struct ic_report *r);

/*
 * The overall status: CRITICAL if any result is, else UNKNOWN if any is, else
 * WARNING if any is, else OK (also OK when there is no result).
 */
enum ic_status ic_report_status(const struct ic_report *r);

/* The severity order of statuses: OK 0, WARNING 1, UNKNOWN 2, CRITICAL 3. */
int ic_status_rank(enum ic_status status);

/* The more severe of two statuses in that order. */
enum ic_status ic_status_worse(enum ic_status a, enum ic_status b);

/* "OK", "WARNING", "CRITICAL", "UNKNOWN". */
const char *ic_status_name(enum ic_status status);

/*
 * Prints the results to stdout: a table (one line per check: status, check, value,
 * threshold; under a non-OK line what is wrong and what to do), only the non-OK lines
 * when quiet, and a summary line; or with json one JSON document (fields documented in
 * lcbp3-integrity(1)).
 */
void ic_report_print(const struct ic_report *r, int json, int quiet);

/*
 * Writes the results as a node_exporter textfile to `path`, atomically: one
 * lcbp3_integrity_check_status{group,check} gauge per result (0 OK .. 3 UNKNOWN),
 * lcbp3_integrity_status (the overall status), lcbp3_integrity_last_run_timestamp_seconds,
 * and the checks' own gauges (added to ic_report_metrics(), so call it once, last).
 */
int ic_report_write_prometheus(struct ic_report *r, const char *path, const char *only_group,
                               struct lc_err *err);

/*
 * For a run of one group's checks (`only_group`): adds to m the samples of the previous
 * textfile at `path` that this run does not write (see report_carry.c). Returns the
 * worst carried check status (IC_OK when none or no previous file).
 */
enum ic_status ic_report_carry_over(struct lc_metrics *m, const char *path,
                                    const char *only_group);

extern const char ic_usage[];

/* <0 error (64), 0 parsed. */
int ic_parse_args(int argc, char **argv, struct ic_opts *opts, struct lc_err *err);

/*
 * The three families of checks. Each adds its results to r under its own group; a
 * failure inside a check (a server down, a privilege missing) is an UNKNOWN result
 * (or CRITICAL where the failure is the finding, e.g. MariaDB unreachable in health),
 * never an early exit.
 */

/* The numbering sequences (sequences.c). */
void ic_check_sequences(const struct lc_config *cfg, const struct ic_opts *opts,
                        struct ic_report *r);

/* The services: MariaDB, Redis, the backend's /health, free space (health.c). */
void ic_check_health(const struct lc_config *cfg, const struct ic_opts *opts, struct ic_report *r);

/* The backup sets on the spool and every target (backups.c). */
void ic_check_backups(const struct lc_config *cfg, const struct ic_opts *opts,
                      struct ic_report *r);

#endif
