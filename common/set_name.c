/*
 * Formatting and parsing of backup set names (see set_name.h). The parser reads the
 * fixed-width parts from the end of the name, because the host in front may contain
 * '-', and converts the UTC time with a calendar formula instead of timegm(), so that
 * it is pure and rejects impossible dates rather than normalising them.
 */
#include "common/set_name.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "common/mem.h"

#define SET_PREFIX "lcbp3-"
#define SET_SUFFIX ".tar"
#define STAMP_LEN 16          /* yyyymmddThhmmssZ */
#define HOST_MAX 255

static const char *const kind_names[] = {
    [LC_KIND_DAILY] = "daily",
    [LC_KIND_WEEKLY] = "weekly",
    [LC_KIND_MONTHLY] = "monthly",
    [LC_KIND_MANUAL] = "manual",
};

#define N_KINDS (sizeof(kind_names) / sizeof(kind_names[0]))

const char *lc_set_kind_name(enum lc_set_kind k)
{
    if ((unsigned)k >= N_KINDS)
        return "unknown";
    return kind_names[k];
}

int lc_set_kind_parse(const char *s, enum lc_set_kind *out)
{
    for (size_t i = 0; i < N_KINDS; i++) {
        if (strcmp(s, kind_names[i]) == 0) {
            *out = (enum lc_set_kind)i;
            return 0;
        }
    }
    return -1;
}

static int host_char_ok(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '.' || c == '-';
}

char *lc_set_name_format(const char *host, time_t when, enum lc_set_kind kind)
{
    char clean[HOST_MAX + 1];
    struct tm tm;
    size_t n = 0;

    if (!gmtime_r(&when, &tm) || tm.tm_year < 70 || tm.tm_year > 9999 - 1900)
        return NULL;
    for (; host && host[n] && n < HOST_MAX; n++)
        clean[n] = host_char_ok(host[n]) ? host[n] : '-';
    clean[n] = '\0';
    return lc_xasprintf(SET_PREFIX "%s-%04d%02d%02dT%02d%02d%02dZ-%s" SET_SUFFIX,
                        n ? clean : "unknown", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                        tm.tm_hour, tm.tm_min, tm.tm_sec, lc_set_kind_name(kind));
}

/* Reads `n` decimal digits at p; -1 if any is not a digit. */
static int digits(const char *p, int n)
{
    int v = 0;

    for (int i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return -1;
        v = v * 10 + (p[i] - '0');
    }
    return v;
}

static int is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
static int64_t days_from_civil(int y, int m, int d)
{
    int64_t era, yoe, doy, doe;

    y -= m <= 2;
    era = y / 400;            /* y >= 1969 here, so no negative rounding to handle */
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* Parses "yyyymmddThhmmssZ" into *out; -1 if malformed or impossible. */
static int parse_stamp(const char *p, time_t *out)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y = digits(p, 4), mo = digits(p + 4, 2), d = digits(p + 6, 2);
    int h = digits(p + 9, 2), mi = digits(p + 11, 2), s = digits(p + 13, 2);

    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || p[8] != 'T' || p[15] != 'Z' || h < 0 ||
        h > 23 || mi < 0 || mi > 59 || s < 0 || s > 59)
        return -1;
    if (d > mdays[mo - 1] + (mo == 2 && is_leap(y)))
        return -1;
    *out = (time_t)(days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s);
    return 0;
}

int lc_set_name_parse(const char *name, struct lc_set_id *out)
{
    size_t len = strlen(name);
    const char *body = name + strlen(SET_PREFIX);
    const char *end = name + len - strlen(SET_SUFFIX);
    const char *kind_dash;
    const char *stamp;
    char kind_buf[16];
    enum lc_set_kind kind;
    time_t when;
    size_t host_len;

    /* shortest: prefix, 1-char host, '-', stamp, '-', kind, suffix */
    if (len < strlen(SET_PREFIX) + 1 + 1 + STAMP_LEN + 1 + 1 + strlen(SET_SUFFIX) ||
        strncmp(name, SET_PREFIX, strlen(SET_PREFIX)) != 0 || strcmp(end, SET_SUFFIX) != 0)
        return -1;
    kind_dash = end;
    while (kind_dash > body && *kind_dash != '-')
        kind_dash--;
    if ((size_t)(end - kind_dash - 1) >= sizeof(kind_buf))
        return -1;
    memcpy(kind_buf, kind_dash + 1, (size_t)(end - kind_dash - 1));
    kind_buf[end - kind_dash - 1] = '\0';
    if (lc_set_kind_parse(kind_buf, &kind) < 0 || kind_dash - body < STAMP_LEN + 2)
        return -1;
    stamp = kind_dash - STAMP_LEN;
    if (stamp[-1] != '-' || parse_stamp(stamp, &when) < 0)
        return -1;
    host_len = (size_t)(stamp - 1 - body);
    if (host_len > HOST_MAX)
        return -1;
    for (size_t i = 0; i < host_len; i++) {
        if (!host_char_ok(body[i]))
            return -1;
    }
    memcpy(out->host, body, host_len);
    out->host[host_len] = '\0';
    out->when = when;
    out->kind = kind;
    return 0;
}
