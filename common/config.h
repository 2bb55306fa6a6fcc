/*
 * The effective configuration of every tool: one INI file (/etc/lcbp3/lcbp3.conf,
 * --config FILE or $LCBP3_CONFIG), read with inih against the single key table in
 * config_def.c. Unknown keys and bad values are errors that name file, line and key
 * (status 78); a secret file readable by group or others is refused (status 77).
 * Secrets are resolved into memory at load time and never printed: lc_config_print()
 * masks them.
 */
#ifndef LC_CONFIG_H
#define LC_CONFIG_H

#include <stdint.h>
#include <stdio.h>

#include "common/error.h"

/* Which tools use a key (a bitmask), for --check-config output and docs. */
enum lc_tool {
    LC_TOOL_BACKUP = 1 << 0,
    LC_TOOL_RESTORE = 1 << 1,
    LC_TOOL_INTEGRITY = 1 << 2,
    LC_TOOL_RESGC = 1 << 3,
    LC_TOOL_DR = 1 << 4,
    LC_TOOL_ALL = 0x1f,
};

#ifndef LC_DEFAULT_CONFIG /* meson passes <sysconfdir>/lcbp3/lcbp3.conf */
#define LC_DEFAULT_CONFIG "/etc/lcbp3/lcbp3.conf"
#endif

struct lc_mariadb_cfg {
    char *host;               /* [127.0.0.1] */
    unsigned port;            /* [3306] */
    char *socket;             /* unix socket; used instead of host/port when set */
    char *user;
    char *password;           /* resolved secret (from password_file, env, credentials) */
    char *password_file;
    char *option_file;        /* MariaDB option file read with MYSQL_READ_DEFAULT_FILE */
    char **databases;         /* NULL-terminated; [lcbp3_production] */
    char **tables;            /* NULL-terminated; NULL means all tables */
    char *ssl_ca;
    char *ssl_cert;
    char *ssl_key;
    int64_t connect_timeout_ms; /* [10s] */
};

enum lc_redis_mode {
    LC_REDIS_STANDALONE = 0,
    LC_REDIS_SENTINEL,
    LC_REDIS_CLUSTER,
};

struct lc_redis_cfg {
    enum lc_redis_mode mode;  /* [standalone] */
    char **nodes;             /* NULL-terminated "host:port" list; [127.0.0.1:6379] */
    char *master_name;        /* Sentinel only */
    char *user;               /* ACL user (Redis 6+); NULL for the default user */
    char *password;           /* resolved secret */
    char *password_file;
    unsigned db;              /* [0] */
    int64_t connect_timeout_ms; /* [5s] */
};

/* Retention; -1 means "not set" (so a target can override only some keys). */
struct lc_retention_cfg {
    int64_t keep_days;        /* [30] */
    int64_t keep_daily;
    int64_t keep_weekly;
    int64_t keep_monthly;
    int64_t min_keep;         /* [3] */
};

enum lc_compression {
    LC_COMPRESS_GZIP = 0,
    LC_COMPRESS_NONE,
};

struct lc_backup_cfg {
    char *spool_dir;          /* [/var/lib/lcbp3/spool]; NULL (set empty): sets are streamed
                               * straight to the targets */
    char *work_dir;           /* where dumps are staged; NULL: spool_dir */
    enum lc_compression compression; /* [gzip] */
    int64_t compression_level;       /* [6] */
    int64_t threads;          /* [0 = auto: the number of online CPUs] */
    char *lock_dir;           /* [/run/lcbp3] */
    unsigned binlog_client_id;        /* [0 = binlog archiving off] */
    int64_t binlog_flush_interval_ms; /* [60s] */
    int64_t binlog_ship_interval_ms;  /* [5m] */
};

struct lc_target_cfg {
    char *name;               /* NAME of [target.NAME] */
    char *url;
    char *ssh_key;
    char *known_hosts;
    char *user;
    char *password;           /* resolved secret */
    char *password_file;
    char *s3_region;
    char *s3_endpoint;
    char *access_key;         /* resolved secret */
    char *access_key_file;
    char *secret_key;         /* resolved secret */
    char *secret_key_file;
    char *ca_file;
    int64_t timeout_ms;       /* [60s] */
    int64_t retries;          /* [3] */
    int64_t bwlimit;          /* bytes per second; 0 = unlimited */
    char *verify;             /* [full] or size: how a shipped set is checked */
    struct lc_retention_cfg retention; /* -1 = inherit [retention] */
};

struct lc_numbering_cfg {
    char *configs_table;      /* [document_numbering_configs] */
    char *sequences_table;    /* [document_numbering_sequences] */
    char *audit_table;        /* [document_numbering_audit_logs] */
    /* the columns lcbp3-integrity sequences reads (defaults: the seed schema) */
    char **config_id_columns;       /* [id]: what identifies a config */
    char *config_max_column;        /* [max_value]; unset: default_max_value */
    char *config_reset_column;      /* [reset_scope]; unset: year 0 = no reset */
    char *config_yearly_value;      /* [YEARLY]: the reset column's value for yearly */
    char *config_active_column;     /* [is_active]; unset: every config is active */
    char *config_label_column;      /* [template]; unset: none */
    char **sequence_config_columns; /* [config_id]: matched to config_id_columns */
    char *sequence_year_column;     /* [year] */
    char *sequence_value_column;    /* [current_value]: the last number issued */
    char **sequence_id_columns;     /* [id]: what audit rows name a sequence by */
    char **audit_sequence_columns;  /* [sequence_id]: matched to sequence_id_columns */
    char *audit_number_column;      /* [generated_number] */
    char *audit_action_column;      /* [action]; unset: every row issued a number */
    char *audit_issue_action;       /* [GENERATE] */
    char *audit_time_column;        /* [created_at] */
    char *audit_archive_table;      /* unset: <audit_table>_archive (same database) */
    int64_t audit_archive_batch;    /* [1000] rows per archive transaction */
    int64_t audit_archive_max_rate; /* [0 = no limit] rows per second archived */
    int64_t default_max_value;      /* [9999]: without configs table or max column */
    char *reservations_table; /* unset by default */
    char *reservation_status_column;    /* [status]: 'RESERVED' / 'CANCELLED' */
    char *reservation_expires_column;   /* [expires_at] */
    char *reservation_cancelled_column; /* [cancelled_at] */
    char *reservation_pattern;/* [reservation:*] */
    char *lock_pattern;       /* [lock:docnum:*] */
};

struct lc_integrity_cfg {
    int64_t warn_utilization; /* [80] percent */
    int64_t crit_utilization; /* [90] percent */
    int64_t max_backup_age_ms;/* [26h] */
    int64_t max_binlog_age_ms;/* [10m] */
    int64_t warn_replication_lag_ms; /* [60s] */
    int64_t crit_replication_lag_ms; /* [5m] */
    int64_t warn_transaction_age_ms; /* [30s] */
    int64_t crit_transaction_age_ms; /* [5m] */
    int64_t warn_lock_wait_ms;       /* [10s] */
    int64_t warn_redis_memory;       /* [80] percent of maxmemory */
    int64_t crit_redis_memory;       /* [90] percent of maxmemory */
};

struct lc_metrics_cfg {
    char *textfile;           /* node_exporter textfile path (*.prom) */
    char *pushgateway_url;
    char *job;                /* [lcbp3] */
};

struct lc_dr_cfg {
    char *scratch_database;   /* [lcbp3_drill] */
    unsigned scratch_redis_db;/* [15] */
    char *health_url;
    char *steps_file;
    int64_t rto_database_ms;  /* [5m]  drill targets per scenario (the seeds' figures) */
    int64_t rpo_database_ms;  /* [0s] */
    int64_t rto_site_ms;      /* [1h] */
    int64_t rpo_site_ms;      /* [15m] */
    int64_t rto_corruption_ms;/* [4h] */
    int64_t rpo_corruption_ms;/* [1d] */
};

struct lc_config {
    char *path;               /* the file that was read */
    struct lc_mariadb_cfg mariadb;
    struct lc_redis_cfg redis;
    struct lc_backup_cfg backup;
    struct lc_retention_cfg retention;
    struct lc_target_cfg *targets;
    size_t n_targets;
    struct lc_numbering_cfg numbering;
    struct lc_integrity_cfg integrity;
    struct lc_metrics_cfg metrics;
    struct lc_dr_cfg dr;
};

/*
 * Loads `path` (NULL: $LCBP3_CONFIG, then LC_DEFAULT_CONFIG) over the defaults and
 * resolves secrets. On failure `err` says "file:line: key: what is wrong" and `cfg`
 * holds nothing that needs freeing beyond lc_config_done().
 */
int lc_config_load(const char *path, struct lc_config *cfg, struct lc_err *err);

/* Fills `cfg` with the built-in defaults only (used by tests and by the loader). */
void lc_config_defaults(struct lc_config *cfg);

/* Prints the effective configuration as INI, secrets shown as "<redacted>". */
void lc_config_print(const struct lc_config *cfg, FILE *out);

/* The effective retention of a target: its own keys, else [retention]'s. */
struct lc_retention_cfg lc_config_target_retention(const struct lc_config *cfg,
                                                   const struct lc_target_cfg *target);

/* Where a run stages its dumps and a restore fetches sets: [backup] work_dir, else
 * spool_dir (one of them is always set). */
const char *lc_config_work_dir(const struct lc_config *cfg);

/* Threads to use: [backup] threads, or the number of online CPUs for auto. */
unsigned lc_config_threads(const struct lc_config *cfg);

void lc_config_done(struct lc_config *cfg);

#endif
