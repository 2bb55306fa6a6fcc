/*
 * lcbp3-dr plan and run: the recovery plan printed with what each step will do here and
 * which set would be restored; then run step by step, each step's start, result and
 * duration printed, stopping at the first failure with the command that resumes. The
 * run's progress is kept in a state file in the work directory
 * (lcbp3-dr-run.json: the plan's fingerprint, the set, when the run began, the steps
 * done), so that a rerun continues where it stopped. The end line gives the total time
 * since the run began (this host's measured RTO) and the age of the restored data (RPO).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "common/confirm.h"
#include "common/db.h"
#include "common/fs.h"
#include "common/http.h"
#include "common/redis_client.h"
#include "common/lock.h"
#include "common/log.h"
#include "common/mem.h"
#include "common/units.h"
#include "tools/dr/recovery.h"

#define STATE_FILE "lcbp3-dr-run.json"
#define LOCK_NAME "lcbp3-dr"

/* The set a run restores. */
struct chosen_set {
    char *name;
    time_t when;              /* its snapshot time, from its name */
    char *where;              /* "the spool" or "target 'asustor'" */
};

static void chosen_set_done(struct chosen_set *s)
{
    free(s->name);
    free(s->where);
    memset(s, 0, sizeof(*s));
}

/* The newest complete set in the spool or on any target (what `lcbp3-restore ... latest`
 * restores); targets are tried once. */
static int find_latest(const struct lc_config *cfg, struct chosen_set *out, struct lc_err *err)
{
    struct dr_latest latest;
    int found = dr_find_latest(cfg, 1, &latest, err);

    memset(out, 0, sizeof(*out));
    if (found < 0)
        return -1;
    if (!found)
        return lc_err_set(err, LC_E_NOINPUT, "no complete set in the spool or on any target: "
                          "there is nothing to restore");
    out->name = latest.name;
    latest.name = NULL;
    out->when = latest.when;
    out->where = latest.target ? lc_xasprintf("target '%s'", latest.target->name)
                               : lc_xstrdup("the spool");
    dr_latest_done(&latest);
    return 0;
}

/* ---- the plan ------------------------------------------------------------------------ */

static void print_step(const struct lc_config *cfg, const struct dr_step *s, size_t n,
                       const char *set, FILE *out)
{
    char limit[32], **argv = NULL, *line = NULL;

    lc_format_duration(s->timeout_ms, limit, sizeof(limit));
    fprintf(out, "%2zu. %s  [%s]%s\n", n, s->name ? s->name : dr_step_kind_name(s->kind),
            dr_step_kind_name(s->kind), dr_step_destructive(s) ? "  DESTRUCTIVE" : "");
    switch (s->kind) {
    case DR_STEP_START:
        line = dr_argv_string(s->command);
        fprintf(out, "    run (no shell, at most %s): %s\n", limit, line);
        break;
    case DR_STEP_WAIT_READY:
        if (strcmp(s->service, "mariadb") == 0) {
            char where[256];

            fprintf(out, "    connect to MariaDB at %s and SELECT 1, every second, "
                    "for at most %s\n", lc_db_describe(&cfg->mariadb, where, sizeof(where)), limit);
        } else if (strcmp(s->service, "redis") == 0) {
            fprintf(out, "    PING every Redis master (%s, %s%s), every second, for at most %s\n",
                    lc_redis_mode_name(cfg->redis.mode), cfg->redis.nodes[0],
                    cfg->redis.nodes[1] ? ", ..." : "", limit);
        } else {
            line = lc_http_redact_url(s->url);
            fprintf(out, "    GET %s until HTTP 2xx, every second, for at most %s\n", line, limit);
        }
        break;
    case DR_STEP_RESTORE_REDIS:
    case DR_STEP_RESTORE_DB:
        argv = dr_restore_argv(cfg, s->kind == DR_STEP_RESTORE_DB ? "db" : "redis", set);
        line = dr_argv_string(argv);
        fprintf(out, "    %s\n    (overwrites %s; every checksum is verified before anything "
                "is touched)\n", line,
                s->kind == DR_STEP_RESTORE_DB ? "the production database"
                                              : "production Redis keys");
        break;
    case DR_STEP_VERIFY:
        fprintf(out, "    lcbp3-integrity %s (fails when a check cannot run or a service is "
                "CRITICAL;\n"
                "    the sequences' findings describe the restored data and are reported)\n",
                s->checks);
        break;
    case DR_STEP_HEALTH:
        if (s->url || cfg->dr.health_url) {
            line = lc_http_redact_url(s->url ? s->url : cfg->dr.health_url);
            fprintf(out, "    GET %s until HTTP 2xx, for at most %s\n", line, limit);
        } else {
            fprintf(out, "    (no url and no [dr] health_url: this step will fail)\n");
        }
        break;
    case DR_STEP_MANUAL:
        fprintf(out, "    you: %s\n    (then type 'done')\n", s->text);
        break;
    }
    lc_strv_free(argv);
    free(line);
}

static void print_set(const struct chosen_set *set, time_t now, FILE *out)
{
    char stamp[32], age[32];

    lc_format_utc(set->when, stamp, sizeof(stamp));
    if (now - set->when < 1)
        snprintf(age, sizeof(age), "0s");   /* set names have whole seconds */
    else
        lc_format_duration(((int64_t)now - (int64_t)set->when) * 1000, age, sizeof(age));
    fprintf(out, "Set to restore: %s (%s), taken %s, %s ago: the data written since then is\n"
            "lost unless it is recovered otherwise (RPO).\n",
            set->name, set->where, stamp, age);
}

int dr_plan(const struct lc_config *cfg, const struct dr_opts *opts, struct lc_err *err)
{
    struct dr_plan plan;
    struct chosen_set set;
    struct lc_err set_err = LC_ERR_INIT;
    int rc;

    (void)opts;
    if (dr_plan_load(cfg, &plan, err) < 0)
        return -1;
    rc = find_latest(cfg, &set, &set_err);
    printf("Recovery plan (%s), %zu steps:\n\n", plan.source, plan.len);
    for (size_t idx = 0; idx < plan.len; idx++)
        print_step(cfg, &plan.steps[idx], idx + 1, rc == 0 ? set.name : "latest", stdout);
    printf("\n");
    if (rc == 0)
        print_set(&set, time(NULL), stdout);
    else
        printf("Set to restore: none. %s\n", set_err.msg);
    printf("Run it with: lcbp3-dr run   (asks before step %zu; resumable)\n",
           plan.len ? (size_t)1 : (size_t)0);
    fflush(stdout);
    chosen_set_done(&set);
    dr_plan_done(&plan);
    if (rc < 0)
        *err = set_err;
    return rc < 0 ? -1 : 0;
}

/* ---- the run's state ----------------------------------------------------------------- */

struct run_state {
    char *fingerprint;
    struct chosen_set set;
    time_t started_at;
    size_t done;              /* steps completed, in order */
};

static char *state_path(const struct lc_config *cfg)
{
    return lc_xasprintf("%s/" STATE_FILE, lc_config_work_dir(cfg));
}

/* 1 and *st when a state file is there and readable, 0 when there is none. */
static int state_load(const char *path, struct run_state *st, struct lc_err *err)
{
    json_object *root, *v;

    memset(st, 0, sizeof(*st));
    if (access(path, F_OK) != 0)
        return 0;
    root = json_object_from_file(path);
    if (!root || !json_object_is_type(root, json_type_object) ||
        !json_object_object_get_ex(root, "set", &v) || !json_object_is_type(v, json_type_string)) {
        if (root)
            json_object_put(root);
        lc_err_set(err, LC_E_DATA, "the run state '%s' cannot be read", path);
        lc_err_hint(err, "remove it to start the recovery from the beginning");
        return -1;
    }
    st->set.name = lc_xstrdup(json_object_get_string(v));
    st->set.where = lc_xstrdup("the stopped run");
    if (json_object_object_get_ex(root, "fingerprint", &v))
        st->fingerprint = lc_xstrdup(json_object_get_string(v));
    if (json_object_object_get_ex(root, "set_time", &v))
        st->set.when = (time_t)json_object_get_int64(v);
    if (json_object_object_get_ex(root, "started_at", &v))
        st->started_at = (time_t)json_object_get_int64(v);
    if (json_object_object_get_ex(root, "steps_done", &v))
        st->done = (size_t)json_object_get_int64(v);
    json_object_put(root);
    return 1;
}

static int state_save(const char *path, const struct run_state *st, struct lc_err *err)
{
    json_object *root = json_object_new_object();
    const char *text;
    int rc;

    json_object_object_add(root, "fingerprint", json_object_new_string(st->fingerprint));
    json_object_object_add(root, "set", json_object_new_string(st->set.name));
    json_object_object_add(root, "set_time", json_object_new_int64((int64_t)st->set.when));
    json_object_object_add(root, "started_at", json_object_new_int64((int64_t)st->started_at));
    json_object_object_add(root, "steps_done", json_object_new_int64((int64_t)st->done));
    text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY);
    rc = lc_fs_write_atomic(path, text, strlen(text), 0600, err);
    json_object_put(root);
    return rc;
}

static void state_done(struct run_state *st)
{
    free(st->fingerprint);
    chosen_set_done(&st->set);
}

/* ---- the run ------------------------------------------------------------------------- */

/* Where this run starts, from --from-step and a stopped run's state; a state from another
 * plan is not resumed. Fills st (new or resumed). Returns the index of the first step. */
static int start_point(const struct lc_config *cfg, const struct dr_opts *opts,
                       const struct dr_plan *plan, const char *path, struct run_state *st,
                       size_t *first, struct lc_err *err)
{
    char *fingerprint = dr_plan_fingerprint(plan);
    int have = state_load(path, st, err);

    if (have < 0) {
        free(fingerprint);
        return -1;
    }
    if (have && strcmp(st->fingerprint ? st->fingerprint : "", fingerprint) != 0) {
        lc_log_warn("the plan changed since the stopped run (%s): starting a new run", path);
        state_done(st);
        have = 0;
    }
    if (!have) {
        if (find_latest(cfg, &st->set, err) < 0) {
            free(fingerprint);
            return -1;
        }
        st->started_at = time(NULL);
        st->done = 0;
    } else {
        free(st->fingerprint);
    }
    st->fingerprint = fingerprint;
    *first = opts->from_step ? (size_t)opts->from_step - 1 : st->done;
    if (*first >= plan->len && opts->from_step)
        return lc_err_set(err, LC_E_USAGE, "--from-step %ld: the plan has %zu steps",
                          opts->from_step, plan->len);
    if (have && !opts->from_step) {
        char stamp[32];

        lc_format_utc(st->started_at, stamp, sizeof(stamp));
        printf("Resuming the run begun at %s: steps 1-%zu are done, going on with step %zu.\n",
               stamp, st->done, st->done + 1);
    }
    return 0;
}

/* Asks before the first destructive step among those about to run. */
static int confirm(const struct lc_config *cfg, const struct dr_opts *opts,
                   const struct dr_plan *plan, size_t first, struct lc_err *err)
{
    char question[512];

    if (opts->yes)
        return 0;
    for (size_t idx = first; idx < plan->len; idx++) {
        if (!dr_step_destructive(&plan->steps[idx]))
            continue;
        snprintf(question, sizeof(question),
                 "Step %zu and the restores after it overwrite production (database '%s' and "
                 "Redis).", idx + 1, cfg->mariadb.databases[0]);
        return lc_confirm_typed(question, "yes", "--yes", err);
    }
    return 0;
}

static void print_end(const struct run_state *st)
{
    char rto[32], rpo[32], stamp[32];
    time_t now = time(NULL);

    lc_format_duration(((int64_t)now - (int64_t)st->started_at) * 1000, rto, sizeof(rto));
    lc_format_duration(((int64_t)st->started_at - (int64_t)st->set.when) * 1000, rpo, sizeof(rpo));
    lc_format_utc(st->set.when, stamp, sizeof(stamp));
    printf("Recovery complete in %s (RTO, since the run began); restored data from %s, %s "
           "before the run began (RPO).\n", rto, stamp, rpo);
    lc_log_info("recovery complete: RTO %s, RPO %s, set %s", rto, rpo, st->set.name);
}

static int run_steps(const struct lc_config *cfg, const struct dr_plan *plan, struct run_state *st,
                     size_t first, const char *path, struct lc_err *err)
{
    for (size_t idx = first; idx < plan->len; idx++) {
        const struct dr_step *s = &plan->steps[idx];
        const char *name = s->name ? s->name : dr_step_kind_name(s->kind);
        struct timespec t0;
        char stamp[32];

        lc_format_utc(time(NULL), stamp, sizeof(stamp));
        printf("==> step %zu/%zu: %s [%s], started %s\n", idx + 1, plan->len, name,
               dr_step_kind_name(s->kind), stamp);
        fflush(stdout);
        clock_gettime(CLOCK_MONOTONIC, &t0);
        if (dr_step_run(cfg, s, st->set.name, err) < 0) {
            printf("    FAILED after %.1f s: %s\n", lc_seconds_since(&t0), err->msg);
            fflush(stdout);
            lc_err_prefix(err, "step %zu (%s) failed", idx + 1, name);
            lc_err_hint(err, "fix the cause, then 'lcbp3-dr run' resumes at step %zu ('--from-step "
                        "%zu' to skip it once it is done by hand)", idx + 1, idx + 2);
            return -1;
        }
        printf("    ok in %.1f s\n", lc_seconds_since(&t0));
        fflush(stdout);
        st->done = idx + 1;
        if (state_save(path, st, err) < 0)
            return -1;
    }
    return 0;
}

int dr_run(const struct lc_config *cfg, const struct dr_opts *opts, struct lc_err *err)
{
    struct lc_lock lock = LC_LOCK_INIT;
    struct dr_plan plan = {NULL, 0, NULL};
    struct run_state st;
    char *path = state_path(cfg);
    size_t first = 0;
    int rc = -1;

    memset(&st, 0, sizeof(st));
    if (lc_lock_take(&lock, cfg->backup.lock_dir, LOCK_NAME, err) < 0)
        goto out;
    if (dr_plan_load(cfg, &plan, err) < 0 ||
        lc_fs_mkdir_p(lc_config_work_dir(cfg), 0700, err) < 0 ||
        start_point(cfg, opts, &plan, path, &st, &first, err) < 0)
        goto out;
    lc_cli_log_begin(&opts->cli, cfg, "run", st.set.name);
    print_set(&st.set, st.started_at, stdout);
    if (confirm(cfg, opts, &plan, first, err) < 0 || state_save(path, &st, err) < 0)
        goto out;
    if (run_steps(cfg, &plan, &st, first, path, err) < 0)
        goto out;
    print_end(&st);
    if (unlink(path) < 0)
        lc_log_warn("the finished run's state '%s' was not removed", path);
    rc = 0;
out:
    fflush(stdout);
    state_done(&st);
    dr_plan_done(&plan);
    free(path);
    lc_lock_release(&lock);
    return rc;
}
