/*
 * Runbook lock-wait (alert LCBP3LockWaits; lcbp3-integrity's mariadb.lock_waits and
 * mariadb.long_transactions): the InnoDB row-lock waits with the waiting and the
 * blocking transaction, the metadata-lock waits, the transactions open longer than
 * 30 s, and the Redis latency (the numbering lock lives there). It recommends; it kills
 * only with --apply --kill THREAD_ID, and only a thread that blocks another one at that
 * moment (checked again right before the KILL). Needs PROCESS to see other sessions.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/buf.h"
#include "common/db.h"
#include "common/mem.h"
#include "tools/dr/runbook.h"
#include "tools/dr/runbook_report.h"

#define LW_LONG_TRX_S 30
#define LW_SHOW_MAX 50
#define LW_REDIS_SLOW_MS 50.0

#define LW_WAITS_SQL                                                                          \
    "SELECT r.trx_mysql_thread_id, TIMESTAMPDIFF(SECOND, r.trx_wait_started, NOW()), "       \
    "COALESCE(LEFT(r.trx_query, 120), ''), b.trx_mysql_thread_id, "                           \
    "TIMESTAMPDIFF(SECOND, b.trx_started, NOW()), COALESCE(LEFT(b.trx_query, 120), ''), "     \
    "COALESCE(p.USER, '?'), COALESCE(p.HOST, '?'), COALESCE(p.COMMAND, '?'), "                \
    "COALESCE(p.TIME, 0) FROM information_schema.INNODB_LOCK_WAITS w "                        \
    "JOIN information_schema.INNODB_TRX r ON r.trx_id = w.requesting_trx_id "                 \
    "JOIN information_schema.INNODB_TRX b ON b.trx_id = w.blocking_trx_id "                   \
    "LEFT JOIN information_schema.PROCESSLIST p ON p.ID = b.trx_mysql_thread_id "             \
    "ORDER BY r.trx_wait_started, r.trx_mysql_thread_id LIMIT 50"

#define LW_LONG_SQL                                                                           \
    "SELECT t.trx_mysql_thread_id, TIMESTAMPDIFF(SECOND, t.trx_started, NOW()), t.trx_state, " \
    "COALESCE(p.USER, '?'), COALESCE(p.HOST, '?'), COALESCE(LEFT(t.trx_query, 120), ''), "    \
    "t.trx_rows_locked FROM information_schema.INNODB_TRX t "                                  \
    "LEFT JOIN information_schema.PROCESSLIST p ON p.ID = t.trx_mysql_thread_id "             \
    "WHERE t.trx_started < NOW() - INTERVAL 30 SECOND ORDER BY t.trx_started LIMIT 50"

#define LW_MDL_SQL                                                                            \
    "SELECT ID, TIME, COALESCE(LEFT(INFO, 120), '') FROM information_schema.PROCESSLIST "      \
    "WHERE STATE LIKE 'Waiting for%metadata lock' ORDER BY TIME DESC LIMIT 50"

static int read_waits(MYSQL *db, struct dr_rb *rb, struct lc_err *err)
{
    MYSQL_RES *res = lc_db_query(db, LW_WAITS_SQL, err);
    MYSQL_ROW row;

    if (!res)
        return -1;
    while ((row = mysql_fetch_row(res)) != NULL) {
        dr_rb_finding(rb, "thread %s has waited %s s for a row lock%s%s; held by thread %s "
                      "('%s'@'%s', %s for %s s, transaction open %s s)%s%s", row[0], row[1],
                      *row[2] ? ": " : "", row[2], row[3], row[6], row[7], row[8], row[9],
                      row[4], *row[5] ? ", running: " : ", idle in transaction",
                      row[5]);
        dr_rb_action(rb, "if thread %s is stuck (idle in transaction, or its client is gone): "
                     "lcbp3-dr runbook lock-wait --apply --kill %s", row[3], row[3]);
    }
    if (mysql_num_rows(res) == 0)
        dr_rb_fact(rb, "row-lock waits: none");
    mysql_free_result(res);
    return 0;
}

static int read_long(MYSQL *db, struct dr_rb *rb, struct lc_err *err)
{
    MYSQL_RES *res = lc_db_query(db, LW_LONG_SQL, err);
    MYSQL_ROW row;

    if (!res)
        return -1;
    while ((row = mysql_fetch_row(res)) != NULL)
        dr_rb_finding(rb, "thread %s ('%s'@'%s') has had a transaction open for %s s (%s, %s "
                      "rows locked)%s%s", row[0], row[3], row[4], row[1], row[2], row[6],
                      *row[5] ? ": " : ", no statement now", row[5]);
    if (mysql_num_rows(res) == 0)
        dr_rb_fact(rb, "transactions open longer than %d s: none", LW_LONG_TRX_S);
    else
        dr_rb_action(rb, "ask the owner of a long transaction (the application, a console "
                     "session) to commit or roll back; it holds its row locks until then");
    mysql_free_result(res);
    return 0;
}

static int read_mdl(MYSQL *db, struct dr_rb *rb, struct lc_err *err)
{
    MYSQL_RES *res = lc_db_query(db, LW_MDL_SQL, err);
    MYSQL_ROW row;

    if (!res)
        return -1;
    while ((row = mysql_fetch_row(res)) != NULL)
        dr_rb_finding(rb, "thread %s has waited %s s for a metadata lock%s%s", row[0], row[1],
                      *row[2] ? ": " : "", row[2]);
    if (mysql_num_rows(res) == 0)
        dr_rb_fact(rb, "metadata-lock waits: none");
    else
        dr_rb_action(rb, "a metadata-lock wait sits behind an open transaction on the same "
                     "table (see the long transactions above); never run ALTER TABLE on the "
                     "numbering tables during office hours");
    mysql_free_result(res);
    return 0;
}

/* 1 when thread `id` blocks another transaction now. */
static int is_blocking(MYSQL *db, long id, int *out, struct lc_err *err)
{
    char sql[400];
    char *n = NULL;

    snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM information_schema.INNODB_LOCK_WAITS w "
             "JOIN information_schema.INNODB_TRX b ON b.trx_id = w.blocking_trx_id "
             "WHERE b.trx_mysql_thread_id = %ld", id);
    if (lc_db_query_value(db, sql, &n, err) < 0)
        return -1;
    *out = n && strtoll(n, NULL, 10) > 0;
    free(n);
    return 0;
}

/* 1 while thread `id` or its transaction is still there. */
static int thread_exists(MYSQL *db, long id, int *out, struct lc_err *err)
{
    char sql[300];
    char *n = NULL;

    snprintf(sql, sizeof(sql), "SELECT (SELECT COUNT(*) FROM information_schema.PROCESSLIST "
             "WHERE ID = %ld) + (SELECT COUNT(*) FROM information_schema.INNODB_TRX WHERE "
             "trx_mysql_thread_id = %ld)", id, id);
    if (lc_db_query_value(db, sql, &n, err) < 0)
        return -1;
    *out = n && strtoll(n, NULL, 10) > 0;
    free(n);
    return 0;
}

static int kill_blocker(MYSQL *db, const struct dr_opts *opts, struct dr_rb *rb,
                        struct lc_err *err)
{
    long id = opts->kill_thread;
    int blocking = 0, alive = 1;
    char sql[64];

    if ((unsigned long)id == mysql_thread_id(db))
        return lc_cli_usage_error(err, opts->cli.program, "--kill %ld is this session", id);
    if (is_blocking(db, id, &blocking, err) < 0)
        return dr_rb_grant_hint(db, err, "PROCESS", "*.*");
    if (!blocking) {
        lc_err_set(err, LC_E_USAGE, "thread %ld blocks no other transaction now: not killed", id);
        lc_err_hint(err, "run 'lcbp3-dr runbook lock-wait' again and kill only a thread it "
                         "names as the holder of a lock");
        return -1;
    }
    snprintf(sql, sizeof(sql), "KILL CONNECTION %ld", id);
    if (lc_db_exec(db, sql, err) < 0) {
        lc_err_prefix(err, "killing thread %ld", id);
        return dr_rb_grant_hint(db, err, "CONNECTION ADMIN", "*.*");
    }
    /* the kill is asynchronous: wait (at most 10 s) until the thread and its transaction
     * (rolled back after the thread left the process list) are gone */
    for (int tries = 0; tries < 100 && alive; tries++) {
        struct timespec ts = {0, 100 * 1000 * 1000};

        if (thread_exists(db, id, &alive, err) < 0)
            return -1;
        if (alive)
            nanosleep(&ts, NULL);
    }
    dr_rb_applied(rb, "thread %ld killed (KILL CONNECTION)%s; its transaction is rolled back", id,
                  alive ? ", still rolling back" : " and gone");
    return 0;
}

int dr_runbook_lock_wait(const struct lc_config *cfg, const struct dr_opts *opts,
                         struct lc_err *err)
{
    struct dr_rb rb;
    MYSQL *db = NULL;
    int rc = -1;

    dr_rb_init(&rb, "lock-wait");
    if (opts->type || opts->factor > 0) {
        lc_cli_usage_error(err, opts->cli.program, "--type and --factor go with "
                           "high-utilization");
        goto out;
    }
    if (opts->apply != (opts->kill_thread != 0)) {
        lc_cli_usage_error(err, opts->cli.program, "lock-wait acts only as --apply --kill "
                           "THREAD_ID (a thread the diagnosis names as blocking)");
        goto out;
    }
    db = dr_rb_connect(cfg, err);
    if (!db)
        goto out;
    if (opts->apply) {
        if (kill_blocker(db, opts, &rb, err) < 0)
            goto out;
    }
    if (read_waits(db, &rb, err) < 0 || read_long(db, &rb, err) < 0 || read_mdl(db, &rb, err) < 0) {
        lc_err_prefix(err, "reading the transactions");
        dr_rb_grant_hint(db, err, "PROCESS", "*.*");
        goto out;
    }
    dr_rb_redis_latency(cfg, &rb, LW_REDIS_SLOW_MS);
    rc = dr_rb_print(&rb, opts->cli.json);
    if (opts->apply)
        rc = 0; /* applied; what remains is printed */
out:
    lc_db_close(db);
    dr_rb_done(&rb);
    return rc;
}
