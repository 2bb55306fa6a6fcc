/*
 * Carrying out one step of the recovery plan: a configured command, waiting for a
 * service (polled once a second, bounded by the step's timeout, instead of `sleep`),
 * the restores and checks through lcbp3-restore and lcbp3-integrity, the backend's
 * /health, and an instruction for the operator.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/confirm.h"
#include "common/db.h"
#include "common/http.h"
#include "common/log.h"
#include "common/mem.h"
#include "common/redis_client.h"
#include "common/signals.h"
#include "common/units.h"
#include "tools/dr/recovery.h"

#define POLL_INTERVAL_S 1
#define PROBE_TIMEOUT_MS 5000   /* one try of a wait-ready poll */

/* ---- one try of each service --------------------------------------------------------- */

static int probe_mariadb(const struct lc_config *cfg, struct lc_err *err)
{
    MYSQL *db = lc_db_connect(&cfg->mariadb, "lcbp3-dr", err);
    char *one = NULL;
    int rc;

    if (!db)
        return -1;
    rc = lc_db_query_value(db, "SELECT 1", &one, err);
    free(one);
    lc_db_close(db);
    return rc;
}

static int probe_redis(const struct lc_config *cfg, struct lc_err *err)
{
    char **masters = NULL;
    int rc = lc_redis_masters(&cfg->redis, &masters, err);

    for (size_t idx = 0; rc == 0 && masters[idx]; idx++) {
        redisContext *c = lc_redis_connect(masters[idx], &cfg->redis, err);   /* PINGs */

        if (!c)
            rc = -1;
        else
            redisFree(c);
    }
    lc_strv_free(masters);
    return rc;
}

static int probe_url(const char *url, struct lc_err *err)
{
    char *shown;
    long status = 0;
    int rc;

    if (lc_http_get(url, PROBE_TIMEOUT_MS, &status, NULL, err) < 0)
        return -1;
    if (status >= 200 && status < 300)
        return 0;
    shown = lc_http_redact_url(url);
    rc = lc_err_set(err, LC_E_UNAVAILABLE, "%s answered HTTP %ld", shown, status);
    free(shown);
    return rc;
}

static int probe(const struct lc_config *cfg, const char *service, const char *url,
                 struct lc_err *err)
{
    if (strcmp(service, "mariadb") == 0)
        return probe_mariadb(cfg, err);
    if (strcmp(service, "redis") == 0)
        return probe_redis(cfg, err);
    return probe_url(url, err);
}

/* Polls until the service answers or the step's time is up; the last failure is the
 * step's error. */
static int wait_ready(const struct lc_config *cfg, const struct dr_step *step, const char *service,
                      const char *url, struct lc_err *err)
{
    struct timespec t0;
    unsigned tries = 0;
    char limit[32];

    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        lc_err_clear(err);
        tries++;
        if (probe(cfg, service, url, err) == 0) {
            if (tries > 1)
                lc_log_info("%s ready after %u tries", service, tries);
            return 0;
        }
        if (lc_check_interrupted(err) < 0)
            return -1;
        if (lc_seconds_since(&t0) * 1000.0 + POLL_INTERVAL_S * 1000.0 > (double)step->timeout_ms)
            break;
        lc_log_debug("%s not ready yet: %s", service, err->msg);
        sleep(POLL_INTERVAL_S);
    }
    lc_format_duration(step->timeout_ms, limit, sizeof(limit));
    lc_err_prefix(err, "not ready after %s (%u tries); the last try", limit, tries);
    return -1;
}

/* ---- child programs ------------------------------------------------------------------ */

/* Runs argv; 0 when it exited with one of the codes up to `max_ok`. */
static int run_child(char **argv, int64_t timeout_ms, int max_ok, struct lc_err *err)
{
    struct dr_exec_result res;
    char *shown = dr_argv_string(argv);
    int rc = -1;

    lc_log_info("running: %s", shown);
    if (dr_exec(argv, timeout_ms, NULL, &res, err) < 0)
        goto out;
    if (res.exit_code >= 0 && res.exit_code <= max_ok) {
        rc = 0;
    } else if (res.timed_out) {
        char limit[32];

        lc_format_duration(timeout_ms, limit, sizeof(limit));
        lc_err_set(err, LC_E_UNAVAILABLE, "'%s' did not finish within %s (stopped)", shown, limit);
    } else if (res.term_signal) {
        lc_err_set(err, LC_E_TEMPFAIL, "'%s' was ended by signal %d", shown, res.term_signal);
    } else {
        lc_err_set(err, res.exit_code == 65 ? LC_E_DATA : LC_E_UNAVAILABLE,
                   "'%s' exited %d (its messages are above)", shown, res.exit_code);
    }
out:
    free(shown);
    return rc;
}

char **dr_restore_argv(const struct lc_config *cfg, const char *what, const char *set)
{
    char **argv = lc_xcalloc(8, sizeof(*argv));
    size_t n = 0;

    argv[n++] = dr_tool_path("lcbp3-restore");
    if (cfg->path) {
        argv[n++] = lc_xstrdup("--config");
        argv[n++] = lc_xstrdup(cfg->path);
    }
    argv[n++] = lc_xstrdup(what);
    argv[n++] = lc_xstrdup(set);
    argv[n++] = lc_xstrdup("--yes");
    return argv;
}

char **dr_integrity_argv(const struct lc_config *cfg, const char *check)
{
    char **argv = lc_xcalloc(8, sizeof(*argv));
    size_t n = 0;

    argv[n++] = dr_tool_path("lcbp3-integrity");
    if (cfg->path) {
        argv[n++] = lc_xstrdup("--config");
        argv[n++] = lc_xstrdup(cfg->path);
    }
    argv[n++] = lc_xstrdup(check);
    return argv;
}

int dr_verify_max_ok(const char *check)
{
    /* sequences: CRITICAL and WARNING describe the data the set brought back as it was;
     * only a check that cannot run (UNKNOWN: a table missing) fails the recovery */
    return strcmp(check, "sequences") == 0 ? 2 : 1;
}

static int verify(const struct lc_config *cfg, const struct dr_step *step, struct lc_err *err)
{
    char **checks = NULL;
    int rc;

    if (dr_split_command(step->checks, &checks, err) < 0)
        return -1;
    rc = 0;
    for (size_t idx = 0; rc == 0 && checks[idx]; idx++) {
        char **argv = dr_integrity_argv(cfg, checks[idx]);

        rc = run_child(argv, step->timeout_ms, dr_verify_max_ok(checks[idx]), err);
        lc_strv_free(argv);
    }
    lc_strv_free(checks);
    return rc;
}

/* ---- one step ------------------------------------------------------------------------ */

int dr_step_run(const struct lc_config *cfg, const struct dr_step *step, const char *set,
                struct lc_err *err)
{
    char **argv;
    int rc;

    switch (step->kind) {
    case DR_STEP_START:
        return run_child(step->command, step->timeout_ms, 0, err);
    case DR_STEP_WAIT_READY:
        return wait_ready(cfg, step, step->service, step->url, err);
    case DR_STEP_HEALTH:
        if (!step->url && !cfg->dr.health_url)
            return lc_err_set(err, LC_E_CONFIG, "no url for this step and no [dr] health_url");
        return wait_ready(cfg, step, "url", step->url ? step->url : cfg->dr.health_url, err);
    case DR_STEP_RESTORE_REDIS:
    case DR_STEP_RESTORE_DB:
        argv = dr_restore_argv(cfg, step->kind == DR_STEP_RESTORE_DB ? "db" : "redis", set);
        rc = run_child(argv, step->timeout_ms, 0, err);
        lc_strv_free(argv);
        return rc;
    case DR_STEP_VERIFY:
        return verify(cfg, step, err);
    case DR_STEP_MANUAL:
        if (!isatty(STDIN_FILENO))
            return lc_err_set(err, LC_E_USAGE, "this step needs an operator at a terminal: %s",
                              step->text);
        return lc_confirm_typed(step->text, "done", "--yes", err);
    }
    return lc_err_set(err, LC_E_SOFTWARE, "unknown step kind");
}
