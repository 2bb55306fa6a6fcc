/*
 * A rate limit for batch work that must not starve a live service (keys or rows per
 * second): the caller says how many units it has done since the start, and
 * lc_rate_wait() sleeps until that many units fit the rate. Sleeps are cut short by
 * SIGTERM/SIGINT so that a stop request is noticed at once.
 */
#ifndef LC_RATE_H
#define LC_RATE_H

#include <stdint.h>
#include <time.h>

struct lc_rate {
    double per_second;        /* 0: no limit */
    struct timespec start;    /* CLOCK_MONOTONIC */
};

void lc_rate_init(struct lc_rate *rate, double per_second);

/* Seconds to wait, at `elapsed` seconds after the start, before going past `done` units. */
double lc_rate_delay(const struct lc_rate *rate, uint64_t done, double elapsed);

/* Sleeps lc_rate_delay() seconds (returns early when a signal arrives). */
void lc_rate_wait(const struct lc_rate *rate, uint64_t done);

#endif
