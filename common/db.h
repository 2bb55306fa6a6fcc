/*
 * The MariaDB connection layer on Connector/C: connecting from [mariadb] (socket or
 * host:port, option file, TLS, utf8mb4, a program_name attribute), running statements
 * and single-value queries, turning client and server errors into lc_err with the
 * library's own text, and building SQL safely (identifier validation and quoting,
 * string literals escaped for the live session). No SQL is built by pasting an
 * unquoted name or value.
 */
#ifndef LC_DB_H
#define LC_DB_H

#include <mysql.h>

#include "common/buf.h"
#include "common/config.h"
#include "common/error.h"

/*
 * Client read/write timeout, seconds: the longest the client waits for the server to
 * send (or accept) anything. Rows stream continuously, so this only bounds silence;
 * it is long because a statement may legitimately wait on a metadata lock. Sessions
 * that dump also set lock_wait_timeout below it so that the server's own error
 * arrives first.
 */
#define LC_DB_IO_TIMEOUT_S 3600

/*
 * Connects as configured: cfg->socket when set, else cfg->host:cfg->port; user and
 * password (cfg->password may be NULL, e.g. when it comes from cfg->option_file, read
 * as group [client]); TLS with cfg->ssl_ca/ssl_cert/ssl_key (the server certificate is
 * verified when ssl_ca is set); character set utf8mb4; connect timeout from
 * cfg->connect_timeout_ms; connect attribute program_name=program (may be NULL).
 * Auto-reconnect stays off: a lost connection is an error, never a silent new session.
 * Returns the handle (close with lc_db_close()), or NULL with err set: LC_E_UNAVAILABLE
 * when the server cannot be reached or refuses the account (the message names the
 * server and user and carries mysql_error; access denied adds a hint), LC_E_CONFIG
 * when the option file cannot be read.
 */
MYSQL *lc_db_connect(const struct lc_mariadb_cfg *cfg, const char *program, struct lc_err *err);

/*
 * lc_db_connect() with LOAD DATA LOCAL INFILE allowed on the connection (the capability
 * is agreed at connect time); the caller serves the data through
 * mysql_set_local_infile_handler, never from a file the server names.
 */
MYSQL *lc_db_connect_local_infile(const struct lc_mariadb_cfg *cfg, const char *program,
                                  struct lc_err *err);

/* lc_db_connect() with a shorter client read/write timeout: for a replication stream
 * whose heartbeats make any longer silence a dead server. */
MYSQL *lc_db_connect_timeout(const struct lc_mariadb_cfg *cfg, const char *program,
                             unsigned io_timeout_s, struct lc_err *err);

/* Closes a handle; accepts NULL. */
void lc_db_close(MYSQL *db);

/* "host:port" or "socket '/path'" for messages, into buf (always NUL-terminated). */
const char *lc_db_describe(const struct lc_mariadb_cfg *cfg, char *buf, size_t size);

/*
 * The status for a MariaDB error number: client errors (connection refused or lost,
 * 2000-2999) LC_E_UNAVAILABLE; missing privileges LC_E_NOPERM; lock waits, deadlocks,
 * killed queries and "table definition has changed" LC_E_TEMPFAIL; unknown database or
 * table LC_E_CONFIG; anything else LC_E_UNAVAILABLE (the server refused).
 */
enum lc_status lc_db_status_of(unsigned int mysql_errnum);

/*
 * Records the handle's current error: "<what>: <mysql_error> (errno N)" with the
 * status from lc_db_status_of(); a hint when privileges are missing. Returns -1.
 */
int lc_db_fail(MYSQL *db, struct lc_err *err, const char *what);

/* Runs a statement and discards any result set. */
int lc_db_exec(MYSQL *db, const char *sql, struct lc_err *err);

/*
 * Runs a query and returns its whole result (mysql_store_result; free it with
 * mysql_free_result), or NULL with err set. A statement that returns no result set is
 * an error (LC_E_SOFTWARE).
 */
MYSQL_RES *lc_db_query(MYSQL *db, const char *sql, struct lc_err *err);

/*
 * Runs a query and hands back the first column of its first row in *out (heap string,
 * caller frees); *out is NULL when that value is SQL NULL or there is no row. Returns
 * 0, or -1 with err set and *out untouched.
 */
int lc_db_query_value(MYSQL *db, const char *sql, char **out, struct lc_err *err);

/*
 * 1 when `name` is usable as a database, table or column name: non-empty, at most 64
 * characters (MariaDB counts characters, not bytes) of valid UTF-8, no NUL, no
 * trailing space. Anything else (spaces, quotes, backticks) is allowed because names
 * are always quoted.
 */
int lc_db_ident_valid(const char *name);

/*
 * 1 when one line of SHOW GRANTS output gives `privilege` (as SHOW GRANTS spells it,
 * e.g. "TRIGGER") or ALL PRIVILEGES on every database (*.*) or on a database pattern
 * (LIKE syntax: %, _ and \ escapes) that matches `schema`. Table, column and routine
 * grants do not count.
 */
int lc_db_grant_covers(const char *grant_line, const char *schema, const char *privilege);

/*
 * Whether the session holds `privilege` on all of `schema` (globally or on the
 * database), from SHOW GRANTS, which includes PUBLIC and the current role. Privileges
 * that only MariaDB can see otherwise (triggers hide silently without TRIGGER) are
 * checked this way before relying on what information_schema shows.
 */
int lc_db_has_privilege(MYSQL *db, const char *schema, const char *privilege, int *out_has,
                        struct lc_err *err);

/*
 * One column of information_schema.<view> for the table schema.table, as NULL-terminated
 * new strings in *out (lc_strv_free): "SELECT <column> FROM information_schema.<view>
 * WHERE TABLE_SCHEMA = <schema> AND TABLE_NAME = <table><extra>". `column`, `view` and
 * `extra` (more of the WHERE clause, may be "") are fixed text of the caller, never
 * config input; schema and table are quoted as strings. An unknown table is an empty list.
 */
int lc_db_schema_list(MYSQL *db, const char *schema, const char *table, const char *column,
                      const char *view, const char *extra, char ***out, struct lc_err *err);

/* Appends `name` in backticks, doubling any backtick inside. */
void lc_db_quote_ident(struct lc_buf *b, const char *name);

/*
 * Appends '<s escaped>' for use on `db`'s session (mysql_real_escape_string: honours
 * NO_BACKSLASH_ESCAPES and the connection character set).
 */
void lc_db_quote_string(MYSQL *db, struct lc_buf *b, const char *s);

#endif
