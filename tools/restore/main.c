/*
 * lcbp3-restore: parse, load the config, dispatch to the command.
 */
#include <string.h>
#include <time.h>

#include "common/metrics_run.h"
#include "common/units.h"
#include "tools/restore/restore.h"

/* The run's outcome as metrics (list, a read-only command, records none). */
static void record_metrics(const struct lc_config *cfg, const struct restore_opts *opts,
                           int exit_code, time_t started, const struct timespec *t0)
{
    struct lc_metrics_run run = {"restore", "lcbp3_restore", started, lc_seconds_since(t0), exit_code};
    struct lc_metrics *m;

    if (opts->command == RESTORE_CMD_LIST ||
        (!cfg->metrics.textfile && !cfg->metrics.pushgateway_url))
        return;
    m = lc_metrics_new();
    lc_metrics_run_add(m, &cfg->metrics, &run);
    lc_metrics_run_publish(m, &cfg->metrics, "restore");
    lc_metrics_free(m);
}

static int dispatch(const struct lc_config *cfg, const struct restore_opts *opts,
                    struct lc_err *err)
{
    switch (opts->command) {
    case RESTORE_CMD_LIST:
        return restore_list(cfg, opts, err);
    case RESTORE_CMD_DB:
        return restore_db(cfg, opts, err);
    case RESTORE_CMD_REDIS:
        return restore_redis(cfg, opts, err);
    case RESTORE_CMD_SET:
        return restore_set(cfg, opts, err);
    case RESTORE_CMD_NONE:
        break;
    }
    return lc_err_set(err, LC_E_USAGE, "a command is required");
}

int main(int argc, char **argv)
{
    struct lc_err err = LC_ERR_INIT;
    struct lc_config cfg;
    struct restore_opts opts;
    int rc;

    memset(&cfg, 0, sizeof(cfg));
    rc = restore_parse_args(argc, argv, &opts, &err);
    if (rc == 0)
        rc = lc_cli_start(&opts.cli, restore_usage, &cfg, &err);
    if (rc > 0) {
        time_t started = time(NULL);
        struct timespec t0;

        clock_gettime(CLOCK_MONOTONIC, &t0);
        rc = dispatch(&cfg, &opts, &err);
        record_metrics(&cfg, &opts, rc >= 0 ? rc : err.status ? (int)err.status : LC_E_SOFTWARE, started, &t0);
    }
    lc_config_done(&cfg);
    restore_opts_done(&opts);
    return lc_main_exit(opts.cli.program, rc, &err);
}
