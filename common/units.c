/*
 * Parsing and formatting of durations, sizes and bounded integers (see units.h). The
 * parsers accumulate in uint64_t and check every multiplication and addition against
 * INT64_MAX, so a value either fits exactly or is refused with a message.
 */
#include "common/units.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int bad_value(struct lc_err *err, const char *what, const char *s, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Sets "invalid <what> '<s>': <reason>" (LC_E_CONFIG) and returns -1. */
static int bad_value(struct lc_err *err, const char *what, const char *s, const char *fmt, ...)
{
    char reason[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(reason, sizeof(reason), fmt, ap);
    va_end(ap);
    return lc_err_set(err, LC_E_CONFIG, "invalid %s '%s': %s", what, s, reason);
}

static const char *skip_ws(const char *p)
{
    while (isspace((unsigned char)*p))
        p++;
    return p;
}

/* Reads the digits at *pp into *out; -1 if the value exceeds INT64_MAX. */
static int read_digits(const char **pp, uint64_t *out)
{
    const char *p = *pp;
    uint64_t v = 0;
    int rc = -1;

    while (isdigit((unsigned char)*p)) {
        unsigned d = (unsigned)(*p - '0');

        if (v > ((uint64_t)INT64_MAX - d) / 10)
            goto out;
        v = v * 10 + d;
        p++;
    }
    rc = 0;
out:
    *pp = p;
    *out = v;
    return rc;
}

struct duration_unit {
    const char *name;
    uint64_t ms;
};

static const struct duration_unit duration_units[] = {
    {"ms", 1},
    {"s", 1000},
    {"m", 60 * 1000},
    {"h", 3600 * 1000},
    {"d", UINT64_C(86400) * 1000},
    {"w", UINT64_C(7) * 86400 * 1000},
    {"y", UINT64_C(365) * 86400 * 1000},
};

static int lookup_duration_unit(const char *name, size_t len, uint64_t *out_ms)
{
    for (size_t i = 0; i < sizeof(duration_units) / sizeof(duration_units[0]); i++) {
        if (strlen(duration_units[i].name) == len &&
            memcmp(duration_units[i].name, name, len) == 0) {
            *out_ms = duration_units[i].ms;
            return 0;
        }
    }
    return -1;
}

int lc_parse_duration_ms(const char *s, int64_t *out_ms, struct lc_err *err)
{
    const char *p = skip_ws(s);
    uint64_t total = 0;
    int components = 0;
    int bare = 0;

    if (!*p)
        return bad_value(err, "duration", s, "empty value");
    while (*p) {
        uint64_t n;
        uint64_t mult = 1000;

        if (*p == '-')
            return bad_value(err, "duration", s, "negative durations are not allowed");
        if (!isdigit((unsigned char)*p))
            return bad_value(err, "duration", s, "expected a number at '%s'", p);
        if (read_digits(&p, &n) < 0)
            return bad_value(err, "duration", s, "too large");
        p = skip_ws(p);
        if (isalpha((unsigned char)*p)) {
            const char *u = p;

            while (isalpha((unsigned char)*p))
                p++;
            if (lookup_duration_unit(u, (size_t)(p - u), &mult) < 0)
                return bad_value(err, "duration", s,
                                 "unknown unit '%.*s' (use ms, s, m, h, d, w or y)",
                                 (int)(p - u), u);
        } else {
            bare = 1;
        }
        if (bare && components > 0)
            return bad_value(err, "duration", s, "a number without a unit must stand alone");
        components++;
        if (n > (uint64_t)INT64_MAX / mult || total > (uint64_t)INT64_MAX - n * mult)
            return bad_value(err, "duration", s, "too large");
        total += n * mult;
        p = skip_ws(p);
    }
    *out_ms = (int64_t)total;
    return 0;
}

int lc_parse_size(const char *s, int64_t *out_bytes, struct lc_err *err)
{
    static const char prefixes[] = "KMGTP";
    const char *p = skip_ws(s);
    const char *unit;
    uint64_t n;
    unsigned shift = 0;

    if (!*p)
        return bad_value(err, "size", s, "empty value");
    if (*p == '-')
        return bad_value(err, "size", s, "negative sizes are not allowed");
    if (!isdigit((unsigned char)*p))
        return bad_value(err, "size", s, "expected a number at '%s'", p);
    if (read_digits(&p, &n) < 0)
        return bad_value(err, "size", s, "too large");
    p = skip_ws(p);
    unit = p;
    if (*p && strchr(prefixes, toupper((unsigned char)*p))) {
        shift = 10 * (unsigned)(strchr(prefixes, toupper((unsigned char)*p)) - prefixes + 1);
        p++;
        if (*p == 'i' || *p == 'I')
            p++;
    }
    if (*p == 'B' || *p == 'b')
        p++;
    if (*skip_ws(p))
        return bad_value(err, "size", s, "unknown unit '%s' (use K, M, G, T or P, optionally "
                         "followed by iB or B)", unit);
    if (n > ((uint64_t)INT64_MAX >> shift))
        return bad_value(err, "size", s, "too large");
    *out_bytes = (int64_t)(n << shift);
    return 0;
}

int lc_parse_uint(const char *s, int64_t min, int64_t max, int64_t *out, struct lc_err *err)
{
    const char *p = skip_ws(s);
    char *end;
    long long v;

    if (!isdigit((unsigned char)*p))
        return bad_value(err, "number", s, "expected a decimal integer between %" PRId64
                         " and %" PRId64, min, max);
    errno = 0;
    v = strtoll(p, &end, 10);
    if (errno == ERANGE || v < min || v > max)
        return bad_value(err, "number", s, "out of range (%" PRId64 "..%" PRId64 ")", min, max);
    if (*skip_ws(end))
        return bad_value(err, "number", s, "unexpected '%s' after the number", end);
    *out = v;
    return 0;
}

void lc_format_duration(int64_t ms, char *buf, size_t len)
{
    const char *sign = ms < 0 ? "-" : "";
    /* |ms| without overflowing on INT64_MIN */
    uint64_t v = ms < 0 ? (uint64_t)(-(ms + 1)) + 1 : (uint64_t)ms;
    const uint64_t sec = 1000, min = 60 * sec, hour = 60 * min, day = 24 * hour;

    if (!len)
        return;
    if (v < sec)
        snprintf(buf, len, "%s%" PRIu64 "ms", sign, v);
    else if (v < 10 * sec && v % sec >= 100)
        snprintf(buf, len, "%s%" PRIu64 ".%" PRIu64 "s", sign, v / sec, v % sec / 100);
    else if (v < min)
        snprintf(buf, len, "%s%" PRIu64 "s", sign, v / sec);
    else if (v < hour && v % min >= sec)
        snprintf(buf, len, "%s%" PRIu64 "m%" PRIu64 "s", sign, v / min, v % min / sec);
    else if (v < hour)
        snprintf(buf, len, "%s%" PRIu64 "m", sign, v / min);
    else if (v < 48 * hour && v % hour >= min)
        snprintf(buf, len, "%s%" PRIu64 "h%" PRIu64 "m", sign, v / hour, v % hour / min);
    else if (v < 48 * hour)
        snprintf(buf, len, "%s%" PRIu64 "h", sign, v / hour);
    else if (v % day >= hour)
        snprintf(buf, len, "%s%" PRIu64 "d%" PRIu64 "h", sign, v / day, v % day / hour);
    else
        snprintf(buf, len, "%s%" PRIu64 "d", sign, v / day);
}

void lc_format_size(uint64_t bytes, char *buf, size_t len)
{
    static const char *const units[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    double v = (double)bytes / 1024.0;
    size_t u = 0;

    if (!len)
        return;
    if (bytes < 1024) {
        snprintf(buf, len, "%" PRIu64 " B", bytes);
        return;
    }
    /* 1023.95 would print as "1024.0": move up a unit instead */
    while (v >= 1023.95 && u + 1 < sizeof(units) / sizeof(units[0])) {
        v /= 1024.0;
        u++;
    }
    snprintf(buf, len, "%.1f %s", v, units[u]);
}

void lc_format_utc(time_t when, char *buf, size_t len)
{
    struct tm tm;

    if (len == 0)
        return;
    if (!gmtime_r(&when, &tm) || strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        buf[0] = '\0';
}

double lc_seconds_since(const struct timespec *start)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}
