/*
 * The MariaDB logical dump: one consistent snapshot (START TRANSACTION WITH CONSISTENT
 * SNAPSHOT, REPEATABLE READ, no long global read lock) read by one or more connections,
 * written as gzip'd plain-SQL members into a work directory:
 *   mariadb/<db>/database.sql.gz          ALTER DATABASE CHARACTER SET/COLLATE (no name)
 *   mariadb/<db>/<table>.schema.sql.gz    CREATE TABLE
 *   mariadb/<db>/<table>.data.sql.gz      INSERTs (generated columns never written)
 *   mariadb/<db>/<table>.triggers.sql.gz  when the table has triggers
 *   mariadb/<db>/views.sql.gz, routines.sql.gz, events.sql.gz  when there are any
 * Every member loads with `zcat member | mariadb DB` into any database: no USE, no
 * database qualifiers in table DDL. Members are listed in load order: database, all
 * schemas, all data, routines, views (placeholders first), triggers, events.
 */
#ifndef LC_DUMP_MARIADB_H
#define LC_DUMP_MARIADB_H

#include <stdint.h>

#include "common/config.h"
#include "common/error.h"
#include "common/member.h"
#include "common/progress.h"

struct lc_dump_opts {
    const char *work_dir;     /* members are written under it (it exists, 0700) */
    int level;                /* gzip level, see gz.h */
    unsigned threads;         /* worker connections/threads, >= 1 */
    const char *program;      /* program_name connect attribute, e.g. "lcbp3-backup" */
    struct lc_progress *progress; /* may be NULL */
};

struct lc_dump_mariadb_info {
    char *server_version;     /* SELECT VERSION() */
    char *binlog_file;        /* of the snapshot; NULL when the binary log is off */
    uint64_t binlog_pos;
    char *gtid;               /* BINLOG_GTID_POS() of the snapshot; NULL when unknown */
    uint32_t server_id;       /* @@server_id: the binlog archive's namespace */
    int binlog_generation;    /* the archive generation holding binlog_file (set by the
                               * caller, see binlog_archive.h); -1: not archived */
    unsigned connections;     /* connections that read the snapshot */
    uint64_t tables;
    uint64_t rows;
    uint64_t raw_bytes;       /* SQL text before compression */
};

/*
 * Dumps every configured database (cfg->databases; cfg->tables when set) and appends
 * one lc_member per file written. On failure the work directory may hold partial
 * files (the caller removes it) and `members` may hold some entries.
 */
int lc_dump_mariadb(const struct lc_mariadb_cfg *cfg, const struct lc_dump_opts *opts,
                    struct lc_member_list *members, struct lc_dump_mariadb_info *info,
                    struct lc_err *err);

void lc_dump_mariadb_info_done(struct lc_dump_mariadb_info *info);

#endif
