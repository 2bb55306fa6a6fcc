/*
 * lcbp3-dr runbook audit-archive: the monthly archive of old numbering audit rows
 * (common/audit_archive.h). Without --apply a dry run: how many rows are older than
 * --older-than (2y), their oldest and newest time, how many batches; 1 when some would
 * move. With --apply: copied to the archive table, exported to every target, deleted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/audit_archive.h"
#include "common/mem.h"
#include "common/units.h"
#include "tools/dr/runbook.h"

int dr_runbook_audit_archive(const struct lc_config *cfg, const struct dr_opts *opts,
                             struct lc_err *err)
{
    const char *age = opts->older_than ? opts->older_than : LC_AUDIT_ARCHIVE_DEFAULT_AGE;
    struct lc_audit_archive_opts aa = {opts->cli.program, NULL, 0, opts->apply, opts->cli.json};
    struct lc_err why = LC_ERR_INIT;
    char *command;
    int rc;

    if (opts->type || opts->factor > 0 || opts->kill_thread || opts->reason)
        return lc_cli_usage_error(err, opts->cli.program, "runbook audit-archive takes only "
                                  "--apply and --older-than");
    if (lc_parse_duration_ms(age, &aa.older_than_ms, &why) < 0 || aa.older_than_ms < 86400000)
        return lc_cli_usage_error(err, opts->cli.program, "--older-than '%s': %s", age,
                                  why.msg[0] ? why.msg : "must be at least 1d");
    /* a valid duration holds only digits, unit letters and spaces: quoting spaces will do */
    command = lc_xasprintf("%s runbook audit-archive --apply%s%s%s%s", opts->cli.program,
                           opts->older_than ? " --older-than " : "",
                           opts->older_than && strchr(opts->older_than, ' ') ? "'" : "",
                           opts->older_than ? opts->older_than : "",
                           opts->older_than && strchr(opts->older_than, ' ') ? "'" : "");
    aa.command = command;
    rc = lc_audit_archive_run(cfg, &aa, stdout, err);
    free(command);
    return rc;
}
