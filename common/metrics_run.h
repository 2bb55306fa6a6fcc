/*
 * The standard metrics of one run of a batch job (TECH-NOTES §4.6), shared by every
 * tool: <prefix>_last_success_timestamp_seconds (kept from the previous file when this
 * run failed, so one failure does not erase the last success), _last_run_timestamp_seconds,
 * _last_run_success, _last_exit_code and _duration_seconds; and where they go: each
 * tool has its own textfile next to [metrics] textfile (lcbp3-backup writes that file
 * itself, lcbp3-restore "<stem>-restore.prom", and so on, so tools never overwrite each
 * other's metrics), and the Pushgateway when configured.
 */
#ifndef LC_METRICS_RUN_H
#define LC_METRICS_RUN_H

#include <time.h>

#include "common/config.h"
#include "common/metrics.h"

struct lc_metrics_run {
    const char *tool;         /* "backup", "restore", ... */
    const char *prefix;       /* "lcbp3_backup" */
    time_t started;
    double duration;          /* seconds */
    int exit_code;
};

/* The tool's textfile (new string), or NULL when [metrics] textfile is not set. */
char *lc_metrics_run_textfile(const struct lc_metrics_cfg *cfg, const char *tool);

/*
 * The value of `name` in the tool's textfile from an earlier run, 0 when there is none:
 * what a *_total counter adds this run's figures to.
 */
double lc_metrics_run_previous(const struct lc_metrics_cfg *cfg, const char *tool, const char *name);

/* Adds the five standard gauges of the run to m. */
void lc_metrics_run_add(struct lc_metrics *m, const struct lc_metrics_cfg *cfg,
                        const struct lc_metrics_run *run);

/* Writes the tool's textfile and pushes to the Pushgateway, as configured; a failure is
 * a warning (metrics never fail the job). */
void lc_metrics_run_publish(const struct lc_metrics *m, const struct lc_metrics_cfg *cfg,
                            const char *tool);

#endif
