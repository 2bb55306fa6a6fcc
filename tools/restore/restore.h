/*
 * lcbp3-restore: its options and its commands. main.c parses, loads the config and
 * calls the command's function; each command is in its own file.
 */
#ifndef LC_TOOLS_RESTORE_H
#define LC_TOOLS_RESTORE_H

#include "common/cli.h"
#include "common/config.h"
#include "common/error.h"
#include "common/set_reader.h"

enum restore_command {
    RESTORE_CMD_NONE,
    RESTORE_CMD_LIST,
    RESTORE_CMD_DB,
    RESTORE_CMD_REDIS,
    RESTORE_CMD_SET,
};

struct restore_opts {
    struct lc_cli cli;
    enum restore_command command;
    const char *command_name;
    const char *source;       /* db, redis, set: SET name, "latest" or a path */
    const char *into;         /* db, set: --into DB */
    long redis_db;            /* redis, set: --redis-db N; -1 = the export's databases */
    char **tables;            /* db: --tables T1,T2 (NULL-terminated, owned) */
    const char *until;        /* db: --until (not implemented yet) */
    const char *rdb_to;       /* redis: --rdb-to DIR */
    const char *target;       /* list: --target NAME; db, redis, set: fetch from that target */
    int yes;                  /* --yes */
};

extern const char restore_usage[];

/* <0 error (64), 0 parsed. */
int restore_parse_args(int argc, char **argv, struct restore_opts *opts, struct lc_err *err);
void restore_opts_done(struct restore_opts *opts);

/*
 * Resolves opts->source: an existing path (a set, or a legacy .sql/.sql.gz/.rdb file)
 * is used as it is; "latest" is the newest complete set in the spool or on the targets
 * (only on --target NAME when given); anything else is looked up as a set name in the
 * spool, then on the targets in config order. A set found only on a target is first
 * fetched into the spool (sidecar checked while it downloads). A target that cannot be
 * reached is skipped with a warning, unless it was named by --target. Returns the path
 * (heap string). LC_E_NOINPUT when nothing matches, with a hint to run
 * 'lcbp3-restore list'.
 */
int restore_find_source(const struct lc_config *cfg, const struct restore_opts *opts,
                        char **out_path, struct lc_err *err);

/* Frees a path from restore_find_source(); a set it fetched into the work directory
 * because the spool is disabled is removed again (it would otherwise pile up there). */
void restore_release_source(const struct lc_config *cfg, char *path);

/* 1 when `path` ends with `suffix`. */
int restore_has_suffix(const char *path, const char *suffix);

/* 1 for a legacy MariaDB dump file name (*.sql, *.sql.gz). */
int restore_is_legacy_sql(const char *path);

/* Opens and verifies a set (progress on a terminal), records it as verified. */
int restore_open_set(const char *path, struct lc_set_reader *set, struct lc_err *err);

/* The MariaDB part of an opened set: plan, confirmation unless opts->yes, restore. */
int restore_db_from_set(const struct lc_config *cfg, const struct lc_set_reader *set,
                        const struct restore_opts *opts, struct lc_err *err);

/* The Redis part of an opened set: plan, confirmation unless yes, replay of the keys
 * (into database redis_db, or the export's databases when -1; the callers refuse a
 * database other than 0 on a Redis Cluster). */
int restore_redis_from_set(const struct lc_config *cfg, const struct lc_set_reader *set, int yes,
                           long redis_db, struct lc_err *err);

int restore_list(const struct lc_config *cfg, const struct restore_opts *opts, struct lc_err *err);
int restore_db(const struct lc_config *cfg, const struct restore_opts *opts, struct lc_err *err);
int restore_redis(const struct lc_config *cfg, const struct restore_opts *opts, struct lc_err *err);
int restore_set(const struct lc_config *cfg, const struct restore_opts *opts, struct lc_err *err);

/* The run lock shared with lcbp3-backup (a restore and a backup never overlap). */
#define RESTORE_LOCK_NAME "lcbp3-backup"

#endif
