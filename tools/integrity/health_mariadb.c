/*
 * The MariaDB part of `lcbp3-integrity health`: is the server reachable and how fast
 * does it answer, is a replica replicating and how far behind, is the binary log on
 * (point-in-time recovery needs it), are transactions held open too long, and do
 * transactions wait for row locks. The statements are constants: nothing from the
 * config or the server is pasted into SQL. A statement refused for a missing privilege
 * is an UNKNOWN result naming the GRANT that would let it run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/db.h"
#include "common/mem.h"
#include "common/units.h"
#include "tools/integrity/health.h"

#define PROGRAM "lcbp3-integrity"

/* A connected session and what every check of this file needs to word its results. */
struct mdb_check {
    MYSQL *db;
    const struct lc_integrity_cfg *ic;
    struct ic_report *r;
    char account[300];        /* "'user'@'host'" from CURRENT_USER(), for GRANT lines */
};

/* Whole seconds of a duration key (keys are at least 1 s). */
static long long secs(int64_t ms)
{
    return (long long)(ms / 1000);
}

static long long to_ll(const char *s)
{
    return s ? strtoll(s, NULL, 10) : 0;
}

/* "warn > 60s, crit > 5m" */
static char *threshold_text(int64_t warn_ms, int64_t crit_ms)
{
    char warn[32], crit[32];

    lc_format_duration(warn_ms, warn, sizeof(warn));
    if (crit_ms < 0)
        return lc_xasprintf("warn > %s", warn);
    lc_format_duration(crit_ms, crit, sizeof(crit));
    return lc_xasprintf("warn > %s, crit > %s", warn, crit);
}

static enum ic_status grade(long long value_s, int64_t warn_ms, int64_t crit_ms)
{
    if (crit_ms >= 0 && value_s > secs(crit_ms))
        return IC_CRITICAL;
    if (value_s > secs(warn_ms))
        return IC_WARNING;
    return IC_OK;
}

/* The account as GRANT spells it; "'user'@'%'" style, or the configured user. */
static void load_account(struct mdb_check *mc, const char *configured_user)
{
    struct lc_err ignored = LC_ERR_INIT;
    char *who = NULL;
    char *at;

    snprintf(mc->account, sizeof(mc->account), "'%s'@'<host>'",
             configured_user ? configured_user : "<user>");
    if (lc_db_query_value(mc->db, "SELECT CURRENT_USER()", &who, &ignored) < 0 || !who)
        return;
    at = strrchr(who, '@');
    if (at) {
        *at = '\0';
        snprintf(mc->account, sizeof(mc->account), "'%s'@'%s'", who, at + 1);
    }
    free(who);
}

/* An UNKNOWN result for a statement that failed; a missing privilege names its GRANT. */
static void query_failed(struct mdb_check *mc, const char *check, struct lc_err *err,
                         const char *privilege)
{
    if (err->status == LC_E_NOPERM)
        lc_err_hint(err, "GRANT %s ON *.* TO %s;", privilege, mc->account);
    ic_report_unknown(mc->r, check, err,
                      "check the [mariadb] account and the server's error log");
}

/*
 * Runs a query expected to return one row of at least `ncols` columns: 0 with
 * *out_res (free it) and *out_row, or -1 with err set (no row is an LC_E_DATA error).
 */
static int one_row(MYSQL *db, const char *sql, unsigned ncols, MYSQL_RES **out_res,
                   MYSQL_ROW *out_row, struct lc_err *err)
{
    MYSQL_RES *res = lc_db_query(db, sql, err);
    MYSQL_ROW row;

    if (!res)
        return -1;
    row = mysql_fetch_row(res);
    if (!row || mysql_num_fields(res) < ncols) {
        mysql_free_result(res);
        return lc_err_set(err, LC_E_DATA, "'%.60s...' returned no row", sql);
    }
    *out_res = res;
    *out_row = row;
    return 0;
}

/* ---- reachable ------------------------------------------------------------------- */

static MYSQL *check_reachable(const struct lc_config *cfg, struct ic_report *r)
{
    struct lc_err err = LC_ERR_INIT;
    struct timespec start;
    char where[300];
    char *one = NULL;
    double ms;
    MYSQL *db;

    lc_db_describe(&cfg->mariadb, where, sizeof(where));
    db = lc_db_connect(&cfg->mariadb, PROGRAM, &err);
    if (db) {
        clock_gettime(CLOCK_MONOTONIC, &start);
        if (lc_db_query_value(db, "SELECT 1", &one, &err) == 0) {
            ms = ic_health_elapsed_ms(&start);
            free(one);
            ic_report_addf(r, "mariadb.reachable", IC_OK, NULL, NULL, NULL, NULL,
                           "%.1f ms (%s)", ms, where);
            lc_metrics_gauge(ic_report_metrics(r), "lcbp3_mariadb_latency_seconds",
                             "round trip of SELECT 1 to MariaDB", NULL, ms / 1000.0);
            lc_metrics_gauge(ic_report_metrics(r), "lcbp3_mariadb_up",
                             "1 when MariaDB answered SELECT 1", NULL, 1);
            return db;
        }
        lc_db_close(db);
    }
    ic_report_addf(r, "mariadb.reachable", IC_CRITICAL, NULL, err.msg,
                   err.hint[0] ? err.hint
                               : "check that mariadbd runs and listens there (systemctl status "
                                 "mariadb, its error log) and that [mariadb] host/port/socket "
                                 "point at it",
                   NULL, "unreachable (%s)", where);
    lc_metrics_gauge(ic_report_metrics(r), "lcbp3_mariadb_up", "1 when MariaDB answered SELECT 1",
                     NULL, 0);
    return NULL;
}

/* ---- replication ----------------------------------------------------------------- */

static int column_of(MYSQL_RES *res, const char *name)
{
    unsigned n = mysql_num_fields(res);
    MYSQL_FIELD *fields = mysql_fetch_fields(res);

    for (unsigned idx = 0; idx < n; idx++)
        if (strcasecmp(fields[idx].name, name) == 0)
            return (int)idx;
    return -1;
}

static const char *field(MYSQL_ROW row, int col)
{
    return col >= 0 ? row[col] : NULL;
}

struct slave_cols {
    int name, io, sql, lag, io_error, sql_error, host, port;
};

/* One replication connection (one row of SHOW ALL SLAVES STATUS). */
static void check_slave_row(struct mdb_check *mc, const struct slave_cols *c, MYSQL_ROW row)
{
    const char *name = field(row, c->name) ? field(row, c->name) : "";
    const char *io = field(row, c->io) ? field(row, c->io) : "?";
    const char *sql = field(row, c->sql) ? field(row, c->sql) : "?";
    const char *lag = field(row, c->lag);
    const char *io_err = field(row, c->io_error);
    const char *sql_err = field(row, c->sql_error);
    char *check = *name ? lc_xasprintf("mariadb.replication.%s", name)
                        : lc_xstrdup("mariadb.replication");
    char *labels = lc_metrics_labels("connection", name, NULL);
    char *threshold = threshold_text(mc->ic->warn_replication_lag_ms,
                                     mc->ic->crit_replication_lag_ms);
    char *detail = NULL;
    int running = strcmp(io, "Yes") == 0 && strcmp(sql, "Yes") == 0;
    long long lag_s = to_ll(lag);

    lc_metrics_gauge(ic_report_metrics(mc->r), "lcbp3_mariadb_replication_running",
                     "1 when both replication threads of the connection run", labels, running);
    if (!running) {
        detail = lc_xasprintf("replication from %s:%s is stopped: IO thread %s, SQL thread %s%s%s%s%s",
                              field(row, c->host) ? field(row, c->host) : "?",
                              field(row, c->port) ? field(row, c->port) : "?", io, sql,
                              io_err && *io_err ? "; IO error: " : "", io_err && *io_err ? io_err : "",
                              sql_err && *sql_err ? "; SQL error: " : "",
                              sql_err && *sql_err ? sql_err : "");
        ic_report_addf(mc->r, check, IC_CRITICAL, threshold, detail,
                       "on the replica read SHOW SLAVE STATUS (Last_IO_Error, Last_SQL_Error), fix "
                       "the cause, then START SLAVE; a replica that cannot catch up is rebuilt "
                       "from the latest set and must not be used for failover meanwhile",
                       NULL, "IO %s, SQL %s", io, sql);
    } else if (!lag) {
        ic_report_addf(mc->r, check, IC_CRITICAL, threshold,
                       "Seconds_Behind_Master is NULL: the replica does not know how far behind "
                       "it is", "on the replica read SHOW SLAVE STATUS and the error log",
                       NULL, "lag unknown");
    } else {
        enum ic_status st = grade(lag_s, mc->ic->warn_replication_lag_ms,
                                  mc->ic->crit_replication_lag_ms);

        if (st != IC_OK)
            detail = lc_xasprintf("the replica is %lld s behind its primary %s:%s", lag_s,
                                  field(row, c->host) ? field(row, c->host) : "?",
                                  field(row, c->port) ? field(row, c->port) : "?");
        ic_report_addf(mc->r, check, st, threshold, detail,
                       st == IC_OK ? NULL
                                   : "see what the replica applies slowly (SHOW PROCESSLIST on "
                                     "the replica), a long transaction on the primary, or disk "
                                     "pressure; a lagging replica is not a safe failover target",
                       NULL, "%lld s", lag_s);
        lc_metrics_gauge(ic_report_metrics(mc->r), "lcbp3_mariadb_replication_lag_seconds",
                         "Seconds_Behind_Master of the replication connection", labels,
                         (double)lag_s);
    }
    free(detail);
    free(threshold);
    free(labels);
    free(check);
}

static void check_replication(struct mdb_check *mc)
{
    struct lc_err err = LC_ERR_INIT;
    MYSQL_RES *res = lc_db_query(mc->db, "SHOW ALL SLAVES STATUS", &err);
    struct slave_cols c;
    MYSQL_ROW row;
    size_t rows = 0;

    if (!res) {
        query_failed(mc, "mariadb.replication", &err, "SLAVE MONITOR");
        return;
    }
    c.name = column_of(res, "Connection_name");
    c.io = column_of(res, "Slave_IO_Running");
    c.sql = column_of(res, "Slave_SQL_Running");
    c.lag = column_of(res, "Seconds_Behind_Master");
    c.io_error = column_of(res, "Last_IO_Error");
    c.sql_error = column_of(res, "Last_SQL_Error");
    c.host = column_of(res, "Master_Host");
    c.port = column_of(res, "Master_Port");
    while ((row = mysql_fetch_row(res))) {
        check_slave_row(mc, &c, row);
        rows++;
    }
    if (rows == 0)
        ic_report_addf(mc->r, "mariadb.replication", IC_OK, NULL, NULL, NULL, NULL,
                       "not a replica");
    mysql_free_result(res);
}

/* ---- binary log ------------------------------------------------------------------ */

static void check_binlog(struct mdb_check *mc)
{
    struct lc_err err = LC_ERR_INIT;
    MYSQL_RES *res = NULL;
    MYSQL_ROW row = NULL;

    if (one_row(mc->db, "SELECT @@log_bin, @@binlog_format", 2, &res, &row, &err) < 0) {
        query_failed(mc, "mariadb.binlog", &err, "USAGE");
        return;
    }
    if (row[0] && strcmp(row[0], "1") == 0)
        ic_report_addf(mc->r, "mariadb.binlog", IC_OK, "on", NULL, NULL, NULL, "on (%s)",
                       row[1] ? row[1] : "?");
    else
        ic_report_addf(mc->r, "mariadb.binlog", IC_WARNING, "on",
                       "the binary log is off: point-in-time recovery is impossible, a restore "
                       "can only go back to the last set",
                       "add to the [mariadbd] section of my.cnf: log_bin=mysql-bin, "
                       "server_id=1, binlog_format=ROW, expire_logs_days=8; restart MariaDB and "
                       "run 'lcbp3-backup binlog --follow'",
                       NULL, "off");
    mysql_free_result(res);
}

/* ---- long transactions ----------------------------------------------------------- */

#define OLDEST_TRX_SQL                                                                       \
    "SELECT t.trx_mysql_thread_id, TIMESTAMPDIFF(SECOND, t.trx_started, NOW()), "          \
    "t.trx_state, COALESCE(p.USER, '?'), COALESCE(p.HOST, '?'), "                           \
    "COALESCE(LEFT(t.trx_query, 120), ''), (SELECT COUNT(*) FROM "                          \
    "information_schema.INNODB_TRX) FROM information_schema.INNODB_TRX t LEFT JOIN "        \
    "information_schema.PROCESSLIST p ON p.ID = t.trx_mysql_thread_id "                     \
    "ORDER BY t.trx_started, t.trx_mysql_thread_id LIMIT 1"

static void check_transactions(struct mdb_check *mc)
{
    struct lc_err err = LC_ERR_INIT;
    MYSQL_RES *res = lc_db_query(mc->db, OLDEST_TRX_SQL, &err);
    char *threshold = threshold_text(mc->ic->warn_transaction_age_ms,
                                     mc->ic->crit_transaction_age_ms);
    char *detail = NULL;
    MYSQL_ROW row;
    long long age = 0;

    if (!res) {
        query_failed(mc, "mariadb.long_transactions", &err, "PROCESS");
        free(threshold);
        return;
    }
    row = mysql_fetch_row(res);
    if (!row) {
        ic_report_addf(mc->r, "mariadb.long_transactions", IC_OK, threshold, NULL, NULL, NULL,
                       "none open");
    } else {
        enum ic_status st;

        age = to_ll(row[1]);
        st = grade(age, mc->ic->warn_transaction_age_ms, mc->ic->crit_transaction_age_ms);
        if (st != IC_OK)
            detail = lc_xasprintf("the oldest of %s open transactions, thread %s ('%s'@'%s', "
                                  "%s), has been open %lld s%s%s",
                                  row[6] ? row[6] : "?", row[0] ? row[0] : "?", row[3], row[4],
                                  row[2] ? row[2] : "?", age,
                                  row[5] && *row[5] ? ": " : " and runs no statement now (idle "
                                                             "in transaction)",
                                  row[5] && *row[5] ? row[5] : "");
        ic_report_addf(mc->r, "mariadb.long_transactions", st, threshold, detail,
                       st == IC_OK ? NULL
                                   : "see what that thread does (SHOW PROCESSLIST); an open "
                                     "transaction holds its row locks and the undo history: have "
                                     "the application commit it, or KILL the thread if it is stuck",
                       st == IC_OK ? NULL : "lock-wait", "oldest %lld s", age);
    }
    lc_metrics_gauge(ic_report_metrics(mc->r), "lcbp3_mariadb_oldest_transaction_seconds",
                     "age of the oldest open InnoDB transaction (0: none)", NULL, (double)age);
    free(detail);
    free(threshold);
    mysql_free_result(res);
}

/* ---- lock waits ------------------------------------------------------------------ */

#define LONGEST_WAIT_SQL                                                                     \
    "SELECT r.trx_mysql_thread_id, b.trx_mysql_thread_id, "                                 \
    "TIMESTAMPDIFF(SECOND, r.trx_wait_started, NOW()), COALESCE(LEFT(r.trx_query, 120), ''), " \
    "(SELECT COUNT(*) FROM information_schema.INNODB_LOCK_WAITS) "                         \
    "FROM information_schema.INNODB_LOCK_WAITS w "                                          \
    "JOIN information_schema.INNODB_TRX r ON r.trx_id = w.requesting_trx_id "               \
    "JOIN information_schema.INNODB_TRX b ON b.trx_id = w.blocking_trx_id "                 \
    "ORDER BY r.trx_wait_started, r.trx_mysql_thread_id LIMIT 1"

static void check_lock_waits(struct mdb_check *mc)
{
    struct lc_err err = LC_ERR_INIT;
    MYSQL_RES *res = lc_db_query(mc->db, LONGEST_WAIT_SQL, &err);
    char *threshold = threshold_text(mc->ic->warn_lock_wait_ms, -1);
    char *detail = NULL;
    MYSQL_ROW row;
    long long waits = 0, longest = 0;

    if (!res) {
        query_failed(mc, "mariadb.lock_waits", &err, "PROCESS");
        free(threshold);
        return;
    }
    row = mysql_fetch_row(res);
    if (!row) {
        ic_report_addf(mc->r, "mariadb.lock_waits", IC_OK, threshold, NULL, NULL, NULL, "none");
    } else {
        enum ic_status st;

        longest = to_ll(row[2]);
        waits = to_ll(row[4]);
        st = grade(longest, mc->ic->warn_lock_wait_ms, -1);
        detail = lc_xasprintf("%lld lock waits; thread %s has waited %lld s for a row lock held "
                              "by thread %s%s%s",
                              waits, row[0] ? row[0] : "?", longest, row[1] ? row[1] : "?",
                              row[3] && *row[3] ? ": " : "", row[3] ? row[3] : "");
        ic_report_addf(mc->r, "mariadb.lock_waits", st, threshold, detail,
                       st == IC_OK ? NULL
                                   : "see what the blocking thread does (SHOW PROCESSLIST, "
                                     "information_schema.INNODB_TRX); KILL it if it is stuck, "
                                     "and find the code path that holds the lock",
                       st == IC_OK ? NULL : "lock-wait", "%lld waiting, longest %lld s", waits,
                       longest);
    }
    lc_metrics_gauge(ic_report_metrics(mc->r), "lcbp3_mariadb_lock_waits",
                     "transactions waiting for an InnoDB row lock", NULL, (double)waits);
    lc_metrics_gauge(ic_report_metrics(mc->r), "lcbp3_mariadb_lock_wait_longest_seconds",
                     "the longest current InnoDB row-lock wait (0: none)", NULL, (double)longest);
    free(detail);
    free(threshold);
    mysql_free_result(res);
}

void ic_health_mariadb(const struct lc_config *cfg, struct ic_report *r)
{
    struct mdb_check mc;

    memset(&mc, 0, sizeof(mc));
    mc.ic = &cfg->integrity;
    mc.r = r;
    mc.db = check_reachable(cfg, r);
    if (!mc.db)
        return; /* the CRITICAL line says it all; the other checks need the server */
    load_account(&mc, cfg->mariadb.user);
    check_replication(&mc);
    check_binlog(&mc);
    check_transactions(&mc);
    check_lock_waits(&mc);
    lc_db_close(mc.db);
}
