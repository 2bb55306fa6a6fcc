/*
 * lcbp3-backup: its options and its commands. main.c parses, loads the config and
 * calls the command's function; each command is in its own file.
 */
#ifndef LC_TOOLS_BACKUP_H
#define LC_TOOLS_BACKUP_H

#include <stdio.h>

#include "common/cli.h"
#include "common/config.h"
#include "common/error.h"
#include "common/manifest.h"
#include "common/member.h"
#include "common/set_name.h"
#include "common/ship.h"
#include "common/target.h"

enum backup_command {
    BACKUP_CMD_NONE,
    BACKUP_CMD_RUN,
    BACKUP_CMD_SHIP,
    BACKUP_CMD_LIST,
    BACKUP_CMD_PRUNE,
    BACKUP_CMD_BINLOG,
    BACKUP_CMD_ARCHIVE_AUDIT,
    BACKUP_CMD_VERIFY,
};

struct backup_opts {
    struct lc_cli cli;
    enum backup_command command;
    const char *command_name;
    enum lc_set_kind kind;    /* run: --kind [daily] */
    int no_ship;              /* run: --no-ship */
    int db_only;              /* run: --db-only */
    int redis_only;           /* run: --redis-only */
    const char *target;       /* ship, list, prune, verify: --target NAME */
    enum lc_verify verify;    /* run, ship, verify: --verify full|size */
    int verify_given;
    int dry_run;              /* prune, archive-audit: --dry-run */
    int follow;               /* binlog: --follow */
    const char *older_than;   /* archive-audit: --older-than */
};

extern const char backup_usage[];

/* <0 error (64), 0 parsed. */
int backup_parse_args(int argc, char **argv, struct backup_opts *opts, struct lc_err *err);

int backup_run(const struct lc_config *cfg, const struct backup_opts *opts, struct lc_err *err);
int backup_list(const struct lc_config *cfg, const struct backup_opts *opts, struct lc_err *err);
int backup_prune(const struct lc_config *cfg, const struct backup_opts *opts, struct lc_err *err);

/*
 * Applies the spool's retention. With `report` each set's verdict and reason is printed
 * there; removals are logged. --dry-run removes nothing. out_doomed (optional) counts
 * the sets that go (or would go). The caller holds the backup lock unless dry_run.
 */
int backup_apply_retention(const struct lc_config *cfg, int dry_run, FILE *report,
                           size_t *out_doomed, struct lc_err *err);

/* Applies a target's retention to its complete sets (see backup_prune.c). */
int backup_apply_target_retention(const struct lc_config *cfg, struct lc_target *t, int dry_run,
                                  FILE *report, size_t *out_doomed, struct lc_err *err);

/*
 * Ships every complete spool set that a configured target (or only --target) lacks,
 * then applies that target's retention; records the per-target metrics. The caller
 * holds the backup lock. A failed target does not stop the others; the first failure
 * is returned.
 */
int backup_ship_all(const struct lc_config *cfg, const struct backup_opts *opts, struct lc_err *err);

/*
 * Spool disabled: writes the set straight to every target (see ship_stream.h), then
 * verifies each copy and uploads its sidecar; the same per-target reporting and metrics
 * as backup_ship_all(). Fails when no target got the set whole.
 */
int backup_stream_set(const struct lc_config *cfg, const struct backup_opts *opts,
                      struct lc_set_header *header, struct lc_member_list *members,
                      uint64_t *out_size, struct lc_err *err);

int backup_ship(const struct lc_config *cfg, const struct backup_opts *opts, struct lc_err *err);
int backup_verify(const struct lc_config *cfg, const struct backup_opts *opts, struct lc_err *err);

/* binlog [--follow]: see backup_binlog.c. */
int backup_binlog(const struct lc_config *cfg, const struct backup_opts *opts, struct lc_err *err);

/* binlog [--follow]: see backup_binlog.c. */
int backup_binlog(const struct lc_config *cfg, const struct backup_opts *opts, struct lc_err *err);

/* archive-audit: see common/audit_archive.h; 0 done, 1 dry run found rows, -1 err. */
int backup_archive_audit(const struct lc_config *cfg, const struct backup_opts *opts,
                         struct lc_err *err);

/* The run lock shared by lcbp3-backup and lcbp3-restore. */
#define BACKUP_LOCK_NAME "lcbp3-backup"

#endif
