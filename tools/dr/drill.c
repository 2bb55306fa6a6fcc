/*
 * `lcbp3-dr drill [--report DIR]`: a measured recovery somewhere harmless. Refuses
 * before anything when the scratch database or Redis database is production; takes the
 * newest complete set; restores it with `lcbp3-restore set FILE --into SCRATCH
 * --redis-db N --yes` as a child process (one verification of the set, the order of a
 * real recovery); compares the scratch copy with the set and runs `lcbp3-integrity
 * sequences` on it; measures RTO (drill start
 * until restored and verified) and RPO (drill start minus the set's snapshot time);
 * judges them against the [dr] targets; writes the report and the metrics. A drill
 * that could not run still writes its report when it got as far as choosing where.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/db.h"
#include "common/fs.h"
#include "common/lock.h"
#include "common/log.h"
#include "common/mem.h"
#include "common/units.h"
#include "tools/dr/dr.h"
#include "tools/dr/drill.h"

#define DRILL_LOCK_NAME "lcbp3-dr-drill"

void drill_init(struct drill *d)
{
    memset(d, 0, sizeof(*d));
    d->scratch_redis_db = -1;
    d->rto_seconds = -1;
    d->rpo_seconds = -1;
    d->verdict = "failed";
    d->started_at = time(NULL);
    clock_gettime(CLOCK_MONOTONIC, &d->t0);
}

void drill_done(struct drill *d)
{
    for (size_t idx = 0; idx < d->n_steps; idx++) {
        free(d->steps[idx].name);
        free(d->steps[idx].detail);
    }
    for (size_t idx = 0; idx < d->n_checks; idx++) {
        free(d->checks[idx].name);
        free(d->checks[idx].detail);
    }
    if (d->fetch_dir) {
        struct lc_err ignored = LC_ERR_INIT;

        if (lc_fs_remove_tree(d->fetch_dir, &ignored) < 0)
            lc_log_warn("%s, skipping", ignored.msg);
    }
    if (d->have_manifest)
        lc_manifest_done(&d->manifest);
    free(d->steps);
    free(d->checks);
    free(d->set);
    free(d->set_path);
    free(d->fetch_dir);
    free(d->redis_note);
    free(d->stamp);
    free(d->log_path);
}

double drill_elapsed(const struct drill *d)
{
    return lc_seconds_since(&d->t0);
}

size_t drill_step_begin(struct drill *d, const char *name)
{
    struct drill_step *s;

    d->steps = lc_xrealloc(d->steps, (d->n_steps + 1) * sizeof(*d->steps));
    s = &d->steps[d->n_steps];
    memset(s, 0, sizeof(*s));
    s->name = lc_xstrdup(name);
    s->started_at = time(NULL);
    s->seconds = drill_elapsed(d); /* the offset until drill_step_end() */
    s->result = DRILL_FAILED;
    return d->n_steps++;
}

static char *vformat(const char *fmt, va_list ap)
{
    return fmt ? lc_xvasprintf(fmt, ap) : NULL;
}

void drill_step_end(struct drill *d, size_t idx, const char *result, const char *fmt, ...)
{
    struct drill_step *s = &d->steps[idx];
    va_list ap;

    s->seconds = drill_elapsed(d) - s->seconds;
    s->result = result;
    va_start(ap, fmt);
    s->detail = vformat(fmt, ap);
    va_end(ap);
}

void drill_check_add(struct drill *d, const char *name, const char *status, const char *fmt, ...)
{
    struct drill_check *c;
    va_list ap;

    d->checks = lc_xrealloc(d->checks, (d->n_checks + 1) * sizeof(*d->checks));
    c = &d->checks[d->n_checks++];
    c->name = lc_xstrdup(name);
    c->status = status;
    va_start(ap, fmt);
    c->detail = vformat(fmt, ap);
    va_end(ap);
}

/*
 * The guard: a drill never restores over production. The scratch database must be a
 * valid name and none of [mariadb] database; the scratch Redis database must not be
 * [redis] db. A Redis Cluster has only database 0, production's: there the Redis part
 * is skipped with a note, the MariaDB part still drilled.
 */
static int check_scratch(const struct lc_config *cfg, struct drill *d, struct lc_err *err)
{
    const char *scratch = cfg->dr.scratch_database;

    if (!scratch || !*scratch || !lc_db_ident_valid(scratch))
        return lc_err_set(err, LC_E_CONFIG, "[dr] scratch_database '%s' is not a valid database "
                          "name", scratch ? scratch : "");
    for (size_t idx = 0; cfg->mariadb.databases && cfg->mariadb.databases[idx]; idx++)
        if (strcmp(cfg->mariadb.databases[idx], scratch) == 0) {
            lc_err_set(err, LC_E_CONFIG, "refusing to drill: [dr] scratch_database '%s' is a "
                       "production database ([mariadb] database)", scratch);
            lc_err_hint(err, "set [dr] scratch_database to a database of its own, e.g. "
                             "lcbp3_drill");
            return -1;
        }
    d->scratch_db = scratch;
    if (cfg->redis.mode == LC_REDIS_CLUSTER) {
        d->redis_note = lc_xstrdup("skipped: a Redis Cluster has only database 0, which is "
                                   "production");
        return 0;
    }
    if (cfg->dr.scratch_redis_db == cfg->redis.db) {
        lc_err_set(err, LC_E_CONFIG, "refusing to drill: [dr] scratch_redis_db %u is the "
                   "production Redis database ([redis] db)", cfg->dr.scratch_redis_db);
        lc_err_hint(err, "set [dr] scratch_redis_db to a database the system does not use, "
                         "e.g. 15");
        return -1;
    }
    d->scratch_redis_db = (long)cfg->dr.scratch_redis_db;
    return 0;
}

/* The report directory: --report DIR, else <work dir>/drills (created 0700). */
static char *report_dir(const struct lc_config *cfg, const struct dr_opts *opts, struct lc_err *err)
{
    char *dir = opts->report_dir ? lc_xstrdup(opts->report_dir)
                                 : lc_xasprintf("%s/drills", lc_config_work_dir(cfg));

    if (lc_fs_mkdir_p(dir, 0700, err) < 0) {
        lc_err_prefix(err, "report directory");
        free(dir);
        return NULL;
    }
    return dir;
}

/* The restore command line (a new NULL-terminated vector: lc_strv_free() it). */
static char **restore_argv(const struct lc_config *cfg, const struct drill *d)
{
    char **argv = lc_xcalloc(14, sizeof(char *));
    size_t n = 0;

    argv[n++] = dr_tool_path("lcbp3-restore");
    if (cfg->path) {
        argv[n++] = lc_xstrdup("--config");
        argv[n++] = lc_xstrdup(cfg->path);
    }
    argv[n++] = lc_xstrdup(d->scratch_redis_db >= 0 ? "set" : "db");
    argv[n++] = lc_xstrdup(d->set_path);
    argv[n++] = lc_xstrdup("--into");
    argv[n++] = lc_xstrdup(d->scratch_db);
    if (d->scratch_redis_db >= 0) {
        argv[n++] = lc_xstrdup("--redis-db");
        argv[n++] = lc_xasprintf("%ld", d->scratch_redis_db);
    }
    argv[n++] = lc_xstrdup("--yes");
    return argv;
}

/* An exit status of lcbp3-restore as the drill's own status. */
static enum lc_status child_status(const struct dr_exec_result *r)
{
    if (r->exit_code >= LC_E_USAGE && r->exit_code <= LC_E_CONFIG)
        return (enum lc_status)r->exit_code;
    return r->timed_out || r->term_signal ? LC_E_TEMPFAIL : LC_E_SOFTWARE;
}

static int run_restore(const struct lc_config *cfg, struct drill *d, struct lc_err *err)
{
    struct dr_exec_result res;
    char **argv = restore_argv(cfg, d);
    char *line = dr_argv_string(argv);
    size_t step = drill_step_begin(d, "restore");
    int rc = -1;

    lc_log_info("restoring: %s", line);
    if (dr_exec(argv, 0, d->log_path, &res, err) < 0) {
        drill_step_end(d, step, DRILL_FAILED, "%s: %s", line, err->msg);
        goto out;
    }
    if (res.exit_code != 0) {
        lc_err_set(err, child_status(&res), "the restore of '%s' into the scratch database failed: "
                   "lcbp3-restore exited %d%s", d->set, res.exit_code,
                   res.timed_out ? " (timed out)" : "");
        lc_err_hint(err, "its output is in '%s'", d->log_path);
        drill_step_end(d, step, DRILL_FAILED, "%s: exited %d (output in %s)", line,
                       res.exit_code, d->log_path);
        goto out;
    }
    drill_step_end(d, step, DRILL_OK, "%s", line);
    rc = 0;
out:
    free(line);
    lc_strv_free(argv);
    return rc;
}

/* find the set, restore it, read its manifest, compare: the measured part */
static int drill_steps(const struct lc_config *cfg, const char *dir, struct drill *d,
                       struct lc_err *err)
{
    size_t step = drill_step_begin(d, "find set");
    char when[32];

    if (drill_find_set(cfg, lc_config_work_dir(cfg), d, err) < 0) {
        drill_step_end(d, step, DRILL_FAILED, "%s", err->msg);
        return -1;
    }
    drill_step_end(d, step, DRILL_OK, "%s", d->set_path);
    if (run_restore(cfg, d, err) < 0)
        return -1;
    step = drill_step_begin(d, "read manifest");
    if (drill_read_manifest(d, err) < 0) {
        drill_step_end(d, step, DRILL_FAILED, "%s", err->msg);
        return -1;
    }
    lc_format_utc(d->set_time, when, sizeof(when));
    drill_step_end(d, step, DRILL_OK, "%zu members, snapshot taken %s", d->manifest.n_members,
                   when);
    step = drill_step_begin(d, "verify");
    if (drill_verify(cfg, d, err) < 0) {
        drill_step_end(d, step, DRILL_FAILED, "%s", err->msg);
        return -1;
    }
    drill_step_end(d, step, DRILL_OK, "%zu checks", d->n_checks);
    if (d->manifest.mariadb_version) {
        step = drill_step_begin(d, "integrity");
        if (drill_integrity(cfg, dir, d, err) < 0) {
            drill_step_end(d, step, DRILL_FAILED, "%s", err->msg);
            return -1;
        }
        drill_step_end(d, step, DRILL_OK, "%s", d->checks[d->n_checks - 1].detail);
    }
    d->verified = 1;
    d->rto_seconds = drill_elapsed(d);
    return 0;
}

/* One line on stdout (the result) and the end line in the log. */
static void print_result(const struct drill *d, const char *md_path)
{
    printf("drill %s: set %s, RTO %.1f s, RPO %.0f s; report %s\n", d->verdict,
           d->set ? d->set : "none", d->rto_seconds, d->rpo_seconds,
           md_path ? md_path : "(not written)");
    fflush(stdout);
}

int dr_drill(const struct lc_config *cfg, const struct dr_opts *opts, struct lc_err *err)
{
    struct lc_lock lock = LC_LOCK_INIT;
    struct drill d;
    struct lc_err report_err = LC_ERR_INIT;
    char *dir = NULL, *md_path = NULL;
    char stamp[32];
    int rc = -1, ran;

    drill_init(&d);
    if (check_scratch(cfg, &d, err) < 0 ||
        lc_lock_take(&lock, cfg->backup.lock_dir, DRILL_LOCK_NAME, err) < 0 ||
        !(dir = report_dir(cfg, opts, err)))
        goto out;
    lc_format_utc(d.started_at, stamp, sizeof(stamp));
    d.stamp = lc_xstrdup(stamp);
    for (char *p = d.stamp; *p; p++)
        if (*p == '-' || *p == ':')
            memmove(p, p + 1, strlen(p));
    d.log_path = lc_xasprintf("%s/drill-%s.log", dir, d.stamp);
    lc_cli_log_begin(&opts->cli, cfg, "drill", dir);
    ran = drill_steps(cfg, dir, &d, err);
    if (d.set_time > 0)
        d.rpo_seconds = difftime(d.started_at, d.set_time);
    d.finished_at = time(NULL);
    drill_judge(cfg, &d);
    if (drill_write_report(&d, dir, &md_path, &report_err) < 0) {
        if (ran == 0) {
            *err = report_err;
            ran = -1;
        } else {
            lc_log_warn("the drill report: %s, skipping", report_err.msg);
        }
    }
    if (ran == 0) {
        print_result(&d, md_path);
        rc = strcmp(d.verdict, "passed") == 0 ? 0 : 1;
    } else if (md_path) {
        lc_log_info("report written: '%s'", md_path);
    }
    drill_publish_metrics(cfg, &d, rc >= 0 ? rc : (int)err->status);
out:
    lc_lock_release(&lock);
    drill_done(&d);
    free(dir);
    free(md_path);
    return rc;
}
