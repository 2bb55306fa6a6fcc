/*
 * lcbp3-restore's command line: the options table, the usage text and the checks of
 * which option goes with which command.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/db.h"
#include "common/mem.h"
#include "tools/restore/restore.h"

enum {
    OPT_INTO = LC_OPT_TOOL,
    OPT_TABLES,
    OPT_UNTIL,
    OPT_UNTIL_GTID,
    OPT_RDB_TO,
    OPT_TARGET,
    OPT_YES,
    OPT_REDIS_DB,
};

const char restore_usage[] =
    "Usage: lcbp3-restore [OPTIONS] COMMAND\n"
    "Restore a backup set (or a legacy .sql, .sql.gz, .rdb made by the old scripts) into\n"
    "MariaDB and Redis. Every member's SHA-256 is checked before anything is touched.\n"
    "SET is a set name from 'lcbp3-restore list', 'latest', or a path. A set that is\n"
    "only on a target is fetched into the spool first; --target NAME looks there only.\n"
    "\n"
    "Commands:\n"
    "  list [--target NAME]  the sets in the spool or on a target, newest first\n"
    "  db SET|FILE [--into DB] [--tables T1,T2] [--yes]\n"
    "        restore the MariaDB part: tables loaded in parallel into a staging database,\n"
    "        then moved over the old ones in one RENAME; then triggers, views, routines\n"
    "        and events. --into restores into another database (created if missing;\n"
    "        definers and database names rewritten). --tables restores only those tables\n"
    "        and their triggers. A legacy .sql/.sql.gz dump is loaded as it is.\n"
    "  db SET --until TIME | --until-gtid GTID [--into DB] [--yes]\n"
    "        point-in-time recovery: restore the set, then replay the archived binary\n"
    "        logs from its snapshot position up to the first transaction at or after\n"
    "        TIME (as mariadb-binlog --stop-datetime), or up to and including the\n"
    "        transaction GTID. TIME is 'YYYY-MM-DD HH:MM:SS' in the machine's local time\n"
    "        zone, or UTC with a trailing Z or UTC; GTID is DOMAIN-SERVER-SEQUENCE. The\n"
    "        segments (spool first, then the targets), their SHA-256 and every event's\n"
    "        CRC are checked and the plan printed before anything is touched\n"
    "  redis SET|FILE [--yes] [--redis-db N] [--rdb-to DIR]\n"
    "        replay the set's key export into the running Redis (RESTORE ... REPLACE\n"
    "        ABSTTL; expired keys are skipped, other keys left alone); --redis-db N puts\n"
    "        the keys the set holds for [redis] db into database N instead (0-15; keys of\n"
    "        its other databases are skipped; a Redis Cluster has only 0); --rdb-to\n"
    "        writes DIR/dump.rdb for a stopped server instead (also from a legacy .rdb)\n"
    "  set SET [--into DB] [--redis-db N] [--yes]\n"
    "        Redis, then MariaDB, from one set (--into as for db, --redis-db as for redis)\n"
    "\n"
    "Restoring over the configured production database or Redis asks for a typed\n"
    "confirmation; without a terminal it needs --yes.\n"
    "\n"
    "Exit status: 0 done; 64 bad command line or not confirmed; 65 corrupt set or binlog\n"
    "segment, or a gap in the binlog chain; 66 set or binlog segments missing, or the\n"
    "archive does not reach the --until target; 69 MariaDB, Redis or a target unreachable\n"
    "or refusing; 75 another backup or restore runs; 77 a privilege is missing; 78 config.\n";

/* In the order of enum restore_command, from RESTORE_CMD_LIST. */
static const char *const command_names[] = {"list", "db", "redis", "set", NULL};

#define ONLY(cmd) LC_CLI_ONLY(cmd)

static int check_combination(struct restore_opts *opts, unsigned seen, struct lc_err *err)
{
    static const struct lc_cli_option_rule rules[] = {
        {OPT_INTO, "--into", ONLY(RESTORE_CMD_DB) | ONLY(RESTORE_CMD_SET)},
        {OPT_REDIS_DB, "--redis-db", ONLY(RESTORE_CMD_REDIS) | ONLY(RESTORE_CMD_SET)},
        {OPT_TABLES, "--tables", ONLY(RESTORE_CMD_DB)},
        {OPT_UNTIL, "--until", ONLY(RESTORE_CMD_DB)},
        {OPT_UNTIL_GTID, "--until-gtid", ONLY(RESTORE_CMD_DB)},
        {OPT_RDB_TO, "--rdb-to", ONLY(RESTORE_CMD_REDIS)},
        {OPT_TARGET, "--target",
         ONLY(RESTORE_CMD_LIST) | ONLY(RESTORE_CMD_DB) | ONLY(RESTORE_CMD_REDIS) | ONLY(RESTORE_CMD_SET)},
        {OPT_YES, "--yes", ONLY(RESTORE_CMD_DB) | ONLY(RESTORE_CMD_REDIS) | ONLY(RESTORE_CMD_SET)},
    };

    return lc_cli_check_options(&opts->cli, rules, sizeof(rules) / sizeof(rules[0]), seen,
                                (int)opts->command, opts->command_name, err);
}

/* Splits "a,b,c" into a new NULL-terminated list; empty names are a usage error. */
static int parse_tables(struct restore_opts *opts, const char *arg, struct lc_err *err)
{
    size_t n = 1;
    const char *p = arg;

    for (const char *c = arg; *c; c++)
        n += *c == ',';
    lc_strv_free(opts->tables);
    opts->tables = lc_xcalloc(n + 1, sizeof(char *));
    for (size_t idx = 0; idx < n; idx++) {
        size_t len = strcspn(p, ",");

        if (len == 0)
            return lc_cli_usage_error(err, opts->cli.program, "--tables '%s' has an empty name",
                                      arg);
        opts->tables[idx] = lc_xstrndup(p, len);
        p += len + (p[len] == ',');
    }
    return 0;
}

/* --redis-db N: a database number 0..15 (what [redis] db accepts). */
static int parse_redis_db(struct restore_opts *opts, const char *arg, struct lc_err *err)
{
    char *end = NULL;
    long v;

    errno = 0;
    v = strtol(arg, &end, 10);
    if (errno || end == arg || *end || v < 0 || v > 15)
        return lc_cli_usage_error(err, opts->cli.program,
                                  "--redis-db '%s' is not a database number (0-15)", arg);
    opts->redis_db = v;
    return 0;
}

int restore_parse_args(int argc, char **argv, struct restore_opts *opts, struct lc_err *err)
{
    static const struct option longopts[] = {
        LC_CLI_LONGOPTS,
        {"into", required_argument, NULL, OPT_INTO},
        {"tables", required_argument, NULL, OPT_TABLES},
        {"until", required_argument, NULL, OPT_UNTIL},
        {"until-gtid", required_argument, NULL, OPT_UNTIL_GTID},
        {"rdb-to", required_argument, NULL, OPT_RDB_TO},
        {"target", required_argument, NULL, OPT_TARGET},
        {"yes", no_argument, NULL, OPT_YES},
        {"redis-db", required_argument, NULL, OPT_REDIS_DB},
        {NULL, 0, NULL, 0},
    };
    unsigned seen = 0;
    size_t command;
    int opt;

    memset(opts, 0, sizeof(*opts));
    opts->cli.program = "lcbp3-restore";
    opts->redis_db = -1;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, LC_CLI_SHORTOPTS, longopts, NULL)) != -1) {
        if (lc_cli_common_option(&opts->cli, opt, optarg))
            continue;
        switch (opt) {
        case OPT_INTO:
            opts->into = optarg;
            break;
        case OPT_TABLES:
            if (parse_tables(opts, optarg, err))
                return -1;
            break;
        case OPT_UNTIL:
            if (restore_parse_until(optarg, &opts->until_time, &opts->until_utc) < 0)
                return lc_cli_usage_error(err, opts->cli.program,
                                          "--until '%s' is not 'YYYY-MM-DD HH:MM:SS' (local time; "
                                          "end with Z or UTC for UTC)", optarg);
            opts->until = optarg;
            break;
        case OPT_UNTIL_GTID:
            if (restore_parse_gtid(optarg, &opts->until_gtid_value) < 0)
                return lc_cli_usage_error(err, opts->cli.program,
                                          "--until-gtid '%s' is not a GTID DOMAIN-SERVER-SEQUENCE "
                                          "(e.g. 0-1-1234)", optarg);
            opts->until_gtid = optarg;
            break;
        case OPT_RDB_TO:
            opts->rdb_to = optarg;
            break;
        case OPT_TARGET:
            opts->target = optarg;
            break;
        case OPT_YES:
            opts->yes = 1;
            break;
        case OPT_REDIS_DB:
            if (parse_redis_db(opts, optarg, err))
                return -1;
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
    opts->command = (enum restore_command)(RESTORE_CMD_LIST + command);
    opts->command_name = command_names[command];
    if (opts->command != RESTORE_CMD_LIST) {
        if (optind >= argc)
            return lc_cli_usage_error(err, opts->cli.program,
                                      "'%s' needs a SET (a set name, 'latest' or a path)",
                                      opts->command_name);
        opts->source = argv[optind++];
    }
    if (optind < argc)
        return lc_cli_usage_error(err, opts->cli.program, "unexpected argument '%s'", argv[optind]);
    if (opts->into && !lc_db_ident_valid(opts->into))
        return lc_cli_usage_error(err, opts->cli.program, "--into '%s' is not a valid database name",
                                  opts->into);
    if (check_combination(opts, seen, err))
        return -1;
    if (opts->until && opts->until_gtid)
        return lc_cli_usage_error(err, opts->cli.program,
                                  "--until and --until-gtid are two ways to name the target: "
                                  "give one");
    if ((opts->until || opts->until_gtid) && opts->tables)
        return lc_cli_usage_error(err, opts->cli.program,
                                  "%s replays whole transactions of the database and cannot be "
                                  "combined with --tables (restore --into a scratch database, "
                                  "then copy the tables you need)",
                                  opts->until ? "--until" : "--until-gtid");
    return 0;
}

void restore_opts_done(struct restore_opts *opts)
{
    lc_strv_free(opts->tables);
    opts->tables = NULL;
}

/* Reads exactly `digits` digits at *p into *out; -1 otherwise. */
static int read_digits(const char **p, int digits, int *out)
{
    int v = 0;

    for (int idx = 0; idx < digits; idx++, (*p)++) {
        if (**p < '0' || **p > '9')
            return -1;
        v = v * 10 + (**p - '0');
    }
    *out = v;
    return 0;
}

int restore_parse_until(const char *arg, time_t *out, int *out_utc)
{
    const char *p = arg;
    struct tm tm, check;
    int year, mon, day, hour, min, sec, utc = 0;
    time_t t;

    if (read_digits(&p, 4, &year) || *p++ != '-' || read_digits(&p, 2, &mon) || *p++ != '-' ||
        read_digits(&p, 2, &day) || (*p != ' ' && *p != 'T') || !*p++ ||
        read_digits(&p, 2, &hour) || *p++ != ':' || read_digits(&p, 2, &min) ||
        *p++ != ':' || read_digits(&p, 2, &sec))
        return -1;
    if (strcmp(p, "Z") == 0 || strcmp(p, " UTC") == 0 || strcmp(p, "UTC") == 0)
        utc = 1;
    else if (*p)
        return -1;
    if (year < 1970 || mon < 1 || mon > 12 || day < 1 || day > 31 || hour > 23 || min > 59 ||
        sec > 59)
        return -1;
    memset(&tm, 0, sizeof(tm));
    tm.tm_year = year - 1900;
    tm.tm_mon = mon - 1;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_min = min;
    tm.tm_sec = sec;
    tm.tm_isdst = -1;
    t = utc ? timegm(&tm) : mktime(&tm);
    if (t == (time_t)-1)
        return -1;
    /* 2026-02-30 is normalised to March: refuse what is not a real date */
    if ((utc ? gmtime_r(&t, &check) : localtime_r(&t, &check)) == NULL ||
        check.tm_mday != day || check.tm_mon != mon - 1)
        return -1;
    *out = t;
    *out_utc = utc;
    return 0;
}

int restore_parse_gtid(const char *arg, struct lc_binlog_gtid *out)
{
    unsigned long long part[3];
    const char *p = arg;

    for (int idx = 0; idx < 3; idx++) {
        char *end;

        if (*p < '0' || *p > '9')
            return -1;
        errno = 0;
        part[idx] = strtoull(p, &end, 10);
        if (errno || (idx < 2 && (*end != '-' || part[idx] > UINT32_MAX)) || (idx == 2 && *end))
            return -1;
        p = end + (idx < 2);
    }
    out->domain = (uint32_t)part[0];
    out->server_id = (uint32_t)part[1];
    out->seq = part[2];
    return 0;
}
