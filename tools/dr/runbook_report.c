/*
 * The runbooks' shared report and helpers (see runbook_report.h): facts, findings and
 * the recommended action as text or JSON, the MariaDB connection and GRANT hints, the
 * operator of an --apply, and the Redis PING latency.
 */
#include <json-c/json.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/db.h"
#include "common/mem.h"
#include "common/redis_client.h"
#include "tools/dr/runbook_report.h"

void dr_rb_init(struct dr_rb *rb, const char *name)
{
    memset(rb, 0, sizeof(*rb));
    rb->name = name;
}

static void free_lines(char **lines, size_t n)
{
    for (size_t idx = 0; idx < n; idx++)
        free(lines[idx]);
    free(lines);
}

void dr_rb_done(struct dr_rb *rb)
{
    free_lines(rb->facts, rb->n_facts);
    free_lines(rb->findings, rb->n_findings);
    free_lines(rb->actions, rb->n_actions);
    free_lines(rb->applied, rb->n_applied);
    memset(rb, 0, sizeof(*rb));
}

static void add_line(char ***lines, size_t *n, const char *fmt, va_list ap, int unique)
{
    char *line = lc_xvasprintf(fmt, ap);

    for (size_t idx = 0; unique && idx < *n; idx++)
        if (strcmp((*lines)[idx], line) == 0) {
            free(line);
            return;
        }
    *lines = lc_xrealloc(*lines, (*n + 1) * sizeof(char *));
    (*lines)[(*n)++] = line;
}

#define ADD_LINE(field, unique)                                                               \
    do {                                                                                      \
        va_list ap;                                                                           \
        va_start(ap, fmt);                                                                    \
        add_line(&rb->field, &rb->n_##field, fmt, ap, unique);                                \
        va_end(ap);                                                                           \
    } while (0)

void dr_rb_fact(struct dr_rb *rb, const char *fmt, ...)
{
    ADD_LINE(facts, 0);
}

void dr_rb_finding(struct dr_rb *rb, const char *fmt, ...)
{
    ADD_LINE(findings, 0);
}

void dr_rb_action(struct dr_rb *rb, const char *fmt, ...)
{
    ADD_LINE(actions, 1);
}

void dr_rb_applied(struct dr_rb *rb, const char *fmt, ...)
{
    ADD_LINE(applied, 0);
}

static json_object *json_lines(char **lines, size_t n)
{
    json_object *a = json_object_new_array();

    for (size_t idx = 0; idx < n; idx++)
        json_object_array_add(a, json_object_new_string(lines[idx]));
    return a;
}

int dr_rb_print(const struct dr_rb *rb, int json)
{
    int found = rb->n_findings > 0;

    if (json) {
        json_object *o = json_object_new_object();

        json_object_object_add(o, "runbook", json_object_new_string(rb->name));
        json_object_object_add(o, "facts", json_lines(rb->facts, rb->n_facts));
        json_object_object_add(o, "findings", json_lines(rb->findings, rb->n_findings));
        json_object_object_add(o, "actions", json_lines(rb->actions, rb->n_actions));
        json_object_object_add(o, "applied", json_lines(rb->applied, rb->n_applied));
        json_object_object_add(o, "exit_code", json_object_new_int(found));
        printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
                                                              JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(o);
        fflush(stdout);
        return found;
    }
    printf("Runbook %s\n\n", rb->name);
    for (size_t idx = 0; idx < rb->n_facts; idx++)
        printf("  %s\n", rb->facts[idx]);
    if (rb->n_applied) {
        printf("\nApplied:\n");
        for (size_t idx = 0; idx < rb->n_applied; idx++)
            printf("  - %s\n", rb->applied[idx]);
    }
    if (found) {
        printf("\nFindings (%zu):\n", rb->n_findings);
        for (size_t idx = 0; idx < rb->n_findings; idx++)
            printf("  - %s\n", rb->findings[idx]);
    } else {
        printf("\nFindings: none.\n");
    }
    if (rb->n_actions) {
        printf("\nRecommended action:\n");
        for (size_t idx = 0; idx < rb->n_actions; idx++)
            printf("  %s\n", rb->actions[idx]);
    } else if (!rb->n_applied) {
        printf("\nRecommended action: none, nothing to do.\n");
    }
    fflush(stdout);
    return found;
}

char *dr_rb_shell_word(const char *s)
{
    struct lc_buf b = LC_BUF_INIT;
    int plain = *s != '\0';

    for (const char *p = s; *p && plain; p++)
        plain = strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.,:/=+@%",
                       *p) != NULL;
    if (plain)
        return lc_xstrdup(s);
    lc_buf_putc(&b, '\'');
    for (const char *p = s; *p; p++) {
        if (*p == '\'')
            lc_buf_puts(&b, "'\\''");
        else
            lc_buf_putc(&b, *p);
    }
    lc_buf_putc(&b, '\'');
    return lc_buf_steal(&b);
}

MYSQL *dr_rb_connect(const struct lc_config *cfg, struct lc_err *err)
{
    return lc_db_connect(&cfg->mariadb, "lcbp3-dr", err);
}

static char *current_user(MYSQL *db)
{
    struct lc_err ignored = LC_ERR_INIT;
    char *who = NULL;

    if (lc_db_query_value(db, "SELECT CURRENT_USER()", &who, &ignored) < 0 || !who)
        return lc_xstrdup("?");
    return who;
}

/* 'user'@'host' as GRANT spells it, from CURRENT_USER()'s user@host. */
static char *grant_account(MYSQL *db)
{
    char *who = current_user(db);
    char *at = strrchr(who, '@');
    char *account;

    if (!at)
        return who;
    *at = '\0';
    account = lc_xasprintf("'%s'@'%s'", who, at + 1);
    free(who);
    return account;
}

int dr_rb_grant_hint(MYSQL *db, struct lc_err *err, const char *privilege, const char *on)
{
    char *account;

    if (err->status != LC_E_NOPERM)
        return -1;
    account = db ? grant_account(db) : lc_xstrdup("<the [mariadb] user>");
    lc_err_hint(err, "GRANT %s ON %s TO %s;", privilege, on, account);
    free(account);
    return -1;
}

int dr_rb_exec_rows(MYSQL *db, const char *sql, unsigned long long *out_rows, struct lc_err *err)
{
    char what[100];
    my_ulonglong rows;

    snprintf(what, sizeof(what), "statement '%.60s...'", sql);
    if (mysql_real_query(db, sql, strlen(sql)))
        return lc_db_fail(db, err, what);
    rows = mysql_affected_rows(db); /* before anything else resets it */
    if (mysql_field_count(db)) {
        mysql_free_result(mysql_store_result(db));
        return lc_err_set(err, LC_E_SOFTWARE, "%s returned rows", what);
    }
    *out_rows = (unsigned long long)rows;
    return 0;
}

char *dr_rb_operator(MYSQL *db)
{
    struct passwd *pw = getpwuid(getuid());
    char *who = current_user(db);
    char *op;

    if (pw && pw->pw_name)
        op = lc_xasprintf("%s as %s", pw->pw_name, who);
    else
        op = lc_xasprintf("uid %u as %s", (unsigned)getuid(), who);
    free(who);
    return op;
}

int dr_rb_no_apply(const struct dr_opts *opts, struct lc_err *err)
{
    const char *what = opts->apply ? "--apply" : opts->type ? "--type" : opts->factor > 0 ? "--factor"
                       : opts->kill_thread ? "--kill" : opts->reason ? "--reason" : NULL;

    if (!what)
        return 0;
    return lc_err_set(err, LC_E_USAGE, "runbook '%s' only diagnoses: %s does not apply to it "
                      "(its recommended action says what to do)", opts->runbook, what);
}

static double now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* The best of 5 PINGs in ms, or -1 with err. */
static double ping_ms(redisContext *c, struct lc_err *err)
{
    const char *argv[1] = {"PING"};
    double best = -1;

    for (int idx = 0; idx < 5; idx++) {
        double start = now_ms(), ms;
        redisReply *reply = lc_redis_cmdv(c, 1, argv, NULL, err);

        if (!reply)
            return -1;
        freeReplyObject(reply);
        ms = now_ms() - start;
        if (best < 0 || ms < best)
            best = ms;
    }
    return best;
}

void dr_rb_redis_latency(const struct lc_config *cfg, struct dr_rb *rb, double slow_ms)
{
    struct lc_err err = LC_ERR_INIT;
    char **masters = NULL;

    if (lc_redis_masters(&cfg->redis, &masters, &err) < 0) {
        dr_rb_finding(rb, "redis (%s): %s", lc_redis_mode_name(cfg->redis.mode), err.msg);
        dr_rb_action(rb, "lcbp3-dr runbook redis-down");
        return;
    }
    for (char **node = masters; *node; node++) {
        redisContext *c = lc_redis_connect(*node, &cfg->redis, &err);
        double ms = c ? ping_ms(c, &err) : -1;

        if (ms < 0) {
            dr_rb_finding(rb, "redis %s: %s", *node, err.msg);
            dr_rb_action(rb, "lcbp3-dr runbook redis-down");
        } else if (ms > slow_ms) {
            dr_rb_finding(rb, "redis %s: PING takes %.1f ms (more than %.0f ms): every number "
                          "waits on its lock there", *node, ms, slow_ms);
            dr_rb_action(rb, "lcbp3-dr runbook redis-down");
        } else {
            dr_rb_fact(rb, "redis %s: PING %.2f ms", *node, ms);
        }
        if (c)
            redisFree(c);
        lc_err_clear(&err);
    }
    lc_strv_free(masters);
}
