/*
 * The rate limit (see rate.h).
 */
#include "common/rate.h"

#include <errno.h>

#include "common/signals.h"
#include "common/units.h"

void lc_rate_init(struct lc_rate *rate, double per_second)
{
    rate->per_second = per_second > 0 ? per_second : 0;
    clock_gettime(CLOCK_MONOTONIC, &rate->start);
}

double lc_rate_delay(const struct lc_rate *rate, uint64_t done, double elapsed)
{
    double due;

    if (rate->per_second <= 0)
        return 0;
    due = (double)done / rate->per_second;
    return due > elapsed ? due - elapsed : 0;
}

void lc_rate_wait(const struct lc_rate *rate, uint64_t done)
{
    double delay = lc_rate_delay(rate, done, lc_seconds_since(&rate->start));
    struct timespec ts;

    if (delay <= 0)
        return;
    ts.tv_sec = (time_t)delay;
    ts.tv_nsec = (long)((delay - (double)ts.tv_sec) * 1e9);
    /* a signal ends the sleep (EINTR); the caller's loop then sees lc_interrupted() */
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR && !lc_interrupted())
        ;
}
