/*
 * Units of time and size as operators write and read them: parsing of config and
 * command-line values ("26h", "1h30m", "64K", "2GiB", "500") with full checks and
 * messages that say what was wrong, and compact human formatting for logs, progress
 * lines and reports ("5m12s", "3.2 GiB"). Pure functions, no I/O.
 */
#ifndef LC_UNITS_H
#define LC_UNITS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "common/error.h"

/*
 * Parses a duration into milliseconds. Grammar: one or more "<digits><unit>"
 * components, summed ("1h30m", "1h 30m"), with units ms, s, m (minutes), h, d,
 * w (7 d) and y (365 d), lowercase only; whitespace is allowed around the value,
 * between components and between a number and its unit. A single bare number means
 * seconds ("90" = 90 s). Rejected: empty, signs, fractions, an unknown unit, a bare
 * number next to other components, and a total above INT64_MAX ms.
 * On failure returns -1, leaves *out_ms untouched and sets err (LC_E_CONFIG) to
 * "invalid duration '<s>': <why>"; the caller prefixes "file:line: key".
 */
int lc_parse_duration_ms(const char *s, int64_t *out_ms, struct lc_err *err);

/*
 * Parses a size into bytes: "<digits>[ ][K|M|G|T|P][i][B]", case-insensitive,
 * multiples of 1024 ("64K", "64KiB", "64KB", "64kb" are all 65536; "512" and "512B"
 * are 512 bytes). Whitespace around the value is allowed. Rejected: empty, signs,
 * fractions, unknown suffixes and values above INT64_MAX.
 * On failure returns -1, leaves *out_bytes untouched and sets err (LC_E_CONFIG) to
 * "invalid size '<s>': <why>".
 */
int lc_parse_size(const char *s, int64_t *out_bytes, struct lc_err *err);

/*
 * Parses a decimal integer in [min, max]: digits only (no sign, no base prefix),
 * whitespace around it allowed; strtoll with errno/end checks, never atoi. On failure
 * returns -1, leaves *out untouched and sets err to "invalid number '<s>': ..." with
 * status LC_E_CONFIG (a command-line caller sets err->status = LC_E_USAGE itself).
 */
int lc_parse_uint(const char *s, int64_t min, int64_t max, int64_t *out, struct lc_err *err);

/*
 * Formats a duration compactly for people, keeping at most two units and truncating
 * the rest: "850ms", "1.5s", "42s", "5m12s", "5m", "2h5m", "26h" (hours up to 48 h),
 * "3d4h", "400d". Negative values get a leading '-'. Lossy: not meant to be parsed
 * back. Always NUL-terminates `buf` (when len > 0), truncating if it is too short;
 * 32 bytes always suffice.
 */
void lc_format_duration(int64_t ms, char *buf, size_t len);

/*
 * Formats a byte count with binary units: "0 B", "512 B", "1.5 KiB", "3.2 GiB",
 * "1.0 MiB" (one decimal above 1023 B, never "1024.0 KiB"). Always NUL-terminates
 * `buf` (when len > 0); 16 bytes always suffice.
 */
void lc_format_size(uint64_t bytes, char *buf, size_t len);

/*
 * Formats a time as ISO 8601 in UTC, "2026-11-24T02:00:00Z", the one shape the toolkit
 * prints times in (logs, manifest, --json). 21 bytes suffice.
 */
void lc_format_utc(time_t when, char *buf, size_t len);

/* Seconds elapsed on CLOCK_MONOTONIC since `start` (taken with clock_gettime). */
double lc_seconds_since(const struct timespec *start);

#endif
