/*
 * The MariaDB dump driver: builds the plan, opens the reading connections on one
 * consistent snapshot, runs the workers and hands the members over. Every reading
 * connection starts START TRANSACTION WITH CONSISTENT SNAPSHOT and must report the same
 * binlog_snapshot_file/position as the first: equal binary-log coordinates mean no
 * transaction committed in between, so all of them see the same data. Without a
 * binary log that cannot be checked and one connection reads everything. The first
 * connection also writes the DDL members (while the others already stream rows) and
 * then joins them on the shared queue of work items, largest first.
 */
#include "common/dump_mariadb.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/db.h"
#include "common/dump_mariadb_plan.h"
#include "common/log.h"
#include "common/mem.h"
#include "common/signals.h"

/* Attempts at opening every connection on the same snapshot before using one only. */
#define SNAPSHOT_TRIES 10

struct dump_run {
    const struct lc_dump_opts *opts;
    struct lc_dump_plan *plan;
    pthread_mutex_t lock;
    size_t next;              /* next work item */
    atomic_int stop;          /* set on the first error: everyone leaves */
    int failed;
    struct lc_err err;        /* the first error */
};

struct dump_worker {
    struct dump_run *run;
    MYSQL *db;
    pthread_t thread;
    int started;
};

/* Records the first error and tells every worker to stop. */
static void run_fail(struct dump_run *run, const struct lc_err *err)
{
    pthread_mutex_lock(&run->lock);
    if (!run->failed) {
        run->failed = 1;
        run->err = *err;
    }
    atomic_store(&run->stop, 1);
    pthread_mutex_unlock(&run->lock);
}

static void run_items(struct dump_run *run, MYSQL *db)
{
    struct lc_err err = LC_ERR_INIT;

    for (;;) {
        struct lc_dump_chunk *c = NULL;

        pthread_mutex_lock(&run->lock);
        if (!atomic_load(&run->stop) && run->next < run->plan->n_items)
            c = run->plan->items[run->next++];
        pthread_mutex_unlock(&run->lock);
        if (!c)
            return;
        if (lc_dump_rows_write(db, run->plan, c, run->opts, &run->stop, &err)) {
            run_fail(run, &err);
            return;
        }
    }
}

static void *worker_main(void *arg)
{
    struct dump_worker *w = arg;

    run_items(w->run, w->db);
    return NULL;
}

static int session_setup(MYSQL *db, struct lc_err *err)
{
    char sql[400];

    /* sql_mode '' keeps SHOW CREATE output plain (no ANSI_QUOTES and the like). */
    snprintf(sql, sizeof(sql),
             "SET SESSION sql_mode='', time_zone='+00:00', net_read_timeout=%d, "
             "net_write_timeout=%d, lock_wait_timeout=%d, max_statement_time=0, "
             "sql_quote_show_create=1",
             LC_DB_IO_TIMEOUT_S, LC_DB_IO_TIMEOUT_S, LC_DB_IO_TIMEOUT_S - 600);
    if (lc_db_exec(db, sql, err) || lc_db_exec(db, "SET NAMES utf8mb4", err) ||
        lc_db_exec(db, "SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ", err))
        return -1;
    return 0;
}

/* The binlog coordinates of the connection's snapshot; *file is "" without a binlog. */
static int snapshot_pos(MYSQL *db, char **file, uint64_t *pos, struct lc_err *err)
{
    MYSQL_RES *res = lc_db_query(db, "SHOW STATUS LIKE 'binlog_snapshot_%'", err);
    MYSQL_ROW row;
    char *f = NULL;
    uint64_t p = 0;

    if (!res)
        return -1;
    while ((row = mysql_fetch_row(res)) != NULL) {
        if (!row[0] || !row[1])
            continue;
        if (strcasecmp(row[0], "Binlog_snapshot_file") == 0) {
            free(f);
            f = lc_xstrdup(row[1]);
        } else if (strcasecmp(row[0], "Binlog_snapshot_position") == 0) {
            p = strtoull(row[1], NULL, 10);
        }
    }
    mysql_free_result(res);
    *file = f ? f : lc_xstrdup("");
    *pos = p;
    return 0;
}

/*
 * Starts the snapshot on every connection at nearly the same instant: all the
 * statements are sent before any reply is read, so a commit can only slip in during
 * a few socket writes rather than n round trips.
 */
static int begin_all(struct dump_worker *ws, unsigned n, struct lc_err *err)
{
    static const char sql[] = "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY";
    unsigned sent = 0;
    int rc = 0;

    for (; sent < n; sent++)
        if (mysql_send_query(ws[sent].db, sql, sizeof(sql) - 1)) {
            rc = lc_db_fail(ws[sent].db, err, "mariadb: starting the snapshot failed");
            break;
        }
    /* Every sent statement's reply is read, so no connection is left out of step. */
    for (unsigned idx = 0; idx < sent; idx++)
        if (mysql_read_query_result(ws[idx].db) && rc == 0)
            rc = lc_db_fail(ws[idx].db, err, "mariadb: starting the snapshot failed");
    return rc;
}

static void close_extra(struct dump_worker *ws, unsigned *n)
{
    for (unsigned idx = 1; idx < *n; idx++) {
        lc_db_close(ws[idx].db);
        ws[idx].db = NULL;
    }
    *n = 1;
}

/*
 * Opens the snapshot on every connection and checks that they agree; falls back to
 * one connection when the binary log is off or commits keep slipping in between.
 */
static int start_snapshot(struct dump_worker *ws, unsigned *n, struct lc_dump_mariadb_info *info,
                          struct lc_err *err)
{
    char *file = NULL, *other = NULL;
    uint64_t pos = 0, other_pos = 0;
    int same = 0;
    int rc = -1;

    for (int attempt = 0; attempt < SNAPSHOT_TRIES && !same; attempt++) {
        free(file);
        file = NULL;
        if (attempt && (lc_check_interrupted(err) || lc_db_exec(ws[0].db, "ROLLBACK", err)))
            goto out;
        for (unsigned idx = 1; attempt && idx < *n; idx++)
            if (lc_db_exec(ws[idx].db, "ROLLBACK", err))
                goto out;
        if (begin_all(ws, *n, err) || snapshot_pos(ws[0].db, &file, &pos, err))
            goto out;
        if (file[0] == '\0') {
            if (*n > 1)
                lc_log_info("mariadb: the binary log is off, so parallel readers cannot be "
                            "proven to share one snapshot: reading with one connection");
            close_extra(ws, n);
            break;
        }
        same = 1;
        for (unsigned idx = 1; idx < *n && same; idx++) {
            if (snapshot_pos(ws[idx].db, &other, &other_pos, err))
                goto out;
            same = strcmp(other, file) == 0 && other_pos == pos;
            if (!same)
                lc_log_debug("mariadb: snapshot try %d: reader %u at %s:%" PRIu64
                             ", first at %s:%" PRIu64 ", again", attempt + 1, idx, other,
                             other_pos, file, pos);
            free(other);
            other = NULL;
        }
    }
    if (file[0] && !same) {
        lc_log_info("mariadb: commits kept landing between the readers' snapshots (%d tries): "
                    "reading with one connection", SNAPSHOT_TRIES);
        close_extra(ws, n);
        free(file);
        file = NULL;
        if (lc_db_exec(ws[0].db, "ROLLBACK", err) || begin_all(ws, 1, err) ||
            snapshot_pos(ws[0].db, &file, &pos, err))
            goto out;
    }
    if (file[0]) {
        struct lc_buf sql = LC_BUF_INIT;
        char *gtid = NULL;
        int qrc;

        lc_buf_puts(&sql, "SELECT BINLOG_GTID_POS(");
        lc_db_quote_string(ws[0].db, &sql, file);
        lc_buf_printf(&sql, ", %" PRIu64 ")", pos);
        qrc = lc_db_query_value(ws[0].db, sql.data, &gtid, err);
        lc_buf_done(&sql);
        if (qrc)
            goto out;
        if (gtid && !gtid[0]) {
            free(gtid);
            gtid = NULL;
        }
        info->binlog_file = file;
        info->binlog_pos = pos;
        info->gtid = gtid;
        file = NULL;
    }
    rc = 0;
out:
    free(file);
    free(other);
    return rc;
}

static struct lc_member *add_member(struct lc_member_list *list, const struct lc_dump_db *d,
                                    const struct lc_dump_table *t, const char *suffix,
                                    const char *kind, const struct lc_dump_file *f)
{
    char *name = t ? lc_xasprintf("mariadb/%s/%s.%s", d->file, t->file, suffix)
                   : lc_xasprintf("mariadb/%s/%s", d->file, suffix);
    struct lc_member *m = lc_member_list_add(list, name, kind);

    free(name);
    m->db = lc_xstrdup(d->name);
    m->table = t ? lc_xstrdup(t->name) : NULL;
    if (f) {
        lc_member_add_part(m, f->path, f->size);
        m->size = f->size;
        m->raw_size = f->raw;
    }
    return m;
}

/* Lists the members in an order that also loads: defaults, tables, rows, routines,
 * views, triggers, events. */
static void collect_members(const struct lc_dump_plan *plan, struct lc_member_list *list,
                            struct lc_dump_mariadb_info *info)
{
    for (size_t di = 0; di < plan->n_dbs; di++) {
        const struct lc_dump_db *d = &plan->dbs[di];

        add_member(list, d, NULL, "database.sql.gz", "database", &d->database);
        info->raw_bytes += d->database.raw;
        for (size_t ti = 0; ti < d->n_tables; ti++) {
            const struct lc_dump_table *t = &d->tables[ti];

            if (t->is_view)
                continue;
            add_member(list, d, t, "schema.sql.gz", "schema", &t->schema);
            info->raw_bytes += t->schema.raw;
            info->tables++;
        }
        for (size_t ti = 0; ti < d->n_tables; ti++) {
            const struct lc_dump_table *t = &d->tables[ti];
            struct lc_member *m;

            if (t->is_view)
                continue;
            m = add_member(list, d, t, "data.sql.gz", "data", NULL);
            m->rows = 0;
            for (unsigned ci = 0; ci < t->n_chunks; ci++) {
                lc_member_add_part(m, t->chunks[ci].out.path, t->chunks[ci].out.size);
                m->size += t->chunks[ci].out.size;
                m->raw_size += t->chunks[ci].out.raw;
                m->rows += (int64_t)t->chunks[ci].out.rows;
            }
            info->raw_bytes += m->raw_size;
            info->rows += (uint64_t)m->rows;
        }
        if (d->routines.path) {
            add_member(list, d, NULL, "routines.sql.gz", "routines", &d->routines);
            info->raw_bytes += d->routines.raw;
        }
        if (d->views.path) {
            add_member(list, d, NULL, "views.sql.gz", "views", &d->views);
            info->raw_bytes += d->views.raw;
        }
        for (size_t ti = 0; ti < d->n_tables; ti++) {
            const struct lc_dump_table *t = &d->tables[ti];

            if (t->trig_file.path) {
                add_member(list, d, t, "triggers.sql.gz", "triggers", &t->trig_file);
                info->raw_bytes += t->trig_file.raw;
            }
        }
        if (d->events.path) {
            add_member(list, d, NULL, "events.sql.gz", "events", &d->events);
            info->raw_bytes += d->events.raw;
        }
    }
}

static int connect_reader(const struct lc_mariadb_cfg *cfg, const struct lc_dump_opts *opts,
                          MYSQL **out, struct lc_err *err)
{
    MYSQL *db = lc_db_connect(cfg, opts->program, err);

    if (!db)
        return -1;
    if (session_setup(db, err)) {
        lc_db_close(db);
        return -1;
    }
    *out = db;
    return 0;
}

int lc_dump_mariadb(const struct lc_mariadb_cfg *cfg, const struct lc_dump_opts *opts,
                    struct lc_member_list *members, struct lc_dump_mariadb_info *info,
                    struct lc_err *err)
{
    struct lc_dump_mariadb_info out = {0};
    struct lc_dump_plan plan = {0};
    struct dump_run run = {0};
    struct dump_worker *ws;
    unsigned threads = opts->threads ? opts->threads : 1;
    char *server_id = NULL;
    unsigned n;
    int rc = -1;

    if (!opts->work_dir || !opts->work_dir[0])
        return lc_err_set(err, LC_E_SOFTWARE, "mariadb dump: no work directory given");
    ws = lc_xcalloc(threads, sizeof(*ws));
    pthread_mutex_init(&run.lock, NULL);
    atomic_init(&run.stop, 0);
    run.opts = opts;
    run.plan = &plan;
    if (connect_reader(cfg, opts, &ws[0].db, err) ||
        lc_db_query_value(ws[0].db, "SELECT VERSION()", &plan.server_version, err) ||
        lc_db_query_value(ws[0].db, "SELECT @@server_id", &server_id, err) ||
        lc_dump_plan_build(ws[0].db, cfg, opts->work_dir, threads, &plan, err))
        goto out;
    n = plan.n_items < threads ? (unsigned)plan.n_items : threads;
    n = n ? n : 1;
    for (unsigned idx = 1; idx < n; idx++)
        if (connect_reader(cfg, opts, &ws[idx].db, err))
            goto out;
    if (start_snapshot(ws, &n, &out, err))
        goto out;
    out.server_version = lc_xstrdup(plan.server_version ? plan.server_version : "");
    out.server_id = server_id ? (uint32_t)strtoul(server_id, NULL, 10) : 0;
    out.binlog_generation = -1;
    out.connections = n;

    for (unsigned idx = 1; idx < n; idx++) {
        int e;

        ws[idx].run = &run;
        e = pthread_create(&ws[idx].thread, NULL, worker_main, &ws[idx]);
        if (e) {
            struct lc_err terr = LC_ERR_INIT;

            lc_err_set(&terr, LC_E_OSERR, "cannot start a dump thread: %s", strerror(e));
            run_fail(&run, &terr);
            break;
        }
        ws[idx].started = 1;
    }
    for (size_t di = 0; di < plan.n_dbs && !atomic_load(&run.stop); di++) {
        struct lc_err derr = LC_ERR_INIT;

        if (lc_check_interrupted(&derr) ||
            lc_dump_ddl_write(ws[0].db, &plan, &plan.dbs[di], opts->level, &run.stop, &derr))
            run_fail(&run, &derr);
    }
    run_items(&run, ws[0].db);
    for (unsigned idx = 1; idx < n; idx++)
        if (ws[idx].started)
            pthread_join(ws[idx].thread, NULL);
    if (run.failed) {
        *err = run.err;
        goto out;
    }
    collect_members(&plan, members, &out);
    *info = out;
    memset(&out, 0, sizeof(out));
    rc = 0;
out:
    for (unsigned idx = 0; idx < threads; idx++)
        lc_db_close(ws[idx].db);
    free(ws);
    pthread_mutex_destroy(&run.lock);
    lc_dump_plan_done(&plan);
    lc_dump_mariadb_info_done(&out);
    free(server_id);
    return rc;
}

void lc_dump_mariadb_info_done(struct lc_dump_mariadb_info *info)
{
    if (!info)
        return;
    free(info->server_version);
    free(info->binlog_file);
    free(info->gtid);
    memset(info, 0, sizeof(*info));
}
