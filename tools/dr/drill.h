/*
 * lcbp3-dr drill, private to its files: the record of one drill, filled step by step by
 * drill.c (orchestration), drill_set.c (which set, and its manifest), drill_verify.c
 * (the comparisons with the set), drill_integrity.c (lcbp3-integrity on the scratch
 * copy) and drill_targets.c (RTO/RPO against the [dr] targets),
 * and written out by drill_report.c (Markdown, JSON, metrics).
 */
#ifndef LC_TOOLS_DR_DRILL_H
#define LC_TOOLS_DR_DRILL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "common/config.h"
#include "common/error.h"
#include "common/manifest.h"

/* A step's and a check's outcome, as the report spells them. */
#define DRILL_OK "ok"
#define DRILL_FAILED "failed"
#define DRILL_WARN "warn"
#define DRILL_SKIPPED "skipped"

struct drill_step {
    char *name;
    time_t started_at;
    double seconds;
    const char *result;       /* DRILL_OK, DRILL_FAILED, DRILL_SKIPPED */
    char *detail;
};

struct drill_check {
    char *name;
    const char *status;       /* DRILL_OK, DRILL_FAILED, DRILL_WARN, DRILL_SKIPPED */
    char *detail;
};

struct drill_target {
    const char *scenario;     /* "database", "site", "corruption" */
    const char *label;        /* "database failure within a site" */
    int64_t rto_ms;
    int64_t rpo_ms;
    int rto_met;
    int rpo_met;
};

#define DRILL_N_TARGETS 3

struct drill {
    /* the set */
    char *set;                /* name */
    char *set_path;           /* local file lcbp3-restore was given */
    time_t set_time;          /* snapshot time: manifest started_at, else the name's time */
    char *fetch_dir;          /* a private fetch directory to remove, or NULL */
    struct lc_manifest manifest;
    int have_manifest;
    /* where it went */
    const char *scratch_db;
    long scratch_redis_db;    /* -1: the Redis part is skipped */
    char *redis_note;         /* why it is skipped, or NULL */
    /* the run */
    time_t started_at;
    time_t finished_at;
    struct timespec t0;       /* monotonic start */
    char *stamp;              /* "20261206T031000Z" of started_at */
    char *log_path;           /* the children's output */
    struct drill_step *steps;
    size_t n_steps;
    struct drill_check *checks;
    size_t n_checks;
    /* the figures */
    int verified;             /* restored and every comparison ran */
    double rto_seconds;       /* -1 until measured */
    double rpo_seconds;       /* -1 until known */
    uint64_t tables_compared;
    uint64_t rows_compared;
    uint64_t checksums_compared;
    struct drill_target targets[DRILL_N_TARGETS];
    const char *verdict;      /* "passed", "target missed", "check failed", "failed" */
};

void drill_init(struct drill *d);
void drill_done(struct drill *d);

/* Starts a step now; its index for drill_step_end(). */
size_t drill_step_begin(struct drill *d, const char *name);
/* Ends step idx with its result and a detail (printf-style, may be NULL). */
void drill_step_end(struct drill *d, size_t idx, const char *result, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void drill_check_add(struct drill *d, const char *name, const char *status, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Seconds since the drill started (monotonic). */
double drill_elapsed(const struct drill *d);

/* drill_set.c: the newest complete set in the spool or on the targets as a local file
 * (fetched into a private directory under the report directory when it is only on a
 * target); fills d->set, d->set_path, d->set_time, d->fetch_dir. LC_E_NOINPUT when
 * there is none. */
int drill_find_set(const struct lc_config *cfg, const char *work_dir, struct drill *d,
                   struct lc_err *err);
/* Reads manifest.json of d->set_path (the restore has verified the set) into
 * d->manifest; d->set_time becomes the manifest's started_at. */
int drill_read_manifest(struct drill *d, struct lc_err *err);

/* drill_verify.c: compares the scratch copy with the set (row counts per table), with
 * the live database (CHECKSUM TABLE), counts the scratch Redis database's keys; adds
 * checks. -1 with err only when MariaDB or Redis cannot be asked at all. */
int drill_verify(const struct lc_config *cfg, struct drill *d, struct lc_err *err);

/* drill_integrity.c: `lcbp3-integrity sequences` against the scratch database, through
 * a temporary configuration in `dir` (0600, removed after); adds a check. -1 with err
 * only when it could not be started. */
int drill_integrity(const struct lc_config *cfg, const char *dir, struct drill *d,
                    struct lc_err *err);

/* drill_targets.c: RTO/RPO against the [dr] targets; the verdict. */
void drill_judge(const struct lc_config *cfg, struct drill *d);

/* drill_report.c: DIR/drill-<stamp>.md and .json, written atomically. */
int drill_write_report(const struct drill *d, const char *dir, char **out_md_path,
                       struct lc_err *err);
/* The drill's metrics (textfile "<stem>-dr.prom", Pushgateway) as configured. */
void drill_publish_metrics(const struct lc_config *cfg, const struct drill *d, int exit_code);

#endif
