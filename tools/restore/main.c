/*
 * lcbp3-restore: parse, load the config, dispatch to the command.
 */
#include <string.h>

#include "tools/restore/restore.h"

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
    if (rc > 0)
        rc = dispatch(&cfg, &opts, &err);
    lc_config_done(&cfg);
    restore_opts_done(&opts);
    return lc_main_exit(opts.cli.program, rc, &err);
}
