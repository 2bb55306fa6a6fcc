/*
 * Times recorded in reservation values (see reservation_value.h).
 */
#include "common/reservation_value.h"

#include <ctype.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

const char *const lc_reservation_time_fields[] = {
    "expires_at", "expiresAt", "expireAt",
    "created_at", "createdAt", "reserved_at", "reservedAt",
    NULL,
};

/* Reads exactly `digits` decimal digits at *p (advancing it); -1 if there are fewer. */
static int read_digits(const char **p, const char *end, int digits, int *out)
{
    int value = 0;

    for (int idx = 0; idx < digits; idx++, (*p)++) {
        if (*p >= end || !isdigit((unsigned char)**p))
            return -1;
        value = value * 10 + (**p - '0');
    }
    *out = value;
    return 0;
}

static int parse_epoch(const char *p, const char *end, int64_t *out_ms)
{
    int64_t value = 0;

    if (p == end)
        return -1;
    for (; p < end; p++) {
        if (!isdigit((unsigned char)*p) || value > INT64_C(100000000000000))
            return -1;
        value = value * 10 + (*p - '0');
    }
    *out_ms = value < INT64_C(100000000000) ? value * 1000 : value;
    return 0;
}

/* "Z", "+hh", "+hh:mm", "+hhmm" (or '-') at p, to seconds east of UTC. */
static int parse_zone(const char *p, const char *end, long *out_offset)
{
    int sign, hours, minutes = 0;

    if (p == end || (*p == 'Z' && p + 1 == end)) {
        *out_offset = 0;
        return 0;
    }
    if (*p != '+' && *p != '-')
        return -1;
    sign = *p++ == '-' ? -1 : 1;
    if (read_digits(&p, end, 2, &hours) < 0)
        return -1;
    if (p < end && *p == ':')
        p++;
    if (p < end && read_digits(&p, end, 2, &minutes) < 0)
        return -1;
    if (p != end || hours > 23 || minutes > 59)
        return -1;
    *out_offset = sign * (hours * 3600L + minutes * 60L);
    return 0;
}

int lc_reservation_parse_time(const char *text, size_t len, int64_t *out_ms)
{
    const char *p = text, *end = text + len;
    struct tm tm;
    int year, mon, day, hour, min, sec = 0, ms = 0;
    long offset;
    time_t t;

    if (len > 0 && isdigit((unsigned char)text[0]) && !memchr(text, '-', len))
        return parse_epoch(text, end, out_ms);
    if (read_digits(&p, end, 4, &year) < 0 || p == end || *p++ != '-' ||
        read_digits(&p, end, 2, &mon) < 0 || p == end || *p++ != '-' ||
        read_digits(&p, end, 2, &day) < 0 || p == end || (*p != 'T' && *p != ' ') ||
        (p++, read_digits(&p, end, 2, &hour) < 0) || p == end || *p++ != ':' ||
        read_digits(&p, end, 2, &min) < 0)
        return -1;
    if (p < end && *p == ':') {
        p++;
        if (read_digits(&p, end, 2, &sec) < 0)
            return -1;
        if (p < end && *p == '.') {
            int scale = 100;

            if (++p == end || !isdigit((unsigned char)*p))
                return -1;
            for (; p < end && isdigit((unsigned char)*p); p++, scale /= 10)
                ms += (*p - '0') * scale;
        }
    }
    if (mon < 1 || mon > 12 || day < 1 || day > 31 || hour > 23 || min > 59 || sec > 60 ||
        parse_zone(p, end, &offset) < 0)
        return -1;
    memset(&tm, 0, sizeof(tm));
    tm.tm_year = year - 1900;
    tm.tm_mon = mon - 1;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_min = min;
    tm.tm_sec = sec;
    t = timegm(&tm);
    *out_ms = ((int64_t)t - offset) * 1000 + ms;
    return 0;
}

/* The time in one JSON member (a string or a whole number), or -1. */
static int json_member_time(struct json_object *value, int64_t *out_ms)
{
    if (json_object_is_type(value, json_type_string))
        return lc_reservation_parse_time(json_object_get_string(value),
                                         (size_t)json_object_get_string_len(value), out_ms);
    if (json_object_is_type(value, json_type_int) && json_object_get_int64(value) > 0) {
        int64_t v = json_object_get_int64(value);

        *out_ms = v < INT64_C(100000000000) ? v * 1000 : v;
        return 0;
    }
    return -1;
}

int lc_reservation_json_time(const char *json, size_t len, int64_t *out_ms)
{
    struct json_tokener *tok;
    struct json_object *root;
    int found = -1;

    if (len == 0 || json[0] != '{')
        return -1;
    tok = json_tokener_new();
    root = json_tokener_parse_ex(tok, json, (int)len);
    if (root && json_tokener_get_error(tok) == json_tokener_success &&
        json_object_is_type(root, json_type_object)) {
        for (int idx = 0; lc_reservation_time_fields[idx] && found < 0; idx++) {
            struct json_object *member;

            if (json_object_object_get_ex(root, lc_reservation_time_fields[idx], &member) &&
                json_member_time(member, out_ms) == 0)
                found = idx;
        }
    }
    json_object_put(root);
    json_tokener_free(tok);
    return found;
}
