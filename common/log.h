/*
 * Logging to stderr, one line per event. Three shapes, chosen once at lc_log_init():
 * under systemd ($JOURNAL_STREAM set) lines carry a "<N>" syslog priority prefix and
 * no timestamp; on a terminal they read "lcbp3-backup: warning: ..."; otherwise (cron,
 * files) they carry an ISO-8601 UTC time, the program name and its pid. stdout is
 * kept for results (--json, reports).
 */
#ifndef LC_LOG_H
#define LC_LOG_H

enum lc_log_level {
    LC_LOG_ERROR = 3,
    LC_LOG_WARN = 4,
    LC_LOG_INFO = 6,
    LC_LOG_DEBUG = 7,
};

/* verbosity: -1 for -q (errors and warnings only), 0 default (info), 1 for -v (debug). */
void lc_log_init(const char *program, int verbosity);
const char *lc_log_program(void);
int lc_log_enabled(enum lc_log_level level);

void lc_log(enum lc_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define lc_log_error(...) lc_log(LC_LOG_ERROR, __VA_ARGS__)
#define lc_log_warn(...) lc_log(LC_LOG_WARN, __VA_ARGS__)
#define lc_log_info(...) lc_log(LC_LOG_INFO, __VA_ARGS__)
#define lc_log_debug(...) lc_log(LC_LOG_DEBUG, __VA_ARGS__)

#endif
