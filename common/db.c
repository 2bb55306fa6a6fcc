/*
 * The MariaDB connection layer: connect with the [mariadb] settings, run statements,
 * map MariaDB errors to lcbp3 statuses, and quote identifiers and strings.
 */
#include "common/db.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <errmsg.h>
#include <mysqld_error.h>

#include "common/log.h"
#include "common/mem.h"

/* The largest packet (so the largest row) the client accepts: the server's maximum. */
#define DB_MAX_PACKET (1024UL * 1024UL * 1024UL)

const char *lc_db_describe(const struct lc_mariadb_cfg *cfg, char *buf, size_t size)
{
    if (cfg->socket && cfg->socket[0])
        snprintf(buf, size, "socket %s", cfg->socket);
    else if (cfg->host && strchr(cfg->host, ':'))
        snprintf(buf, size, "[%s]:%u", cfg->host, cfg->port);
    else
        snprintf(buf, size, "%s:%u", cfg->host ? cfg->host : "localhost", cfg->port);
    return buf;
}

enum lc_status lc_db_status_of(unsigned int mysql_errnum)
{
    switch (mysql_errnum) {
    case ER_DBACCESS_DENIED_ERROR:
    case ER_TABLEACCESS_DENIED_ERROR:
    case ER_COLUMNACCESS_DENIED_ERROR:
    case ER_SPECIFIC_ACCESS_DENIED_ERROR:
    case ER_PROCACCESS_DENIED_ERROR:
    case ER_KILL_DENIED_ERROR:
        return LC_E_NOPERM;
    case ER_LOCK_WAIT_TIMEOUT:
    case ER_LOCK_DEADLOCK:
    case ER_TABLE_DEF_CHANGED:
    case ER_QUERY_INTERRUPTED:
    case ER_STATEMENT_TIMEOUT:
        return LC_E_TEMPFAIL;
    case ER_BAD_DB_ERROR:
    case ER_NO_SUCH_TABLE:
        return LC_E_CONFIG;
    default:
        return LC_E_UNAVAILABLE;
    }
}

int lc_db_fail(MYSQL *db, struct lc_err *err, const char *what)
{
    unsigned int num = mysql_errno(db);
    enum lc_status status = lc_db_status_of(num);

    lc_err_set(err, status, "%s: %s (errno %u)", what, num ? mysql_error(db) : "unknown error",
               num);
    if (status == LC_E_NOPERM)
        lc_err_hint(err, "grant the missing privilege to the [mariadb] user; the PRIVILEGES "
                         "section of %s(1) lists what it needs", lc_log_program());
    else if (num == ER_TABLE_DEF_CHANGED)
        lc_err_hint(err, "a table was altered during the dump; run it again");
    return -1;
}

/* Sets the options that do not come from cfg; mysql_options fails only on OOM. */
static int set_fixed_options(MYSQL *db, const char *program, unsigned connect_s, unsigned io_s)
{
    unsigned long max_packet = DB_MAX_PACKET;
    unsigned int no_infile = 0;

    if (mysql_options(db, MYSQL_OPT_CONNECT_TIMEOUT, &connect_s) ||
        mysql_options(db, MYSQL_OPT_READ_TIMEOUT, &io_s) ||
        mysql_options(db, MYSQL_OPT_WRITE_TIMEOUT, &io_s) ||
        mysql_options(db, MYSQL_OPT_MAX_ALLOWED_PACKET, &max_packet) ||
        /* A server must never be able to read our files. */
        mysql_options(db, MYSQL_OPT_LOCAL_INFILE, &no_infile) ||
        mysql_options(db, MYSQL_SET_CHARSET_NAME, "utf8mb4"))
        return -1;
    if (program && mysql_options4(db, MYSQL_OPT_CONNECT_ATTR_ADD, "program_name", program))
        return -1;
    return 0;
}

static int set_tls_options(MYSQL *db, const struct lc_mariadb_cfg *cfg)
{
    my_bool yes = 1;
    int any = 0;

    if (cfg->ssl_ca && cfg->ssl_ca[0]) {
        if (mysql_options(db, MYSQL_OPT_SSL_CA, cfg->ssl_ca) ||
            mysql_options(db, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &yes))
            return -1;
        any = 1;
    }
    if (cfg->ssl_cert && cfg->ssl_cert[0]) {
        if (mysql_options(db, MYSQL_OPT_SSL_CERT, cfg->ssl_cert))
            return -1;
        any = 1;
    }
    if (cfg->ssl_key && cfg->ssl_key[0]) {
        if (mysql_options(db, MYSQL_OPT_SSL_KEY, cfg->ssl_key))
            return -1;
        any = 1;
    }
    /* With any TLS setting a plain-text fallback would defeat the configuration. */
    if (any && mysql_options(db, MYSQL_OPT_SSL_ENFORCE, &yes))
        return -1;
    return 0;
}

static int is_access_denied(unsigned int num)
{
    return num == ER_ACCESS_DENIED_ERROR || num == ER_ACCESS_DENIED_NO_PASSWORD_ERROR ||
           num == ER_DBACCESS_DENIED_ERROR;
}

static MYSQL *connect_db(const struct lc_mariadb_cfg *cfg, const char *program, int local_infile,
                         unsigned io_s, struct lc_err *err);

MYSQL *lc_db_connect(const struct lc_mariadb_cfg *cfg, const char *program, struct lc_err *err)
{
    return connect_db(cfg, program, 0, LC_DB_IO_TIMEOUT_S, err);
}

MYSQL *lc_db_connect_local_infile(const struct lc_mariadb_cfg *cfg, const char *program,
                                  struct lc_err *err)
{
    return connect_db(cfg, program, 1, LC_DB_IO_TIMEOUT_S, err);
}

MYSQL *lc_db_connect_timeout(const struct lc_mariadb_cfg *cfg, const char *program,
                             unsigned io_timeout_s, struct lc_err *err)
{
    return connect_db(cfg, program, 0, io_timeout_s, err);
}

static MYSQL *connect_db(const struct lc_mariadb_cfg *cfg, const char *program, int local_infile,
                         unsigned io_s, struct lc_err *err)
{
    MYSQL *db = NULL;
    MYSQL *ret = NULL;
    char where[300];
    const char *user = cfg->user && cfg->user[0] ? cfg->user : NULL;
    const char *sock = cfg->socket && cfg->socket[0] ? cfg->socket : NULL;
    unsigned connect_s;
    unsigned int num;

    lc_db_describe(cfg, where, sizeof(where));
    if (cfg->option_file && cfg->option_file[0]) {
        /* Connector/C ignores an unreadable option file; a typo must not go unnoticed. */
        int fd = open(cfg->option_file, O_RDONLY | O_CLOEXEC);

        if (fd < 0) {
            lc_err_sys(err, LC_E_CONFIG, "mariadb: cannot read option_file '%s'",
                       cfg->option_file);
            goto out;
        }
        close(fd);
    }
    db = mysql_init(NULL);
    if (!db) {
        lc_err_set(err, LC_E_OSERR, "mariadb: mysql_init failed (out of memory)");
        goto out;
    }
    connect_s = cfg->connect_timeout_ms > 0 ? (unsigned)((cfg->connect_timeout_ms + 999) / 1000)
                                            : 10;
    if (set_fixed_options(db, program, connect_s, io_s) || set_tls_options(db, cfg) ||
        (local_infile && mysql_options(db, MYSQL_OPT_LOCAL_INFILE, &local_infile)) ||
        (cfg->option_file && cfg->option_file[0] &&
         (mysql_options(db, MYSQL_READ_DEFAULT_FILE, cfg->option_file) ||
          mysql_options(db, MYSQL_READ_DEFAULT_GROUP, "client")))) {
        lc_err_set(err, LC_E_OSERR, "mariadb: setting connection options failed: %s",
                   mysql_error(db));
        goto out;
    }
    if (!mysql_real_connect(db, sock ? "localhost" : cfg->host, user, cfg->password, NULL,
                            sock ? 0 : cfg->port, sock, CLIENT_MULTI_RESULTS)) {
        num = mysql_errno(db);
        if (is_access_denied(num)) {
            lc_err_set(err, LC_E_UNAVAILABLE, "mariadb: access denied for user '%s' at '%s': %s",
                       user ? user : "(default)", where, mysql_error(db));
            lc_err_hint(err, "check [mariadb] user and password_file (or the [client] section "
                             "of option_file)");
        } else {
            lc_err_set(err, LC_E_UNAVAILABLE, "mariadb: cannot connect to '%s' as user '%s': %s",
                       where, user ? user : "(default)", mysql_error(db));
        }
        goto out;
    }
    ret = db;
    db = NULL;
out:
    if (db)
        mysql_close(db);
    return ret;
}

void lc_db_close(MYSQL *db)
{
    if (db)
        mysql_close(db);
}

/* "query '<first 100 bytes>'" for messages. */
static void query_what(char *buf, size_t size, const char *sql)
{
    snprintf(buf, size, "mariadb: query '%.100s%s' failed", sql, strlen(sql) > 100 ? "..." : "");
}

int lc_db_exec(MYSQL *db, const char *sql, struct lc_err *err)
{
    char what[160];
    int status;

    if (mysql_real_query(db, sql, strlen(sql)))
        goto fail;
    /* Drain every result (a CALL or a multi-result statement may send several). */
    do {
        MYSQL_RES *res = mysql_store_result(db);

        if (res)
            mysql_free_result(res);
        else if (mysql_field_count(db))
            goto fail;
        status = mysql_next_result(db);
        if (status > 0)
            goto fail;
    } while (status == 0);
    return 0;
fail:
    query_what(what, sizeof(what), sql);
    return lc_db_fail(db, err, what);
}

MYSQL_RES *lc_db_query(MYSQL *db, const char *sql, struct lc_err *err)
{
    char what[160];
    MYSQL_RES *res;

    query_what(what, sizeof(what), sql);
    if (mysql_real_query(db, sql, strlen(sql))) {
        lc_db_fail(db, err, what);
        return NULL;
    }
    res = mysql_store_result(db);
    if (!res) {
        if (mysql_field_count(db) || mysql_errno(db))
            lc_db_fail(db, err, what);
        else
            lc_err_set(err, LC_E_SOFTWARE, "%s: it returned no result set", what);
    }
    return res;
}

int lc_db_query_value(MYSQL *db, const char *sql, char **out, struct lc_err *err)
{
    MYSQL_RES *res = lc_db_query(db, sql, err);
    MYSQL_ROW row;
    unsigned long *lengths;
    int rc = -1;

    if (!res)
        goto out;
    row = mysql_fetch_row(res);
    if (row && mysql_num_fields(res) > 0) {
        lengths = mysql_fetch_lengths(res);
        *out = row[0] ? lc_xstrndup(row[0], lengths[0]) : NULL;
    } else {
        *out = NULL;
    }
    rc = 0;
out:
    if (res)
        mysql_free_result(res);
    return rc;
}

/* Length of the UTF-8 sequence starting with byte c (1 for ASCII or a stray byte). */
static size_t utf8_step(unsigned char c)
{
    return c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
}

/* SQL LIKE with '\\' escapes; '_' matches one UTF-8 character. Case-sensitive, as
 * database names are on Linux. */
static int like_match(const char *pat, const char *s)
{
    while (*pat) {
        if (*pat == '%') {
            while (*pat == '%')
                pat++;
            if (!*pat)
                return 1;
            for (; *s; s += utf8_step((unsigned char)*s))
                if (like_match(pat, s))
                    return 1;
            return 0;
        }
        if (!*s)
            return 0;
        if (*pat == '_') {
            pat++;
            s += utf8_step((unsigned char)*s);
            continue;
        }
        if (*pat == '\\' && pat[1])
            pat++;
        if (*pat != *s)
            return 0;
        pat++;
        s++;
    }
    return *s == '\0';
}

int lc_db_grant_covers(const char *grant_line, const char *schema, const char *privilege)
{
    const char *on, *target, *p;
    struct lc_buf pattern = LC_BUF_INIT;
    size_t plen = strlen(privilege);
    int has = 0, covers = 0;

    if (strncmp(grant_line, "GRANT ", 6) != 0 || !(on = strstr(grant_line + 6, " ON ")))
        return 0;
    /* The privilege list: "SELECT, SHOW VIEW, TRIGGER" or "ALL PRIVILEGES". */
    for (p = grant_line + 6; p < on;) {
        const char *end = strstr(p, ", ");
        size_t len;

        if (!end || end > on)
            end = on;
        len = (size_t)(end - p);
        if ((len == plen && strncmp(p, privilege, plen) == 0) ||
            (len == 14 && strncmp(p, "ALL PRIVILEGES", 14) == 0))
            has = 1;
        p = end == on ? on : end + 2;
    }
    if (!has)
        return 0;
    target = on + 4;
    if (strncmp(target, "*.* ", 4) == 0)
        return 1;
    if (*target != '`')
        return 0;
    /* `pattern`.* with `` standing for one backtick */
    for (p = target + 1; *p; p++) {
        if (*p == '`') {
            if (p[1] != '`')
                break;
            p++;
        }
        lc_buf_putc(&pattern, *p);
    }
    if (*p == '`' && strncmp(p + 1, ".* ", 3) == 0)
        covers = like_match(pattern.data ? pattern.data : "", schema);
    lc_buf_done(&pattern);
    return covers;
}

int lc_db_has_privilege(MYSQL *db, const char *schema, const char *privilege, int *out_has,
                        struct lc_err *err)
{
    MYSQL_RES *res = lc_db_query(db, "SHOW GRANTS", err);
    MYSQL_ROW row;
    int has = 0;

    if (!res)
        return -1;
    while (!has && (row = mysql_fetch_row(res)) != NULL)
        has = row[0] && lc_db_grant_covers(row[0], schema, privilege);
    mysql_free_result(res);
    *out_has = has;
    return 0;
}

/*
 * Length of the UTF-8 character at s (1-3 bytes), or 0 when it is invalid, overlong,
 * a surrogate, or outside the Basic Multilingual Plane (MariaDB does not allow
 * supplementary characters in identifiers).
 */
static size_t utf8_char_len(const unsigned char *s)
{
    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xc2 && s[0] <= 0xdf)
        return (s[1] & 0xc0) == 0x80 ? 2 : 0;
    if (s[0] >= 0xe0 && s[0] <= 0xef) {
        if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
            return 0;
        if (s[0] == 0xe0 && s[1] < 0xa0)
            return 0; /* overlong */
        if (s[0] == 0xed && s[1] >= 0xa0)
            return 0; /* surrogate */
        return 3;
    }
    return 0;
}

int lc_db_ident_valid(const char *name)
{
    const unsigned char *s = (const unsigned char *)name;
    size_t chars = 0;
    size_t len;

    if (!name || !name[0])
        return 0;
    while (*s) {
        len = utf8_char_len(s);
        if (len == 0)
            return 0;
        s += len;
        if (++chars > 64)
            return 0;
    }
    return s[-1] != ' ';
}

void lc_db_quote_ident(struct lc_buf *b, const char *name)
{
    const char *tick;

    lc_buf_putc(b, '`');
    while ((tick = strchr(name, '`')) != NULL) {
        lc_buf_append(b, name, (size_t)(tick - name) + 1);
        lc_buf_putc(b, '`');
        name = tick + 1;
    }
    lc_buf_puts(b, name);
    lc_buf_putc(b, '`');
}

void lc_db_quote_string(MYSQL *db, struct lc_buf *b, const char *s)
{
    size_t len = strlen(s);
    unsigned long n;

    lc_buf_reserve(b, 2 * len + 3);
    b->data[b->len++] = '\'';
    n = mysql_real_escape_string(db, b->data + b->len, s, (unsigned long)len);
    b->len += n;
    b->data[b->len++] = '\'';
    b->data[b->len] = '\0';
}

int lc_db_schema_list(MYSQL *db, const char *schema, const char *table, const char *column,
                      const char *view, const char *extra, char ***out, struct lc_err *err)
{
    struct lc_buf sql = LC_BUF_INIT;
    MYSQL_RES *res;
    MYSQL_ROW row;
    char **names;
    size_t n = 0;

    lc_buf_printf(&sql, "SELECT %s FROM information_schema.%s WHERE TABLE_SCHEMA = ", column, view);
    lc_db_quote_string(db, &sql, schema);
    lc_buf_puts(&sql, " AND TABLE_NAME = ");
    lc_db_quote_string(db, &sql, table);
    lc_buf_puts(&sql, extra);
    res = lc_db_query(db, sql.data, err);
    lc_buf_done(&sql);
    if (!res)
        return -1;
    names = lc_xcalloc(mysql_num_rows(res) + 1, sizeof(*names));
    while ((row = mysql_fetch_row(res)) != NULL)
        if (row[0])
            names[n++] = lc_xstrdup(row[0]);
    mysql_free_result(res);
    *out = names;
    return 0;
}

