/*
 * What a reservation's value in Redis says about its age: the expiry or creation time
 * recorded in it, from a JSON string value ({"expires_at": "2025-01-15T08:15:00Z", ...})
 * or from the fields of a hash. Used to find reservations whose TTL is wrong (far too
 * long) although they have one.
 */
#ifndef LC_RESERVATION_VALUE_H
#define LC_RESERVATION_VALUE_H

#include <stddef.h>
#include <stdint.h>

/*
 * The field names that may hold a time, in order of preference: the expiry fields
 * first (LC_RESERVATION_EXPIRY_FIELDS of them), then the creation fields. NULL-terminated.
 */
extern const char *const lc_reservation_time_fields[];
#define LC_RESERVATION_EXPIRY_FIELDS 3

/*
 * Parses a time: ISO 8601 "YYYY-MM-DD[T| ]hh:mm[:ss[.fraction]][Z|+hh[:mm]|-hh[:mm]]"
 * (without a zone: UTC), or a whole number of seconds (below 10^11) or milliseconds
 * since the epoch. Returns 0 and the time in ms since the epoch, or -1.
 */
int lc_reservation_parse_time(const char *text, size_t len, int64_t *out_ms);

/*
 * From a JSON object: the first field of lc_reservation_time_fields present with a
 * parsable time (string or number). Returns the index of that field in
 * lc_reservation_time_fields and the time, or -1 (not JSON, not an object, no time).
 */
int lc_reservation_json_time(const char *json, size_t len, int64_t *out_ms);

#endif
