/*
 * Internals of the MariaDB dump shared by its files (not for other modules): the plan
 * (databases, tables, their dumpable columns and the work items that read them) built
 * from information_schema by dump_mariadb_plan.c, the DDL members written by
 * dump_mariadb_ddl.c and the row reader of dump_mariadb_rows.c. dump_mariadb.c
 * drives them: plan, snapshot, workers, members.
 */
#ifndef LC_DUMP_MARIADB_PLAN_H
#define LC_DUMP_MARIADB_PLAN_H

#include <stdatomic.h>
#include <stdint.h>

#include <mysql.h>

#include "common/config.h"
#include "common/dump_mariadb.h"
#include "common/error.h"
#include "common/sql_text.h"

/* One file written to the work directory (a member, or one part of a data member). */
struct lc_dump_file {
    char *path;               /* absolute; NULL when not written */
    uint64_t raw;             /* SQL bytes before compression */
    uint64_t size;            /* bytes on disk */
    uint64_t rows;            /* data parts only */
};

/* A work item: all of a table's rows, or one primary-key range of them. */
struct lc_dump_chunk {
    struct lc_dump_db *db;
    struct lc_dump_table *table;
    unsigned idx;             /* chunk order within the table (0 writes the header) */
    int has_lo, has_hi;       /* `pk` >= lo / `pk` < hi bounds present */
    uint64_t lo, hi;          /* two's complement bits when the key is signed */
    uint64_t est_bytes;       /* for largest-first ordering */
    struct lc_dump_file out;
};

struct lc_dump_table {
    char *name;
    char *file;               /* name as a file-name component (lc_sql_file_name) */
    int is_view;
    int is_sequence;
    int transactional;        /* InnoDB (or a sequence on InnoDB): read in the snapshot */
    int selected;             /* in cfg->tables (or no filter) */
    uint64_t est_rows, est_bytes;
    char **cols;              /* dumped columns, in order (generated ones left out); for
                                 views: all columns, for the stand-in */
    enum lc_sql_class *cls;   /* value class of each dumped column */
    unsigned char *as_double; /* FLOAT columns: selected as DOUBLE so that no digit is
                                 lost (the server prints a FLOAT with 6 digits only) */
    size_t n_cols;
    char *pk;                 /* the single integer primary-key column, or NULL */
    int pk_unsigned;
    unsigned pk_parts;        /* columns in the primary key */
    char *select_sql;         /* "SELECT cols FROM `db`.`t`" */
    char *insert_head;        /* "INSERT INTO `t` (cols) VALUES " */
    char **triggers;          /* in creation (ACTION_ORDER) order; NULL-terminated */
    struct lc_dump_chunk *chunks;
    unsigned n_chunks;
    struct lc_dump_file schema;
    struct lc_dump_file trig_file;
};

struct lc_dump_db {
    char *name;
    char *file;               /* name as a file-name component */
    char *dir;                /* <work_dir>/mariadb/<file> */
    char *charset, *collation, *comment;
    struct lc_dump_table *tables; /* sorted by name (strcmp); views included */
    size_t n_tables;
    struct lc_dump_file database;
    struct lc_dump_file views, routines, events;
};

struct lc_dump_plan {
    struct lc_dump_db *dbs;
    size_t n_dbs;
    struct lc_dump_chunk **items; /* every chunk, largest first */
    size_t n_items;
    int filtered;             /* cfg->tables was given: no routines or events */
    char *server_version;
};

/*
 * Reads the catalog of every configured database on `db` (outside the snapshot:
 * the names and estimates only steer the work), checks that the databases and
 * cfg->tables exist (LC_E_CONFIG), creates the member directories (0700) and cuts
 * big tables with a single integer primary key into key ranges sized for `threads`.
 */
int lc_dump_plan_build(MYSQL *db, const struct lc_mariadb_cfg *cfg, const char *work_dir,
                       unsigned threads, struct lc_dump_plan *plan, struct lc_err *err);
void lc_dump_plan_done(struct lc_dump_plan *plan);

/* The member header: comment, SET NAMES, time_zone, checks off, sql_mode. */
void lc_dump_put_header(struct lc_buf *b, const char *what, const char *server_version);

/*
 * Writes the DDL members of one database (database, schema of each table, views,
 * triggers, routines, events) from `db`, which must be inside the snapshot. Selects
 * the database on `db` (so that view bodies come out without the database name).
 * Stops early when *stop becomes set.
 */
int lc_dump_ddl_write(MYSQL *db, const struct lc_dump_plan *plan, struct lc_dump_db *d,
                      int level, atomic_int *stop, struct lc_err *err);

/*
 * Reads one chunk with mysql_use_result and writes it as INSERT statements to its
 * part file. Polls *stop and signals every few thousand rows. On failure the
 * connection may be unusable (it is cancelled to stop the stream).
 */
int lc_dump_rows_write(MYSQL *db, const struct lc_dump_plan *plan, struct lc_dump_chunk *c,
                       const struct lc_dump_opts *opts, atomic_int *stop, struct lc_err *err);

/* Writes `b` as a whole gzip file at `path` and records it in `f`. */
int lc_dump_write_file(const char *path, const struct lc_buf *b, int level,
                       struct lc_dump_file *f, struct lc_err *err);

#endif
