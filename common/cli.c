/*
 * The shared command-line layer (see cli.h).
 */
#include "common/cli.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/privileges.h"
#include "common/signals.h"

static const char common_help[] =
    "\n"
    "Options for every command:\n"
    "  -c, --config FILE   configuration file (default $LCBP3_CONFIG, then " LC_DEFAULT_CONFIG ")\n"
    "  -q, --quiet         log warnings and errors only (for cron)\n"
    "  -v, --verbose       log debug detail\n"
    "      --json          machine-readable output on stdout (read-only commands)\n"
    "      --check-config  validate the configuration, print it with secrets masked, exit\n"
    "      --check         connect and report each MariaDB privilege and Redis command\n"
    "                      this program needs: OK or MISSING with the GRANT / ACL line\n"
    "                      to fix it; exit 0, 77 when one is missing, 69 unreachable\n"
    "  -h, --help          this help\n"
    "      --version       print the version\n"
    "\n"
    "Exit status:\n"
    "   0  success            1  problems found (e.g. a dry run found work to do)\n"
    "  64  bad command line  65  corrupt set or checksum mismatch  66  set or file missing\n"
    "  69  MariaDB, Redis or a target unavailable                  70  internal error\n"
    "  71  out of memory     73  cannot create output              74  I/O error\n"
    "  75  temporary failure (another run holds the lock, interrupted): retry later\n"
    "  77  permission denied (e.g. a secret file readable by others)\n"
    "  78  configuration error\n";

int lc_cli_common_option(struct lc_cli *cli, int opt, const char *arg)
{
    switch (opt) {
    case LC_OPT_CONFIG:
        cli->config_path = arg;
        return 1;
    case LC_OPT_QUIET:
        cli->verbosity = -1;
        return 1;
    case LC_OPT_VERBOSE:
        cli->verbosity = 1;
        return 1;
    case LC_OPT_HELP:
        cli->help = 1;
        return 1;
    case LC_OPT_VERSION:
        cli->version = 1;
        return 1;
    case LC_OPT_CHECK_CONFIG:
        cli->check_config = 1;
        return 1;
    case LC_OPT_JSON:
        cli->json = 1;
        return 1;
    case LC_OPT_CHECK:
        cli->check = 1;
        return 1;
    default:
        return 0;
    }
}

int lc_cli_usage_error(struct lc_err *err, const char *program, const char *fmt, ...)
{
    va_list ap;

    err->status = LC_E_USAGE;
    err->sys_errno = 0;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
    snprintf(err->hint, sizeof(err->hint), "see '%s --help'", program);
    return -1;
}

int lc_cli_start(struct lc_cli *cli, const char *usage, struct lc_config *cfg, struct lc_err *err)
{
    lc_log_init(cli->program, cli->verbosity);
    lc_signals_install();
    if (cli->help) {
        fputs(usage, stdout);
        fputs(common_help, stdout);
        return 0;
    }
    if (cli->version) {
        printf("%s %s\n", cli->program, LC_VERSION);
        return 0;
    }
    if (lc_config_load(cli->config_path, cfg, err) < 0)
        return -1;
    if (cli->check_config) {
        lc_config_print(cfg, stdout);
        return 0;
    }
    if (cli->check)
        return lc_priv_check(cfg, lc_priv_tool_of(cli->program), cli->program, stdout, err) < 0
                   ? -1
                   : 0;
    return 1;
}

int lc_cli_standalone(const struct lc_cli *cli)
{
    return cli->help || cli->version || cli->check_config || cli->check;
}

void lc_cli_log_begin(const struct lc_cli *cli, const struct lc_config *cfg, const char *command,
                      const char *details)
{
    lc_log_info("%s %s begin: version %s, config '%s'%s%s", cli->program, command, LC_VERSION,
                cfg->path, details && *details ? ", " : "", details ? details : "");
}

int lc_cli_option_error(const struct lc_cli *cli, int opt, char **argv, struct lc_err *err)
{
    if (opt == ':')
        return lc_cli_usage_error(err, cli->program, "option '%s' needs a value", argv[optind - 1]);
    return lc_cli_usage_error(err, cli->program, "unknown option '%s'", argv[optind - 1]);
}

int lc_cli_command(const struct lc_cli *cli, int argc, char **argv, const char *const *names,
                   size_t *out_index, struct lc_err *err)
{
    if (optind >= argc)
        return lc_cli_usage_error(err, cli->program, "a command is required");
    for (size_t idx = 0; names[idx]; idx++) {
        if (strcmp(argv[optind], names[idx]) == 0) {
            *out_index = idx;
            optind++;
            return 0;
        }
    }
    return lc_cli_usage_error(err, cli->program, "unknown command '%s'", argv[optind]);
}

int lc_cli_check_options(const struct lc_cli *cli, const struct lc_cli_option_rule *rules,
                         size_t n_rules, unsigned seen, int command, const char *command_name,
                         struct lc_err *err)
{
    for (size_t idx = 0; idx < n_rules; idx++)
        if ((seen & (1u << (rules[idx].opt - LC_OPT_TOOL))) &&
            !(rules[idx].commands & LC_CLI_ONLY(command)))
            return lc_cli_usage_error(err, cli->program, "option '%s' does not apply to '%s'",
                                      rules[idx].name, command_name);
    return 0;
}
