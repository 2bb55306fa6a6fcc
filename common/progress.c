/*
 * The progress line (see progress.h). Counters are C11 atomics so that workers add
 * without a lock; whichever thread's add finds the redraw time passed claims the next
 * slot with a compare-and-swap on an atomic deadline and draws, so drawing happens at
 * most ~4 times a second and never blocks a worker. The rate is smoothed (an
 * exponential moving average over the redraw ticks) so the ETA follows changes in
 * speed without jumping about. The line is written with one write(2) and cut to the
 * terminal width so that "\r" can always return to its start.
 */
#include "common/progress.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "common/mem.h"
#include "common/units.h"

#define NS_PER_SEC 1000000000LL
#define REDRAW_NS (NS_PER_SEC / 4)
#define FIRST_DRAW_NS (NS_PER_SEC / 2)  /* short jobs never show a line */
#define RATE_ALPHA 0.25                 /* weight of the newest tick in the average */

struct lc_progress {
    char *what;
    const char *unit;         /* NULL: bytes; else counted things ("keys") */
    _Atomic uint64_t done;
    _Atomic uint64_t total;
    _Atomic int64_t next_draw_ns;
    atomic_bool drawn;
    int64_t start_ns;
    unsigned width;
    /* drawing state, only touched under draw_lock */
    pthread_mutex_t draw_lock;
    int64_t last_ns;
    uint64_t last_done;
    double rate;              /* bytes per second, smoothed; < 0 before the first tick */
};

static int64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * NS_PER_SEC + ts.tv_nsec;
}

struct lc_progress *lc_progress_new_count(const char *what, uint64_t total, const char *unit)
{
    struct lc_progress *p = lc_progress_new(what, total);

    if (p)
        p->unit = unit;
    return p;
}

struct lc_progress *lc_progress_new(const char *what, uint64_t total)
{
    struct lc_progress *p;
    struct winsize ws;

    if (!isatty(STDERR_FILENO))
        return NULL;
    p = lc_xcalloc(1, sizeof(*p));
    p->what = lc_xstrdup(what ? what : "");
    atomic_init(&p->done, 0);
    atomic_init(&p->total, total);
    atomic_init(&p->drawn, 0);
    p->start_ns = now_ns();
    atomic_init(&p->next_draw_ns, p->start_ns + FIRST_DRAW_NS);
    p->width = 80;
    if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 10)
        p->width = ws.ws_col;
    pthread_mutex_init(&p->draw_lock, NULL);
    p->last_ns = p->start_ns;
    p->rate = -1;
    return p;
}

/* A size ("1.5 MiB"), or a count with the unit when `with_unit` ("120000 keys"). */
static void format_amount(const struct lc_progress *p, uint64_t value, int with_unit, char *buf,
                          size_t len)
{
    if (!p->unit)
        lc_format_size(value, buf, len);
    else if (with_unit)
        snprintf(buf, len, "%llu %s", (unsigned long long)value, p->unit);
    else
        snprintf(buf, len, "%llu", (unsigned long long)value);
}

static void draw(struct lc_progress *p, int64_t now)
{
    uint64_t done = atomic_load(&p->done);
    uint64_t total = atomic_load(&p->total);
    char stats[160], line[512], a[32], b[32], r[32], eta[32];
    size_t what_len = strlen(p->what), stats_len, room, len;
    double dt;

    if (pthread_mutex_trylock(&p->draw_lock) != 0)
        return;
    dt = (double)(now - p->last_ns) / NS_PER_SEC;
    if (dt > 0 && done >= p->last_done) {
        double inst = (double)(done - p->last_done) / dt;

        p->rate = p->rate < 0 ? inst : RATE_ALPHA * inst + (1 - RATE_ALPHA) * p->rate;
        p->last_ns = now;
        p->last_done = done;
    }
    format_amount(p, done, total == 0, a, sizeof(a));
    format_amount(p, p->rate > 0 ? (uint64_t)p->rate : 0, 1, r, sizeof(r));
    if (total) {
        format_amount(p, total, 1, b, sizeof(b));
        if (p->rate > 0 && done < total)  /* whole seconds (ms would flicker), < 1e12 s */
            lc_format_duration((int64_t)fmin(ceil((double)(total - done) / p->rate), 1e12) * 1000,
                               eta, sizeof(eta));
        else
            snprintf(eta, sizeof(eta), "%s", done < total ? "--" : "0s");
        snprintf(stats, sizeof(stats), "%s / %s  %3u%%  %s/s  ETA %s", a, b,
                 (unsigned)(done >= total ? 100 : (double)done * 100 / (double)total), r, eta);
    } else {
        snprintf(stats, sizeof(stats), "%s  %s/s", a, r);
    }
    /* at most width-1 columns, so the terminal never wraps and "\r" returns to the
     * start: the label gives way first, then the end of the figures */
    stats_len = strlen(stats);
    room = p->width - 1;
    if (what_len + 2 + stats_len > room)
        what_len = room > stats_len + 2 + 4 ? room - stats_len - 2 : 0;
    if (what_len)
        snprintf(line, sizeof(line) - 3, "\r%.*s: %s", (int)what_len, p->what, stats);
    else
        snprintf(line, sizeof(line) - 3, "\r%s", stats);
    len = strlen(line);
    if (len > room + 1)
        len = room + 1;
    memcpy(line + len, "\033[K", 4);
    (void)!write(STDERR_FILENO, line, len + 3);
    atomic_store(&p->drawn, 1);
    pthread_mutex_unlock(&p->draw_lock);
}

void lc_progress_add(struct lc_progress *p, uint64_t bytes)
{
    int64_t now;
    int64_t next;

    if (!p)
        return;
    atomic_fetch_add(&p->done, bytes);
    now = now_ns();
    next = atomic_load(&p->next_draw_ns);
    if (now >= next && atomic_compare_exchange_strong(&p->next_draw_ns, &next, now + REDRAW_NS))
        draw(p, now);
}

void lc_progress_set_total(struct lc_progress *p, uint64_t total)
{
    if (p)
        atomic_store(&p->total, total);
}

void lc_progress_free(struct lc_progress *p)
{
    if (!p)
        return;
    if (atomic_load(&p->drawn))
        (void)!write(STDERR_FILENO, "\r\033[K", 4);
    pthread_mutex_destroy(&p->draw_lock);
    free(p->what);
    free(p);
}
