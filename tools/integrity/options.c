/*
 * lcbp3-integrity's command line: the options table, the usage text and which option
 * goes with which command.
 */
#include <string.h>

#include "common/units.h"
#include "tools/integrity/integrity.h"

enum {
    OPT_DEEP = LC_OPT_TOOL,
    OPT_TARGET,
    OPT_PROMETHEUS,
    OPT_BUDGET,
};

const char ic_usage[] =
    "Usage: lcbp3-integrity [OPTIONS] COMMAND\n"
    "Check the numbering sequences, the services and the backups, and answer \"is it OK?\"\n"
    "for cron, monitoring and on-call: one line per check with its status, value and\n"
    "threshold, and for every problem what to do next. Exit 0 OK, 1 WARNING, 2 CRITICAL,\n"
    "3 UNKNOWN (a check that could not run); the worst result wins, CRITICAL before\n"
    "UNKNOWN before WARNING.\n"
    "\n"
    "Commands:\n"
    "  sequences   every numbering sequence: exceeded, utilization against\n"
    "              [integrity] warn_utilization/crit_utilization, days to exhaustion at\n"
    "              the last 30 days' rate, sequences without a config, yearly configs\n"
    "              without this year's sequence, duplicate issued numbers\n"
    "  health      MariaDB (latency, replication lag, binary log, long transactions, lock\n"
    "              waits), every Redis node (latency, role, cluster state, memory,\n"
    "              persistence, Sentinel's master), the backend's /health URL, free space\n"
    "              of the spool and the targets\n"
    "  backups [--deep [--budget DURATION]] [--target NAME]\n"
    "              the newest complete set on the spool and on every target is younger\n"
    "              than [integrity] max_backup_age; every set has its sidecar and its size;\n"
    "              the spool's shipped sets are on their targets and every file on a\n"
    "              target belongs to a complete set. --deep re-reads every set: the\n"
    "              sidecar's and every member's SHA-256, every gzip member to its end.\n"
    "              --budget verifies as much as fits, least recently verified first\n"
    "  all         the three\n"
    "\n"
    "Options:\n"
    "  --deep               backups: re-read and verify every set in full\n"
    "  --budget DURATION    backups --deep: stop starting sets after DURATION (e.g. 20m);\n"
    "                       the next run goes on with the sets verified longest ago\n"
    "  --target NAME        backups: only this [target.NAME] (not the spool)\n"
    "  --prometheus FILE    also write the results as a node_exporter textfile\n"
    "  -q, --quiet          print only the checks that are not OK (nothing when all are)\n";

static const char *const command_names[] = {"sequences", "health", "backups", "all", NULL};

static int check_combination(struct ic_opts *opts, unsigned seen, struct lc_err *err)
{
    static const struct lc_cli_option_rule rules[] = {
        {OPT_DEEP, "--deep", LC_CLI_ONLY(IC_CMD_BACKUPS) | LC_CLI_ONLY(IC_CMD_ALL)},
        {OPT_BUDGET, "--budget", LC_CLI_ONLY(IC_CMD_BACKUPS) | LC_CLI_ONLY(IC_CMD_ALL)},
        {OPT_TARGET, "--target", LC_CLI_ONLY(IC_CMD_BACKUPS) | LC_CLI_ONLY(IC_CMD_ALL)},
    };

    if (lc_cli_check_options(&opts->cli, rules, sizeof(rules) / sizeof(rules[0]), seen,
                             (int)opts->command, command_names[opts->command], err))
        return -1;
    if (opts->budget_ms >= 0 && !opts->deep)
        return lc_cli_usage_error(err, opts->cli.program,
                                  "--budget limits --deep verification; give --deep too");
    return 0;
}

static int parse_option(struct ic_opts *opts, int opt, const char *arg, struct lc_err *err)
{
    struct lc_err why = LC_ERR_INIT;

    switch (opt) {
    case OPT_DEEP:
        opts->deep = 1;
        return 0;
    case OPT_TARGET:
        if (!*arg)
            return lc_cli_usage_error(err, opts->cli.program, "--target must not be empty");
        opts->target = arg;
        return 0;
    case OPT_PROMETHEUS:
        if (!*arg)
            return lc_cli_usage_error(err, opts->cli.program, "--prometheus must not be empty");
        opts->prometheus = arg;
        return 0;
    case OPT_BUDGET:
        if (lc_parse_duration_ms(arg, &opts->budget_ms, &why) < 0)
            return lc_cli_usage_error(err, opts->cli.program, "--budget '%s': %s", arg, why.msg);
        if (opts->budget_ms <= 0)
            return lc_cli_usage_error(err, opts->cli.program,
                                      "--budget '%s' must be longer than zero", arg);
        return 0;
    }
    return 1;
}

int ic_parse_args(int argc, char **argv, struct ic_opts *opts, struct lc_err *err)
{
    static const struct option longopts[] = {
        LC_CLI_LONGOPTS,
        {"deep", no_argument, NULL, OPT_DEEP},
        {"target", required_argument, NULL, OPT_TARGET},
        {"prometheus", required_argument, NULL, OPT_PROMETHEUS},
        {"budget", required_argument, NULL, OPT_BUDGET},
        {NULL, 0, NULL, 0},
    };
    unsigned seen = 0;
    size_t command;
    int opt;

    memset(opts, 0, sizeof(*opts));
    opts->cli.program = "lcbp3-integrity";
    opts->budget_ms = -1;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, LC_CLI_SHORTOPTS, longopts, NULL)) != -1) {
        int rc;

        if (lc_cli_common_option(&opts->cli, opt, optarg))
            continue;
        rc = parse_option(opts, opt, optarg, err);
        if (rc < 0)
            return -1;
        if (rc > 0)
            return lc_cli_option_error(&opts->cli, opt, argv, err);
        seen |= 1u << (opt - LC_OPT_TOOL);
    }
    if (lc_cli_standalone(&opts->cli))
        return 0;
    if (lc_cli_command(&opts->cli, argc, argv, command_names, &command, err))
        return -1;
    opts->command = (enum ic_command)command;
    if (optind < argc)
        return lc_cli_usage_error(err, opts->cli.program, "unexpected argument '%s'", argv[optind]);
    return check_combination(opts, seen, err);
}
