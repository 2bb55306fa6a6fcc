/*
 * The recovery plan: the built-in steps, the steps file (inih), the command splitter.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "common/buf.h"
#include "common/digest.h"
#include "common/mem.h"
#include "common/units.h"
#include "tools/dr/steps.h"

#define DEFAULT_WAIT_MS (5 * 60 * 1000)
#define DEFAULT_START_MS (5 * 60 * 1000)
#define DEFAULT_HEALTH_MS (2 * 60 * 1000)
#define DEFAULT_RESTORE_MS (4 * 3600 * 1000LL)   /* the corruption scenario's RTO */
#define DEFAULT_VERIFY_MS (30 * 60 * 1000)

static const char *const kind_names[] = {
    [DR_STEP_START] = "start",
    [DR_STEP_WAIT_READY] = "wait-ready",
    [DR_STEP_RESTORE_REDIS] = "restore-redis",
    [DR_STEP_RESTORE_DB] = "restore-db",
    [DR_STEP_VERIFY] = "verify",
    [DR_STEP_HEALTH] = "health",
    [DR_STEP_MANUAL] = "manual",
};

const char *dr_step_kind_name(enum dr_step_kind kind)
{
    return kind_names[kind];
}

int dr_step_destructive(const struct dr_step *step)
{
    return step->kind == DR_STEP_RESTORE_REDIS || step->kind == DR_STEP_RESTORE_DB;
}

static int64_t default_timeout(enum dr_step_kind kind)
{
    switch (kind) {
    case DR_STEP_START:
        return DEFAULT_START_MS;
    case DR_STEP_WAIT_READY:
        return DEFAULT_WAIT_MS;
    case DR_STEP_HEALTH:
        return DEFAULT_HEALTH_MS;
    case DR_STEP_RESTORE_REDIS:
    case DR_STEP_RESTORE_DB:
        return DEFAULT_RESTORE_MS;
    case DR_STEP_VERIFY:
        return DEFAULT_VERIFY_MS;
    case DR_STEP_MANUAL:
        return 0;
    }
    return 0;
}

static struct dr_step *add_step(struct dr_plan *plan, enum dr_step_kind kind, const char *name)
{
    struct dr_step *s;

    plan->steps = lc_xrealloc(plan->steps, (plan->len + 1) * sizeof(*plan->steps));
    s = &plan->steps[plan->len++];
    memset(s, 0, sizeof(*s));
    s->kind = kind;
    s->name = name ? lc_xstrdup(name) : NULL;
    s->timeout_ms = default_timeout(kind);
    return s;
}

void dr_steps_default(const struct lc_config *cfg, struct dr_plan *out)
{
    struct dr_plan plan = {NULL, 0, lc_xstrdup("built in")};

    add_step(&plan, DR_STEP_WAIT_READY, "wait for MariaDB")->service = lc_xstrdup("mariadb");
    add_step(&plan, DR_STEP_WAIT_READY, "wait for Redis")->service = lc_xstrdup("redis");
    add_step(&plan, DR_STEP_RESTORE_REDIS, "restore Redis");
    add_step(&plan, DR_STEP_RESTORE_DB, "restore MariaDB");
    add_step(&plan, DR_STEP_VERIFY, "verify the numbering sequences and the services")->checks =
        lc_xstrdup("sequences health");
    if (cfg->dr.health_url)
        add_step(&plan, DR_STEP_HEALTH, "the backend answers /health");
    *out = plan;
}

/* ---- the steps file -------------------------------------------------------------------- */

struct load_state {
    struct dr_plan plan;
    const char *path;
    char *section;            /* of the step being read */
    char what[512];           /* the first mistake; ini_parse() gives its line */
    int failed;
    int has_type;             /* the current section has its type */
};

/* Records the first mistake and stops the parser (which then returns the line). */
static int load_fail(struct load_state *st, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int load_fail(struct load_state *st, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(st->what, sizeof(st->what), fmt, ap);
    va_end(ap);
    st->failed = 1;
    return 0;
}

static int set_kind(struct dr_step *s, const char *value)
{
    for (size_t idx = 0; idx < sizeof(kind_names) / sizeof(kind_names[0]); idx++) {
        if (strcmp(value, kind_names[idx]) == 0) {
            s->kind = (enum dr_step_kind)idx;
            s->timeout_ms = default_timeout(s->kind);
            return 0;
        }
    }
    return -1;
}

static int set_field(struct load_state *st, struct dr_step *s, const char *key, const char *value)
{
    struct lc_err why = LC_ERR_INIT;
    char **field = NULL;

    if (strcmp(key, "type") == 0) {
        if (set_kind(s, value) < 0)
            return load_fail(st, "type '%s' is not start, wait-ready, restore-redis, "
                             "restore-db, verify, health or manual", value);
        return 1;
    }
    if (strcmp(key, "command") == 0) {
        lc_strv_free(s->command);
        s->command = NULL;
        if (dr_split_command(value, &s->command, &why) < 0)
            return load_fail(st, "command: %s", why.msg);
        return 1;
    }
    if (strcmp(key, "timeout") == 0) {
        if (lc_parse_duration_ms(value, &s->timeout_ms, &why) < 0)
            return load_fail(st, "timeout '%s': %s", value, why.msg);
        return 1;
    }
    if (strcmp(key, "service") == 0) {
        if (strcmp(value, "mariadb") && strcmp(value, "redis") && strcmp(value, "url"))
            return load_fail(st, "service '%s' is not mariadb, redis or url", value);
        field = &s->service;
    } else if (strcmp(key, "url") == 0) {
        field = &s->url;
    } else if (strcmp(key, "checks") == 0) {
        field = &s->checks;
    } else if (strcmp(key, "text") == 0) {
        field = &s->text;
    } else {
        return load_fail(st, "unknown key '%s' (type, command, service, url, checks, text, "
                         "timeout)", key);
    }
    free(*field);
    *field = lc_xstrdup(value);
    return 1;
}

/* Each section is a step, in file order, named by its section name. */
static int on_key(void *user, const char *section, const char *key, const char *value)
{
    struct load_state *st = user;

    if (st->failed)
        return 0;
    if (!*section)
        return load_fail(st, "key '%s' before the first [step name]", key);
    if (!st->section || strcmp(st->section, section) != 0) {
        free(st->section);
        st->section = lc_xstrdup(section);
        add_step(&st->plan, DR_STEP_MANUAL, section)->timeout_ms = -1;
        st->has_type = 0;
    }
    if (strcmp(key, "type") == 0 && st->has_type++)
        return load_fail(st, "[%s]: a second 'type': give each step a section of its own",
                         section);
    return set_field(st, &st->plan.steps[st->plan.len - 1], key, value);
}

/* What each kind needs, once the file is read. */
static int check_steps(struct load_state *st, struct lc_err *err)
{
    if (st->plan.len == 0) {
        lc_err_set(err, LC_E_CONFIG, "%s: no step in the file", st->path);
        return -1;
    }
    for (size_t idx = 0; idx < st->plan.len; idx++) {
        struct dr_step *s = &st->plan.steps[idx];
        const char *missing = NULL;

        if (s->timeout_ms < 0)
            s->timeout_ms = default_timeout(s->kind);   /* no timeout key */
        if (s->kind == DR_STEP_START && !s->command)
            missing = "command";
        else if (s->kind == DR_STEP_WAIT_READY && !s->service)
            missing = "service";
        else if (s->kind == DR_STEP_WAIT_READY && strcmp(s->service, "url") == 0 && !s->url)
            missing = "url";
        else if (s->kind == DR_STEP_MANUAL && !s->text)
            missing = "text";
        if (missing) {
            lc_err_set(err, LC_E_CONFIG, "%s: step %zu [%s] (%s) needs '%s'", st->path, idx + 1,
                       s->name, kind_names[s->kind], missing);
            return -1;
        }
        if (s->kind == DR_STEP_VERIFY && !s->checks)
            s->checks = lc_xstrdup("sequences health");
    }
    return 0;
}

int dr_steps_load(const char *path, struct dr_plan *out, struct lc_err *err)
{
    struct load_state st;
    int line, rc = -1;

    memset(&st, 0, sizeof(st));
    st.plan.source = lc_xstrdup(path);
    st.path = path;
    line = ini_parse(path, on_key, &st);
    if (line < 0)
        lc_err_sys(err, LC_E_CONFIG, "cannot read the steps file '%s'", path);
    else if (line > 0)
        lc_err_set(err, LC_E_CONFIG, "%s:%d: %s", path, line,
                   st.failed ? st.what : "not an INI line");
    else if (check_steps(&st, err) == 0)
        rc = 0;
    free(st.section);
    if (rc < 0)
        dr_plan_done(&st.plan);
    else
        *out = st.plan;
    return rc;
}

int dr_plan_load(const struct lc_config *cfg, struct dr_plan *out, struct lc_err *err)
{
    if (cfg->dr.steps_file)
        return dr_steps_load(cfg->dr.steps_file, out, err);
    dr_steps_default(cfg, out);
    return 0;
}

char *dr_plan_fingerprint(const struct dr_plan *plan)
{
    struct lc_buf b = LC_BUF_INIT;
    struct lc_sha256 *sha = lc_sha256_new();
    char hex[65];

    for (size_t idx = 0; idx < plan->len; idx++) {
        const struct dr_step *s = &plan->steps[idx];

        lc_buf_printf(&b, "%s|%s|", kind_names[s->kind], s->name ? s->name : "");
        for (size_t w = 0; s->command && s->command[w]; w++)
            lc_buf_printf(&b, "%s ", s->command[w]);
        lc_buf_printf(&b, "|%s|%s|%s\n", s->service ? s->service : "", s->url ? s->url : "",
                      s->checks ? s->checks : "");
    }
    lc_sha256_update(sha, b.data ? b.data : "", b.len);
    lc_sha256_final_hex(sha, hex);
    lc_sha256_free(sha);
    lc_buf_done(&b);
    return lc_xstrndup(hex, 16);
}

void dr_plan_done(struct dr_plan *plan)
{
    for (size_t idx = 0; idx < plan->len; idx++) {
        struct dr_step *s = &plan->steps[idx];

        free(s->name);
        lc_strv_free(s->command);
        free(s->service);
        free(s->url);
        free(s->checks);
        free(s->text);
    }
    free(plan->steps);
    free(plan->source);
    memset(plan, 0, sizeof(*plan));
}

/* ---- the command splitter ------------------------------------------------------------ */

static void push_word(char ***argv, size_t *n, struct lc_buf *word)
{
    *argv = lc_xrealloc(*argv, (*n + 2) * sizeof(**argv));
    (*argv)[(*n)++] = lc_buf_steal(word);
    (*argv)[*n] = NULL;
}

int dr_split_command(const char *line, char ***out_argv, struct lc_err *err)
{
    struct lc_buf word = LC_BUF_INIT;
    char **argv = NULL;
    size_t n = 0;
    int in_word = 0;
    char quote = 0;

    for (const char *p = line; *p; p++) {
        if (quote) {
            if (*p == quote)
                quote = 0;
            else if (quote == '"' && *p == '\\' && (p[1] == '"' || p[1] == '\\'))
                lc_buf_putc(&word, *++p);
            else
                lc_buf_putc(&word, *p);
        } else if (*p == '\'' || *p == '"') {
            quote = *p;
            in_word = 1;
        } else if (*p == '\\' && p[1]) {
            lc_buf_putc(&word, *++p);
            in_word = 1;
        } else if (*p == ' ' || *p == '\t') {
            if (in_word)
                push_word(&argv, &n, &word);
            in_word = 0;
        } else {
            lc_buf_putc(&word, *p);
            in_word = 1;
        }
    }
    if (quote) {
        lc_buf_done(&word);
        lc_strv_free(argv);
        return lc_err_set(err, LC_E_CONFIG, "unterminated %c quote in '%s'", quote, line);
    }
    if (in_word)
        push_word(&argv, &n, &word);
    lc_buf_done(&word);
    if (!argv)
        return lc_err_set(err, LC_E_CONFIG, "the command is empty");
    *out_argv = argv;
    return 0;
}
