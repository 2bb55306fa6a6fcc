/*
 * One run of lcbp3-reservations-gc: the run lock, the checks of what the config asks,
 * Redis, then MariaDB, then the report.
 */
#include <stdlib.h>
#include <string.h>

#include "common/lock.h"
#include "common/log.h"
#include "common/mem.h"
#include "common/redis_client.h"
#include "common/units.h"
#include "tools/reservations-gc/gc.h"

#define GC_LOCK_NAME "lcbp3-reservations-gc"

/*
 * A pattern that starts with a wildcard would match every key family (caches,
 * counters): a key without TTL there is not a leaked reservation. Refuse it.
 */
static int check_pattern(const char *pattern, const char *source, struct lc_err *err)
{
    if (!pattern || !*pattern || strchr("*?[\\", pattern[0]))
        return lc_err_set(err, source[0] == '-' ? LC_E_USAGE : LC_E_CONFIG,
                          "%s '%s' must start with a literal prefix such as 'reservation:', or it "
                          "would match keys of every kind", source, pattern ? pattern : "");
    return 0;
}

static int check_request(const struct lc_config *cfg, const struct gc_opts *opts, struct lc_err *err)
{
    if (!opts->db_only) {
        if (opts->pattern ? check_pattern(opts->pattern, "--pattern", err) < 0
                          : check_pattern(cfg->numbering.reservation_pattern,
                                          "[numbering] reservation_pattern", err) < 0)
            return -1;
        if (cfg->numbering.lock_pattern &&
            check_pattern(cfg->numbering.lock_pattern, "[numbering] lock_pattern", err) < 0)
            return -1;
    }
    if (opts->db_only && !cfg->numbering.reservations_table) {
        lc_err_set(err, LC_E_CONFIG, "--db-only: no reservations table is configured");
        lc_err_hint(err, "set [numbering] reservations_table (e.g. document_number_reservations) "
                         "in %s", cfg->path ? cfg->path : "the config");
        return -1;
    }
    return 0;
}

/* Whether the run found anything it removes (or, in a dry run, would remove). */
static int found_something(const struct gc_report *report, const struct gc_opts *opts)
{
    return report->leaked || report->stale || report->rows_overdue ||
           (opts->fix_locks && report->locks_stuck);
}

int gc_run(const struct lc_config *cfg, const struct gc_opts *opts, struct gc_report *report,
           struct lc_err *err)
{
    struct lc_lock lock = LC_LOCK_INIT;
    struct lc_err redis_err = LC_ERR_INIT, db_err = LC_ERR_INIT;
    struct timespec t0;
    char *details;
    int rc = -1;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (check_request(cfg, opts, err) < 0 ||
        lc_lock_take(&lock, cfg->backup.lock_dir, GC_LOCK_NAME, err) < 0)
        return -1;
    details = lc_xasprintf("redis %s, pattern '%s', batch %ld, max rate %.0f/s (0: none), table %s",
                           lc_redis_mode_name(cfg->redis.mode),
                           opts->pattern ? opts->pattern : cfg->numbering.reservation_pattern,
                           opts->batch, opts->max_rate,
                           cfg->numbering.reservations_table ? cfg->numbering.reservations_table : "none");
    lc_cli_log_begin(&opts->cli, cfg, opts->dry_run ? "dry run" : "run", details);
    /* Redis failing (a master down) does not keep the table from being cleaned; a stop
     * request or scripts refused end the run at once */
    if (!opts->db_only && gc_redis(cfg, opts, report, &redis_err) < 0 &&
        (redis_err.status == LC_E_TEMPFAIL || redis_err.status == LC_E_NOPERM)) {
        *err = redis_err;
        goto out;
    }
    if (!opts->redis_only && cfg->numbering.reservations_table)
        gc_db(cfg, opts, report, &db_err);
    if (report->locks_stuck && !(opts->fix_locks && !opts->dry_run))
        lc_log_warn("%llu numbering lock%s without TTL (%s): document creation waits on them; "
                    "check the holder, then run with --fix-locks to delete them",
                    (unsigned long long)report->locks_stuck, report->locks_stuck == 1 ? "" : "s",
                    cfg->numbering.lock_pattern);
    gc_report_print(report, opts);
    gc_report_log_end(report, opts, lc_seconds_since(&t0));
    if (redis_err.status != LC_OK || db_err.status != LC_OK) {
        /* both failed: one is logged here, the other returned (a stop request wins) */
        int db_wins = redis_err.status == LC_OK || db_err.status == LC_E_TEMPFAIL;

        if (redis_err.status != LC_OK && db_err.status != LC_OK)
            lc_log_error("%s", db_wins ? redis_err.msg : db_err.msg);
        *err = db_wins ? db_err : redis_err;
        goto out;
    }
    rc = opts->dry_run && found_something(report, opts) ? 1 : 0;
out:
    free(details);
    lc_lock_release(&lock);
    return rc;
}
