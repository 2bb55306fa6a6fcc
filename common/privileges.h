/*
 * Which privileges each program needs on MariaDB and Redis, and `--check`: connect as
 * configured and report each one OK or MISSING with the exact GRANT or ACL SETUSER line
 * that adds it. docs/security.md gives the same lists as statements to run, and
 * tests/integration/privileges.sh runs those statements and then this check.
 */
#ifndef LC_PRIVILEGES_H
#define LC_PRIVILEGES_H

#include <stdio.h>

#include "common/config.h"
#include "common/error.h"

/* The lc_tool bit of a program name ("lcbp3-backup"); 0 for an unknown name. */
unsigned lc_priv_tool_of(const char *program);

/*
 * Checks the privileges that `tool` (one LC_TOOL_* bit) needs, printing one line per
 * privilege on `out` and a summary line. Privileges needed only by one command (e.g.
 * REPLICATION SLAVE for `lcbp3-backup binlog`) are reported but do not fail the check.
 * Returns 0 when every required privilege is present; -1 with err set otherwise:
 * LC_E_NOPERM naming the missing ones, LC_E_UNAVAILABLE when a server cannot be
 * reached or refuses the login, or the status of a probe that failed for another
 * reason (LC_E_CONFIG for a configured table that does not exist).
 */
int lc_priv_check(const struct lc_config *cfg, unsigned tool, const char *program, FILE *out,
                  struct lc_err *err);

/*
 * The literal start of a Redis glob (everything before the first *, ?, [ or \), as a
 * new string: "reservation:*" gives "reservation:".
 */
char *lc_priv_glob_prefix(const char *glob);

#endif
