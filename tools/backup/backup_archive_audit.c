/*
 * lcbp3-backup archive-audit [--older-than 2y] [--dry-run]: the monthly archive of old
 * numbering audit rows (common/audit_archive.h), as the timer runs it: it applies
 * unless --dry-run. The same code as `lcbp3-dr runbook audit-archive`.
 */
#include <stdio.h>

#include "common/audit_archive.h"
#include "common/units.h"
#include "tools/backup/backup.h"

int backup_archive_audit(const struct lc_config *cfg, const struct backup_opts *opts,
                         struct lc_err *err)
{
    const char *age = opts->older_than ? opts->older_than : LC_AUDIT_ARCHIVE_DEFAULT_AGE;
    struct lc_audit_archive_opts aa = {opts->cli.program, "lcbp3-backup archive-audit", 0,
                                       !opts->dry_run, opts->cli.json};
    struct lc_err why = LC_ERR_INIT;

    if (lc_parse_duration_ms(age, &aa.older_than_ms, &why) < 0 || aa.older_than_ms < 86400000)
        return lc_cli_usage_error(err, opts->cli.program, "--older-than '%s': %s", age,
                                  why.msg[0] ? why.msg : "must be at least 1d");
    return lc_audit_archive_run(cfg, &aa, stdout, err);
}
