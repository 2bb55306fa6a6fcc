/*
 * What every program's command line shares: --config, -q/-v, --json, --help,
 * --version, --check-config, --check; the start-up sequence (logging, config, --check-config)
 * and the exit-code table printed under --help. Each tool adds its own options and
 * commands in tools/<tool>/options.c.
 */
#ifndef LC_CLI_H
#define LC_CLI_H

#include <getopt.h>
#include <stdio.h>

#include "common/config.h"
#include "common/error.h"

/* getopt_long ids of the shared options; tools number theirs from LC_OPT_TOOL. */
enum {
    LC_OPT_CONFIG = 'c',
    LC_OPT_QUIET = 'q',
    LC_OPT_VERBOSE = 'v',
    LC_OPT_HELP = 'h',
    LC_OPT_VERSION = 1000,
    LC_OPT_CHECK_CONFIG,
    LC_OPT_JSON,
    LC_OPT_CHECK,
    LC_OPT_TOOL = 1100,
};

#define LC_CLI_SHORTOPTS ":c:qvh" /* leading ":": a missing value is reported as such */
#define LC_CLI_LONGOPTS                                          \
    {"config", required_argument, NULL, LC_OPT_CONFIG},          \
    {"quiet", no_argument, NULL, LC_OPT_QUIET},                  \
    {"verbose", no_argument, NULL, LC_OPT_VERBOSE},              \
    {"help", no_argument, NULL, LC_OPT_HELP},                    \
    {"version", no_argument, NULL, LC_OPT_VERSION},              \
    {"check-config", no_argument, NULL, LC_OPT_CHECK_CONFIG},    \
    {"json", no_argument, NULL, LC_OPT_JSON},                    \
    {"check", no_argument, NULL, LC_OPT_CHECK}

struct lc_cli {
    const char *program;      /* "lcbp3-backup" */
    const char *config_path;  /* NULL: $LCBP3_CONFIG or the default */
    int verbosity;            /* -1 quiet, 0, 1 verbose */
    int json;
    int help;
    int version;
    int check_config;
    int check;                /* --check: test the privileges (common/privileges.h) */
};

/* 1 when the options given are answered without a command: --help, --version,
 * --check-config, --check. */
int lc_cli_standalone(const struct lc_cli *cli);

/* Handles a shared option; returns 1 if `opt` was one, 0 if it is the tool's. */
int lc_cli_common_option(struct lc_cli *cli, int opt, const char *arg);

/* The usage error for what getopt_long returned for a bad option: ':' (a value is
 * missing, LC_CLI_SHORTOPTS starts with ':') or anything else (unknown). */
int lc_cli_option_error(const struct lc_cli *cli, int opt, char **argv, struct lc_err *err);

/*
 * The command word at argv[optind] after the options: its index in `names`
 * (NULL-terminated) in *out_index, optind moved past it; a usage error when it is
 * missing or unknown.
 */
int lc_cli_command(const struct lc_cli *cli, int argc, char **argv, const char *const *names,
                   size_t *out_index, struct lc_err *err);

/* Which commands of a tool accept one of its options. */
struct lc_cli_option_rule {
    int opt;                  /* getopt id, >= LC_OPT_TOOL */
    const char *name;         /* "--kind" */
    unsigned commands;        /* bitmask of LC_CLI_ONLY(command) */
};

#define LC_CLI_ONLY(command) (1u << (command))

/*
 * The usage error "option '--x' does not apply to 'cmd'" for the first option given
 * (bit opt - LC_OPT_TOOL of `seen`) whose rule does not list `command`; 0 when all fit.
 */
int lc_cli_check_options(const struct lc_cli *cli, const struct lc_cli_option_rule *rules,
                         size_t n_rules, unsigned seen, int command, const char *command_name,
                         struct lc_err *err);

/* The usage error for an unknown option or bad argument (status 64). */
int lc_cli_usage_error(struct lc_err *err, const char *program, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * After argument parsing: starts logging and signal handling; --help (prints `usage`
 * plus the shared options and exit codes) and --version answer and return 0; otherwise
 * loads the config, answers --check-config or --check (returns 0; --check returns -1
 * with LC_E_NOPERM when a privilege is missing), and returns 1 to go on.
 * -1 on error, with err set.
 */
int lc_cli_start(struct lc_cli *cli, const char *usage, struct lc_config *cfg, struct lc_err *err);

/* Logs the begin line of a command with the config file read and the effective options
 * (never secrets). */
void lc_cli_log_begin(const struct lc_cli *cli, const struct lc_config *cfg, const char *command,
                      const char *details);

#endif
