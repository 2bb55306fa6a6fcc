/*
 * Names of backup sets. A set is one file named
 * `lcbp3-<host>-<UTC yyyymmddThhmmssZ>-<kind>.tar`, so that listing a spool or a
 * target needs nothing but file names: host, time and kind are read back from the
 * name. The host may itself contain '-' and '.'; the time and kind are found from the
 * end. Pure functions, no I/O.
 */
#ifndef LC_SET_NAME_H
#define LC_SET_NAME_H

#include <time.h>

enum lc_set_kind {
    LC_KIND_DAILY,
    LC_KIND_WEEKLY,
    LC_KIND_MONTHLY,
    LC_KIND_MANUAL,
};

/* "daily", "weekly", "monthly", "manual"; "unknown" for a value outside the enum. */
const char *lc_set_kind_name(enum lc_set_kind k);

/* Exact, case-sensitive match of one of the names above: 0 and *out set, or -1 with
 * *out untouched. */
int lc_set_kind_parse(const char *s, enum lc_set_kind *out);

struct lc_set_id {
    char host[256];           /* sanitised host: [A-Za-z0-9.-], 1..255 characters */
    time_t when;              /* start of the backup, UTC, whole seconds */
    enum lc_set_kind kind;
};

/*
 * Returns the malloc'd name "lcbp3-<host>-<yyyymmddThhmmssZ>-<kind>.tar" (free() it).
 * The host is sanitised: every character outside [A-Za-z0-9.-] becomes '-', an empty
 * or NULL host becomes "unknown", and it is cut to 255 characters, so that
 * lc_set_name_parse() always reads the name back. Returns NULL only when `when` lies
 * outside the years 1970..9999 (a caller bug).
 */
char *lc_set_name_format(const char *host, time_t when, enum lc_set_kind kind);

/*
 * Parses a bare file name (no directory). Returns 0 and fills *out, or -1 (with *out
 * untouched) when `name` is not a complete set name: a "*.tar.partial", a
 * "*.tar.sha256", a wrong prefix or kind, a host that is empty, too long or has other
 * characters, or an impossible time (month 13, 31 April, 29 February outside a leap
 * year, hour 24, second 60, a year before 1970).
 */
int lc_set_name_parse(const char *name, struct lc_set_id *out);

#endif
