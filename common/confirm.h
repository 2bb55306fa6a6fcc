/*
 * The typed confirmation before a destructive step: the operator types a word back
 * (the database name, "yes") on the terminal. Never prompts without a terminal: a cron
 * job or a pipe gets a usage error telling it to pass --yes, so nothing waits forever
 * and nothing is destroyed by a stray newline.
 */
#ifndef LC_CONFIRM_H
#define LC_CONFIRM_H

#include "common/error.h"

/*
 * Prints `question` and "Type '<expected>' to go on: " on stderr and reads one line from
 * stdin. Returns 0 when the line is exactly `expected`; otherwise -1 with LC_E_USAGE
 * ("not confirmed"). Without a terminal on stdin: LC_E_USAGE with a hint naming
 * `yes_option` (e.g. "--yes").
 */
int lc_confirm_typed(const char *question, const char *expected, const char *yes_option,
                     struct lc_err *err);

#endif
