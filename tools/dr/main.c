/*
 * lcbp3-dr: parse, load the config, run the command.
 */
#include <string.h>

#include "tools/dr/dr.h"

int main(int argc, char **argv)
{
    struct lc_err err = LC_ERR_INIT;
    struct lc_config cfg;
    struct dr_opts opts;
    int rc;

    memset(&cfg, 0, sizeof(cfg));
    rc = dr_parse_args(argc, argv, &opts, &err);
    if (rc == 0)
        rc = lc_cli_start(&opts.cli, dr_usage, &cfg, &err);
    if (rc > 0) {
        switch (opts.command) {
        case DR_CMD_PLAN:
            rc = dr_plan(&cfg, &opts, &err);
            break;
        case DR_CMD_RUN:
            rc = dr_run(&cfg, &opts, &err);
            break;
        case DR_CMD_DRILL:
            rc = dr_drill(&cfg, &opts, &err);
            break;
        case DR_CMD_RUNBOOK:
            rc = dr_runbook(&cfg, &opts, &err);
            break;
        }
    }
    lc_config_done(&cfg);
    return lc_main_exit(opts.cli.program, rc, &err);
}
