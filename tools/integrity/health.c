/*
 * `lcbp3-integrity health`: runs the service checks (MariaDB, Redis, the backend's
 * /health) and checks the free space where sets go: the spool and every target whose
 * protocol tells it. Free space is judged against the size of the newest set, because
 * what matters is whether the next backups fit: less than two sets' worth is a
 * WARNING, less than one a CRITICAL. Before the first set exists the spool is judged
 * by percentage instead (WARNING below 10 % free, CRITICAL below 5 %).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "common/fs.h"
#include "common/mem.h"
#include "common/set_name.h"
#include "common/spool.h"
#include "common/target.h"
#include "common/units.h"
#include "tools/integrity/health.h"

#define SPACE_ACTION                                                                         \
    "free space there, or lower retention (keep_days, keep_daily, ...); 'lcbp3-backup prune " \
    "--dry-run' shows what would go"

double ic_health_elapsed_ms(const struct timespec *start)
{
    return lc_seconds_since(start) * 1000.0;
}

/* What a place has free, and what to judge it by. */
struct space {
    uint64_t free;
    uint64_t total;           /* 0: unknown */
    uint64_t set_size;        /* the newest set's size; 0: no set known */
};

/* The newest complete set of the spool (its size), or 0. */
static uint64_t newest_spool_set(const struct lc_config *cfg)
{
    struct lc_spool_list sets = {NULL, 0};
    struct lc_err ignored = LC_ERR_INIT;
    uint64_t size = 0;

    if (lc_spool_list(cfg->backup.spool_dir, &sets, &ignored) == 0 && sets.len > 0)
        size = sets.items[0].size;
    lc_spool_list_done(&sets);
    return size;
}

/* The newest complete set listed on a target (its size), or 0. */
static uint64_t newest_target_set(struct lc_target *t)
{
    struct lc_target_objects list = {NULL, 0};
    struct lc_err ignored = LC_ERR_INIT;
    struct lc_set_id id, best_id;
    uint64_t size = 0;

    memset(&best_id, 0, sizeof(best_id));
    if (lc_target_list(t, "", &list, &ignored) == 0) {
        for (size_t idx = 0; idx < list.len; idx++) {
            if (lc_set_name_parse(list.items[idx].name, &id) < 0 || id.when < best_id.when)
                continue;
            best_id = id;
            size = list.items[idx].size;
        }
    }
    lc_target_objects_done(&list);
    return size;
}

static enum ic_status grade_space(const struct space *s, char *threshold, size_t len)
{
    char one[16], two[16];

    if (s->set_size > 0) {
        lc_format_size(2 * s->set_size, two, sizeof(two));
        lc_format_size(s->set_size, one, sizeof(one));
        snprintf(threshold, len, "warn < 2 sets (%s), crit < 1 set (%s)", two, one);
        return s->free < s->set_size ? IC_CRITICAL : s->free < 2 * s->set_size ? IC_WARNING : IC_OK;
    }
    if (s->total > 0) {
        snprintf(threshold, len, "warn < 10 %%, crit < 5 %% free (no set yet)");
        return s->free * 20 < s->total ? IC_CRITICAL : s->free * 10 < s->total ? IC_WARNING : IC_OK;
    }
    snprintf(threshold, len, "no set yet to compare with");
    return IC_OK;
}

static void report_space(struct ic_report *r, const char *check, const char *where,
                         const struct space *s, const char *labels)
{
    char threshold[128], free_h[16], total_h[16];
    enum ic_status st = grade_space(s, threshold, sizeof(threshold));
    char *detail = NULL;

    lc_format_size(s->free, free_h, sizeof(free_h));
    lc_format_size(s->total, total_h, sizeof(total_h));
    if (st != IC_OK)
        detail = lc_xasprintf("%s has %s free: %s", where, free_h,
                              st == IC_CRITICAL ? "the next set will not fit"
                                                : "room for fewer than two more sets");
    if (s->total > 0)
        ic_report_addf(r, check, st, threshold, detail, st == IC_OK ? NULL : SPACE_ACTION, NULL,
                       "%s free of %s", free_h, total_h);
    else
        ic_report_addf(r, check, st, threshold, detail, st == IC_OK ? NULL : SPACE_ACTION, NULL,
                       "%s free", free_h);
    lc_metrics_gauge(ic_report_metrics(r), "lcbp3_free_bytes",
                     "free bytes where backup sets are written", labels, (double)s->free);
    free(detail);
}

/* statvfs of the spool, or of its nearest existing parent before the first run. */
static void check_spool_space(const struct lc_config *cfg, struct ic_report *r, uint64_t set_size)
{
    const char *dir = cfg->backup.spool_dir;
    char *path;
    struct statvfs vfs;
    struct space s = {0, 0, set_size};
    struct lc_err err = LC_ERR_INIT;
    char *labels;

    if (!dir)
        return; /* sets are streamed straight to the targets */
    path = lc_xstrdup(dir);
    while (access(path, F_OK) < 0 && strcmp(path, "/") != 0) {
        char *up = lc_fs_dirname(path);

        free(path);
        path = up;
    }
    if (statvfs(path, &vfs) < 0) {
        lc_err_sys(&err, LC_E_IO, "cannot query free space of '%s'", path);
        ic_report_unknown(r, "space.spool", &err, "check [backup] spool_dir");
        free(path);
        return;
    }
    s.free = (uint64_t)vfs.f_bavail * (uint64_t)vfs.f_frsize;
    s.total = (uint64_t)vfs.f_blocks * (uint64_t)vfs.f_frsize;
    labels = lc_metrics_labels("path", dir, NULL);
    report_space(r, "space.spool", dir, &s, labels);
    free(labels);
    free(path);
}

static void check_target_space(const struct lc_config *cfg, const struct lc_target_cfg *tc,
                               struct ic_report *r, uint64_t set_size)
{
    struct lc_err err = LC_ERR_INIT;
    struct lc_target *t = NULL;
    struct space s = {0, 0, set_size};
    char *check = lc_xasprintf("space.target.%s", tc->name);
    char *where = NULL, *labels = NULL;
    int known;

    (void)cfg;
    if (lc_target_open(tc, &t, &err) < 0) {
        ic_report_unknown(r, check, &err, "check the [target] section");
        goto out;
    }
    lc_target_no_retries(t);   /* a check answers promptly; cron runs it again */
    where = lc_target_describe(t);
    known = lc_target_free_space(t, &s.free, &err);
    if (known < 0) {
        lc_err_prefix(&err, "%s", where);
        ic_report_unknown(r, check, &err, "check that the target is up and reachable");
        goto out;
    }
    if (!known) {
        ic_report_addf(r, check, IC_OK, NULL, "the protocol does not report free space", NULL,
                       NULL, "not reported");
        goto out;
    }
    if (s.set_size == 0)
        s.set_size = newest_target_set(t);
    labels = lc_metrics_labels("target", tc->name, NULL);
    report_space(r, check, where, &s, labels);
out:
    free(labels);
    free(where);
    lc_target_free(t);
    free(check);
}

void ic_check_health(const struct lc_config *cfg, const struct ic_opts *opts, struct ic_report *r)
{
    uint64_t set_size;

    (void)opts;
    ic_report_group(r, "health");
    ic_health_mariadb(cfg, r);
    ic_health_redis(cfg, r);
    ic_health_http(cfg, r);
    set_size = newest_spool_set(cfg);
    check_spool_space(cfg, r, set_size);
    for (size_t idx = 0; idx < cfg->n_targets; idx++)
        check_target_space(cfg, &cfg->targets[idx], r, set_size);
}
