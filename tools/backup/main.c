/*
 * lcbp3-backup: parse, load the config, dispatch to the command.
 */
#include <string.h>

#include "tools/backup/backup.h"

static int dispatch(const struct lc_config *cfg, const struct backup_opts *opts,
                    struct lc_err *err)
{
    switch (opts->command) {
    case BACKUP_CMD_RUN:
        return backup_run(cfg, opts, err);
    case BACKUP_CMD_LIST:
        return backup_list(cfg, opts, err);
    case BACKUP_CMD_PRUNE:
        return backup_prune(cfg, opts, err);
    case BACKUP_CMD_SHIP:
        return backup_ship(cfg, opts, err);
    case BACKUP_CMD_VERIFY:
        return backup_verify(cfg, opts, err);
    case BACKUP_CMD_ARCHIVE_AUDIT:
        return backup_archive_audit(cfg, opts, err);
    case BACKUP_CMD_BINLOG:
        return backup_binlog(cfg, opts, err);
    case BACKUP_CMD_NONE:
        break;
    }
    return lc_err_set(err, LC_E_USAGE, "a command is required");
}

int main(int argc, char **argv)
{
    struct lc_err err = LC_ERR_INIT;
    struct lc_config cfg;
    struct backup_opts opts;
    int rc;

    memset(&cfg, 0, sizeof(cfg));
    rc = backup_parse_args(argc, argv, &opts, &err);
    if (rc == 0)
        rc = lc_cli_start(&opts.cli, backup_usage, &cfg, &err);
    if (rc > 0)
        rc = dispatch(&cfg, &opts, &err);
    lc_config_done(&cfg);
    return lc_main_exit(opts.cli.program, rc, &err);
}
