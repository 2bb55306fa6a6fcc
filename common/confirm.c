/*
 * The typed confirmation (see confirm.h).
 */
#include "common/confirm.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

int lc_confirm_typed(const char *question, const char *expected, const char *yes_option,
                     struct lc_err *err)
{
    char line[512];
    size_t len;

    if (!isatty(STDIN_FILENO)) {
        lc_err_set(err, LC_E_USAGE, "confirmation needed, but there is no terminal to ask on");
        lc_err_hint(err, "read the plan above, then run again with %s", yes_option);
        return -1;
    }
    fprintf(stderr, "%s\nType '%s' to go on: ", question, expected);
    fflush(stderr);
    if (!fgets(line, sizeof(line), stdin))
        return lc_err_set(err, LC_E_USAGE, "not confirmed (end of input)");
    len = strcspn(line, "\r\n");
    line[len] = '\0';
    if (strcmp(line, expected) != 0)
        return lc_err_set(err, LC_E_USAGE, "not confirmed: typed '%s', expected '%s'", line,
                          expected);
    return 0;
}
