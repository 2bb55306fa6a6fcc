/*
 * lcbp3-restore: its options and its commands. main.c parses, loads the config and
 * calls the command's function; each command is in its own file.
 */
#ifndef LC_TOOLS_RESTORE_H
#define LC_TOOLS_RESTORE_H

#include <time.h>

#include "common/binlog_event.h"
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
    const char *until;        /* db: --until TIME as given, or NULL */
    time_t until_time;        /* its value */
    int until_utc;            /* it ended with Z or UTC */
    const char *until_gtid;   /* db: --until-gtid as given, or NULL */
    struct lc_binlog_gtid until_gtid_value;
    const char *rdb_to;       /* redis: --rdb-to DIR */
    const char *target;       /* list: --target NAME; db, redis, set: fetch from that target */
    int yes;                  /* --yes */
};

extern const char restore_usage[];

/*
 * --until's TIME: "YYYY-MM-DD HH:MM:SS" (or with a 'T' between date and time) in the
 * machine's local time zone, as mariadb-binlog --stop-datetime reads it; a trailing "Z"
 * or " UTC" makes it UTC. -1 when malformed or not a real date.
 */
int restore_parse_until(const char *arg, time_t *out, int *out_utc);

/* --until-gtid's "D-S-N" (one GTID); -1 when malformed. */
int restore_parse_gtid(const char *arg, struct lc_binlog_gtid *out);

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

/* The databases of the set, in manifest order (NULL-terminated, new strings). */
char **restore_set_databases(const struct lc_set_reader *set);

/* 1 when `db` is one of the configured [mariadb] databases. */
int restore_is_production(const struct lc_config *cfg, const char *db);

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

/*
 * Point-in-time recovery of an opened set (--until / --until-gtid): finds the binlog
 * chain from the set's snapshot position in the archive (spool, then targets), fetches
 * and verifies it (SHA-256 of closed segments, every event's CRC) into a work
 * directory, finds where the replay stops, prints the plan, restores the set as
 * restore_db_from_set() does, then replays the binlogs into the restored database.
 * Nothing is changed before every check has passed.
 */
int restore_until(const struct lc_config *cfg, const struct lc_set_reader *set,
                  const struct restore_opts *opts, struct lc_err *err);

/* One binlog segment of a point-in-time recovery: where it was found, where it is now. */
struct restore_segment {
    char *name;               /* "mysql-bin.000042" */
    int target;               /* -1: the spool's archive; else index into cfg->targets */
    int closed;               /* has its sidecar (else the active segment, maybe cut short) */
    uint64_t size;            /* bytes as archived (an active one: the copy's size) */
    char *path;               /* the local file replayed, once fetched */
};

/* The archived chain that follows a set's snapshot file (restore_until_fetch.c). */
struct restore_chain {
    uint32_t server_id;
    unsigned generation;
    struct restore_segment *items;  /* consecutive names from the set's file */
    size_t len;
    char *missing;            /* the walk stopped at this name although later segments are
                                 archived (a gap), or NULL */
    char *work_dir;           /* <work_dir>/.work-restore-<pid>, created on first fetch */
    struct lc_target **targets;     /* opened on first use, n_targets of them */
    unsigned char *target_failed;   /* could not be opened (warned once) */
    size_t n_targets;
};

/*
 * Finds the chain of `m` (its server id, binlog file and generation) in the spool's
 * archive and on the targets: the newest generation holding the set's file, then each
 * following name from the spool when it is there, else from the first target that has
 * it, a closed copy before an active one. Lists only; nothing is fetched. LC_E_NOINPUT
 * when the set's file is not archived anywhere.
 */
int restore_chain_find(const struct lc_config *cfg, const struct lc_manifest *m,
                       struct restore_chain *out, struct lc_err *err);

/*
 * Makes items[idx] a verified local file: a closed segment in the spool is used in
 * place, one on a target is downloaded into the work directory, and either must match
 * the SHA-256 of its sidecar (LC_E_DATA); an active segment is copied (spool) or its
 * largest .open-<size> copy downloaded (target).
 */
int restore_chain_fetch(const struct lc_config *cfg, struct restore_chain *chain, size_t idx,
                        struct lc_err *err);

/* "spool" or "target 'NAME'" for plans. */
const char *restore_chain_source(const struct lc_config *cfg, const struct restore_segment *seg);

/* Frees the chain and removes its work directory. */
void restore_chain_done(struct restore_chain *chain);

/* The run lock shared with lcbp3-backup (a restore and a backup never overlap). */
#define RESTORE_LOCK_NAME "lcbp3-backup"

#endif
