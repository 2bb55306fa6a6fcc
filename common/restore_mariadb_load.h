/*
 * Sending one dump member (or a legacy dump file) to a MariaDB connection: the bytes
 * are read with pread through the gzip reader, split into statements, rewritten where
 * asked, and run one by one. Used by the restore's loader threads and its control
 * connection alike.
 */
#ifndef LC_RESTORE_MARIADB_LOAD_H
#define LC_RESTORE_MARIADB_LOAD_H

#include <stdatomic.h>
#include <stdint.h>

#include <mysql.h>

#include "common/buf.h"
#include "common/error.h"
#include "common/gz_reader.h"
#include "common/progress.h"

struct lc_load_source {
    const char *name;         /* member path or file name, for messages */
    int fd;
    uint64_t offset;
    uint64_t length;
    enum lc_gz_input input;
    const char *qualify_db;   /* qualify FOREIGN KEY references with this database */
    int strip_definer;        /* drop DEFINER clauses (restoring into another database) */
    const char *rename_from;  /* replace this database qualifier ... */
    const char *rename_to;    /* ... by this one */
    int legacy;               /* skip USE, CREATE and DROP DATABASE (a legacy dump) */
    struct lc_buf *deferred_keys; /* when set, CREATE TABLE's secondary indexes are left out
                                     and appended here ("ADD KEY ...", lc_sql_defer_keys) */
    struct lc_progress *progress; /* compressed bytes read */
    const atomic_int *stop;   /* optional: another loader failed; stop at the next chunk */
    int load_data;            /* send INSERTs as LOAD DATA LOCAL INFILE where they convert
                                 (the connection from lc_db_connect_local_infile) */
};

struct lc_load_counts {
    uint64_t rows;            /* rows affected by INSERT statements */
    uint64_t statements;
};

/*
 * Runs every statement of `src` on `db`. A statement the server refuses fails the
 * load: "'<name>' line N: <mysql_error> (errno E) in: <first words of the statement>".
 * A CREATE ... DEFINER= refused for lack of privilege (SET USER / SUPER) is retried
 * once without the clause, with a warning, so the object belongs to the restoring
 * account. Counts are added to *counts as the load goes, also on failure.
 */
int lc_restore_load(MYSQL *db, const struct lc_load_source *src, struct lc_load_counts *counts,
                    struct lc_err *err);

/*
 * Session settings for a loading connection: with set_member, those every data member
 * of a set starts with (time_zone +00:00, sql_mode NO_AUTO_VALUE_ON_ZERO,
 * foreign_key_checks, unique_checks and check_constraint_checks off), so that a part
 * of a member can be loaded alone; always sql_log_bin=0 when the account may
 * (*out_binlog_off says whether it could). A legacy dump sets its own session.
 */
int lc_restore_session(MYSQL *db, int set_member, int *out_binlog_off, struct lc_err *err);

#endif
