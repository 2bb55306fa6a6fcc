/*
 * lcbp3-backup's command line: the options table, the usage text and the checks of
 * which option goes with which command.
 */
#include <string.h>

#include "tools/backup/backup.h"

enum {
    OPT_KIND = LC_OPT_TOOL,
    OPT_NO_SHIP,
    OPT_DB_ONLY,
    OPT_REDIS_ONLY,
    OPT_TARGET,
    OPT_DRY_RUN,
    OPT_FOLLOW,
    OPT_OLDER_THAN,
    OPT_VERIFY,
};

const char backup_usage[] =
    "Usage: lcbp3-backup [OPTIONS] COMMAND\n"
    "Make consistent backup sets of the LCBP3 MariaDB database and Redis, keep them in\n"
    "the local spool, ship them to the configured targets and apply retention.\n"
    "\n"
    "Commands:\n"
    "  run [--kind daily|weekly|monthly|manual] [--no-ship] [--db-only|--redis-only]\n"
    "      [--verify full|size]\n"
    "        make a backup set: MariaDB logical dump (one consistent snapshot) + Redis\n"
    "        RDB and key export + manifest, in <spool_dir>/lcbp3-<host>-<time>-<kind>.tar\n"
    "        with a .sha256 sidecar; apply the spool's retention; then ship every set a\n"
    "        target lacks to every [target.NAME] and apply its retention. Prints the path.\n"
    "  ship [--target NAME] [--verify full|size]\n"
    "        ship the sets still waiting in the spool (a target that was down, --no-ship)\n"
    "  list [--target NAME]  the sets in the spool or on a target, newest first\n"
    "  prune [--target NAME] [--dry-run]\n"
    "        apply retention to the spool and every target (or one), saying why each set\n"
    "        is kept; on a target only complete sets count, and leftovers of uploads\n"
    "        interrupted more than a day ago go\n"
    "  verify [--target NAME] [--verify full|size]\n"
    "        check the sets on the targets against their sidecars (full: read back and\n"
    "        SHA-256); exit 65 when one is corrupt (the next ship re-uploads it)\n"
    "  binlog [--follow]\n"
    "        archive the primary's binary logs for point-in-time recovery into\n"
    "        <spool_dir>/binlogs and ship them ([backup] binlog_client_id must be set);\n"
    "        without --follow: catch up to the server's end and exit (cron), with it:\n"
    "        follow until SIGTERM, fsync every binlog_flush_interval (a service)\n"
    "  archive-audit [--older-than 2y] [--dry-run]\n"
    "        move numbering audit rows older than that to the audit archive table, export\n"
    "        them as CSV to the spool and the targets, then delete them (exit 1 on a dry\n"
    "        run that found rows)\n"
    "\n"
    "--verify: how a shipped set is checked, overriding [target.NAME] verify [full]:\n"
    "  full reads the object back from the target and compares its SHA-256 with the\n"
    "  sidecar; size compares sizes only.\n";

/* In the order of enum backup_command, from BACKUP_CMD_RUN. */
static const char *const command_names[] = {
    "run", "ship", "list", "prune", "binlog", "archive-audit", "verify", NULL,
};

#define ONLY(cmd) LC_CLI_ONLY(cmd)

static int check_combination(struct backup_opts *opts, unsigned seen, struct lc_err *err)
{
    static const struct lc_cli_option_rule rules[] = {
        {OPT_KIND, "--kind", ONLY(BACKUP_CMD_RUN)},
        {OPT_NO_SHIP, "--no-ship", ONLY(BACKUP_CMD_RUN)},
        {OPT_DB_ONLY, "--db-only", ONLY(BACKUP_CMD_RUN)},
        {OPT_REDIS_ONLY, "--redis-only", ONLY(BACKUP_CMD_RUN)},
        {OPT_TARGET, "--target",
         ONLY(BACKUP_CMD_SHIP) | ONLY(BACKUP_CMD_LIST) | ONLY(BACKUP_CMD_PRUNE) | ONLY(BACKUP_CMD_VERIFY)},
        {OPT_VERIFY, "--verify", ONLY(BACKUP_CMD_RUN) | ONLY(BACKUP_CMD_SHIP) | ONLY(BACKUP_CMD_VERIFY)},
        {OPT_DRY_RUN, "--dry-run", ONLY(BACKUP_CMD_PRUNE) | ONLY(BACKUP_CMD_ARCHIVE_AUDIT)},
        {OPT_FOLLOW, "--follow", ONLY(BACKUP_CMD_BINLOG)},
        {OPT_OLDER_THAN, "--older-than", ONLY(BACKUP_CMD_ARCHIVE_AUDIT)},
    };

    if (lc_cli_check_options(&opts->cli, rules, sizeof(rules) / sizeof(rules[0]), seen,
                             (int)opts->command, opts->command_name, err))
        return -1;
    if (opts->db_only && opts->redis_only)
        return lc_cli_usage_error(err, opts->cli.program,
                                  "--db-only and --redis-only exclude each other");
    return 0;
}

int backup_parse_args(int argc, char **argv, struct backup_opts *opts, struct lc_err *err)
{
    static const struct option longopts[] = {
        LC_CLI_LONGOPTS,
        {"kind", required_argument, NULL, OPT_KIND},
        {"no-ship", no_argument, NULL, OPT_NO_SHIP},
        {"db-only", no_argument, NULL, OPT_DB_ONLY},
        {"redis-only", no_argument, NULL, OPT_REDIS_ONLY},
        {"target", required_argument, NULL, OPT_TARGET},
        {"dry-run", no_argument, NULL, OPT_DRY_RUN},
        {"follow", no_argument, NULL, OPT_FOLLOW},
        {"older-than", required_argument, NULL, OPT_OLDER_THAN},
        {"verify", required_argument, NULL, OPT_VERIFY},
        {NULL, 0, NULL, 0},
    };
    unsigned seen = 0;
    size_t command;
    int opt;

    memset(opts, 0, sizeof(*opts));
    opts->cli.program = "lcbp3-backup";
    opts->kind = LC_KIND_DAILY;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, LC_CLI_SHORTOPTS, longopts, NULL)) != -1) {
        if (lc_cli_common_option(&opts->cli, opt, optarg))
            continue;
        switch (opt) {
        case OPT_KIND:
            if (lc_set_kind_parse(optarg, &opts->kind) < 0)
                return lc_cli_usage_error(err, opts->cli.program,
                                          "--kind '%s' is not daily, weekly, monthly or manual",
                                          optarg);
            break;
        case OPT_NO_SHIP:
            opts->no_ship = 1;
            break;
        case OPT_DB_ONLY:
            opts->db_only = 1;
            break;
        case OPT_REDIS_ONLY:
            opts->redis_only = 1;
            break;
        case OPT_TARGET:
            opts->target = optarg;
            break;
        case OPT_DRY_RUN:
            opts->dry_run = 1;
            break;
        case OPT_FOLLOW:
            opts->follow = 1;
            break;
        case OPT_OLDER_THAN:
            opts->older_than = optarg;
            break;
        case OPT_VERIFY:
            if (lc_verify_parse(optarg, &opts->verify) < 0)
                return lc_cli_usage_error(err, opts->cli.program,
                                          "--verify '%s' is not full or size", optarg);
            opts->verify_given = 1;
            break;
        default:
            return lc_cli_option_error(&opts->cli, opt, argv, err);
        }
        if (opt >= LC_OPT_TOOL)
            seen |= 1u << (opt - LC_OPT_TOOL);
    }
    if (lc_cli_standalone(&opts->cli))
        return 0;
    if (lc_cli_command(&opts->cli, argc, argv, command_names, &command, err))
        return -1;
    opts->command = (enum backup_command)(BACKUP_CMD_RUN + command);
    opts->command_name = command_names[command];
    if (optind < argc)
        return lc_cli_usage_error(err, opts->cli.program, "unexpected argument '%s'", argv[optind]);
    return check_combination(opts, seen, err);
}
