/*
 * Restoring MariaDB (see restore_mariadb.h): the plan, the parallel load into the
 * staging (or new) database, the swap, and the objects that follow the tables.
 */
#include "common/restore_mariadb.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/db.h"
#include "common/log.h"
#include "common/mem.h"
#include "common/restore_mariadb_load.h"
#include "common/units.h"

#define PROGRAM "lcbp3-restore"
/* Uncompressed data above which secondary indexes are built after the rows. */
#define DEFER_KEYS_MIN (16ULL << 20)

/* ---- the plan ---- */

static int in_list(char *const *list, const char *name)
{
    for (size_t idx = 0; list && list[idx]; idx++)
        if (strcmp(list[idx], name) == 0)
            return 1;
    return 0;
}

/* The table of the plan named `name`, or NULL. */
static const struct lc_restore_table *plan_table(const struct lc_restore_db_plan *plan,
                                                 const char *name)
{
    for (size_t idx = 0; idx < plan->n_tables; idx++)
        if (strcmp(plan->tables[idx].name, name) == 0)
            return &plan->tables[idx];
    return NULL;
}

/* The member of `kind` for db (and table, when not NULL), or NULL. */
static const struct lc_set_entry *find_member(const struct lc_set_reader *set, const char *kind,
                                              const char *db, const char *table)
{
    for (size_t idx = 0; idx < set->n_entries; idx++) {
        const struct lc_manifest_member *m = set->entries[idx].member;

        if (strcmp(m->kind, kind) == 0 && m->db && strcmp(m->db, db) == 0 &&
            (!table || (m->table && strcmp(m->table, table) == 0)))
            return &set->entries[idx];
    }
    return NULL;
}

static int largest_first(const void *a, const void *b)
{
    const struct lc_restore_table *x = a, *y = b;
    uint64_t sx = x->data ? x->data->member->size : 0;
    uint64_t sy = y->data ? y->data->member->size : 0;

    if (sx != sy)
        return sx > sy ? -1 : 1;
    return strcmp(x->name, y->name);
}

static int collect_tables(const struct lc_set_reader *set, const struct lc_restore_db_request *req,
                          struct lc_restore_db_plan *plan, struct lc_err *err)
{
    const char *db = req->source_db;

    plan->tables = lc_xcalloc(set->n_entries + 1, sizeof(*plan->tables));
    for (size_t idx = 0; idx < set->n_entries; idx++) {
        const struct lc_manifest_member *m = set->entries[idx].member;
        struct lc_restore_table *t;

        if (strcmp(m->kind, "schema") != 0 || !m->db || strcmp(m->db, db) != 0 || !m->table)
            continue;
        if (req->tables && !in_list(req->tables, m->table))
            continue;
        t = &plan->tables[plan->n_tables++];
        t->name = lc_xstrdup(m->table);
        t->schema = &set->entries[idx];
        t->data = find_member(set, "data", db, m->table);
        t->triggers = find_member(set, "triggers", db, m->table);
        plan->bytes += m->size + (t->data ? t->data->member->size : 0);
    }
    for (size_t idx = 0; req->tables && req->tables[idx]; idx++) {
        if (!plan_table(plan, req->tables[idx])) {
            lc_err_set(err, LC_E_USAGE, "table '%s' is not in the set's database '%s'",
                       req->tables[idx], db);
            lc_err_hint(err, "'tar tf %s' lists the members; tables are named "
                             "mariadb/%s/<table>.schema.sql.gz", set->path, db);
            return -1;
        }
    }
    qsort(plan->tables, plan->n_tables, sizeof(*plan->tables), largest_first);
    return 0;
}

/* Rows of a one-column query as a NULL-terminated list. */
static int query_names(MYSQL *db, const char *sql, char ***out, struct lc_err *err)
{
    MYSQL_RES *res = lc_db_query(db, sql, err);
    MYSQL_ROW row;
    char **names;
    size_t n = 0;

    if (!res)
        return -1;
    names = lc_xcalloc(mysql_num_rows(res) + 1, sizeof(char *));
    while ((row = mysql_fetch_row(res)) != NULL)
        if (row[0])
            names[n++] = lc_xstrdup(row[0]);
    mysql_free_result(res);
    *out = names;
    return 0;
}

/* "SELECT <cols> FROM information_schema.<view> WHERE <col> = '<schema>'" */
static char *schema_query(MYSQL *db, const char *cols, const char *view, const char *col,
                          const char *schema)
{
    struct lc_buf sql = LC_BUF_INIT;

    lc_buf_printf(&sql, "SELECT %s FROM information_schema.%s WHERE %s = ", cols, view, col);
    lc_db_quote_string(db, &sql, schema);
    return lc_buf_steal(&sql);
}

static int inspect_target(MYSQL *db, struct lc_restore_db_plan *plan, struct lc_err *err)
{
    const char *target = plan->req.target_db;
    char *sql = schema_query(db, "SCHEMA_NAME", "SCHEMATA", "SCHEMA_NAME", target);
    char **found = NULL, **existing = NULL;
    size_t n_extra = 0;
    int rc = -1;

    if (query_names(db, sql, &found, err))
        goto out;
    plan->target_exists = found[0] != NULL;
    free(sql);
    sql = schema_query(db, "TABLE_NAME", "TABLES", "TABLE_TYPE = 'BASE TABLE' AND TABLE_SCHEMA",
                       target);
    if (query_names(db, sql, &existing, err))
        goto out;
    for (size_t idx = 0; idx < plan->n_tables; idx++) {
        plan->tables[idx].exists = in_list(existing, plan->tables[idx].name);
        plan->n_replaced += (size_t)plan->tables[idx].exists;
    }
    plan->extra_tables = lc_xcalloc(lc_strv_len(existing) + 1, sizeof(char *));
    for (size_t idx = 0; plan->whole && existing[idx]; idx++)
        if (!plan_table(plan, existing[idx]))
            plan->extra_tables[n_extra++] = lc_xstrdup(existing[idx]);
    rc = 0;
out:
    free(sql);
    lc_strv_free(found);
    lc_strv_free(existing);
    return rc;
}

/* Staging databases of an earlier restore that was killed (the server keeps them). */
static int warn_leftovers(MYSQL *db, struct lc_err *err)
{
    char **names = NULL;

    if (query_names(db, "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME "
                        "LIKE 'lcbp3\\_restore\\_%'", &names, err))
        return -1;
    for (size_t idx = 0; names[idx]; idx++)
        lc_log_warn("database '%s' was left by an interrupted restore; once no restore runs, "
                    "drop it: DROP DATABASE `%s`", names[idx], names[idx]);
    lc_strv_free(names);
    return 0;
}

int lc_restore_db_plan_make(MYSQL *db, const struct lc_set_reader *set,
                            const struct lc_restore_db_request *req,
                            struct lc_restore_db_plan *out, struct lc_err *err)
{
    struct lc_restore_db_plan plan;

    memset(&plan, 0, sizeof(plan));
    plan.req = *req;
    plan.set = set;
    plan.whole = req->tables == NULL;
    if (!find_member(set, "database", req->source_db, NULL) &&
        !find_member(set, "schema", req->source_db, NULL)) {
        lc_err_set(err, LC_E_USAGE, "the set '%s' holds no database '%s'",
                   set->manifest.set_name ? set->manifest.set_name : set->path, req->source_db);
        goto fail;
    }
    if (collect_tables(set, req, &plan, err) || inspect_target(db, &plan, err) ||
        warn_leftovers(db, err))
        goto fail;
    if (plan.target_exists) {
        /* pid and time: never the name of a leftover from an earlier run */
        plan.staging_db = lc_xasprintf("lcbp3_restore_%ld_%lld", (long)getpid(),
                                       (long long)time(NULL));
        plan.old_db = lc_xasprintf("%s_old", plan.staging_db);
    }
    *out = plan;
    return 0;
fail:
    lc_restore_db_plan_done(&plan);
    return -1;
}

void lc_restore_db_plan_done(struct lc_restore_db_plan *plan)
{
    for (size_t idx = 0; idx < plan->n_tables; idx++) {
        free(plan->tables[idx].name);
        free(plan->tables[idx].deferred_keys);
    }
    free(plan->tables);
    lc_strv_free(plan->extra_tables);
    free(plan->staging_db);
    free(plan->old_db);
    memset(plan, 0, sizeof(*plan));
}

/* ---- statements on the control connection ---- */

static int exec_buf(MYSQL *db, struct lc_buf *sql, struct lc_err *err)
{
    int rc = lc_db_exec(db, sql->data, err);

    lc_buf_reset(sql);
    return rc;
}

/* "<verb> `db`" for CREATE DATABASE / DROP DATABASE IF EXISTS. */
static int database_ddl(MYSQL *db, const char *verb, const char *name, struct lc_err *err)
{
    struct lc_buf sql = LC_BUF_INIT;
    int rc;

    lc_buf_printf(&sql, "%s ", verb);
    lc_db_quote_ident(&sql, name);
    rc = exec_buf(db, &sql, err);
    lc_buf_done(&sql);
    return rc;
}

static void put_qualified(struct lc_buf *b, const char *db, const char *table)
{
    lc_db_quote_ident(b, db);
    lc_buf_putc(b, '.');
    lc_db_quote_ident(b, table);
}

static int use_db(MYSQL *db, const char *name, struct lc_err *err)
{
    if (mysql_select_db(db, name) == 0)
        return 0;
    return lc_db_fail(db, err, "mariadb: cannot use the database");
}

/* Loads one member on `db` with the rewrites of the plan; deferred_keys (optional)
 * receives the secondary indexes left out of a CREATE TABLE. */
static int load_entry(MYSQL *db, const struct lc_restore_db_plan *plan, const struct lc_set_entry *e,
                      struct lc_buf *deferred_keys, struct lc_progress *progress,
                      struct lc_load_counts *counts, struct lc_err *err)
{
    int ddl = strcmp(e->member->kind, "schema") != 0;
    int into_other = strcmp(plan->req.source_db, plan->req.target_db) != 0;
    struct lc_load_source src = {
        .name = e->member->path,
        .fd = plan->set->fd,
        .offset = e->offset,
        .length = e->member->size,
        .input = LC_GZ_INPUT_GZIP,
        .qualify_db = plan->staging_db ? plan->req.target_db : NULL,
        .strip_definer = ddl && into_other,
        .rename_from = ddl && into_other ? plan->req.source_db : NULL,
        .rename_to = ddl && into_other ? plan->req.target_db : NULL,
        .progress = progress,
        .deferred_keys = deferred_keys,
    };

    return lc_restore_load(db, &src, counts, err);
}

/* ---- the parallel load ---- */

/* One piece of work for a loader: a data member, or one part of it. */
struct load_item {
    struct lc_restore_table *table;
    uint64_t offset;
    uint64_t length;
    size_t part;
    int taken;
};

struct pool {
    const struct lc_mariadb_cfg *cfg;
    struct lc_restore_db_plan *plan;
    const char *load_db;
    struct lc_progress *progress;
    struct load_item *items;
    size_t n_items;
    pthread_mutex_t lock;
    size_t left;              /* items not taken yet */
    atomic_int failed;
    int binlog_on;            /* a loader could not turn the binary log off */
    struct lc_load_counts counts;
    struct lc_err err;
};

/* The largest tables first (the critical path), each table's parts in order. */
static int largest_table_first(const void *a, const void *b)
{
    const struct load_item *x = a, *y = b;
    uint64_t sx = x->table->data->member->size, sy = y->table->data->member->size;

    if (sx != sy)
        return sx > sy ? -1 : 1;
    if (x->table != y->table)
        return strcmp(x->table->name, y->table->name);
    return x->part < y->part ? -1 : x->part > y->part;
}

/* Every data member, split into the parts it was written in (each starts with a whole
 * statement), so one large table is loaded by several connections at once. */
static void make_items(struct pool *p)
{
    size_t n = 0;

    for (size_t idx = 0; idx < p->plan->n_tables; idx++) {
        const struct lc_set_entry *e = p->plan->tables[idx].data;

        n += e ? (e->member->n_parts ? e->member->n_parts : 1) : 0;
    }
    p->items = lc_xcalloc(n ? n : 1, sizeof(*p->items));
    for (size_t idx = 0; idx < p->plan->n_tables; idx++) {
        struct lc_restore_table *t = &p->plan->tables[idx];
        const struct lc_set_entry *e = t->data;
        uint64_t offset;

        if (!e)
            continue;
        t->parts_left = e->member->n_parts ? e->member->n_parts : 1;
        offset = e->offset;
        for (size_t k = 0; k < (e->member->n_parts ? e->member->n_parts : 1); k++) {
            struct load_item *it = &p->items[p->n_items++];

            it->table = t;
            it->part = k;
            it->offset = offset;
            it->length = e->member->n_parts ? e->member->parts[k] : e->member->size;
            offset += it->length;
        }
    }
    qsort(p->items, p->n_items, sizeof(*p->items), largest_table_first);
    p->left = p->n_items;
}

static void pool_fail(struct pool *p, const struct lc_err *err)
{
    pthread_mutex_lock(&p->lock);
    if (!atomic_load(&p->failed))
        p->err = *err;
    atomic_store(&p->failed, 1);
    pthread_mutex_unlock(&p->lock);
}

/*
 * The next item: the first one whose table no other loader is filling, so that
 * connections work on different tables (two loads into one InnoDB table contend on its
 * index pages and together go hardly faster than one); the first one left when every
 * remaining table is busy.
 */
static struct load_item *pool_take(struct pool *p)
{
    struct load_item *it = NULL;

    pthread_mutex_lock(&p->lock);
    for (size_t idx = 0; !atomic_load(&p->failed) && p->left && idx < p->n_items; idx++) {
        struct load_item *cand = &p->items[idx];

        if (cand->taken)
            continue;
        if (!it)
            it = cand;
        if (cand->table->loaders == 0) {
            it = cand;
            break;
        }
    }
    if (it) {
        it->taken = 1;
        it->table->loaders++;
        p->left--;
    }
    pthread_mutex_unlock(&p->lock);
    return it;
}

static int load_item(MYSQL *db, struct pool *p, const struct load_item *it,
                     struct lc_load_counts *counts, struct lc_err *err)
{
    char name[600];
    struct lc_load_source src = {
        .name = name,
        .fd = p->plan->set->fd,
        .offset = it->offset,
        .length = it->length,
        .input = LC_GZ_INPUT_GZIP,
        .progress = p->progress,
        .stop = &p->failed,
        .load_data = 1,
    };

    if (it->table->data->member->n_parts > 1)
        snprintf(name, sizeof(name), "%s (part %zu)", it->table->data->member->path, it->part + 1);
    else
        snprintf(name, sizeof(name), "%s", it->table->data->member->path);
    return lc_restore_load(db, &src, counts, err);
}

/* The secondary indexes left out of a large table's CREATE, built from its rows. */
static int build_keys(MYSQL *db, const struct lc_restore_table *t, struct lc_err *err)
{
    struct lc_buf sql = LC_BUF_INIT;
    struct timespec t0;
    int rc;

    lc_buf_puts(&sql, "ALTER TABLE ");
    lc_db_quote_ident(&sql, t->name);
    lc_buf_putc(&sql, ' ');
    lc_buf_puts(&sql, t->deferred_keys);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    rc = lc_db_exec(db, sql.data, err);
    lc_log_debug("'%s': secondary indexes built in %.1fs", t->name, lc_seconds_since(&t0));
    if (rc)
        lc_err_prefix(err, "building the indexes of '%s'", t->name);
    lc_buf_done(&sql);
    return rc;
}

static void *loader_main(void *arg)
{
    struct pool *p = arg;
    struct lc_err err = LC_ERR_INIT;
    struct load_item *it;
    MYSQL *db = lc_db_connect_local_infile(p->cfg, PROGRAM, &err);
    int binlog_off = 0, last;

    if (!db || lc_restore_session(db, 1, &binlog_off, &err) || use_db(db, p->load_db, &err))
        goto fail;
    while ((it = pool_take(p)) != NULL) {
        struct lc_load_counts counts = {0, 0};
        struct timespec t0;

        clock_gettime(CLOCK_MONOTONIC, &t0);
        if (load_item(db, p, it, &counts, &err))
            goto fail;
        lc_log_debug("'%s' part %zu: %llu rows in %.1fs", it->table->name, it->part + 1,
                     (unsigned long long)counts.rows, lc_seconds_since(&t0));
        pthread_mutex_lock(&p->lock);
        it->table->rows += counts.rows;
        p->counts.rows += counts.rows;
        p->counts.statements += counts.statements;
        p->binlog_on |= !binlog_off;
        last = --it->table->parts_left == 0;
        it->table->loaders--;
        pthread_mutex_unlock(&p->lock);
        if (last && it->table->deferred_keys && build_keys(db, it->table, &err))
            goto fail;
    }
    lc_db_close(db);
    return NULL;
fail:
    pool_fail(p, &err);
    lc_db_close(db);
    return NULL;
}

/* Creates every table in load_db on the control connection, then loads the rows in
 * parallel. */
static int load_tables(const struct lc_mariadb_cfg *cfg, MYSQL *db, struct lc_restore_db_plan *plan,
                       const char *load_db, struct lc_progress *progress,
                       struct lc_restore_db_stats *stats, struct lc_err *err)
{
    struct pool p;
    size_t n_threads = plan->req.threads ? plan->req.threads : 1;
    pthread_t *threads;
    size_t started = 0;

    if (use_db(db, load_db, err))
        return -1;
    for (size_t idx = 0; idx < plan->n_tables; idx++) {
        struct lc_restore_table *t = &plan->tables[idx];
        struct lc_buf keys = LC_BUF_INIT;
        struct lc_load_counts counts = {0, 0};
        int defer = t->data && t->data->member->raw_size >= DEFER_KEYS_MIN;

        if (load_entry(db, plan, t->schema, defer ? &keys : NULL, progress, &counts, err)) {
            lc_buf_done(&keys);
            return -1;
        }
        t->deferred_keys = keys.len ? lc_buf_steal(&keys) : NULL;
        lc_buf_done(&keys);
        stats->statements += counts.statements;
    }
    memset(&p, 0, sizeof(p));
    p.cfg = cfg;
    p.plan = plan;
    p.load_db = load_db;
    p.progress = progress;
    pthread_mutex_init(&p.lock, NULL);
    make_items(&p);
    if (n_threads > p.n_items)
        n_threads = p.n_items;
    threads = lc_xcalloc(n_threads ? n_threads : 1, sizeof(*threads));
    for (; started < n_threads; started++) {
        int e = pthread_create(&threads[started], NULL, loader_main, &p);

        if (e) {
            struct lc_err terr = LC_ERR_INIT;

            errno = e;
            lc_err_sys(&terr, LC_E_OSERR, "cannot start a loader thread");
            pool_fail(&p, &terr);
            break;
        }
    }
    for (size_t idx = 0; idx < started; idx++)
        pthread_join(threads[idx], NULL);
    free(threads);
    free(p.items);
    pthread_mutex_destroy(&p.lock);
    stats->rows += p.counts.rows;
    stats->statements += p.counts.statements;
    if (p.binlog_on)
        stats->binlog_off = 0;
    if (atomic_load(&p.failed)) {
        *err = p.err;
        return -1;
    }
    return use_db(db, plan->req.target_db, err);
}

/* ---- the swap ---- */

/* Marks the tables that a foreign key (from anywhere, staging included) refers to. */
static int mark_referenced(MYSQL *db, struct lc_restore_db_plan *plan, struct lc_err *err)
{
    char *sql = schema_query(db, "DISTINCT REFERENCED_TABLE_NAME", "REFERENTIAL_CONSTRAINTS",
                             "UNIQUE_CONSTRAINT_SCHEMA", plan->req.target_db);
    char **names = NULL;
    int rc = query_names(db, sql, &names, err);

    for (size_t idx = 0; rc == 0 && idx < plan->n_tables; idx++)
        plan->tables[idx].referenced = in_list(names, plan->tables[idx].name);
    free(sql);
    lc_strv_free(names);
    return rc;
}

/* Drops the triggers of tables about to be replaced (they cannot change database). */
static int drop_old_triggers(MYSQL *db, const struct lc_restore_db_plan *plan, struct lc_err *err)
{
    char *sql = schema_query(db, "TRIGGER_NAME, EVENT_OBJECT_TABLE", "TRIGGERS", "TRIGGER_SCHEMA",
                             plan->req.target_db);
    MYSQL_RES *res = lc_db_query(db, sql, err);
    struct lc_buf drop = LC_BUF_INIT;
    MYSQL_ROW row;
    int rc = res ? 0 : -1;

    while (rc == 0 && (row = mysql_fetch_row(res)) != NULL) {
        const struct lc_restore_table *t = row[1] ? plan_table(plan, row[1]) : NULL;

        if (!t || !t->exists || !row[0])
            continue;
        lc_buf_puts(&drop, "DROP TRIGGER ");
        put_qualified(&drop, plan->req.target_db, row[0]);
        rc = exec_buf(db, &drop, err);
        if (rc == 0)
            lc_log_info("dropped the old trigger '%s' of '%s' (the set's triggers follow)", row[0],
                        row[1]);
    }
    if (res)
        mysql_free_result(res);
    lc_buf_done(&drop);
    free(sql);
    return rc;
}

/*
 * Moves the loaded tables from the staging database into the target. Tables nothing
 * refers to: one atomic RENAME (old ones out to old_db, new ones in). Referenced
 * tables: DROP the old ones, then RENAME the new ones in.
 */
static int swap_tables(MYSQL *db, const struct lc_restore_db_plan *plan, struct lc_err *err)
{
    const char *target = plan->req.target_db;
    struct lc_buf sql = LC_BUF_INIT;
    size_t n = 0;
    int rc = -1;

    lc_buf_puts(&sql, "RENAME TABLE ");
    for (size_t idx = 0; idx < plan->n_tables; idx++) {
        const struct lc_restore_table *t = &plan->tables[idx];

        if (t->exists && t->referenced)
            continue;
        if (t->exists) {
            lc_buf_puts(&sql, n++ ? ", " : "");
            put_qualified(&sql, target, t->name);
            lc_buf_puts(&sql, " TO ");
            put_qualified(&sql, plan->old_db, t->name);
        }
        lc_buf_puts(&sql, n++ ? ", " : "");
        put_qualified(&sql, plan->staging_db, t->name);
        lc_buf_puts(&sql, " TO ");
        put_qualified(&sql, target, t->name);
    }
    if (n && exec_buf(db, &sql, err)) {
        lc_err_hint(err, "no table of '%s' was replaced (the RENAME is atomic); old triggers of "
                         "replaced tables were dropped", target);
        goto out;
    }
    lc_buf_reset(&sql);
    n = 0;
    lc_buf_puts(&sql, "DROP TABLE ");
    for (size_t idx = 0; idx < plan->n_tables; idx++) {
        if (!plan->tables[idx].exists || !plan->tables[idx].referenced)
            continue;
        lc_buf_puts(&sql, n++ ? ", " : "");
        put_qualified(&sql, target, plan->tables[idx].name);
    }
    if (n && exec_buf(db, &sql, err)) {
        lc_err_hint(err, "the tables no foreign key refers to were replaced; the others are "
                         "unchanged, their restored copies are in '%s'", plan->staging_db);
        goto out;
    }
    lc_buf_reset(&sql);
    n = 0;
    lc_buf_puts(&sql, "RENAME TABLE ");
    for (size_t idx = 0; idx < plan->n_tables; idx++) {
        if (!plan->tables[idx].exists || !plan->tables[idx].referenced)
            continue;
        lc_buf_puts(&sql, n++ ? ", " : "");
        put_qualified(&sql, plan->staging_db, plan->tables[idx].name);
        lc_buf_puts(&sql, " TO ");
        put_qualified(&sql, target, plan->tables[idx].name);
    }
    if (n && exec_buf(db, &sql, err)) {
        lc_err_hint(err, "the old tables that foreign keys refer to were dropped; their restored "
                         "copies are in '%s': move them with RENAME TABLE", plan->staging_db);
        goto out;
    }
    rc = 0;
out:
    lc_buf_done(&sql);
    return rc;
}

/* ---- the run ---- */

/* Loads the non-table members of the database (kind), if the set has one. */
static int load_kind(MYSQL *db, const struct lc_restore_db_plan *plan, const char *kind,
                     struct lc_progress *progress, struct lc_load_counts *counts,
                     struct lc_err *err)
{
    const struct lc_set_entry *e = find_member(plan->set, kind, plan->req.source_db, NULL);

    return e ? load_entry(db, plan, e, NULL, progress, counts, err) : 0;
}

/* Drops the scratch databases this run created (n_created of staging, old). */
static void drop_scratch(MYSQL *db, const struct lc_restore_db_plan *plan, int n_created)
{
    const char *dbs[] = {plan->staging_db, plan->old_db};

    for (int idx = 0; idx < n_created; idx++) {
        struct lc_err ignored = LC_ERR_INIT;

        if (database_ddl(db, "DROP DATABASE", dbs[idx], &ignored))
            lc_log_warn("could not drop the scratch database '%s': %s; drop it by hand",
                        dbs[idx], ignored.msg);
    }
}

/* The state of the target after a failure, as the error's hint. */
static void state_hint(struct lc_err *err, const struct lc_restore_db_plan *plan, int created,
                       int triggers_dropped, int swapped)
{
    const char *target = plan->req.target_db;

    if (swapped)
        lc_err_hint(err, "the tables of '%s' were replaced; triggers, routines, views or events "
                         "from the failing one on are missing: fix the cause and run the restore "
                         "again", target);
    else if (created)
        lc_err_hint(err, "nothing was restored: the database '%s' this run created was dropped "
                         "again", target);
    else if (triggers_dropped)
        lc_err_hint(err, "no table of '%s' was replaced, but the triggers of the tables to be "
                         "replaced were dropped: run the restore again", target);
    else
        lc_err_hint(err, "nothing in '%s' was changed (the tables were being loaded into a "
                         "staging database)", target);
}

int lc_restore_db_run(const struct lc_mariadb_cfg *cfg, MYSQL *db, struct lc_restore_db_plan *plan,
                      struct lc_progress *progress, struct lc_restore_db_stats *stats,
                      struct lc_err *err)
{
    const char *target = plan->req.target_db;
    struct lc_load_counts counts = {0, 0};
    int created = 0, scratch = 0, triggers_dropped = 0, swapped = 0, binlog_off = 0;
    int rc = -1;

    memset(stats, 0, sizeof(*stats));
    if (lc_restore_session(db, 1, &binlog_off, err))
        return -1;
    stats->binlog_off = binlog_off;
    if (!plan->target_exists) {
        if (database_ddl(db, "CREATE DATABASE", target, err))
            return -1;
        created = 1;
        lc_log_info("database '%s' did not exist: created it", target);
    }
    if (use_db(db, target, err))
        goto out;
    /* A new database gets the set's defaults at once; an existing one only once its
     * tables are in, so that a failed load leaves it as it was. */
    if (created && load_kind(db, plan, "database", progress, &counts, err))
        goto out;
    if (plan->staging_db) {
        if (database_ddl(db, "CREATE DATABASE", plan->staging_db, err))
            goto out;
        scratch = 1;
        if (database_ddl(db, "CREATE DATABASE", plan->old_db, err))
            goto out;
        scratch = 2;
    }
    if (load_tables(cfg, db, plan, plan->staging_db ? plan->staging_db : target, progress, stats, err))
        goto out;
    if (plan->staging_db) {
        if (mark_referenced(db, plan, err))
            goto out;
        triggers_dropped = 1;
        if (drop_old_triggers(db, plan, err))
            goto out;
        if (swap_tables(db, plan, err)) {
            /* swap_tables says exactly what moved; the copies stay for the repair */
            lc_log_warn("the scratch databases '%s' and '%s' are kept for the repair",
                        plan->staging_db, plan->old_db);
            return -1;
        }
    }
    swapped = 1;
    if (!created && plan->whole && load_kind(db, plan, "database", progress, &counts, err))
        goto out;
    for (size_t idx = 0; idx < plan->n_tables; idx++) {
        const struct lc_set_entry *e = plan->tables[idx].triggers;

        if (e && load_entry(db, plan, e, NULL, progress, &counts, err))
            goto out;
    }
    if (plan->whole && (load_kind(db, plan, "routines", progress, &counts, err) ||
                        load_kind(db, plan, "views", progress, &counts, err) ||
                        load_kind(db, plan, "events", progress, &counts, err)))
        goto out;
    rc = 0;
out:
    stats->statements += counts.statements;
    drop_scratch(db, plan, scratch);
    if (rc && created && !swapped) {
        struct lc_err ignored = LC_ERR_INIT;

        if (database_ddl(db, "DROP DATABASE IF EXISTS", target, &ignored)) {
            lc_err_hint(err, "the database '%s' this run created is incomplete and could not be "
                             "dropped: drop it before using it", target);
            return rc;
        }
    }
    if (rc)
        state_hint(err, plan, created, triggers_dropped, swapped);
    return rc;
}

/* ---- a legacy dump ---- */

int lc_restore_db_legacy(MYSQL *db, const char *path, const char *target_db,
                         struct lc_progress *progress, struct lc_restore_db_stats *stats,
                         struct lc_err *err)
{
    struct lc_load_counts counts = {0, 0};
    struct stat st;
    char *sql = NULL;
    char **found = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    int binlog_off = 0;
    int rc = -1;

    memset(stats, 0, sizeof(*stats));
    if (fd < 0)
        return lc_err_sys(err, errno == ENOENT ? LC_E_NOINPUT : errno == EACCES ? LC_E_NOPERM : LC_E_IO,
                          "'%s': cannot open", path);
    if (fstat(fd, &st) != 0) {
        lc_err_sys(err, LC_E_IO, "'%s': cannot stat", path);
        goto out;
    }
    lc_progress_set_total(progress, (uint64_t)st.st_size);
    if (lc_restore_session(db, 0, &binlog_off, err))
        goto out;
    stats->binlog_off = binlog_off;
    sql = schema_query(db, "SCHEMA_NAME", "SCHEMATA", "SCHEMA_NAME", target_db);
    if (query_names(db, sql, &found, err))
        goto out;
    if (!found[0]) {
        if (database_ddl(db, "CREATE DATABASE", target_db, err))
            goto out;
        lc_log_info("database '%s' did not exist: created it", target_db);
    }
    if (use_db(db, target_db, err))
        goto out;
    {
        struct lc_load_source src = {
            .name = path,
            .fd = fd,
            .offset = 0,
            .length = (uint64_t)st.st_size,
            .input = LC_GZ_INPUT_SNIFF,
            .legacy = 1,
            .progress = progress,
        };

        rc = lc_restore_load(db, &src, &counts, err);
    }
    if (rc)
        lc_err_hint(err, "a legacy dump is loaded in place: the statements before the failing one "
                         "have run (%llu statements, %llu rows)",
                    (unsigned long long)counts.statements, (unsigned long long)counts.rows);
out:
    stats->rows = counts.rows;
    stats->statements = counts.statements;
    free(sql);
    lc_strv_free(found);
    close(fd);
    return rc;
}
