/*
 * lcbp3-reservations-gc: parse, load the config, run, record the metrics.
 */
#include <string.h>
#include <time.h>

#include "common/metrics_run.h"
#include "common/units.h"
#include "tools/reservations-gc/gc.h"

/* One counter: its total from the previous runs plus this run's figure. */
static void add_counter(struct lc_metrics *m, const struct lc_config *cfg, const char *name,
                        const char *help, uint64_t this_run)
{
    lc_metrics_counter(m, name, help, NULL,
                       lc_metrics_run_previous(&cfg->metrics, "gc", name) + (double)this_run);
}

/* The run's outcome as metrics (a dry run, which changes nothing, records none). */
static void record_metrics(const struct lc_config *cfg, const struct gc_opts *opts,
                           const struct gc_report *report, int exit_code, time_t started,
                           const struct timespec *t0)
{
    struct lc_metrics_run run = {"gc", "lcbp3_gc", started, lc_seconds_since(t0), exit_code};
    struct lc_metrics *m;

    if (opts->dry_run || (!cfg->metrics.textfile && !cfg->metrics.pushgateway_url))
        return;
    m = lc_metrics_new();
    lc_metrics_run_add(m, &cfg->metrics, &run);
    add_counter(m, cfg, "lcbp3_gc_scanned_total", "reservation keys scanned", report->scanned);
    add_counter(m, cfg, "lcbp3_gc_deleted_total", "reservation keys deleted (without TTL, or stale)",
                report->deleted);
    add_counter(m, cfg, "lcbp3_gc_locks_deleted_total", "numbering locks without TTL deleted (--fix-locks)",
                report->locks_deleted);
    add_counter(m, cfg, "lcbp3_gc_skipped_total", "candidates that got a TTL before the delete",
                report->skipped);
    add_counter(m, cfg, "lcbp3_gc_rows_cancelled_total", "overdue reservation rows cancelled",
                report->rows_cancelled);
    lc_metrics_gauge(m, "lcbp3_gc_locks_stuck", "numbering locks without TTL found by the last run",
                     NULL, (double)report->locks_stuck);
    lc_metrics_run_publish(m, &cfg->metrics, "gc");
    lc_metrics_free(m);
}

int main(int argc, char **argv)
{
    struct lc_err err = LC_ERR_INIT;
    struct lc_config cfg;
    struct gc_opts opts;
    struct gc_report report;
    int rc;

    memset(&cfg, 0, sizeof(cfg));
    memset(&report, 0, sizeof(report));
    rc = gc_parse_args(argc, argv, &opts, &err);
    if (rc == 0)
        rc = lc_cli_start(&opts.cli, gc_usage, &cfg, &err);
    if (rc > 0) {
        time_t started = time(NULL);
        struct timespec t0;

        clock_gettime(CLOCK_MONOTONIC, &t0);
        rc = gc_run(&cfg, &opts, &report, &err);
        record_metrics(&cfg, &opts, &report, rc >= 0 ? rc : err.status ? (int)err.status : LC_E_SOFTWARE,
                       started, &t0);
    }
    gc_report_done(&report);
    lc_config_done(&cfg);
    return lc_main_exit(opts.cli.program, rc, &err);
}
