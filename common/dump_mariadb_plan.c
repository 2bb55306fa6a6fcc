/*
 * The plan of a MariaDB dump: what information_schema says about each configured
 * database (tables, views, sequences, dumpable columns, the integer primary key,
 * triggers, size estimates), checked against the configuration, and the work items
 * that the reading connections share: one per table, or one per primary-key range
 * for tables big enough to keep every worker busy.
 */
#include "common/dump_mariadb_plan.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "common/buf.h"
#include "common/db.h"
#include "common/log.h"
#include "common/mem.h"

/* Chunk sizes adapt to the dump (about 8 work items per thread) within these bounds. */
#define PLAN_CHUNK_MIN (4ULL << 20)
#define PLAN_CHUNK_MAX (64ULL << 20)
#define PLAN_MAX_CHUNKS 4096U

static int table_cmp(const void *a, const void *b)
{
    return strcmp(((const struct lc_dump_table *)a)->name, ((const struct lc_dump_table *)b)->name);
}

static struct lc_dump_table *find_table(struct lc_dump_db *d, const char *name)
{
    struct lc_dump_table key;

    if (!name || d->n_tables == 0)
        return NULL;
    key.name = (char *)(uintptr_t)name;
    return bsearch(&key, d->tables, d->n_tables, sizeof(*d->tables), table_cmp);
}

static uint64_t parse_u64(const char *s)
{
    return s ? strtoull(s, NULL, 10) : 0;
}

static int make_dir(const char *path, struct lc_err *err)
{
    if (mkdir(path, 0700) == 0 || errno == EEXIST)
        return 0;
    return lc_err_sys(err, LC_E_CANTCREAT, "cannot create directory '%s'", path);
}

/* Runs `prefix` + quoted schema name + `suffix` and returns the stored result. */
static MYSQL_RES *query_schema(MYSQL *db, const char *prefix, const char *schema,
                               const char *suffix, struct lc_err *err)
{
    struct lc_buf sql = LC_BUF_INIT;
    MYSQL_RES *res;

    lc_buf_puts(&sql, prefix);
    lc_db_quote_string(db, &sql, schema);
    lc_buf_puts(&sql, suffix);
    res = lc_db_query(db, sql.data, err);
    lc_buf_done(&sql);
    return res;
}

static int read_schemata(MYSQL *db, struct lc_dump_db *d, struct lc_err *err)
{
    MYSQL_RES *res;
    MYSQL_ROW row;
    int rc = -1;

    res = query_schema(db, "SELECT DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME, "
                       "SCHEMA_COMMENT FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ",
                       d->name, "", err);
    if (!res)
        goto out;
    row = mysql_fetch_row(res);
    if (!row) {
        lc_err_set(err, LC_E_CONFIG, "mariadb: database '%s' does not exist", d->name);
        lc_err_hint(err, "check [mariadb] database, and that the backup user may see it");
        goto out;
    }
    d->charset = lc_xstrdup(row[0] ? row[0] : "utf8mb4");
    d->collation = row[1] ? lc_xstrdup(row[1]) : NULL;
    d->comment = row[2] && row[2][0] ? lc_xstrdup(row[2]) : NULL;
    rc = 0;
out:
    if (res)
        mysql_free_result(res);
    return rc;
}

static int read_tables(MYSQL *db, const struct lc_mariadb_cfg *cfg, struct lc_dump_db *d,
                       struct lc_err *err)
{
    MYSQL_RES *res;
    MYSQL_ROW row;
    size_t cap = 0;
    int rc = -1;

    res = query_schema(db, "SELECT TABLE_NAME, TABLE_TYPE, ENGINE, TABLE_ROWS, DATA_LENGTH "
                       "FROM information_schema.TABLES WHERE TABLE_SCHEMA = ",
                       d->name, "", err);
    if (!res)
        goto out;
    while ((row = mysql_fetch_row(res)) != NULL) {
        struct lc_dump_table *t;
        int selected = 1;

        if (!row[0])
            continue;
        if (cfg->tables) {
            selected = 0;
            for (char **name = cfg->tables; *name; name++)
                if (strcmp(*name, row[0]) == 0)
                    selected = 1;
        }
        if (!selected)
            continue;
        if (d->n_tables == cap) {
            cap = cap ? 2 * cap : 32;
            d->tables = lc_xrealloc(d->tables, cap * sizeof(*d->tables));
        }
        t = &d->tables[d->n_tables++];
        memset(t, 0, sizeof(*t));
        t->name = lc_xstrdup(row[0]);
        t->selected = 1;
        t->is_view = row[1] && strcmp(row[1], "VIEW") == 0;
        t->is_sequence = row[1] && strcmp(row[1], "SEQUENCE") == 0;
        t->transactional = row[2] && strcasecmp(row[2], "InnoDB") == 0;
        t->est_rows = parse_u64(row[3]);
        t->est_bytes = parse_u64(row[4]);
        if (!t->is_view && !t->transactional)
            lc_log_info("table '%s'.'%s' uses engine %s: it is read outside the consistent "
                        "snapshot", d->name, t->name, row[2] ? row[2] : "(unknown)");
    }
    if (d->n_tables)
        qsort(d->tables, d->n_tables, sizeof(*d->tables), table_cmp);
    rc = 0;
out:
    if (res)
        mysql_free_result(res);
    return rc;
}

static int is_integer_type(const char *data_type)
{
    static const char *const ints[] = {"tinyint", "smallint", "mediumint", "int", "bigint", NULL};

    for (size_t idx = 0; data_type && ints[idx]; idx++)
        if (strcasecmp(data_type, ints[idx]) == 0)
            return 1;
    return 0;
}

/* Finds each table's primary key; keeps its column when it is the only one. */
static int read_primary_keys(MYSQL *db, struct lc_dump_db *d, struct lc_err *err)
{
    MYSQL_RES *res;
    MYSQL_ROW row;
    int rc = -1;

    res = query_schema(db, "SELECT TABLE_NAME, COLUMN_NAME, SEQ_IN_INDEX FROM "
                       "information_schema.STATISTICS WHERE INDEX_NAME = 'PRIMARY' AND "
                       "TABLE_SCHEMA = ", d->name, "", err);
    if (!res)
        goto out;
    while ((row = mysql_fetch_row(res)) != NULL) {
        struct lc_dump_table *t = find_table(d, row[0]);

        if (!t || t->is_view || !row[1])
            continue;
        t->pk_parts++;
        if (row[2] && strcmp(row[2], "1") == 0) {
            free(t->pk);
            t->pk = lc_xstrdup(row[1]);
        }
    }
    /* Only a single-column key can be cut into ranges. */
    for (size_t idx = 0; idx < d->n_tables; idx++) {
        if (d->tables[idx].pk_parts != 1) {
            free(d->tables[idx].pk);
            d->tables[idx].pk = NULL;
        }
    }
    rc = 0;
out:
    if (res)
        mysql_free_result(res);
    return rc;
}

static int read_columns(MYSQL *db, struct lc_dump_db *d, struct lc_err *err)
{
    MYSQL_RES *res;
    MYSQL_ROW row;
    int rc = -1;

    res = query_schema(db, "SELECT TABLE_NAME, COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, "
                       "IS_GENERATED FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ",
                       d->name, " ORDER BY TABLE_NAME, ORDINAL_POSITION", err);
    if (!res)
        goto out;
    while ((row = mysql_fetch_row(res)) != NULL) {
        struct lc_dump_table *t = find_table(d, row[0]);

        if (!t || !row[1])
            continue;
        if (t->pk && strcmp(t->pk, row[1]) == 0) {
            if (is_integer_type(row[2])) {
                t->pk_unsigned = row[3] && strstr(row[3], "unsigned") ? 1 : 0;
            } else {
                free(t->pk);
                t->pk = NULL;
            }
        }
        if (!t->is_view && row[4] && strcmp(row[4], "ALWAYS") == 0)
            continue; /* generated: computed again on load, never written */
        t->cols = lc_xrealloc(t->cols, (t->n_cols + 1) * sizeof(*t->cols));
        t->cls = lc_xrealloc(t->cls, (t->n_cols + 1) * sizeof(*t->cls));
        t->as_double = lc_xrealloc(t->as_double, t->n_cols + 1);
        t->cols[t->n_cols] = lc_xstrdup(row[1]);
        t->cls[t->n_cols] = lc_sql_class_of(row[2]);
        t->as_double[t->n_cols] = row[2] && strcasecmp(row[2], "float") == 0;
        t->n_cols++;
    }
    rc = 0;
out:
    if (res)
        mysql_free_result(res);
    return rc;
}

static int read_triggers(MYSQL *db, struct lc_dump_db *d, struct lc_err *err)
{
    MYSQL_RES *res = NULL;
    MYSQL_ROW row;
    int has = 0, rc = -1;

    /* Without TRIGGER information_schema hides triggers silently: refuse rather than
     * write a dump that lacks them. */
    for (size_t idx = 0; idx < d->n_tables && !has; idx++)
        has = !d->tables[idx].is_view;
    if (has && lc_db_has_privilege(db, d->name, "TRIGGER", &has, err))
        goto out;
    if (!has && d->n_tables) {
        lc_err_set(err, LC_E_NOPERM, "mariadb: the backup user lacks the TRIGGER privilege on "
                   "database '%s', so its triggers cannot be read", d->name);
        lc_err_hint(err, "GRANT SELECT, SHOW VIEW, TRIGGER, EVENT ON <database>.* and SELECT "
                         "ON mysql.proc to the backup user");
        goto out;
    }
    /* ACTION_ORDER within a timing and event: creating them in this order keeps it. */
    res = query_schema(db, "SELECT EVENT_OBJECT_TABLE, TRIGGER_NAME FROM "
                       "information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ", d->name,
                       " ORDER BY EVENT_OBJECT_TABLE, ACTION_TIMING, EVENT_MANIPULATION, "
                       "ACTION_ORDER", err);
    if (!res)
        goto out;
    while ((row = mysql_fetch_row(res)) != NULL) {
        struct lc_dump_table *t = find_table(d, row[0]);
        size_t n;

        if (!t || t->is_view || !row[1])
            continue;
        n = lc_strv_len(t->triggers);
        t->triggers = lc_xrealloc(t->triggers, (n + 2) * sizeof(char *));
        t->triggers[n] = lc_xstrdup(row[1]);
        t->triggers[n + 1] = NULL;
    }
    rc = 0;
out:
    if (res)
        mysql_free_result(res);
    return rc;
}

/* Builds the SELECT and INSERT texts of a table from its dumped columns. */
static void build_statements(struct lc_dump_db *d, struct lc_dump_table *t)
{
    struct lc_buf cols = LC_BUF_INIT;
    struct lc_buf sql = LC_BUF_INIT;

    lc_buf_puts(&sql, "SELECT /*!40001 SQL_NO_CACHE */ ");
    for (size_t idx = 0; idx < t->n_cols; idx++) {
        if (idx) {
            lc_buf_putc(&cols, ',');
            lc_buf_putc(&sql, ',');
        }
        lc_db_quote_ident(&cols, t->cols[idx]);
        /* A float widened to double is exact, and the double's text converts back to
         * the same float on load. */
        lc_buf_puts(&sql, t->as_double[idx] ? "CAST(" : "");
        lc_db_quote_ident(&sql, t->cols[idx]);
        lc_buf_puts(&sql, t->as_double[idx] ? " AS DOUBLE)" : "");
    }
    lc_buf_puts(&sql, " FROM ");
    lc_db_quote_ident(&sql, d->name);
    lc_buf_putc(&sql, '.');
    lc_db_quote_ident(&sql, t->name);
    t->select_sql = lc_buf_steal(&sql);
    lc_buf_puts(&sql, "INSERT INTO ");
    lc_db_quote_ident(&sql, t->name);
    lc_buf_printf(&sql, " (%s) VALUES ", cols.data ? cols.data : "");
    t->insert_head = lc_buf_steal(&sql);
    lc_buf_done(&cols);
}

/* Each name of cfg->tables must exist in at least one configured database. */
static int check_filter(const struct lc_mariadb_cfg *cfg, const struct lc_dump_plan *plan,
                        struct lc_err *err)
{
    for (char **name = cfg->tables; name && *name; name++) {
        int found = 0;

        if (!lc_db_ident_valid(*name))
            return lc_err_set(err, LC_E_CONFIG, "mariadb: invalid table name '%s'", *name);
        for (size_t idx = 0; idx < plan->n_dbs && !found; idx++)
            found = find_table(&plan->dbs[idx], *name) != NULL;
        if (!found) {
            lc_err_set(err, LC_E_CONFIG, "mariadb: table '%s' does not exist in database '%s'%s",
                       *name, plan->dbs[0].name, plan->n_dbs > 1 ? " nor the others" : "");
            lc_err_hint(err, "check [mariadb] tables");
            return -1;
        }
    }
    return 0;
}

/* Reads MIN/MAX of the key and cuts [min, max] into n ranges of equal width. */
static int plan_chunks(MYSQL *db, struct lc_dump_db *d, struct lc_dump_table *t,
                       uint64_t chunk_bytes, struct lc_err *err)
{
    struct lc_buf sql = LC_BUF_INIT;
    MYSQL_RES *res = NULL;
    MYSQL_ROW row;
    uint64_t n = 1, lo = 0, span = 0, step;
    int rc = -1;

    if (t->pk && t->est_bytes >= 2 * chunk_bytes) {
        lc_buf_puts(&sql, "SELECT MIN(");
        lc_db_quote_ident(&sql, t->pk);
        lc_buf_puts(&sql, "), MAX(");
        lc_db_quote_ident(&sql, t->pk);
        lc_buf_puts(&sql, ") FROM ");
        lc_db_quote_ident(&sql, d->name);
        lc_buf_putc(&sql, '.');
        lc_db_quote_ident(&sql, t->name);
        res = lc_db_query(db, sql.data, err);
        if (!res)
            goto out;
        row = mysql_fetch_row(res);
        if (row && row[0] && row[1]) {
            /* Unsigned arithmetic on the two's complement bits works for both signs. */
            lo = t->pk_unsigned ? strtoull(row[0], NULL, 10) : (uint64_t)strtoll(row[0], NULL, 10);
            span = (t->pk_unsigned ? strtoull(row[1], NULL, 10)
                                   : (uint64_t)strtoll(row[1], NULL, 10)) - lo;
            n = (t->est_bytes + chunk_bytes - 1) / chunk_bytes;
            if (n > PLAN_MAX_CHUNKS)
                n = PLAN_MAX_CHUNKS;
            if (span < n)
                n = span + 1;
        }
    }
    step = n > 1 ? span / n : 0;
    t->n_chunks = (unsigned)n;
    t->chunks = lc_xcalloc(n, sizeof(*t->chunks));
    for (unsigned idx = 0; idx < n; idx++) {
        struct lc_dump_chunk *c = &t->chunks[idx];

        c->db = d;
        c->table = t;
        c->idx = idx;
        c->est_bytes = t->est_bytes / n;
        c->has_lo = idx > 0;
        c->has_hi = idx + 1 < n;
        c->lo = lo + step * idx;
        c->hi = lo + step * (idx + 1);
        if (n == 1)
            c->out.path = lc_xasprintf("%s/%s.data.sql.gz", d->dir, t->file);
        else
            c->out.path = lc_xasprintf("%s/%s.data.%05u.sql.gz", d->dir, t->file, idx);
    }
    rc = 0;
out:
    if (res)
        mysql_free_result(res);
    lc_buf_done(&sql);
    return rc;
}

static int item_cmp(const void *a, const void *b)
{
    const struct lc_dump_chunk *x = *(const struct lc_dump_chunk *const *)a;
    const struct lc_dump_chunk *y = *(const struct lc_dump_chunk *const *)b;

    if (x->est_bytes != y->est_bytes)
        return x->est_bytes > y->est_bytes ? -1 : 1;
    /* Ties keep plan order, so the order of work is reproducible. */
    return x < y ? -1 : x > y;
}

static int read_db(MYSQL *db, const struct lc_mariadb_cfg *cfg, const char *top,
                   struct lc_dump_db *d, struct lc_err *err)
{
    struct lc_buf name = LC_BUF_INIT;

    lc_sql_file_name(&name, d->name);
    d->file = lc_buf_steal(&name);
    d->dir = lc_xasprintf("%s/%s", top, d->file);
    if (read_schemata(db, d, err) || read_tables(db, cfg, d, err) ||
        read_primary_keys(db, d, err) || read_columns(db, d, err) || read_triggers(db, d, err))
        return -1;
    for (size_t idx = 0; idx < d->n_tables; idx++) {
        struct lc_dump_table *t = &d->tables[idx];

        lc_sql_file_name(&name, t->name);
        t->file = lc_buf_steal(&name);
        if (!t->is_view)
            build_statements(d, t);
    }
    return make_dir(d->dir, err);
}

int lc_dump_plan_build(MYSQL *db, const struct lc_mariadb_cfg *cfg, const char *work_dir,
                       unsigned threads, struct lc_dump_plan *plan, struct lc_err *err)
{
    char *top = lc_xasprintf("%s/mariadb", work_dir);
    uint64_t total = 0, chunk_bytes;
    size_t n_items = 0;
    int rc = -1;

    plan->filtered = cfg->tables != NULL;
    plan->n_dbs = lc_strv_len(cfg->databases);
    if (plan->n_dbs == 0) {
        lc_err_set(err, LC_E_CONFIG, "mariadb: no database to dump");
        lc_err_hint(err, "set [mariadb] database");
        goto out;
    }
    plan->dbs = lc_xcalloc(plan->n_dbs, sizeof(*plan->dbs));
    for (size_t idx = 0; idx < plan->n_dbs; idx++) {
        plan->dbs[idx].name = lc_xstrdup(cfg->databases[idx]);
        if (!lc_db_ident_valid(plan->dbs[idx].name)) {
            lc_err_set(err, LC_E_CONFIG, "mariadb: invalid database name '%s'",
                       plan->dbs[idx].name);
            goto out;
        }
        for (size_t prev = 0; prev < idx; prev++)
            if (strcmp(plan->dbs[prev].name, plan->dbs[idx].name) == 0) {
                lc_err_set(err, LC_E_CONFIG, "mariadb: database '%s' is listed twice",
                           plan->dbs[idx].name);
                goto out;
            }
    }
    if (make_dir(top, err))
        goto out;
    for (size_t idx = 0; idx < plan->n_dbs; idx++)
        if (read_db(db, cfg, top, &plan->dbs[idx], err))
            goto out;
    if (check_filter(cfg, plan, err))
        goto out;

    for (size_t di = 0; di < plan->n_dbs; di++)
        for (size_t ti = 0; ti < plan->dbs[di].n_tables; ti++)
            if (!plan->dbs[di].tables[ti].is_view)
                total += plan->dbs[di].tables[ti].est_bytes;
    chunk_bytes = total / ((threads ? threads : 1) * 8ULL);
    chunk_bytes = chunk_bytes < PLAN_CHUNK_MIN ? PLAN_CHUNK_MIN
                  : chunk_bytes > PLAN_CHUNK_MAX ? PLAN_CHUNK_MAX : chunk_bytes;
    for (size_t di = 0; di < plan->n_dbs; di++) {
        struct lc_dump_db *d = &plan->dbs[di];

        for (size_t ti = 0; ti < d->n_tables; ti++) {
            if (d->tables[ti].is_view)
                continue;
            if (plan_chunks(db, d, &d->tables[ti], threads > 1 ? chunk_bytes : UINT64_MAX / 4,
                            err))
                goto out;
            n_items += d->tables[ti].n_chunks;
        }
    }
    plan->items = lc_xcalloc(n_items ? n_items : 1, sizeof(*plan->items));
    for (size_t di = 0; di < plan->n_dbs; di++)
        for (size_t ti = 0; ti < plan->dbs[di].n_tables; ti++)
            for (unsigned ci = 0; ci < plan->dbs[di].tables[ti].n_chunks; ci++)
                plan->items[plan->n_items++] = &plan->dbs[di].tables[ti].chunks[ci];
    qsort(plan->items, plan->n_items, sizeof(*plan->items), item_cmp);
    rc = 0;
out:
    free(top);
    return rc;
}

static void file_done(struct lc_dump_file *f)
{
    free(f->path);
    f->path = NULL;
}

void lc_dump_plan_done(struct lc_dump_plan *plan)
{
    for (size_t di = 0; di < plan->n_dbs; di++) {
        struct lc_dump_db *d = &plan->dbs[di];

        for (size_t ti = 0; ti < d->n_tables; ti++) {
            struct lc_dump_table *t = &d->tables[ti];

            free(t->name);
            free(t->file);
            for (size_t ci = 0; ci < t->n_cols; ci++)
                free(t->cols[ci]);
            free(t->cols);
            free(t->cls);
            free(t->as_double);
            free(t->pk);
            free(t->select_sql);
            free(t->insert_head);
            lc_strv_free(t->triggers);
            for (unsigned ci = 0; ci < t->n_chunks; ci++)
                file_done(&t->chunks[ci].out);
            free(t->chunks);
            file_done(&t->schema);
            file_done(&t->trig_file);
        }
        free(d->tables);
        free(d->name);
        free(d->file);
        free(d->dir);
        free(d->charset);
        free(d->collation);
        free(d->comment);
        file_done(&d->database);
        file_done(&d->views);
        file_done(&d->routines);
        file_done(&d->events);
    }
    free(plan->dbs);
    free(plan->items);
    free(plan->server_version);
    memset(plan, 0, sizeof(*plan));
}
