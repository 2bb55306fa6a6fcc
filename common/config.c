/*
 * The config loader: defaults from the key table, then the INI file through inih,
 * every value parsed and checked by its declared type, then secrets resolved.
 * Errors name "file:line: [section] key: what is wrong".
 */
#include "common/config.h"

#include <ctype.h>
#include <ini.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/config_def.h"
#include "common/mem.h"
#include "common/secret.h"
#include "common/units.h"

struct load_state {
    struct lc_config *cfg;
    struct lc_err *err;
    int failed;
    char **seen;           /* "section\tkey" of every key read, to catch duplicates */
    size_t n_seen;
};

static void *field_ptr(struct lc_config *cfg, struct lc_target_cfg *target,
                       const struct lc_key_def *def)
{
    char *base = NULL;

    switch (def->section) {
    case LC_SEC_MARIADB:
        base = (char *)&cfg->mariadb;
        break;
    case LC_SEC_REDIS:
        base = (char *)&cfg->redis;
        break;
    case LC_SEC_BACKUP:
        base = (char *)&cfg->backup;
        break;
    case LC_SEC_TARGET:
        base = (char *)target;
        break;
    case LC_SEC_RETENTION:
        base = target ? (char *)&target->retention : (char *)&cfg->retention;
        break;
    case LC_SEC_NUMBERING:
        base = (char *)&cfg->numbering;
        break;
    case LC_SEC_INTEGRITY:
        base = (char *)&cfg->integrity;
        break;
    case LC_SEC_METRICS:
        base = (char *)&cfg->metrics;
        break;
    case LC_SEC_DR:
        base = (char *)&cfg->dr;
        break;
    }
    return base + def->offset;
}

static char *trim(char *s)
{
    char *end;

    while (isspace((unsigned char)*s))
        s++;
    end = s + strlen(s);
    while (end > s && isspace((unsigned char)end[-1]))
        *--end = '\0';
    return s;
}

static int parse_list(const char *value, char ***out, struct lc_err *err)
{
    char *copy = lc_xstrdup(value);
    char **items = NULL;
    size_t n = 0;
    char *next = copy;
    int rc = -1;

    while (next) {
        char *comma = strchr(next, ',');
        char *item;

        if (comma)
            *comma = '\0';
        item = trim(next);
        next = comma ? comma + 1 : NULL;
        if (!*item) {
            lc_err_set(err, LC_E_CONFIG, "empty item in list '%s'", value);
            goto out;
        }
        items = lc_xrealloc(items, (n + 2) * sizeof(char *));
        items[n++] = lc_xstrdup(item);
        items[n] = NULL;
    }
    *out = items;
    items = NULL;
    rc = 0;
out:
    lc_strv_free(items);
    free(copy);
    return rc;
}

static int parse_int_range(const struct lc_key_def *def, int64_t value, struct lc_err *err)
{
    if (value < def->min || value > def->max)
        return lc_err_set(err, LC_E_CONFIG, "%lld is out of range %lld..%lld", (long long)value,
                          (long long)def->min, (long long)def->max);
    return 0;
}

static int url_scheme_ok(const char *url)
{
    static const char *const schemes[] = {"file://", "sftp://", "https://", "s3://"};

    for (size_t idx = 0; idx < sizeof(schemes) / sizeof(schemes[0]); idx++)
        if (strncmp(url, schemes[idx], strlen(schemes[idx])) == 0 && url[strlen(schemes[idx])])
            return 1;
    return 0;
}

/* Parses `value` by the row's type into the field; the old value is freed. */
static int set_value(void *field, const struct lc_key_def *def, const char *value,
                     struct lc_err *err)
{
    int64_t num = 0;

    switch (def->type) {
    case LC_KEY_STRING:
    case LC_KEY_PATH:
    case LC_KEY_URL:
        if (def->type == LC_KEY_PATH && *value && value[0] != '/')
            return lc_err_set(err, LC_E_CONFIG, "'%s' is not an absolute path", value);
        if (def->type == LC_KEY_URL && !url_scheme_ok(value))
            return lc_err_set(err, LC_E_CONFIG,
                              "'%s' is not a file://, sftp://, https:// or s3:// URL", value);
        free(*(char **)field);
        *(char **)field = *value ? lc_xstrdup(value) : NULL;
        return 0;
    case LC_KEY_LIST: {
        char **list = NULL;

        if (def->def && strcmp(def->def, "all") == 0 && strcmp(value, "all") == 0) {
            lc_strv_free(*(char ***)field);
            *(char ***)field = NULL;
            return 0;
        }
        if (parse_list(value, &list, err) < 0)
            return -1;
        lc_strv_free(*(char ***)field);
        *(char ***)field = list;
        return 0;
    }
    case LC_KEY_UINT:
    case LC_KEY_INT64:
        if (lc_parse_uint(value, def->min, def->max, &num, err) < 0)
            return -1;
        if (def->type == LC_KEY_UINT)
            *(unsigned *)field = (unsigned)num;
        else
            *(int64_t *)field = num;
        return 0;
    case LC_KEY_THREADS:
        if (strcmp(value, "auto") == 0)
            num = 0;
        else if (lc_parse_uint(value, 1, def->max, &num, err) < 0)
            return -1;
        *(int64_t *)field = num;
        return 0;
    case LC_KEY_DURATION:
        if (lc_parse_duration_ms(value, &num, err) < 0 || parse_int_range(def, num, err) < 0)
            return -1;
        *(int64_t *)field = num;
        return 0;
    case LC_KEY_SIZE:
        if (lc_parse_size(value, &num, err) < 0 || parse_int_range(def, num, err) < 0)
            return -1;
        *(int64_t *)field = num;
        return 0;
    case LC_KEY_REDIS_MODE:
        if (strcmp(value, "standalone") == 0)
            *(enum lc_redis_mode *)field = LC_REDIS_STANDALONE;
        else if (strcmp(value, "sentinel") == 0)
            *(enum lc_redis_mode *)field = LC_REDIS_SENTINEL;
        else if (strcmp(value, "cluster") == 0)
            *(enum lc_redis_mode *)field = LC_REDIS_CLUSTER;
        else
            return lc_err_set(err, LC_E_CONFIG,
                              "'%s' is not one of standalone, sentinel, cluster", value);
        return 0;
    case LC_KEY_COMPRESSION:
        if (strcmp(value, "gzip") == 0)
            *(enum lc_compression *)field = LC_COMPRESS_GZIP;
        else if (strcmp(value, "none") == 0)
            *(enum lc_compression *)field = LC_COMPRESS_NONE;
        else
            return lc_err_set(err, LC_E_CONFIG, "'%s' is not one of gzip, none", value);
        return 0;
    }
    return lc_err_set(err, LC_E_SOFTWARE, "unknown key type");
}

static void retention_unset(struct lc_retention_cfg *r)
{
    r->keep_days = r->keep_daily = r->keep_weekly = r->keep_monthly = r->min_keep = -1;
}

void lc_config_defaults(struct lc_config *cfg)
{
    struct lc_err err = LC_ERR_INIT;

    memset(cfg, 0, sizeof(*cfg));
    retention_unset(&cfg->retention);
    for (size_t idx = 0; idx < lc_key_defs_len; idx++) {
        const struct lc_key_def *def = &lc_key_defs[idx];

        if (def->section == LC_SEC_TARGET || !def->def)
            continue;
        if (set_value(field_ptr(cfg, NULL, def), def, def->def, &err) < 0)
            abort(); /* a default that does not parse is a bug in config_def.c */
    }
}

static struct lc_target_cfg *target_get(struct lc_config *cfg, const char *name,
                                        struct lc_err *err)
{
    struct lc_target_cfg *t;
    struct lc_err ignored = LC_ERR_INIT;

    for (size_t idx = 0; idx < cfg->n_targets; idx++)
        if (strcmp(cfg->targets[idx].name, name) == 0)
            return &cfg->targets[idx];
    if (!*name || strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")
                      != strlen(name)) {
        lc_err_set(err, LC_E_CONFIG, "target name '%s' may only hold letters, digits, '_' and '-'",
                   name);
        return NULL;
    }
    cfg->targets = lc_xrealloc(cfg->targets, (cfg->n_targets + 1) * sizeof(*cfg->targets));
    t = &cfg->targets[cfg->n_targets++];
    memset(t, 0, sizeof(*t));
    t->name = lc_xstrdup(name);
    retention_unset(&t->retention);
    for (size_t idx = 0; idx < lc_key_defs_len; idx++) {
        const struct lc_key_def *def = &lc_key_defs[idx];

        if (def->section == LC_SEC_TARGET && def->def)
            (void)set_value(field_ptr(cfg, t, def), def, def->def, &ignored);
    }
    return t;
}

static int seen_before(struct load_state *st, const char *section, const char *key)
{
    char *entry = lc_xasprintf("%s\t%s", section, key);

    for (size_t idx = 0; idx < st->n_seen; idx++) {
        if (strcmp(st->seen[idx], entry) == 0) {
            free(entry);
            return 1;
        }
    }
    st->seen = lc_xrealloc(st->seen, (st->n_seen + 1) * sizeof(*st->seen));
    st->seen[st->n_seen++] = entry;
    return 0;
}

/* inih handler: returns 0 to report an error on the current line. */
static int on_key(void *user, const char *section, const char *key, const char *value)
{
    struct load_state *st = user;
    struct lc_target_cfg *target = NULL;
    const char *sec = section;
    int is_target = strncmp(section, "target.", 7) == 0;

    if (st->failed)
        return 1;
    if (is_target) {
        target = target_get(st->cfg, section + 7, st->err);
        if (!target)
            goto fail;
        sec = "target";
    }
    if (seen_before(st, section, key)) {
        lc_err_set(st->err, LC_E_CONFIG, "[%s] %s: set twice", section, key);
        goto fail;
    }
    for (size_t idx = 0; idx < lc_key_defs_len; idx++) {
        const struct lc_key_def *def = &lc_key_defs[idx];
        const char *name = lc_key_section_name(def->section);
        int match = strcmp(name, sec) == 0 ||
                    (is_target && def->section == LC_SEC_RETENTION);

        if (!match || strcmp(def->key, key) != 0)
            continue;
        if (set_value(field_ptr(st->cfg, target, def), def, value, st->err) < 0) {
            lc_err_prefix(st->err, "[%s] %s", section, key);
            goto fail;
        }
        return 1;
    }
    if (!is_target) {
        int known_section = 0;

        for (size_t idx = 0; idx < lc_key_defs_len; idx++)
            if (strcmp(lc_key_section_name(lc_key_defs[idx].section), section) == 0)
                known_section = 1;
        if (!known_section) {
            lc_err_set(st->err, LC_E_CONFIG, "[%s]: unknown section", section);
            lc_err_hint(st->err, "sections are mariadb, redis, backup, target.NAME, retention, "
                                 "numbering, integrity, metrics, dr");
            goto fail;
        }
    }
    lc_err_set(st->err, LC_E_CONFIG, "[%s] %s: unknown key", section, key);
    lc_err_hint(st->err, "see lcbp3.conf(5) or conf/lcbp3.conf.example for the keys of [%s]", sec);
fail:
    st->failed = 1;
    return 0;
}

static int resolve_secrets(struct lc_config *cfg, struct lc_err *err)
{
    if (lc_secret_resolve("LCBP3_MARIADB_PASSWORD", cfg->mariadb.password_file, "mariadb-password",
                          &cfg->mariadb.password, err) < 0)
        return -1;
    if (lc_secret_resolve("LCBP3_REDIS_PASSWORD", cfg->redis.password_file, "redis-password",
                          &cfg->redis.password, err) < 0)
        return -1;
    for (size_t idx = 0; idx < cfg->n_targets; idx++) {
        struct lc_target_cfg *t = &cfg->targets[idx];

        if (!t->url)
            return lc_err_set(err, LC_E_CONFIG, "[target.%s]: url is required", t->name);
        if (t->password_file && lc_secret_read_file(t->password_file, &t->password, err) < 0)
            return -1;
        if (t->access_key_file &&
            lc_secret_read_file(t->access_key_file, &t->access_key, err) < 0)
            return -1;
        if (t->secret_key_file &&
            lc_secret_read_file(t->secret_key_file, &t->secret_key, err) < 0)
            return -1;
    }
    return 0;
}

/* The health thresholds of [integrity]: each warn_ key at most its crit_ key. */
static int check_integrity_pairs(const struct lc_integrity_cfg *ic, struct lc_err *err)
{
    const struct {
        const char *what;
        int64_t warn, crit;
    } pairs[] = {
        {"replication_lag", ic->warn_replication_lag_ms, ic->crit_replication_lag_ms},
        {"transaction_age", ic->warn_transaction_age_ms, ic->crit_transaction_age_ms},
        {"redis_memory", ic->warn_redis_memory, ic->crit_redis_memory},
    };

    for (size_t idx = 0; idx < sizeof(pairs) / sizeof(pairs[0]); idx++)
        if (pairs[idx].warn > pairs[idx].crit)
            return lc_err_set(err, LC_E_CONFIG, "[integrity] warn_%s is above crit_%s",
                              pairs[idx].what, pairs[idx].what);
    return 0;
}

static int check_consistency(const struct lc_config *cfg, struct lc_err *err)
{
    if (!cfg->backup.spool_dir && !cfg->backup.work_dir)
        return lc_err_set(err, LC_E_CONFIG, "[backup] spool_dir is empty (sets are streamed to "
                          "the targets) but work_dir is not set: dumps need a place to be staged");
    if (!cfg->backup.spool_dir && cfg->n_targets == 0)
        return lc_err_set(err, LC_E_CONFIG, "[backup] spool_dir is empty and no [target.NAME] "
                          "is configured: sets would go nowhere");
    for (size_t idx = 0; idx < cfg->n_targets; idx++) {
        const char *v = cfg->targets[idx].verify;

        if (v && strcmp(v, "full") != 0 && strcmp(v, "size") != 0)
            return lc_err_set(err, LC_E_CONFIG, "[target.%s] verify '%s' is not full or size",
                              cfg->targets[idx].name, v);
    }
    if (cfg->redis.mode == LC_REDIS_SENTINEL && !cfg->redis.master_name)
        return lc_err_set(err, LC_E_CONFIG, "[redis] master_name is required in sentinel mode");
    if (cfg->integrity.warn_utilization > cfg->integrity.crit_utilization)
        return lc_err_set(err, LC_E_CONFIG,
                          "[integrity] warn_utilization (%lld) is above crit_utilization (%lld)",
                          (long long)cfg->integrity.warn_utilization,
                          (long long)cfg->integrity.crit_utilization);
    return check_integrity_pairs(&cfg->integrity, err);
}

int lc_config_load(const char *path, struct lc_config *cfg, struct lc_err *err)
{
    struct load_state st = {cfg, err, 0, NULL, 0};
    const char *env = getenv("LCBP3_CONFIG");
    int line;

    if (!path)
        path = env && *env ? env : LC_DEFAULT_CONFIG;
    lc_config_defaults(cfg);
    cfg->path = lc_xstrdup(path);

    /* Debian's inih exposes its limits at run time: lift the 200-byte line limit and
     * turn off inline ';' comments, which would cut URLs and passwords. */
    ini_use_stack = false;
    ini_max_line = 8192;
    ini_allow_realloc = true;
    ini_allow_inline_comments = false;
    ini_allow_multiline = false;
    ini_stop_on_first_error = true;

    line = ini_parse(path, on_key, &st);
    for (size_t idx = 0; idx < st.n_seen; idx++)
        free(st.seen[idx]);
    free(st.seen);
    if (line == -1) {
        lc_err_sys(err, access(path, F_OK) == 0 ? LC_E_NOPERM : LC_E_CONFIG,
                   "cannot read config file '%s'", path);
        lc_err_hint(err, "pass --config FILE or set LCBP3_CONFIG");
        return -1;
    }
    if (line == -2)
        return lc_err_set(err, LC_E_OSERR, "out of memory reading '%s'", path);
    if (line > 0) {
        if (!st.failed)
            lc_err_set(err, LC_E_CONFIG, "syntax error (expected [section] or key = value)");
        lc_err_prefix(err, "%s:%d", path, line);
        return -1;
    }
    if (check_consistency(cfg, err) < 0 || resolve_secrets(cfg, err) < 0) {
        lc_err_prefix(err, "%s", path);
        return -1;
    }
    return 0;
}

static void print_value(FILE *out, const void *field, const struct lc_key_def *def)
{
    switch (def->type) {
    case LC_KEY_STRING:
    case LC_KEY_PATH:
    case LC_KEY_URL: {
        const char *s = *(char *const *)field;

        fprintf(out, "%s", s ? s : "");
        break;
    }
    case LC_KEY_LIST: {
        char *const *list = *(char **const *)field;

        if (!list)
            fprintf(out, "all");
        for (size_t idx = 0; list && list[idx]; idx++)
            fprintf(out, "%s%s", idx ? "," : "", list[idx]);
        break;
    }
    case LC_KEY_UINT:
        fprintf(out, "%u", *(const unsigned *)field);
        break;
    case LC_KEY_INT64:
    case LC_KEY_SIZE:
        if (*(const int64_t *)field >= 0)
            fprintf(out, "%lld", (long long)*(const int64_t *)field);
        break;
    case LC_KEY_THREADS:
        if (*(const int64_t *)field == 0)
            fprintf(out, "auto");
        else
            fprintf(out, "%lld", (long long)*(const int64_t *)field);
        break;
    case LC_KEY_DURATION: {
        char buf[64];

        lc_format_duration(*(const int64_t *)field, buf, sizeof(buf));
        fprintf(out, "%s", buf);
        break;
    }
    case LC_KEY_REDIS_MODE: {
        static const char *const modes[] = {"standalone", "sentinel", "cluster"};

        fprintf(out, "%s", modes[*(const enum lc_redis_mode *)field]);
        break;
    }
    case LC_KEY_COMPRESSION:
        fprintf(out, "%s", *(const enum lc_compression *)field == LC_COMPRESS_GZIP ? "gzip" : "none");
        break;
    }
}

static void print_secret_line(FILE *out, const char *name, const char *value)
{
    fprintf(out, "# %s = %s\n", name, value ? "<redacted>" : "(none)");
}

static void print_section(FILE *out, const struct lc_config *cfg, const struct lc_target_cfg *t,
                          enum lc_key_section section)
{
    struct lc_config *mut = (struct lc_config *)cfg;

    for (size_t idx = 0; idx < lc_key_defs_len; idx++) {
        const struct lc_key_def *def = &lc_key_defs[idx];

        if (def->section != section)
            continue;
        if (t && section == LC_SEC_RETENTION &&
            *(const int64_t *)field_ptr(mut, (struct lc_target_cfg *)t, def) < 0)
            continue;
        fprintf(out, "%s = ", def->key);
        print_value(out, field_ptr(mut, (struct lc_target_cfg *)t, def), def);
        fputc('\n', out);
    }
}

void lc_config_print(const struct lc_config *cfg, FILE *out)
{
    static const enum lc_key_section order[] = {
        LC_SEC_MARIADB, LC_SEC_REDIS, LC_SEC_BACKUP, LC_SEC_RETENTION,
        LC_SEC_NUMBERING, LC_SEC_INTEGRITY, LC_SEC_METRICS, LC_SEC_DR,
    };

    fprintf(out, "# effective configuration from '%s'\n", cfg->path ? cfg->path : "(defaults)");
    for (size_t idx = 0; idx < sizeof(order) / sizeof(order[0]); idx++) {
        fprintf(out, "\n[%s]\n", lc_key_section_name(order[idx]));
        print_section(out, cfg, NULL, order[idx]);
        if (order[idx] == LC_SEC_MARIADB)
            print_secret_line(out, "password", cfg->mariadb.password);
        if (order[idx] == LC_SEC_REDIS)
            print_secret_line(out, "password", cfg->redis.password);
    }
    for (size_t idx = 0; idx < cfg->n_targets; idx++) {
        const struct lc_target_cfg *t = &cfg->targets[idx];

        fprintf(out, "\n[target.%s]\n", t->name);
        print_section(out, cfg, t, LC_SEC_TARGET);
        print_section(out, cfg, t, LC_SEC_RETENTION);
        print_secret_line(out, "password", t->password);
        if (t->access_key || t->secret_key) {
            print_secret_line(out, "access_key", t->access_key);
            print_secret_line(out, "secret_key", t->secret_key);
        }
    }
}

struct lc_retention_cfg lc_config_target_retention(const struct lc_config *cfg,
                                                   const struct lc_target_cfg *target)
{
    struct lc_retention_cfg r = cfg->retention;

    if (!target)
        return r;
    if (target->retention.keep_days >= 0)
        r.keep_days = target->retention.keep_days;
    if (target->retention.keep_daily >= 0)
        r.keep_daily = target->retention.keep_daily;
    if (target->retention.keep_weekly >= 0)
        r.keep_weekly = target->retention.keep_weekly;
    if (target->retention.keep_monthly >= 0)
        r.keep_monthly = target->retention.keep_monthly;
    if (target->retention.min_keep >= 0)
        r.min_keep = target->retention.min_keep;
    return r;
}

const char *lc_config_work_dir(const struct lc_config *cfg)
{
    return cfg->backup.work_dir ? cfg->backup.work_dir : cfg->backup.spool_dir;
}

unsigned lc_config_threads(const struct lc_config *cfg)
{
    long cpus;

    if (cfg->backup.threads > 0)
        return (unsigned)cfg->backup.threads;
    cpus = sysconf(_SC_NPROCESSORS_ONLN);
    return cpus > 0 ? (unsigned)cpus : 1;
}

static void free_fields(struct lc_config *cfg, struct lc_target_cfg *t, enum lc_key_section sec)
{
    for (size_t idx = 0; idx < lc_key_defs_len; idx++) {
        const struct lc_key_def *def = &lc_key_defs[idx];
        void *field;

        if (def->section != sec)
            continue;
        field = field_ptr(cfg, t, def);
        if (def->type == LC_KEY_STRING || def->type == LC_KEY_PATH || def->type == LC_KEY_URL) {
            free(*(char **)field);
            *(char **)field = NULL;
        } else if (def->type == LC_KEY_LIST) {
            lc_strv_free(*(char ***)field);
            *(char ***)field = NULL;
        }
    }
}

void lc_config_done(struct lc_config *cfg)
{
    static const enum lc_key_section sections[] = {
        LC_SEC_MARIADB, LC_SEC_REDIS, LC_SEC_BACKUP, LC_SEC_NUMBERING,
        LC_SEC_INTEGRITY, LC_SEC_METRICS, LC_SEC_DR,
    };

    for (size_t idx = 0; idx < sizeof(sections) / sizeof(sections[0]); idx++)
        free_fields(cfg, NULL, sections[idx]);
    lc_secret_free(cfg->mariadb.password);
    lc_secret_free(cfg->redis.password);
    for (size_t idx = 0; idx < cfg->n_targets; idx++) {
        struct lc_target_cfg *t = &cfg->targets[idx];

        free_fields(cfg, t, LC_SEC_TARGET);
        free(t->name);
        lc_secret_free(t->password);
        lc_secret_free(t->access_key);
        lc_secret_free(t->secret_key);
    }
    free(cfg->targets);
    free(cfg->path);
    memset(cfg, 0, sizeof(*cfg));
}
