/*
 * The shared main of not-yet-built programs (see stub.h).
 */
#include "tools/stub.h"

#include <string.h>

#include "common/cli.h"
#include "common/config.h"
#include "common/error.h"

static int parse(const struct stub_tool *tool, int argc, char **argv, struct lc_cli *cli,
                 const char **command, struct lc_err *err)
{
    static const struct option longopts[] = {
        LC_CLI_LONGOPTS,
        {"yes", no_argument, NULL, LC_OPT_TOOL},
        {"dry-run", no_argument, NULL, LC_OPT_TOOL},
        {NULL, 0, NULL, 0},
    };
    int opt;

    opterr = 0;
    while ((opt = getopt_long(argc, argv, LC_CLI_SHORTOPTS, longopts, NULL)) != -1) {
        if (lc_cli_common_option(cli, opt, optarg) || opt == LC_OPT_TOOL)
            continue;
        return lc_cli_usage_error(err, tool->program, "unknown option '%s'", argv[optind - 1]);
    }
    *command = optind < argc ? argv[optind] : NULL;
    return 0;
}

int stub_main(const struct stub_tool *tool, int argc, char **argv)
{
    struct lc_err err = LC_ERR_INIT;
    struct lc_config cfg;
    struct lc_cli cli = {.program = tool->program};
    const char *command = NULL;
    int known = tool->commands[0] == NULL;
    int rc;

    memset(&cfg, 0, sizeof(cfg));
    rc = parse(tool, argc, argv, &cli, &command, &err);
    if (rc == 0)
        rc = lc_cli_start(&cli, tool->usage, &cfg, &err);
    if (rc > 0) {
        for (size_t idx = 0; command && tool->commands[idx]; idx++)
            known |= strcmp(command, tool->commands[idx]) == 0;
        if (tool->commands[0] && !command)
            rc = lc_cli_usage_error(&err, tool->program, "a command is required");
        else if (!known)
            rc = lc_cli_usage_error(&err, tool->program, "unknown command '%s'", command);
        else
            rc = lc_err_set(&err, LC_E_SOFTWARE, "'%s%s%s' is not implemented yet", tool->program,
                            command ? " " : "", command ? command : "");
    }
    lc_config_done(&cfg);
    return lc_main_exit(tool->program, rc, &err);
}
