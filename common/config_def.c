/*
 * Every configuration key, declared once. Adding a key: a row here, a field in
 * config.h, a line in conf/lcbp3.conf.example and docs/lcbp3.conf.5.
 */
#include "common/config_def.h"

#include <stddef.h>

#include "common/config.h"

#define MDB(field) offsetof(struct lc_mariadb_cfg, field)
#define RDS(field) offsetof(struct lc_redis_cfg, field)
#define BAK(field) offsetof(struct lc_backup_cfg, field)
#define TGT(field) offsetof(struct lc_target_cfg, field)
#define RET(field) offsetof(struct lc_retention_cfg, field)
#define NUM(field) offsetof(struct lc_numbering_cfg, field)
#define INT(field) offsetof(struct lc_integrity_cfg, field)
#define MET(field) offsetof(struct lc_metrics_cfg, field)
#define DRC(field) offsetof(struct lc_dr_cfg, field)

#define ALL LC_TOOL_ALL
#define DBT (LC_TOOL_BACKUP | LC_TOOL_RESTORE | LC_TOOL_INTEGRITY | LC_TOOL_RESGC | LC_TOOL_DR)
#define SHIP (LC_TOOL_BACKUP | LC_TOOL_RESTORE | LC_TOOL_INTEGRITY | LC_TOOL_DR)
#define DAY (24LL * 3600 * 1000)

const struct lc_key_def lc_key_defs[] = {
    {LC_SEC_MARIADB, "host", LC_KEY_STRING, "127.0.0.1", 0, 0, DBT, MDB(host), "server host name or address"},
    {LC_SEC_MARIADB, "port", LC_KEY_UINT, "3306", 1, 65535, DBT, MDB(port), "TCP port"},
    {LC_SEC_MARIADB, "socket", LC_KEY_PATH, NULL, 0, 0, DBT, MDB(socket), "unix socket, used instead of host and port"},
    {LC_SEC_MARIADB, "user", LC_KEY_STRING, NULL, 0, 0, DBT, MDB(user), "account name"},
    {LC_SEC_MARIADB, "password_file", LC_KEY_PATH, NULL, 0, 0, DBT, MDB(password_file), "file holding the password (mode 0600)"},
    {LC_SEC_MARIADB, "option_file", LC_KEY_PATH, NULL, 0, 0, DBT, MDB(option_file), "MariaDB option file read for [client]"},
    {LC_SEC_MARIADB, "database", LC_KEY_LIST, "lcbp3_production", 0, 0, DBT, MDB(databases), "database(s) to back up, comma-separated"},
    {LC_SEC_MARIADB, "tables", LC_KEY_LIST, "all", 0, 0, LC_TOOL_BACKUP, MDB(tables), "tables to back up, or all"},
    {LC_SEC_MARIADB, "ssl_ca", LC_KEY_PATH, NULL, 0, 0, DBT, MDB(ssl_ca), "CA certificate; enables TLS with server verification"},
    {LC_SEC_MARIADB, "ssl_cert", LC_KEY_PATH, NULL, 0, 0, DBT, MDB(ssl_cert), "client certificate"},
    {LC_SEC_MARIADB, "ssl_key", LC_KEY_PATH, NULL, 0, 0, DBT, MDB(ssl_key), "client key"},
    {LC_SEC_MARIADB, "connect_timeout", LC_KEY_DURATION, "10s", 1000, 3600 * 1000, DBT, MDB(connect_timeout_ms), "connect timeout"},

    {LC_SEC_REDIS, "mode", LC_KEY_REDIS_MODE, "standalone", 0, 0, ALL, RDS(mode), "standalone, sentinel or cluster"},
    {LC_SEC_REDIS, "nodes", LC_KEY_LIST, "127.0.0.1:6379", 0, 0, ALL, RDS(nodes), "host:port list (sentinels in sentinel mode, seeds in cluster mode)"},
    {LC_SEC_REDIS, "master_name", LC_KEY_STRING, NULL, 0, 0, ALL, RDS(master_name), "Sentinel master name"},
    {LC_SEC_REDIS, "user", LC_KEY_STRING, NULL, 0, 0, ALL, RDS(user), "ACL user (Redis 6+)"},
    {LC_SEC_REDIS, "password_file", LC_KEY_PATH, NULL, 0, 0, ALL, RDS(password_file), "file holding the password (mode 0600)"},
    {LC_SEC_REDIS, "db", LC_KEY_UINT, "0", 0, 15, ALL, RDS(db), "database number"},
    {LC_SEC_REDIS, "connect_timeout", LC_KEY_DURATION, "5s", 100, 3600 * 1000, ALL, RDS(connect_timeout_ms), "connect timeout"},

    {LC_SEC_BACKUP, "spool_dir", LC_KEY_PATH, "/var/lib/lcbp3/spool", 0, 0, SHIP, BAK(spool_dir), "where sets are written before shipping; empty: stream sets straight to the targets"},
    {LC_SEC_BACKUP, "work_dir", LC_KEY_PATH, NULL, 0, 0, SHIP, BAK(work_dir), "where dumps are staged before they go into a set (default: spool_dir)"},
    {LC_SEC_BACKUP, "compression", LC_KEY_COMPRESSION, "gzip", 0, 0, LC_TOOL_BACKUP, BAK(compression), "gzip or none"},
    {LC_SEC_BACKUP, "compression_level", LC_KEY_INT64, "6", 1, 12, LC_TOOL_BACKUP, BAK(compression_level), "1 (fast) .. 12 (small); 6 compares to gzip -6"},
    {LC_SEC_BACKUP, "threads", LC_KEY_THREADS, "auto", 0, 64, LC_TOOL_BACKUP | LC_TOOL_RESTORE, BAK(threads), "worker threads, or auto (one per CPU)"},
    {LC_SEC_BACKUP, "lock_dir", LC_KEY_PATH, "/run/lcbp3", 0, 0, ALL, BAK(lock_dir), "where run locks live"},
    {LC_SEC_BACKUP, "binlog_client_id", LC_KEY_UINT, "0", 0, 4294967295LL, LC_TOOL_BACKUP | LC_TOOL_INTEGRITY | LC_TOOL_RESTORE, BAK(binlog_client_id), "binlog archiving: the replication server id lcbp3-backup binlog uses (unique among the primary's replicas); 0: archiving is off"},
    {LC_SEC_BACKUP, "binlog_flush_interval", LC_KEY_DURATION, "60s", 1000, 3600 * 1000LL, LC_TOOL_BACKUP, BAK(binlog_flush_interval_ms), "binlog archiving: the active segment is fsynced at least this often (bounds the RPO)"},
    {LC_SEC_BACKUP, "binlog_ship_interval", LC_KEY_DURATION, "5m", 1000, DAY, LC_TOOL_BACKUP, BAK(binlog_ship_interval_ms), "binlog archiving: the active segment is copied to the targets at least this often"},

    {LC_SEC_TARGET, "url", LC_KEY_URL, NULL, 0, 0, SHIP, TGT(url), "file://, sftp://, https:// (WebDAV) or s3://"},
    {LC_SEC_TARGET, "ssh_key", LC_KEY_PATH, NULL, 0, 0, SHIP, TGT(ssh_key), "SFTP private key"},
    {LC_SEC_TARGET, "known_hosts", LC_KEY_PATH, NULL, 0, 0, SHIP, TGT(known_hosts), "SFTP known_hosts file"},
    {LC_SEC_TARGET, "user", LC_KEY_STRING, NULL, 0, 0, SHIP, TGT(user), "user name"},
    {LC_SEC_TARGET, "password_file", LC_KEY_PATH, NULL, 0, 0, SHIP, TGT(password_file), "file holding the password (mode 0600)"},
    {LC_SEC_TARGET, "s3_region", LC_KEY_STRING, "us-east-1", 0, 0, SHIP, TGT(s3_region), "S3 region"},
    {LC_SEC_TARGET, "s3_endpoint", LC_KEY_STRING, NULL, 0, 0, SHIP, TGT(s3_endpoint), "S3 endpoint URL (MinIO, Ceph)"},
    {LC_SEC_TARGET, "access_key_file", LC_KEY_PATH, NULL, 0, 0, SHIP, TGT(access_key_file), "file holding the S3 access key (mode 0600)"},
    {LC_SEC_TARGET, "secret_key_file", LC_KEY_PATH, NULL, 0, 0, SHIP, TGT(secret_key_file), "file holding the S3 secret key (mode 0600)"},
    {LC_SEC_TARGET, "ca_file", LC_KEY_PATH, NULL, 0, 0, SHIP, TGT(ca_file), "CA bundle for https and s3"},
    {LC_SEC_TARGET, "timeout", LC_KEY_DURATION, "60s", 1000, 24 * 3600 * 1000LL, SHIP, TGT(timeout_ms), "network timeout"},
    {LC_SEC_TARGET, "retries", LC_KEY_INT64, "3", 0, 100, SHIP, TGT(retries), "retries on transient errors"},
    {LC_SEC_TARGET, "bwlimit", LC_KEY_SIZE, "0", 0, INT64_MAX, SHIP, TGT(bwlimit), "bytes per second, 0 = unlimited"},
    {LC_SEC_TARGET, "verify", LC_KEY_STRING, "full", 0, 0, SHIP, TGT(verify), "after shipping: full (read back, SHA-256) or size"},

    {LC_SEC_RETENTION, "keep_days", LC_KEY_INT64, "30", 0, 100000, SHIP, RET(keep_days), "keep sets younger than this many days"},
    {LC_SEC_RETENTION, "keep_daily", LC_KEY_INT64, NULL, 0, 100000, SHIP, RET(keep_daily), "keep the newest set of this many days"},
    {LC_SEC_RETENTION, "keep_weekly", LC_KEY_INT64, NULL, 0, 100000, SHIP, RET(keep_weekly), "keep the newest set of this many weeks"},
    {LC_SEC_RETENTION, "keep_monthly", LC_KEY_INT64, NULL, 0, 100000, SHIP, RET(keep_monthly), "keep the newest set of this many months"},
    {LC_SEC_RETENTION, "min_keep", LC_KEY_INT64, "3", 1, 100000, SHIP, RET(min_keep), "never fewer verified sets than this"},

    {LC_SEC_NUMBERING, "configs_table", LC_KEY_STRING, "document_numbering_configs", 0, 0, LC_TOOL_INTEGRITY | LC_TOOL_DR, NUM(configs_table), "numbering configuration table"},
    {LC_SEC_NUMBERING, "sequences_table", LC_KEY_STRING, "document_numbering_sequences", 0, 0, LC_TOOL_INTEGRITY | LC_TOOL_DR, NUM(sequences_table), "numbering sequences (counters) table"},
    {LC_SEC_NUMBERING, "audit_table", LC_KEY_STRING, "document_numbering_audit_logs", 0, 0, LC_TOOL_BACKUP | LC_TOOL_INTEGRITY | LC_TOOL_DR, NUM(audit_table), "numbering audit-log table"},
    {LC_SEC_NUMBERING, "config_id_columns", LC_KEY_LIST, "id", 0, 0, LC_TOOL_INTEGRITY | LC_TOOL_DR, NUM(config_id_columns), "columns of configs_table that identify a config"},
    {LC_SEC_NUMBERING, "config_max_column", LC_KEY_STRING, "max_value", 0, 0, LC_TOOL_INTEGRITY | LC_TOOL_DR, NUM(config_max_column), "column of configs_table holding the highest number (unset: default_max_value)"},
    {LC_SEC_NUMBERING, "config_reset_column", LC_KEY_STRING, "reset_scope", 0, 0, LC_TOOL_INTEGRITY | LC_TOOL_DR, NUM(config_reset_column), "column of configs_table holding the reset scope (unset: year 0 means no reset)"},
    {LC_SEC_NUMBERING, "config_yearly_value", LC_KEY_STRING, "YEARLY", 0, 0, LC_TOOL_INTEGRITY | LC_TOOL_DR, NUM(config_yearly_value), "value of config_reset_column for a yearly reset"},
    {LC_SEC_NUMBERING, "config_active_column", LC_KEY_STRING, "is_active", 0, 0, LC_TOOL_INTEGRITY | LC_TOOL_DR, NUM(config_active_column), "column of configs_table, non-zero when the config is in use (unset: all are)"},
    {LC_SEC_NUMBERING, "config_label_column", LC_KEY_STRING, "template", 0, 0, LC_TOOL_INTEGRITY | LC_TOOL_DR, NUM(config_label_column), "column of configs_table shown in results (unset: none)"},
    {LC_SEC_NUMBERING, "sequence_config_columns", LC_KEY_LIST, "config_id", 0, 0, LC_TOOL_INTEGRITY | LC_TOOL_DR, NUM(sequence_config_columns), "columns of sequences_table matching config_id_columns"},
    {LC_SEC_NUMBERING, "sequence_year_column", LC_KEY_STRING, "year", 0, 0, LC_TOOL_INTEGRITY | LC_TOOL_DR, NUM(sequence_year_column), "column of sequences_table holding the year (0: no reset)"},
    {LC_SEC_NUMBERING, "sequence_value_column", LC_KEY_STRING, "current_value", 0, 0, LC_TOOL_INTEGRITY | LC_TOOL_DR, NUM(sequence_value_column), "column of sequences_table holding the last number issued"},
    {LC_SEC_NUMBERING, "sequence_id_columns", LC_KEY_LIST, "id", 0, 0, LC_TOOL_INTEGRITY | LC_TOOL_DR, NUM(sequence_id_columns), "columns of sequences_table that audit rows name a sequence by"},
    {LC_SEC_NUMBERING, "audit_sequence_columns", LC_KEY_LIST, "sequence_id", 0, 0, LC_TOOL_INTEGRITY | LC_TOOL_DR, NUM(audit_sequence_columns), "columns of audit_table matching sequence_id_columns"},
    {LC_SEC_NUMBERING, "audit_number_column", LC_KEY_STRING, "generated_number", 0, 0, LC_TOOL_INTEGRITY | LC_TOOL_DR, NUM(audit_number_column), "column of audit_table holding the number issued"},
    {LC_SEC_NUMBERING, "audit_action_column", LC_KEY_STRING, "action", 0, 0, LC_TOOL_INTEGRITY | LC_TOOL_DR, NUM(audit_action_column), "column of audit_table holding the action (unset: every row issued a number)"},
    {LC_SEC_NUMBERING, "audit_issue_action", LC_KEY_STRING, "GENERATE", 0, 0, LC_TOOL_INTEGRITY | LC_TOOL_DR, NUM(audit_issue_action), "value of audit_action_column for a number issued"},
    {LC_SEC_NUMBERING, "audit_time_column", LC_KEY_STRING, "created_at", 0, 0, LC_TOOL_INTEGRITY | LC_TOOL_BACKUP | LC_TOOL_DR, NUM(audit_time_column), "column of audit_table holding when the row was written"},
    {LC_SEC_NUMBERING, "audit_archive_table", LC_KEY_STRING, NULL, 0, 0, LC_TOOL_BACKUP | LC_TOOL_DR, NUM(audit_archive_table), "table the audit archive moves old audit rows to, created LIKE audit_table when missing (unset: <audit_table>_archive)"},
    {LC_SEC_NUMBERING, "audit_archive_batch", LC_KEY_INT64, "1000", 1, 100000, LC_TOOL_BACKUP | LC_TOOL_DR, NUM(audit_archive_batch), "rows per transaction of the audit archive"},
    {LC_SEC_NUMBERING, "audit_archive_max_rate", LC_KEY_INT64, "0", 0, 10000000, LC_TOOL_BACKUP | LC_TOOL_DR, NUM(audit_archive_max_rate), "rows per second the audit archive copies or deletes at most (0: no limit)"},
    {LC_SEC_NUMBERING, "default_max_value", LC_KEY_INT64, "9999", 1, 4294967295LL, LC_TOOL_INTEGRITY | LC_TOOL_DR, NUM(default_max_value), "highest number of a sequence when configs_table or config_max_column is unset"},
    {LC_SEC_NUMBERING, "reservations_table", LC_KEY_STRING, NULL, 0, 0, LC_TOOL_RESGC, NUM(reservations_table), "reservations table in MariaDB (unset: none)"},
    {LC_SEC_NUMBERING, "reservation_status_column", LC_KEY_STRING, "status", 0, 0, LC_TOOL_RESGC, NUM(reservation_status_column), "column of the reservations table holding RESERVED, CONFIRMED or CANCELLED"},
    {LC_SEC_NUMBERING, "reservation_expires_column", LC_KEY_STRING, "expires_at", 0, 0, LC_TOOL_RESGC, NUM(reservation_expires_column), "column of the reservations table holding when a reservation expires"},
    {LC_SEC_NUMBERING, "reservation_cancelled_column", LC_KEY_STRING, "cancelled_at", 0, 0, LC_TOOL_RESGC, NUM(reservation_cancelled_column), "column of the reservations table set to the time of cancellation"},
    {LC_SEC_NUMBERING, "reservation_pattern", LC_KEY_STRING, "reservation:*", 0, 0, LC_TOOL_RESGC, NUM(reservation_pattern), "Redis key pattern of reservations"},
    {LC_SEC_NUMBERING, "lock_pattern", LC_KEY_STRING, "lock:docnum:*", 0, 0, LC_TOOL_RESGC | LC_TOOL_DR, NUM(lock_pattern), "Redis key pattern of numbering locks"},

    {LC_SEC_INTEGRITY, "warn_utilization", LC_KEY_INT64, "80", 1, 100, LC_TOOL_INTEGRITY | LC_TOOL_DR, INT(warn_utilization), "WARNING above this percent"},
    {LC_SEC_INTEGRITY, "crit_utilization", LC_KEY_INT64, "90", 1, 100, LC_TOOL_INTEGRITY | LC_TOOL_DR, INT(crit_utilization), "CRITICAL above this percent"},
    {LC_SEC_INTEGRITY, "max_backup_age", LC_KEY_DURATION, "26h", 60 * 1000, 365 * DAY, LC_TOOL_INTEGRITY, INT(max_backup_age_ms), "newest set must be younger"},
    {LC_SEC_INTEGRITY, "max_binlog_age", LC_KEY_DURATION, "10m", 1000, 365 * DAY, LC_TOOL_INTEGRITY, INT(max_binlog_age_ms), "backups: the newest archived binlog event must be younger (when binlog archiving is on)"},
    {LC_SEC_INTEGRITY, "warn_replication_lag", LC_KEY_DURATION, "60s", 1000, 365 * DAY, LC_TOOL_INTEGRITY, INT(warn_replication_lag_ms), "health: WARNING when a replica lags more"},
    {LC_SEC_INTEGRITY, "crit_replication_lag", LC_KEY_DURATION, "5m", 1000, 365 * DAY, LC_TOOL_INTEGRITY, INT(crit_replication_lag_ms), "health: CRITICAL when a replica lags more"},
    {LC_SEC_INTEGRITY, "warn_transaction_age", LC_KEY_DURATION, "30s", 1000, 365 * DAY, LC_TOOL_INTEGRITY, INT(warn_transaction_age_ms), "health: WARNING when a transaction is open longer"},
    {LC_SEC_INTEGRITY, "crit_transaction_age", LC_KEY_DURATION, "5m", 1000, 365 * DAY, LC_TOOL_INTEGRITY, INT(crit_transaction_age_ms), "health: CRITICAL when a transaction is open longer"},
    {LC_SEC_INTEGRITY, "warn_lock_wait", LC_KEY_DURATION, "10s", 1000, 365 * DAY, LC_TOOL_INTEGRITY, INT(warn_lock_wait_ms), "health: WARNING when a row-lock wait lasts longer"},
    {LC_SEC_INTEGRITY, "warn_redis_memory", LC_KEY_INT64, "80", 1, 100, LC_TOOL_INTEGRITY, INT(warn_redis_memory), "health: WARNING above this percent of maxmemory"},
    {LC_SEC_INTEGRITY, "crit_redis_memory", LC_KEY_INT64, "90", 1, 100, LC_TOOL_INTEGRITY, INT(crit_redis_memory), "health: CRITICAL above this percent of maxmemory"},

    {LC_SEC_METRICS, "textfile", LC_KEY_PATH, NULL, 0, 0, ALL, MET(textfile), "node_exporter textfile (*.prom) to write"},
    {LC_SEC_METRICS, "pushgateway_url", LC_KEY_STRING, NULL, 0, 0, ALL, MET(pushgateway_url), "Pushgateway base URL"},
    {LC_SEC_METRICS, "job", LC_KEY_STRING, "lcbp3", 0, 0, ALL, MET(job), "Pushgateway job name"},

    {LC_SEC_DR, "scratch_database", LC_KEY_STRING, "lcbp3_drill", 0, 0, LC_TOOL_DR, DRC(scratch_database), "database a drill restores into"},
    {LC_SEC_DR, "scratch_redis_db", LC_KEY_UINT, "15", 0, 15, LC_TOOL_DR, DRC(scratch_redis_db), "Redis database a drill restores into"},
    {LC_SEC_DR, "health_url", LC_KEY_STRING, NULL, 0, 0, LC_TOOL_DR | LC_TOOL_INTEGRITY, DRC(health_url), "backend /health URL"},
    {LC_SEC_DR, "steps_file", LC_KEY_PATH, NULL, 0, 0, LC_TOOL_DR, DRC(steps_file), "recovery steps overriding the built-in plan"},
    {LC_SEC_DR, "rto_database", LC_KEY_DURATION, "5m", 0, 365 * DAY, LC_TOOL_DR, DRC(rto_database_ms), "drill: RTO target, database failure within a site"},
    {LC_SEC_DR, "rpo_database", LC_KEY_DURATION, "0s", 0, 365 * DAY, LC_TOOL_DR, DRC(rpo_database_ms), "drill: RPO target, database failure within a site (0 needs binlog PITR)"},
    {LC_SEC_DR, "rto_site", LC_KEY_DURATION, "1h", 0, 365 * DAY, LC_TOOL_DR, DRC(rto_site_ms), "drill: RTO target, complete site failure"},
    {LC_SEC_DR, "rpo_site", LC_KEY_DURATION, "15m", 0, 365 * DAY, LC_TOOL_DR, DRC(rpo_site_ms), "drill: RPO target, complete site failure"},
    {LC_SEC_DR, "rto_corruption", LC_KEY_DURATION, "4h", 0, 365 * DAY, LC_TOOL_DR, DRC(rto_corruption_ms), "drill: RTO target, data corruption"},
    {LC_SEC_DR, "rpo_corruption", LC_KEY_DURATION, "1d", 0, 365 * DAY, LC_TOOL_DR, DRC(rpo_corruption_ms), "drill: RPO target, data corruption"},
};

const size_t lc_key_defs_len = sizeof(lc_key_defs) / sizeof(lc_key_defs[0]);

const char *lc_key_section_name(enum lc_key_section section)
{
    static const char *const names[] = {
        [LC_SEC_MARIADB] = "mariadb",     [LC_SEC_REDIS] = "redis",
        [LC_SEC_BACKUP] = "backup",       [LC_SEC_TARGET] = "target",
        [LC_SEC_RETENTION] = "retention", [LC_SEC_NUMBERING] = "numbering",
        [LC_SEC_INTEGRITY] = "integrity", [LC_SEC_METRICS] = "metrics",
        [LC_SEC_DR] = "dr",
    };

    return names[section];
}
