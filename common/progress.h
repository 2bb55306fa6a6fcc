/*
 * Progress on long work: bytes done, rate and ETA on one self-rewriting stderr line,
 * only when stderr is a terminal (silent under cron and systemd). Thread-safe: workers
 * call lc_progress_add() concurrently; drawing is throttled to a few times a second.
 */
#ifndef LC_PROGRESS_H
#define LC_PROGRESS_H

#include <stdint.h>

struct lc_progress;

/* total: expected bytes, 0 if unknown. Returns NULL when stderr is not a terminal;
 * every function accepts NULL. */
struct lc_progress *lc_progress_new(const char *what, uint64_t total);
/* As lc_progress_new() for counted things: "120000 / 400000 keys  30%  250000 keys/s". */
struct lc_progress *lc_progress_new_count(const char *what, uint64_t total, const char *unit);
void lc_progress_add(struct lc_progress *p, uint64_t bytes);
void lc_progress_set_total(struct lc_progress *p, uint64_t total);
/* Clears the line and frees. */
void lc_progress_free(struct lc_progress *p);

#endif
