/*
 * lcbp3-integrity: parse, load the config, run the command's checks, print the report,
 * write the Prometheus textfile, exit with the overall status (0 OK, 1 WARNING,
 * 2 CRITICAL, 3 UNKNOWN). A usage error exits 64 and a configuration error 78 before
 * any check runs (monitoring systems read any code above 3 as UNKNOWN).
 */
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/mem.h"
#include "common/metrics_run.h"
#include "common/target.h"
#include "tools/integrity/integrity.h"

static void run_checks(const struct lc_config *cfg, const struct ic_opts *opts, struct ic_report *r)
{
    if (opts->command == IC_CMD_SEQUENCES || opts->command == IC_CMD_ALL)
        ic_check_sequences(cfg, opts, r);
    if (opts->command == IC_CMD_HEALTH || opts->command == IC_CMD_ALL)
        ic_check_health(cfg, opts, r);
    if (opts->command == IC_CMD_BACKUPS || opts->command == IC_CMD_ALL)
        ic_check_backups(cfg, opts, r);
}

/* --prometheus FILE, else the tool's own file next to [metrics] textfile, if any; a run
 * of one command keeps the other groups' figures there. A failure to write is a
 * warning: the report still stands. */
static void write_prometheus(const struct lc_config *cfg, const struct ic_opts *opts,
                             struct ic_report *r)
{
    struct lc_err err = LC_ERR_INIT;
    char *path = opts->prometheus ? lc_xstrdup(opts->prometheus)
                                  : lc_metrics_run_textfile(&cfg->metrics, "integrity");

    static const char *const groups[] = {
        [IC_CMD_SEQUENCES] = "sequences", [IC_CMD_HEALTH] = "health",
        [IC_CMD_BACKUPS] = "backups", [IC_CMD_ALL] = NULL,
    };

    if (path && ic_report_write_prometheus(r, path, groups[opts->command], &err) < 0)
        lc_log_warn("%s", err.msg);
    free(path);
}

int main(int argc, char **argv)
{
    struct lc_err err = LC_ERR_INIT;
    struct lc_config cfg;
    struct ic_opts opts;
    int rc;

    memset(&cfg, 0, sizeof(cfg));
    rc = ic_parse_args(argc, argv, &opts, &err);
    if (rc == 0)
        rc = lc_cli_start(&opts.cli, ic_usage, &cfg, &err);
    if (rc > 0 && opts.target && !lc_target_find(&cfg, opts.target, &err))
        rc = -1;
    if (rc > 0) {
        struct ic_report *r = ic_report_new();

        run_checks(&cfg, &opts, r);
        ic_report_print(r, opts.cli.json, opts.cli.verbosity < 0);
        write_prometheus(&cfg, &opts, r);
        rc = (int)ic_report_status(r);
        ic_report_free(r);
        lc_config_done(&cfg);
        return rc;
    }
    lc_config_done(&cfg);
    return lc_main_exit(opts.cli.program, rc, &err);
}
