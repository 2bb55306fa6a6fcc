/*
 * lcbp3-reservations-gc's command line: the options table, the usage text and the
 * checks of values and combinations. The program has no command word: a run is the job.
 */
#include <string.h>

#include "common/units.h"
#include "tools/reservations-gc/gc.h"

enum {
    OPT_DRY_RUN = LC_OPT_TOOL,
    OPT_PATTERN,
    OPT_BATCH,
    OPT_MAX_RATE,
    OPT_OLDER_THAN,
    OPT_LIMIT,
    OPT_FIX_LOCKS,
    OPT_NO_ATOMIC,
    OPT_REDIS_ONLY,
    OPT_DB_ONLY,
};

const char gc_usage[] =
    "Usage: lcbp3-reservations-gc [OPTIONS]\n"
    "Remove leaked number reservations: Redis keys matching [numbering] reservation_pattern\n"
    "that have no TTL (each checked and unlinked in one atomic server-side step, so a key\n"
    "that gets its TTL meanwhile survives), on every master (standalone, Sentinel,\n"
    "Cluster); report numbering locks ([numbering] lock_pattern) without TTL; and cancel\n"
    "RESERVED rows of [numbering] reservations_table whose expires_at has passed by the\n"
    "database clock (never deleted, numbers never reused).\n"
    "\n"
    "Options:\n"
    "  --dry-run            count and list what would go; exit 1 if anything, 0 if not\n"
    "  --pattern GLOB       reservation keys to check (default: [numbering] reservation_pattern)\n"
    "  --batch N            keys per SCAN and per script call, rows per UPDATE (default 500,\n"
    "                       at most 10000)\n"
    "  --max-rate N         at most N keys (Redis) or rows (MariaDB) per second (default: no limit)\n"
    "  --older-than DURATION\n"
    "                       also remove reservation keys that have a TTL but whose value says\n"
    "                       they were created or expired longer ago than DURATION (e.g. 2h)\n"
    "  --fix-locks          also delete numbering locks without TTL (default: report only)\n"
    "  --no-atomic          for a server that refuses scripts (which exits 77): delete with a\n"
    "                       plain UNLINK after the TTL check (racy: a TTL set in between is\n"
    "                       lost); not with --older-than\n"
    "  --limit N            items listed per kind (default 20)\n"
    "  --redis-only         only Redis\n"
    "  --db-only            only the MariaDB reservations table\n";

static int parse_count(const struct gc_opts *opts, const char *name, const char *arg, int64_t min,
                       int64_t max, int64_t *out, struct lc_err *err)
{
    struct lc_err why = LC_ERR_INIT;

    if (lc_parse_uint(arg, min, max, out, &why) < 0)
        return lc_cli_usage_error(err, opts->cli.program, "%s '%s': %s", name, arg, why.msg);
    return 0;
}

static int parse_option(struct gc_opts *opts, int opt, const char *arg, struct lc_err *err)
{
    struct lc_err why = LC_ERR_INIT;
    int64_t value;

    switch (opt) {
    case OPT_DRY_RUN:
        opts->dry_run = 1;
        return 0;
    case OPT_PATTERN:
        if (!*arg)
            return lc_cli_usage_error(err, opts->cli.program, "--pattern must not be empty");
        opts->pattern = arg;
        return 0;
    case OPT_BATCH:
        if (parse_count(opts, "--batch", arg, 1, GC_MAX_BATCH, &value, err) < 0)
            return -1;
        opts->batch = (long)value;
        return 0;
    case OPT_MAX_RATE:
        if (parse_count(opts, "--max-rate", arg, 1, INT64_C(1000000000), &value, err) < 0)
            return -1;
        opts->max_rate = (double)value;
        return 0;
    case OPT_OLDER_THAN:
        if (lc_parse_duration_ms(arg, &opts->older_than_ms, &why) < 0)
            return lc_cli_usage_error(err, opts->cli.program, "--older-than '%s': %s", arg, why.msg);
        if (opts->older_than_ms <= 0)
            return lc_cli_usage_error(err, opts->cli.program,
                                      "--older-than '%s' must be longer than zero", arg);
        return 0;
    case OPT_LIMIT:
        if (parse_count(opts, "--limit", arg, 0, 1000000, &value, err) < 0)
            return -1;
        opts->limit = (long)value;
        return 0;
    case OPT_FIX_LOCKS:
        opts->fix_locks = 1;
        return 0;
    case OPT_NO_ATOMIC:
        opts->no_atomic = 1;
        return 0;
    case OPT_REDIS_ONLY:
        opts->redis_only = 1;
        return 0;
    case OPT_DB_ONLY:
        opts->db_only = 1;
        return 0;
    }
    return 1;
}

int gc_parse_args(int argc, char **argv, struct gc_opts *opts, struct lc_err *err)
{
    static const struct option longopts[] = {
        LC_CLI_LONGOPTS,
        {"dry-run", no_argument, NULL, OPT_DRY_RUN},
        {"pattern", required_argument, NULL, OPT_PATTERN},
        {"batch", required_argument, NULL, OPT_BATCH},
        {"max-rate", required_argument, NULL, OPT_MAX_RATE},
        {"older-than", required_argument, NULL, OPT_OLDER_THAN},
        {"limit", required_argument, NULL, OPT_LIMIT},
        {"fix-locks", no_argument, NULL, OPT_FIX_LOCKS},
        {"no-atomic", no_argument, NULL, OPT_NO_ATOMIC},
        {"redis-only", no_argument, NULL, OPT_REDIS_ONLY},
        {"db-only", no_argument, NULL, OPT_DB_ONLY},
        {NULL, 0, NULL, 0},
    };
    int opt;

    memset(opts, 0, sizeof(*opts));
    opts->cli.program = "lcbp3-reservations-gc";
    opts->batch = GC_DEFAULT_BATCH;
    opts->older_than_ms = -1;
    opts->limit = GC_DEFAULT_LIMIT;
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
    }
    if (optind < argc)
        return lc_cli_usage_error(err, opts->cli.program,
                                  "unexpected argument '%s' (the program takes no command)",
                                  argv[optind]);
    if (opts->redis_only && opts->db_only)
        return lc_cli_usage_error(err, opts->cli.program,
                                  "--redis-only and --db-only exclude each other");
    if (opts->no_atomic && opts->older_than_ms >= 0)
        return lc_cli_usage_error(err, opts->cli.program,
                                  "--no-atomic and --older-than exclude each other: a stale "
                                  "reservation has a TTL, and only the script can check that "
                                  "its value is still the one read");
    if (opts->db_only && (opts->pattern || opts->older_than_ms >= 0 || opts->fix_locks ||
                          opts->no_atomic))
        return lc_cli_usage_error(err, opts->cli.program,
                                  "--pattern, --older-than, --fix-locks and --no-atomic are about "
                                  "Redis and do not go with --db-only");
    return 0;
}
