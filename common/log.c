/*
 * The logger: level filtering and the three line shapes described in log.h. A line is
 * formatted into one buffer and written with one write(2), so that lines from worker
 * threads never interleave.
 */
#include "common/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/units.h"

enum log_shape { SHAPE_JOURNAL, SHAPE_TERMINAL, SHAPE_STAMPED };

static const char *log_program = "lcbp3";
static enum lc_log_level log_max = LC_LOG_INFO;
static enum log_shape log_shape = SHAPE_STAMPED;

void lc_log_init(const char *program, int verbosity)
{
    const char *journal = getenv("JOURNAL_STREAM");

    log_program = program;
    log_max = verbosity < 0 ? LC_LOG_WARN : verbosity > 0 ? LC_LOG_DEBUG : LC_LOG_INFO;
    if (journal && *journal)
        log_shape = SHAPE_JOURNAL;
    else if (isatty(STDERR_FILENO))
        log_shape = SHAPE_TERMINAL;
    else
        log_shape = SHAPE_STAMPED;
}

const char *lc_log_program(void)
{
    return log_program;
}

int lc_log_enabled(enum lc_log_level level)
{
    return level <= log_max;
}

static const char *level_word(enum lc_log_level level)
{
    switch (level) {
    case LC_LOG_ERROR:
        return "error";
    case LC_LOG_WARN:
        return "warning";
    case LC_LOG_INFO:
        return "info";
    case LC_LOG_DEBUG:
        return "debug";
    }
    return "info";
}

void lc_log(enum lc_log_level level, const char *fmt, ...)
{
    char line[4096];
    size_t len = 0;
    va_list ap;
    int n;

    if (!lc_log_enabled(level))
        return;
    if (log_shape == SHAPE_JOURNAL) {
        n = snprintf(line, sizeof(line), "<%d>%s: ", (int)level, level_word(level));
    } else if (log_shape == SHAPE_TERMINAL) {
        /* "\r\033[K" first: clear a progress line, which is redrawn on its next tick */
        n = snprintf(line, sizeof(line), "\r\033[K%s: %s: ", log_program, level_word(level));
    } else {
        char stamp[32];

        lc_format_utc(time(NULL), stamp, sizeof(stamp));
        n = snprintf(line, sizeof(line), "%s %s[%ld] %s: ", stamp, log_program, (long)getpid(),
                     level_word(level));
    }
    if (n > 0)
        len = (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1;
    va_start(ap, fmt);
    n = vsnprintf(line + len, sizeof(line) - len, fmt, ap);
    va_end(ap);
    if (n > 0)
        len += (size_t)n < sizeof(line) - len ? (size_t)n : sizeof(line) - len - 1;
    if (len >= sizeof(line) - 1)
        len = sizeof(line) - 2;
    line[len++] = '\n';
    (void)!write(STDERR_FILENO, line, len);
}
