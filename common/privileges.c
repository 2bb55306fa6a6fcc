/*
 * The privileges of each program and the `--check` that tests them (see privileges.h).
 *
 * How MariaDB privileges are tested, and why:
 *  - Where a harmless statement exists that the server refuses without the privilege,
 *    it is run (a probe): EXPLAIN UPDATE/DELETE ... WHERE 1 = 0 for table privileges
 *    (EXPLAIN checks the privileges of the statement and changes nothing), SHOW MASTER
 *    STATUS for BINLOG MONITOR, SHOW ALL SLAVES STATUS for SLAVE MONITOR, reading
 *    information_schema.INNODB_TRX for PROCESS. The server's own access check decides,
 *    so roles, PUBLIC, SUPER, aliases and table-level grants all count exactly as they
 *    will when the program runs.
 *  - Database-wide privileges that have no harmless probe (CREATE, DROP, TRIGGER, ...)
 *    and global ones such as REPLICATION SLAVE are read from SHOW GRANTS of the session
 *    (lc_db_grant_covers), which lists the user's grants, its active role's and PUBLIC's
 *    — the grants the session actually holds. information_schema.SCHEMA_PRIVILEGES was
 *    not used: it shows the user's own grants but not those of its roles, so an account
 *    that gets everything through a default role would look bare. This is also the rule
 *    lcbp3-backup applies before it trusts information_schema for triggers.
 * Redis: each command is sent once in a harmless form (PTTL, DUMP, TYPE, UNLINK of a key
 * that does not exist, RESTORE with an invalid payload, EVALSHA of an unknown script);
 * the server checks the ACL before anything else, so any reply but NOPERM means the
 * command is allowed (ACL DRYRUN would be exact but needs an admin user). SYNC cannot be
 * sent harmlessly (it starts a snapshot): it is asked with ACL DRYRUN when the user may,
 * and otherwise reported as not checked, which does not fail the check.
 */
#include "common/privileges.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mysqld_error.h>

#include "common/buf.h"
#include "common/db.h"
#include "common/mem.h"
#include "common/redis_client.h"

#define B LC_TOOL_BACKUP
#define R LC_TOOL_RESTORE
#define I LC_TOOL_INTEGRITY
#define G LC_TOOL_RESGC
#define D LC_TOOL_DR

/* What a MariaDB privilege is on. */
enum on {
    ON_GLOBAL,       /* *.* */
    ON_DATABASES,    /* every database of [mariadb] database */
    ON_STAGING,      /* lcbp3-restore's staging databases lcbp3_restore_<pid>_<time>[_old] */
    ON_SCRATCH,      /* [dr] scratch_database */
    ON_PROC,         /* mysql.proc (or SHOW CREATE ROUTINE on the databases, 11.3+) */
    ON_CONFIGS,      /* [numbering] configs_table */
    ON_SEQUENCES,    /* [numbering] sequences_table */
    ON_AUDIT,        /* [numbering] audit_table */
    ON_RESERVATIONS, /* [numbering] reservations_table (skipped when unset) */
};

struct db_rule {
    unsigned tools;
    enum on on;
    const char *privilege;  /* as GRANT spells it */
    const char *probe;      /* NULL: SHOW GRANTS; else SQL, {t} = the table, {c} = a column */
    const char *only_for;   /* NULL: required; else what needs it (missing: a warning) */
    const char *why;
};

/* The restore account's privileges on a database it fills (target, staging, scratch). */
#define RESTORE_RULES(tools, on)                                                          \
    {tools, on, "SELECT", NULL, NULL, "read back what was loaded, CHECKSUM TABLE"},       \
    {tools, on, "INSERT", NULL, NULL, "load the rows (LOAD DATA LOCAL)"},                 \
    {tools, on, "DELETE", NULL, NULL, "replace rows of a legacy dump"},                   \
    {tools, on, "CREATE", NULL, NULL, "create the database and its tables"},              \
    {tools, on, "DROP", NULL, NULL, "drop the replaced tables and the staging database"}, \
    {tools, on, "ALTER", NULL, NULL, "add indexes after the load, RENAME TABLE"},         \
    {tools, on, "INDEX", NULL, NULL, "create secondary indexes"},                         \
    {tools, on, "REFERENCES", NULL, NULL, "foreign keys"},                                \
    {tools, on, "CREATE VIEW", NULL, NULL, "views"},                                      \
    {tools, on, "SHOW VIEW", NULL, NULL, "replace views"},                                \
    {tools, on, "TRIGGER", NULL, NULL, "triggers"},                                       \
    {tools, on, "EVENT", NULL, NULL, "events"},                                           \
    {tools, on, "CREATE ROUTINE", NULL, NULL, "functions and procedures"},                \
    {tools, on, "ALTER ROUTINE", NULL, NULL, "replace functions and procedures"}

/*
 * With the binary log on, MariaDB lets only SUPER create triggers and routines unless
 * the server sets log_bin_trust_function_creators (the recommended way: see
 * docs/security.md); sql_log_bin = 0 does not lift this.
 */
#define TRUST_PROBE "SELECT @@log_bin = 0 OR @@log_bin_trust_function_creators = 1"

static const struct db_rule db_rules[] = {
    {B, ON_DATABASES, "SELECT", NULL, NULL, "rows, table definitions, information_schema"},
    {B, ON_DATABASES, "SHOW VIEW", NULL, NULL, "SHOW CREATE VIEW"},
    {B, ON_DATABASES, "TRIGGER", NULL, NULL, "triggers (hidden silently without it)"},
    {B, ON_DATABASES, "EVENT", NULL, NULL, "events (hidden silently without it)"},
    {B, ON_PROC, "SELECT", "SELECT 1 FROM mysql.proc LIMIT 0", NULL,
     "SHOW CREATE FUNCTION/PROCEDURE of routines the user does not own"},
    {B, ON_GLOBAL, "BINLOG MONITOR", "SHOW MASTER STATUS", NULL,
     "binary-log coordinates and GTID of the snapshot"},
    {B, ON_GLOBAL, "REPLICATION SLAVE", NULL, "lcbp3-backup binlog",
     "stream binary logs over the replication protocol"},
    {B, ON_AUDIT, "DELETE", "EXPLAIN DELETE FROM {t} WHERE 1 = 0", "lcbp3-backup archive-audit",
     "delete archived audit rows"},

    RESTORE_RULES(R, ON_DATABASES),
    RESTORE_RULES(R | D, ON_STAGING),
    {R | D, ON_GLOBAL, "SUPER", TRUST_PROBE, NULL,
     "triggers and routines while the binary log is on (or log_bin_trust_function_creators)"},
    {R, ON_GLOBAL, "BINLOG ADMIN", NULL, "fast restores and lcbp3-restore --until",
     "SET sql_log_bin = 0: the load and a point-in-time replay stay out of the binary log"},
    {R, ON_GLOBAL, "SET USER", NULL, "keeping definers",
     "create views, triggers and routines with their original DEFINER"},
    {R, ON_GLOBAL, "BINLOG REPLAY", NULL, "lcbp3-restore --until",
     "replay binary-log row events (point-in-time recovery)"},

    {I, ON_CONFIGS, "SELECT", "SELECT 1 FROM {t} LIMIT 0", NULL, "numbering configs"},
    {I, ON_SEQUENCES, "SELECT", "SELECT 1 FROM {t} LIMIT 0", NULL, "numbering sequences"},
    {I, ON_AUDIT, "SELECT", "SELECT 1 FROM {t} LIMIT 0", NULL, "issued numbers, usage rate"},
    {I | D, ON_GLOBAL, "PROCESS", "SELECT COUNT(*) FROM information_schema.INNODB_TRX", NULL,
     "long transactions and lock waits (INNODB_TRX, PROCESSLIST)"},
    {I, ON_GLOBAL, "SLAVE MONITOR", "SHOW ALL SLAVES STATUS", NULL, "replication status"},

    {G, ON_RESERVATIONS, "SELECT", "SELECT 1 FROM {t} LIMIT 0", NULL, "find overdue rows"},
    {G, ON_RESERVATIONS, "UPDATE", "EXPLAIN UPDATE {t} SET {c} = {c} WHERE 1 = 0", NULL,
     "RESERVED -> CANCELLED"},

    {D, ON_DATABASES, "SELECT", NULL, NULL, "CHECKSUM TABLE of the live database (drill)"},
    RESTORE_RULES(D, ON_SCRATCH),
    {D, ON_CONFIGS, "UPDATE", "EXPLAIN UPDATE {t} SET {c} = {c} WHERE 1 = 0",
     "lcbp3-dr runbook --apply", "raise max_value (high-utilization)"},
    {D, ON_GLOBAL, "CONNECTION ADMIN", NULL, "lcbp3-dr runbook lock-wait --kill",
     "KILL a blocking connection of another user"},
};

/* What a Redis probe key must match. */
enum key_of {
    KEY_NONE,
    KEY_ANY,          /* every key: backup and restore handle all of them */
    KEY_RESERVATION,  /* [numbering] reservation_pattern */
    KEY_LOCK,         /* [numbering] lock_pattern */
};

struct redis_rule {
    unsigned tools;
    const char *command;  /* as ACL spells it: "pttl", "cluster|nodes" */
    const char *probe;    /* argv separated by spaces; {k} = a key that does not exist,
                           * {db} = the database; NULL: not probed (asked by ACL DRYRUN) */
    enum key_of key;
    int cluster_only;
    const char *why;
};

static const struct redis_rule redis_rules[] = {
    {B | R | I | G | D, "ping", "PING", KEY_NONE, 0, "connection check"},
    {B | R | I | G | D, "info", "INFO server", KEY_NONE, 0, "version, role, persistence"},
    {B | R | G, "select", "SELECT {db}", KEY_NONE, 0, "[redis] db"},
    {B | R | G | D, "time", "TIME", KEY_NONE, 0, "the server clock (expiries)"},
    {B | G, "scan", "SCAN 0 COUNT 1", KEY_NONE, 0, "walk the keys (never KEYS)"},
    {B, "dump", "DUMP {k}", KEY_ANY, 0, "the logical key export"},
    {B, "pttl", "PTTL {k}", KEY_ANY, 0, "each key's expiry"},
    {B, "replconf", "REPLCONF capa eof", KEY_NONE, 0, "the RDB snapshot (replication)"},
    {B, "sync", NULL, KEY_NONE, 0, "the RDB snapshot over the replication protocol"},
    {B | I | G, "cluster|nodes", "CLUSTER NODES", KEY_NONE, 1, "the masters of a cluster"},
    {R | D, "restore", "RESTORE {k} 0 x", KEY_ANY, 0, "RESTORE ... REPLACE ABSTTL"},
    {R, "cluster|slots", "CLUSTER SLOTS", KEY_NONE, 1, "which master holds a key"},
    {I, "cluster|info", "CLUSTER INFO", KEY_NONE, 1, "cluster state"},
    {G, "pttl", "PTTL {k}", KEY_RESERVATION, 0, "does a reservation have a TTL"},
    {G, "pttl", "PTTL {k}", KEY_LOCK, 0, "does a numbering lock have a TTL"},
    {G, "type", "TYPE {k}", KEY_RESERVATION, 0, "--older-than: the value's type"},
    {G, "get", "GET {k}", KEY_RESERVATION, 0, "--older-than: a JSON value"},
    {G, "hget", "HGET {k} expires_at", KEY_RESERVATION, 0, "--older-than: a hash field"},
    {G, "hmget", "HMGET {k} expires_at", KEY_RESERVATION, 0, "--older-than: hash fields"},
    {G, "unlink", "UNLINK {k}", KEY_RESERVATION, 0, "remove a leaked reservation"},
    {G, "unlink", "UNLINK {k}", KEY_LOCK, 0, "--fix-locks: remove a stuck lock"},
    {G, "evalsha", "EVALSHA 0000000000000000000000000000000000000000 0", KEY_NONE, 0,
     "the atomic check-and-unlink script"},
    {G, "eval", "EVAL return 0", KEY_NONE, 0, "load the script when the server lacks it"},
    {D, "dbsize", "DBSIZE", KEY_NONE, 0, "drill: keys restored into scratch_redis_db"},
    {D, "select", "SELECT {scratch}", KEY_NONE, 0, "drill: [dr] scratch_redis_db"},
};

/* What one check found. */
enum verdict { V_OK, V_MISSING, V_OPTIONAL, V_UNCHECKED, V_FAILED };

struct tally {
    FILE *out;
    unsigned n_ok, n_missing, n_optional, n_unchecked, n_failed;
    struct lc_buf missing;        /* "TRIGGER, +dump" for the error message */
    enum lc_status failed_status; /* of the first probe that failed otherwise */
    char failed_msg[1024];
};

unsigned lc_priv_tool_of(const char *program)
{
    static const struct {
        const char *name;
        unsigned tool;
    } map[] = {
        {"lcbp3-backup", B}, {"lcbp3-restore", R}, {"lcbp3-integrity", I},
        {"lcbp3-reservations-gc", G}, {"lcbp3-dr", D},
    };

    for (size_t idx = 0; idx < sizeof(map) / sizeof(map[0]); idx++)
        if (strcmp(program, map[idx].name) == 0)
            return map[idx].tool;
    return 0;
}

char *lc_priv_glob_prefix(const char *glob)
{
    size_t len = strcspn(glob, "*?[\\");

    return lc_xasprintf("%.*s", (int)len, glob);
}

static void report(struct tally *t, const char *side, const char *what, enum verdict v,
                   const char *only_for, const char *detail)
{
    static const char *const words[] = {"OK", "MISSING", "MISSING", "UNCHECKED", "FAILED"};

    fprintf(t->out, "%-8s %-52s %s", side, what, words[v]);
    if (v == V_OPTIONAL)
        fprintf(t->out, " (needed only for %s)", only_for);
    if (detail && *detail)
        fprintf(t->out, "\n         %s", detail);
    fputc('\n', t->out);
    switch (v) {
    case V_OK:
        t->n_ok++;
        break;
    case V_MISSING:
        t->n_missing++;
        lc_buf_printf(&t->missing, "%s%s", t->missing.len ? ", " : "", what);
        break;
    case V_OPTIONAL:
        t->n_optional++;
        break;
    case V_UNCHECKED:
        t->n_unchecked++;
        break;
    case V_FAILED:
        t->n_failed++;
        break;
    }
}

/* ---- MariaDB ---------------------------------------------------------------------- */

struct db_session {
    MYSQL *db;
    char **grants;        /* the lines of SHOW GRANTS */
    struct lc_buf grantee;  /* 'user'@'host' of CURRENT_USER() */
};

static int grants_cover(const struct db_session *s, const char *schema, const char *privilege)
{
    for (size_t idx = 0; s->grants[idx]; idx++)
        if (lc_db_grant_covers(s->grants[idx], schema, privilege))
            return 1;
    return 0;
}

/* The table of a rule, or NULL when it does not apply (an unset reservations table). */
static const char *rule_table(const struct lc_config *cfg, enum on on)
{
    switch (on) {
    case ON_CONFIGS:
        return cfg->numbering.configs_table;
    case ON_SEQUENCES:
        return cfg->numbering.sequences_table;
    case ON_AUDIT:
        return cfg->numbering.audit_table;
    case ON_RESERVATIONS:
        return cfg->numbering.reservations_table;
    default:
        return NULL;
    }
}

/* Runs a probe; 1 allowed, 0 refused for lack of privilege, -1 another error (in err). */
static int run_probe(MYSQL *db, const char *sql, struct lc_err *err)
{
    unsigned int num;

    if (mysql_real_query(db, sql, strlen(sql)) == 0) {
        MYSQL_RES *res = mysql_store_result(db);

        if (res)
            mysql_free_result(res);
        return 1;
    }
    num = mysql_errno(db);
    if (lc_db_status_of(num) == LC_E_NOPERM || num == ER_SPECIFIC_ACCESS_DENIED_ERROR)
        return 0;
    return lc_db_fail(db, err, "probe");
}

/* "SELECT 1 FROM {t}" with {t} = `db`.`table` and {c} = `column`. */
static void expand_probe(struct lc_buf *sql, const char *probe, const char *db_name,
                         const char *table, const char *column)
{
    for (const char *p = probe; *p; p++) {
        if (strncmp(p, "{t}", 3) == 0) {
            const char *dot = strchr(table, '.');  /* "db.table" names its database */
            char *qualifier = dot ? lc_xstrndup(table, (size_t)(dot - table)) : NULL;

            lc_db_quote_ident(sql, qualifier ? qualifier : db_name);
            lc_buf_putc(sql, '.');
            lc_db_quote_ident(sql, dot ? dot + 1 : table);
            free(qualifier);
            p += 2;
        } else if (strncmp(p, "{c}", 3) == 0) {
            lc_db_quote_ident(sql, column);
            p += 2;
        } else {
            lc_buf_putc(sql, *p);
        }
    }
}

/* The column an UPDATE probe sets to itself. */
static const char *probe_column(const struct lc_config *cfg, enum on on)
{
    if (on == ON_RESERVATIONS)
        return cfg->numbering.reservation_status_column;
    if (cfg->numbering.config_max_column)
        return cfg->numbering.config_max_column;
    return cfg->numbering.config_id_columns ? cfg->numbering.config_id_columns[0] : "id";
}

static void check_db_rule(const struct lc_config *cfg, struct db_session *s,
                          const struct db_rule *r, const char *schema, const char *shown_on,
                          struct tally *t)
{
    struct lc_buf what = LC_BUF_INIT, fix = LC_BUF_INIT, sql = LC_BUF_INIT;
    struct lc_err perr = LC_ERR_INIT;
    const char *table = rule_table(cfg, r->on);
    int has;

    lc_buf_printf(&what, "%s ON %s", r->privilege, shown_on);
    if (r->probe && strcmp(r->probe, TRUST_PROBE) == 0) {
        char *trusted = NULL;

        has = lc_db_query_value(s->db, r->probe, &trusted, &perr) < 0 ? -1 : 0;
        if (has == 0)
            has = (trusted && strcmp(trusted, "1") == 0) || grants_cover(s, "", "SUPER");
        free(trusted);
    } else if (r->probe) {
        expand_probe(&sql, r->probe, schema, table ? table : "", probe_column(cfg, r->on));
        has = run_probe(s->db, sql.data, &perr);
        if (has == 0 && r->on == ON_PROC)  /* 11.3+: SHOW CREATE ROUTINE instead */
            for (size_t idx = 0; cfg->mariadb.databases[idx] && !has; idx++)
                has = grants_cover(s, cfg->mariadb.databases[idx], "SHOW CREATE ROUTINE");
    } else {
        has = grants_cover(s, schema, r->privilege);
    }
    if (has < 0 && r->only_for) {
        report(t, "mariadb", what.data, V_UNCHECKED, NULL, perr.msg);
    } else if (has < 0) {
        report(t, "mariadb", what.data, V_FAILED, NULL, perr.msg);
        if (t->n_failed == 1) {
            t->failed_status = perr.status;
            snprintf(t->failed_msg, sizeof(t->failed_msg), "%.200s: %.700s", what.data,
                     perr.msg);
        }
    } else if (has) {
        report(t, "mariadb", what.data, V_OK, NULL, NULL);
    } else {
        lc_buf_printf(&fix, "%s: GRANT %s ON %s TO %s;", r->why, r->privilege, shown_on,
                      s->grantee.data);
        if (r->probe && strcmp(r->probe, TRUST_PROBE) == 0)
            lc_buf_puts(&fix, " or, better, on the server: SET GLOBAL "
                              "log_bin_trust_function_creators = 1 (and in my.cnf)");
        report(t, "mariadb", what.data, r->only_for ? V_OPTIONAL : V_MISSING, r->only_for,
               fix.data);
    }
    lc_buf_done(&what);
    lc_buf_done(&fix);
    lc_buf_done(&sql);
}

static void check_db_rules(const struct lc_config *cfg, unsigned tool, struct db_session *s,
                           struct tally *t)
{
    const char *first = cfg->mariadb.databases[0];

    for (size_t idx = 0; idx < sizeof(db_rules) / sizeof(db_rules[0]); idx++) {
        const struct db_rule *r = &db_rules[idx];
        struct lc_buf on = LC_BUF_INIT;
        const char *table = rule_table(cfg, r->on);

        if (!(r->tools & tool))
            continue;
        switch (r->on) {
        case ON_GLOBAL:
            check_db_rule(cfg, s, r, "", "*.*", t);
            break;
        case ON_DATABASES:
            for (size_t d = 0; cfg->mariadb.databases[d]; d++) {
                lc_buf_reset(&on);
                lc_db_quote_ident(&on, cfg->mariadb.databases[d]);
                lc_buf_puts(&on, ".*");
                check_db_rule(cfg, s, r, cfg->mariadb.databases[d], on.data, t);
            }
            break;
        case ON_STAGING:
            check_db_rule(cfg, s, r, "lcbp3_restore_1_1_old", "`lcbp3\\_restore\\_%`.*", t);
            break;
        case ON_SCRATCH:
            lc_db_quote_ident(&on, cfg->dr.scratch_database);
            lc_buf_puts(&on, ".*");
            check_db_rule(cfg, s, r, cfg->dr.scratch_database, on.data, t);
            break;
        case ON_PROC:
            check_db_rule(cfg, s, r, "mysql", "mysql.proc", t);
            break;
        default:
            if (!table)
                break;
            lc_db_quote_ident(&on, first);
            lc_buf_putc(&on, '.');
            lc_db_quote_ident(&on, table);
            check_db_rule(cfg, s, r, first, on.data, t);
            break;
        }
        lc_buf_done(&on);
    }
}

/* 'user'@'host' of CURRENT_USER(), quoted for a GRANT statement. */
static void grantee_of(MYSQL *db, struct lc_buf *out)
{
    struct lc_err ignored = LC_ERR_INIT;
    char *who = NULL, *at;

    if (lc_db_query_value(db, "SELECT CURRENT_USER()", &who, &ignored) == 0 && who &&
        (at = strrchr(who, '@')) != NULL) {
        *at = '\0';
        lc_buf_printf(out, "'%s'@'%s'", who, at + 1);
    } else {
        lc_buf_puts(out, "<user>");
    }
    free(who);
}

static int check_mariadb(const struct lc_config *cfg, unsigned tool, const char *program,
                         struct tally *t, struct lc_err *err)
{
    struct db_session s = {NULL, NULL, LC_BUF_INIT};
    MYSQL_RES *res = NULL;
    MYSQL_ROW row;
    size_t n = 0;
    char where[300];
    int rc = -1;

    s.db = lc_db_connect(&cfg->mariadb, program, err);
    if (!s.db)
        goto out;
    grantee_of(s.db, &s.grantee);
    res = lc_db_query(s.db, "SHOW GRANTS", err);
    if (!res)
        goto out;
    s.grants = lc_xcalloc((size_t)mysql_num_rows(res) + 1, sizeof(char *));
    while ((row = mysql_fetch_row(res)) != NULL)
        if (row[0])
            s.grants[n++] = lc_xstrdup(row[0]);
    fprintf(t->out, "# mariadb %s as %s\n", lc_db_describe(&cfg->mariadb, where, sizeof(where)),
            s.grantee.data);
    check_db_rules(cfg, tool, &s, t);
    rc = 0;
out:
    if (res)
        mysql_free_result(res);
    lc_strv_free(s.grants);
    lc_buf_done(&s.grantee);
    lc_db_close(s.db);
    return rc;
}

/* ---- Redis ------------------------------------------------------------------------ */

/* argv of a probe: words of `probe` with {k}, {db} and {scratch} filled in (new strings). */
static char **probe_argv(const char *probe, const char *key, unsigned db, unsigned scratch,
                         int *out_argc)
{
    char **argv = lc_xcalloc(8, sizeof(char *));
    const char *p = probe;
    int argc = 0;

    while (*p && argc < 7) {
        size_t len = strcspn(p, " ");
        char *w = lc_xstrndup(p, len);

        if (strcmp(w, "{k}") == 0)
            argv[argc++] = lc_xstrdup(key);
        else if (strcmp(w, "{db}") == 0)
            argv[argc++] = lc_xasprintf("%u", db);
        else if (strcmp(w, "{scratch}") == 0)
            argv[argc++] = lc_xasprintf("%u", scratch);
        else
            argv[argc++] = lc_xstrdup(w);
        free(w);
        p += len;
        while (*p == ' ')
            p++;
    }
    *out_argc = argc;
    return argv;
}

/*
 * Sends one command; 1 allowed (any reply but NOPERM or an unknown command), 0 refused
 * (the reply text in `why`), -1 the connection failed (err set).
 */
static int redis_allowed(redisContext *c, int argc, const char **argv, char *why, size_t size,
                         struct lc_err *err)
{
    redisReply *reply = redisCommandArgv(c, argc, argv, NULL);
    int allowed = 1;

    if (!reply) {
        char name[300];

        lc_redis_name(c, name, sizeof(name));
        return lc_err_set(err, LC_E_UNAVAILABLE, "redis '%s': %s", name, c->errstr);
    }
    if (reply->type == REDIS_REPLY_ERROR && (strncmp(reply->str, "NOPERM", 6) == 0 ||
                                             strncmp(reply->str, "ERR unknown command", 19) == 0)) {
        allowed = 0;
        snprintf(why, size, "%s", reply->str);
    }
    freeReplyObject(reply);
    return allowed;
}

/* SYNC cannot be sent harmlessly: ask ACL DRYRUN; -2 when the user may not ask. */
static int redis_dryrun(redisContext *c, const char *user, const char *command)
{
    const char *argv[4] = {"ACL", "DRYRUN", user, command};
    redisReply *reply = redisCommandArgv(c, 4, argv, NULL);
    int allowed = -2;

    if (reply && reply->type == REDIS_REPLY_STATUS)
        allowed = 1;  /* +OK */
    else if (reply && reply->type == REDIS_REPLY_STRING)
        allowed = 0;  /* "This user has no permissions to run the 'sync' command" */
    if (reply)
        freeReplyObject(reply);
    return allowed;
}

static int check_redis_rule(const struct lc_config *cfg, redisContext *c, const char *user,
                            const struct redis_rule *r, struct tally *t, struct lc_err *err)
{
    char why[256] = "", *key = NULL, **argv = NULL;
    const char *pattern = NULL;
    struct lc_buf what = LC_BUF_INIT, fix = LC_BUF_INIT;
    int argc = 0, allowed, rc = -1;

    if (r->key == KEY_RESERVATION)
        pattern = cfg->numbering.reservation_pattern;
    else if (r->key == KEY_LOCK)
        pattern = cfg->numbering.lock_pattern;
    if (pattern) {
        char *prefix = lc_priv_glob_prefix(pattern);

        key = lc_xasprintf("%slcbp3-ops-check:%ld", prefix, (long)getpid());
        free(prefix);
    } else {
        key = lc_xasprintf("lcbp3-ops-check:%ld", (long)getpid());
    }
    lc_buf_printf(&what, "+%s", r->command);
    if (pattern)
        lc_buf_printf(&what, " ~%s", pattern);
    else if (r->key == KEY_ANY)
        lc_buf_puts(&what, " ~*");
    if (r->probe) {
        argv = probe_argv(r->probe, key, cfg->redis.db, cfg->dr.scratch_redis_db, &argc);
        allowed = redis_allowed(c, argc, (const char **)argv, why, sizeof(why), err);
        if (allowed < 0)
            goto out;
    } else {
        allowed = redis_dryrun(c, user, r->command);
        if (allowed == -2) {
            report(t, "redis", what.data, V_UNCHECKED, NULL,
                   "cannot be tried without starting a snapshot, and this user may not run "
                   "ACL DRYRUN: the next 'lcbp3-backup run' shows it");
            rc = 0;
            goto out;
        }
    }
    if (allowed) {
        report(t, "redis", what.data, V_OK, NULL, NULL);
    } else {
        if (strstr(why, "access one of the keys"))
            lc_buf_printf(&fix, "%s: ACL SETUSER %s ~%s", r->why, user, pattern ? pattern : "*");
        else
            lc_buf_printf(&fix, "%s: ACL SETUSER %s +%s", r->why, user, r->command);
        if (*why)
            lc_buf_printf(&fix, " (server: %s)", why);
        report(t, "redis", what.data, V_MISSING, NULL, fix.data);
    }
    rc = 0;
out:
    free(key);
    lc_strv_free(argv);
    lc_buf_done(&what);
    lc_buf_done(&fix);
    return rc;
}

static int check_redis(const struct lc_config *cfg, unsigned tool, struct tally *t,
                       struct lc_err *err)
{
    const char *user = cfg->redis.user ? cfg->redis.user : "default";
    char **masters = NULL;
    redisContext *c = NULL;
    int rc = -1;

    if (lc_redis_masters(&cfg->redis, &masters, err) < 0)
        goto out;
    c = lc_redis_connect(masters[0], &cfg->redis, err);
    if (!c)
        goto out;
    fprintf(t->out, "# redis %s (%s) as '%s'\n", masters[0], lc_redis_mode_name(cfg->redis.mode),
            user);
    for (size_t idx = 0; idx < sizeof(redis_rules) / sizeof(redis_rules[0]); idx++) {
        const struct redis_rule *r = &redis_rules[idx];

        if (!(r->tools & tool) || (r->cluster_only && cfg->redis.mode != LC_REDIS_CLUSTER))
            continue;
        if (cfg->redis.mode == LC_REDIS_CLUSTER && strncmp(r->command, "select", 6) == 0)
            continue;  /* a cluster has database 0 only */
        if (check_redis_rule(cfg, c, user, r, t, err) < 0)
            goto out;
    }
    rc = 0;
out:
    if (c)
        redisFree(c);
    lc_strv_free(masters);
    return rc;
}

/* ---- the check -------------------------------------------------------------------- */

int lc_priv_check(const struct lc_config *cfg, unsigned tool, const char *program, FILE *out,
                  struct lc_err *err)
{
    struct tally t;
    int rc = -1;

    memset(&t, 0, sizeof(t));
    t.out = out;
    t.missing = (struct lc_buf)LC_BUF_INIT;
    if (!tool) {
        lc_err_set(err, LC_E_SOFTWARE, "no privilege list for '%s'", program);
        goto out;
    }
    if (check_mariadb(cfg, tool, program, &t, err) < 0) {
        lc_err_prefix(err, "--check");
        goto out;
    }
    if (check_redis(cfg, tool, &t, err) < 0) {
        lc_err_prefix(err, "--check");
        goto out;
    }
    fprintf(out, "# %u OK, %u missing, %u missing but needed only by some commands, "
            "%u not checked, %u failed\n", t.n_ok, t.n_missing, t.n_optional, t.n_unchecked,
            t.n_failed);
    fflush(out);
    if (t.n_missing) {
        lc_err_set(err, LC_E_NOPERM, "%s lacks %u privilege%s: %s", program, t.n_missing,
                   t.n_missing == 1 ? "" : "s", t.missing.data);
        lc_err_hint(err, "run the GRANT / ACL SETUSER lines printed above as an administrator "
                         "(see docs/security.md)");
        goto out;
    }
    if (t.n_failed) {
        lc_err_set(err, t.failed_status, "--check could not test %s", t.failed_msg);
        goto out;
    }
    rc = 0;
out:
    lc_buf_done(&t.missing);
    return rc;
}
