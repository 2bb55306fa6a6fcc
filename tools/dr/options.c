/*
 * lcbp3-dr's command line: the options table, the usage text and which option goes
 * with which command.
 */
#include <stdlib.h>
#include <string.h>

#include "common/units.h"
#include "tools/dr/dr.h"

enum {
    OPT_FROM_STEP = LC_OPT_TOOL,
    OPT_YES,
    OPT_REPORT,
    OPT_APPLY,
    OPT_TYPE,
    OPT_FACTOR,
    OPT_KILL,
    OPT_REASON,
    OPT_OLDER_THAN,
};

const char dr_usage[] =
    "Usage: lcbp3-dr [OPTIONS] COMMAND\n"
    "The disaster-recovery runbook as a program: the recovery plan, run step by step with\n"
    "resume; a measured drill into scratch databases; the diagnostic runbooks behind the\n"
    "alerts.\n"
    "\n"
    "Commands:\n"
    "  plan        print the recovery plan as numbered steps: what each does on this host\n"
    "              with this config, and which set would be restored (its age is the data\n"
    "              that would be lost)\n"
    "  run [--from-step N] [--yes]\n"
    "              run the plan: each step's start, result and duration; stops at the first\n"
    "              failure with the command to resume; a rerun continues where it stopped;\n"
    "              asks before the first destructive step unless --yes. Ends with the total\n"
    "              time (RTO) and the age of the restored data (RPO)\n"
    "  drill [--report DIR]\n"
    "              restore the latest set into [dr] scratch_database and scratch_redis_db\n"
    "              (never production), verify it against the set's manifest, measure RTO\n"
    "              and RPO against the targets, write a Markdown and JSON report\n"
    "  runbook NAME [--apply] ...\n"
    "              diagnose, and with --apply act: high-utilization [--type T --factor F],\n"
    "              yearly-reset, lock-wait [--kill THREAD_ID], redis-down, slow-generation,\n"
    "              version-conflicts, audit-archive\n"
    "\n"
    "Options:\n"
    "  --from-step N        run: start at step N (1-based) instead of resuming\n"
    "  --yes                run: do not ask before the first destructive step\n"
    "  --report DIR         drill: where the report goes (default: the work directory)\n"
    "  --apply              runbook: carry out the recommended action\n"
    "  --type T             runbook high-utilization: the sequence to raise\n"
    "  --factor F           runbook high-utilization: multiply max_value by F (> 1)\n"
    "  --kill THREAD_ID     runbook lock-wait --apply: kill this blocking thread\n"
    "  --reason TEXT        runbook --apply: the reason written to the audit log\n"
    "  --older-than D       runbook audit-archive: archive audit rows older than D (2y)\n";

static const char *const command_names[] = {"plan", "run", "drill", "runbook", NULL};

static int check_combination(struct dr_opts *opts, unsigned seen, struct lc_err *err)
{
    static const struct lc_cli_option_rule rules[] = {
        {OPT_FROM_STEP, "--from-step", LC_CLI_ONLY(DR_CMD_RUN)},
        {OPT_YES, "--yes", LC_CLI_ONLY(DR_CMD_RUN) | LC_CLI_ONLY(DR_CMD_RUNBOOK)},
        {OPT_REPORT, "--report", LC_CLI_ONLY(DR_CMD_DRILL)},
        {OPT_APPLY, "--apply", LC_CLI_ONLY(DR_CMD_RUNBOOK)},
        {OPT_TYPE, "--type", LC_CLI_ONLY(DR_CMD_RUNBOOK)},
        {OPT_FACTOR, "--factor", LC_CLI_ONLY(DR_CMD_RUNBOOK)},
        {OPT_KILL, "--kill", LC_CLI_ONLY(DR_CMD_RUNBOOK)},
        {OPT_REASON, "--reason", LC_CLI_ONLY(DR_CMD_RUNBOOK)},
        {OPT_OLDER_THAN, "--older-than", LC_CLI_ONLY(DR_CMD_RUNBOOK)},
    };

    return lc_cli_check_options(&opts->cli, rules, sizeof(rules) / sizeof(rules[0]), seen,
                                (int)opts->command, opts->command_name, err);
}

static int parse_count(struct dr_opts *opts, const char *name, const char *arg, long *out,
                       struct lc_err *err)
{
    struct lc_err why = LC_ERR_INIT;
    int64_t value;

    if (lc_parse_uint(arg, 1, INT32_MAX, &value, &why) < 0)
        return lc_cli_usage_error(err, opts->cli.program, "%s '%s': %s", name, arg, why.msg);
    *out = (long)value;
    return 0;
}

static int parse_option(struct dr_opts *opts, int opt, const char *arg, struct lc_err *err)
{
    char *end;

    switch (opt) {
    case OPT_FROM_STEP:
        return parse_count(opts, "--from-step", arg, &opts->from_step, err);
    case OPT_YES:
        opts->yes = 1;
        return 0;
    case OPT_REPORT:
        if (!*arg)
            return lc_cli_usage_error(err, opts->cli.program, "--report must not be empty");
        opts->report_dir = arg;
        return 0;
    case OPT_APPLY:
        opts->apply = 1;
        return 0;
    case OPT_TYPE:
        if (!*arg)
            return lc_cli_usage_error(err, opts->cli.program, "--type must not be empty");
        opts->type = arg;
        return 0;
    case OPT_FACTOR:
        opts->factor = strtod(arg, &end);
        if (end == arg || *end || !(opts->factor > 1.0) || opts->factor > 1000.0)
            return lc_cli_usage_error(err, opts->cli.program,
                                      "--factor '%s' is not a number above 1 (at most 1000)", arg);
        return 0;
    case OPT_KILL:
        return parse_count(opts, "--kill", arg, &opts->kill_thread, err);
    case OPT_REASON:
        if (!*arg)
            return lc_cli_usage_error(err, opts->cli.program, "--reason must not be empty");
        opts->reason = arg;
        return 0;
    case OPT_OLDER_THAN:
        opts->older_than = arg;
        return 0;
    }
    return 1;
}

int dr_parse_args(int argc, char **argv, struct dr_opts *opts, struct lc_err *err)
{
    static const struct option longopts[] = {
        LC_CLI_LONGOPTS,
        {"from-step", required_argument, NULL, OPT_FROM_STEP},
        {"yes", no_argument, NULL, OPT_YES},
        {"report", required_argument, NULL, OPT_REPORT},
        {"apply", no_argument, NULL, OPT_APPLY},
        {"type", required_argument, NULL, OPT_TYPE},
        {"factor", required_argument, NULL, OPT_FACTOR},
        {"kill", required_argument, NULL, OPT_KILL},
        {"reason", required_argument, NULL, OPT_REASON},
        {"older-than", required_argument, NULL, OPT_OLDER_THAN},
        {NULL, 0, NULL, 0},
    };
    unsigned seen = 0;
    size_t command;
    int opt;

    memset(opts, 0, sizeof(*opts));
    opts->cli.program = "lcbp3-dr";
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
    opts->command = (enum dr_command)command;
    opts->command_name = command_names[command];
    if (opts->command == DR_CMD_RUNBOOK) {
        if (optind >= argc)
            return lc_cli_usage_error(err, opts->cli.program,
                                      "'runbook' needs a NAME (see --help)");
        opts->runbook = argv[optind++];
    }
    if (optind < argc)
        return lc_cli_usage_error(err, opts->cli.program, "unexpected argument '%s'", argv[optind]);
    return check_combination(opts, seen, err);
}
