#!/usr/bin/env bash
# lcbp3-restore set: one set restores Redis and then MariaDB. Without a terminal and
# without --yes it asks nothing, exits 64 and touches neither; with --yes both come back
# to the set's content (CHECKSUM TABLE, and key by key for Redis), and the metrics file
# of the restore records the success next to the backup's.
set -euo pipefail
. "$LC_SOURCE_DIR/tests/harness/lib.sh"

lc_start_mariadb
lc_seed_mariadb
lc_create_admin_user
lc_start_redis
lc_seed_redis
conf="$LC_TMP/lcbp3.conf"
lc_write_config "$conf"
lc_expect_exit 0 -- lc_tool backup --config "$conf" run
orig_db=$(lc_checksum_tables "$LC_DB")
orig_redis=$(lc_redis_fingerprint)
rconf="$LC_TMP/restore.conf"
lc_write_config "$rconf" mariadb.user="$LC_ADMIN_USER" mariadb.password_file="$LC_ADMIN_PASSWORD_FILE"

lc_mysql "$LC_DB" -e "UPDATE document_numbering_sequences SET current_value = current_value + 3"
lc_redis_cli SET 'lock:docnum:1:2025' changed >/dev/null
lc_redis_cli DEL 'reservation:lcbp3:1:1' >/dev/null
changed_db=$(lc_checksum_tables "$LC_DB")
changed_redis=$(lc_redis_fingerprint)

lc_expect_exit 64 -- lc_tool restore --config "$rconf" set latest
lc_assert_file_contains "$LC_OUT" "This restores Redis and the database $LC_DB"
lc_assert_file_contains "$LC_ERR" "hint: .*--yes"
lc_assert_eq "$changed_db" "$(lc_checksum_tables "$LC_DB")" "MariaDB after the refused set restore"
lc_assert_eq "$changed_redis" "$(lc_redis_fingerprint)" "Redis after the refused set restore"

lc_expect_exit 0 -- lc_tool restore --config "$rconf" set latest --yes
lc_assert_eq "$orig_db" "$(lc_checksum_tables "$LC_DB")" "MariaDB after the set restore"
lc_assert_eq "$orig_redis" "$(lc_redis_fingerprint)" "Redis after the set restore"
restore_prom="${LC_METRICS_FILE%.prom}-restore.prom"
lc_assert_file_contains "$restore_prom" '^lcbp3_restore_last_success_timestamp_seconds [0-9]{10}$'
lc_assert_file_contains "$restore_prom" '^lcbp3_restore_last_exit_code 0$'
lc_assert_file_contains "$LC_METRICS_FILE" '^lcbp3_backup_last_run_success 1$'

lc_pass
