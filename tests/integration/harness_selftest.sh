#!/usr/bin/env bash
# Self-test of tests/harness/lib.sh: starts a real mariadbd, a standalone redis-server and a
# 3-node Redis Cluster, seeds them, and checks the facts every other integration test
# relies on (Thai text byte-exact, binlog on, seed sizes and traps, least-privilege backup
# user, hardened Redis, cluster slots, exit-code folding, config writer, restart after kill).
set -euo pipefail
source "$(dirname "$0")/../harness/lib.sh"

thai='การท่าเรือแห่งประเทศไทย ท่าเรือแหลมฉบัง ระยะที่ 3'
thai_hex=$(printf '%s' "$thai" | od -An -tx1 -v | tr -d ' \n' | tr 'a-f' 'A-F')

# --- MariaDB -----------------------------------------------------------------------------
lc_start_mariadb
lc_assert_eq 1 "$(lc_mysql_q "SELECT @@log_bin")" "binlog enabled"
lc_assert_eq ROW "$(lc_mysql_q "SELECT @@binlog_format")" "binlog format"
lc_assert_eq 127.0.0.1 "$(lc_mysql_q "SELECT @@bind_address")" "loopback only"
lc_seed_mariadb

q() { lc_mysql_q "$1" "$LC_DB"; }
lc_assert_eq "$thai_hex" "$(q "SELECT HEX(thai_text) FROM type_zoo WHERE id = 1")" "Thai text byte-exact through the client"
lc_assert_eq "$thai" "$(q "SELECT thai_text FROM type_zoo WHERE id = 1")" "Thai text as text"
q "CREATE TABLE selftest_rt (s VARCHAR(100)) DEFAULT CHARSET=utf8mb4; INSERT INTO selftest_rt VALUES ('$thai')"
lc_assert_eq "$thai_hex" "$(q "SELECT HEX(s) FROM selftest_rt")" "Thai text written by the client"
q "DROP TABLE selftest_rt"

lc_assert_eq 24 "$(q "SELECT COUNT(*) FROM document_numbering_configs")" "configs"
lc_assert_eq 64 "$(q "SELECT COUNT(*) FROM document_numbering_sequences")" "sequences"
lc_assert_eq 600 "$(q "SELECT COUNT(*) FROM document_numbering_audit_logs")" "audit rows"
lc_assert_eq 18 "$(q "SELECT COUNT(*) FROM document_number_reservations WHERE status = 'RESERVED' AND expires_at < '2090-01-01'")" "overdue reservations"
lc_assert_eq 6 "$(q "SELECT COUNT(*) FROM document_number_reservations WHERE status = 'RESERVED' AND expires_at > '2090-01-01'")" "future reservations"
lc_assert_eq 206 "$(q "SELECT COUNT(*) FROM type_zoo WHERE insert_count = 1")" "every type_zoo row went through its trigger once"
lc_assert_eq "$(printf '%02X' $(seq 0 255) | tr -d '\n')" "$(q "SELECT HEX(bin_blob) FROM type_zoo WHERE id = 4")" "all 256 byte values in a BLOB"
lc_assert_eq 0 "$(q "SELECT id FROM type_zoo WHERE id = 0")" "row with AUTO_INCREMENT id 0"
lc_assert_eq "4 85.01" "$(q "SELECT COUNT(*), MIN(utilization_pct) FROM v_sequence_utilization WHERE utilization_pct >= 85 AND year = 2025" | tr '\t' ' ')" "hot sequences"
lc_assert_eq 5 "$(q "SELECT COUNT(*) FROM information_schema.PARTITIONS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'type_zoo_by_year'")" "partitions"
lc_assert_eq "1 3 1 1" "$(q "SELECT (SELECT COUNT(*) FROM information_schema.VIEWS WHERE TABLE_SCHEMA = DATABASE()),
    (SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()),
    (SELECT COUNT(*) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE() AND ROUTINE_TYPE = 'PROCEDURE'),
    (SELECT COUNT(*) FROM information_schema.EVENTS WHERE EVENT_SCHEMA = DATABASE())" | tr '\t' ' ')" "view, triggers, procedure, event"
lc_expect_exit '!0' -- lc_mysql "$LC_DB" -e "DELETE FROM document_number_reservations WHERE id = 1"
lc_assert_file_contains "$LC_ERR" 'reservations are never deleted'

# checksums: 9 base tables, the generator is deterministic
lc_checksum_tables "$LC_DB" >"$LC_TMP/sum1"
lc_assert_eq 9 "$(wc -l <"$LC_TMP/sum1")" "checksum lines"
lc_assert_file_contains "$LC_TMP/sum1" '^type_zoo [0-9]+$'
lc_seed_mariadb selftest_copy
lc_checksum_tables selftest_copy >"$LC_TMP/sum2"
lc_assert_eq "$(cat "$LC_TMP/sum1")" "$(cat "$LC_TMP/sum2")" "two seeds give identical checksums"

# least-privilege backup user over TCP, password from a 0600 file
lc_create_backup_user
lc_assert_eq 600 "$(stat -c %a "$LC_BACKUP_PASSWORD_FILE")" "password file mode"
bq() {
    mariadb --no-defaults -h 127.0.0.1 -P "$MDB_PORT" -u "$LC_BACKUP_USER" -p"$(cat "$LC_BACKUP_PASSWORD_FILE")" \
        --default-character-set=utf8mb4 -N -B "$LC_DB" -e "$1"
}
lc_assert_eq 24 "$(bq "SELECT COUNT(*) FROM document_numbering_configs")" "backup user can read"
lc_assert_eq "$thai_hex" "$(bq "SELECT HEX(thai_text) FROM type_zoo WHERE id = 1")" "Thai over TCP"
lc_expect_exit 0 -- bq "SHOW CREATE PROCEDURE sp_generate_document_number; SHOW CREATE EVENT ev_expire_reservations; SHOW CREATE VIEW v_sequence_utilization; SHOW CREATE TRIGGER trg_type_zoo_bi; SHOW MASTER STATUS"
lc_assert_file_contains "$LC_OUT" 'optimistic-locking generator'
lc_expect_exit 1 -- bq "INSERT INTO type_zoo (id) VALUES (99999)"
lc_assert_file_contains "$LC_ERR" 'command denied'
lc_expect_exit 1 -- bq "CREATE DATABASE selftest_denied"

# kill -9 and restart on the same datadir and port
port=$MDB_PORT
lc_kill_mariadb
lc__alive "$MDB_PID" && lc_fail "mariadbd survived SIGKILL"
lc_start_mariadb
lc_assert_eq "$port" "$MDB_PORT" "same port after restart"
lc_assert_eq 24 "$(q "SELECT COUNT(*) FROM document_numbering_configs")" "data kept after crash"

# --- Redis standalone ----------------------------------------------------------------------
lc_start_redis
lc_assert_eq 600 "$(stat -c %a "$REDIS_PASSWORD_FILE")" "redis password file mode"
lc_seed_redis
lc_assert_eq "$LC_SEED_REDIS_KEYS" "$(lc_redis_cli DBSIZE)" "redis key count"
lc_seed_redis # idempotent
lc_assert_eq "$LC_SEED_REDIS_KEYS" "$(lc_redis_cli DBSIZE)" "redis key count after a second seed"
lc_redis_cli --scan --pattern 'reservation:*' >"$LC_TMP/resv"
lc_assert_eq "$LC_SEED_RESV_TOTAL" "$(wc -l <"$LC_TMP/resv")" "reservation keys"
leaked=$(sed 's/^/TTL /' "$LC_TMP/resv" | lc_redis_cli | grep -cx -- -1)
lc_assert_eq "$LC_SEED_RESV_LEAKED" "$leaked" "leaked reservation keys (no TTL)"
lc_assert_eq -1 "$(lc_redis_cli TTL lock:docnum:1:2025)" "stuck lock has no TTL"
v=$(lc_redis_cli --raw GET 'cache:project:1:name')
hex() { printf '%s' "$1" | od -An -tx1 -v | tr -d ' \n'; }
lc_assert_eq "$(hex 'โครงการพัฒนาท่าเรือแหลมฉบัง ระยะที่ 3')" "$(hex "$v")" "Thai value byte-exact"
lc_expect_exit 0 -- lc_redis_cli GET 'cache:org:กทท'
lc_assert_file_contains "$LC_OUT" 'การท่าเรือแห่งประเทศไทย'
lc_expect_exit 0 -- lc_redis_cli FLUSHALL
grep -q "unknown command 'FLUSHALL'" "$LC_OUT" "$LC_ERR" || lc_fail "FLUSHALL was not refused"
lc_expect_exit 0 -- lc_redis_cli CONFIG GET requirepass
grep -q "unknown command 'CONFIG'" "$LC_OUT" "$LC_ERR" || lc_fail "CONFIG was not refused"
lc_expect_exit 0 -- redis-cli -h 127.0.0.1 -p "$REDIS_PORT" DBSIZE
grep -q NOAUTH "$LC_OUT" "$LC_ERR" || lc_fail "redis accepted a client without AUTH"
lc_assert_eq "$LC_SEED_REDIS_KEYS" "$(lc_redis_fingerprint | wc -l)" "fingerprint lines"
# the fingerprint is logical: keys copied in another order (other hash-table order) match
fp=$(lc_redis_fingerprint)
lc_start_redis --name copy
copy_port=$REDIS_PORT
lc_use_redis redis
lc_redis_cli --scan | LC_ALL=C sort -r |
    awk -v p="$copy_port" -v pw="$(cat "$REDIS_PASSWORD_FILE")" '{ printf "MIGRATE 127.0.0.1 %s \"\" 0 5000 COPY AUTH %s KEYS \"%s\"\n", p, pw, $0 }' |
    lc_redis_cli >/dev/null
lc_use_redis copy
lc_assert_eq "$fp" "$(lc_redis_fingerprint)" "fingerprint of a copy"
lc_redis_cli SADD set:online-users user:new >/dev/null
[ "$fp" != "$(lc_redis_fingerprint)" ] || lc_fail "the fingerprint misses a changed set"
lc_stop_redis copy
lc_use_redis redis

# --- Redis Cluster -------------------------------------------------------------------------
lc_start_redis_cluster
lc_assert_eq "$port" "$MDB_PORT" "cluster does not disturb MDB_*"
[ "${REDIS_NAME:-}" = redis ] || lc_fail "starting the cluster replaced the standalone REDIS_*"
lc_expect_exit 0 -- lc_redis_cluster_cli CLUSTER INFO
lc_assert_file_contains "$LC_OUT" 'cluster_slots_assigned:16384'
lc_assert_file_contains "$LC_OUT" 'cluster_slots_ok:16384'
lc_assert_file_contains "$LC_OUT" 'cluster_state:ok'
lc_assert_file_contains "$LC_OUT" 'cluster_known_nodes:3'
lc_seed_redis --cluster 300
total=0
for p in $REDIS_CLUSTER_PORTS; do
    n=$(lc__redis_cli_port "$p" "${REDIS_CLUSTER_NAME}1" DBSIZE)
    [ "$n" -gt 0 ] || lc_fail "cluster node $p holds no keys"
    total=$((total + n))
done
lc_assert_eq "$LC_SEED_REDIS_KEYS" "$total" "keys across the cluster"
lc_assert_eq "$total" "$(lc_redis_fingerprint --cluster | wc -l)" "cluster fingerprint lines"

# --- config writer -------------------------------------------------------------------------
lc_write_config "$LC_TMP/lcbp3.conf" backup.compression_level=1 target.local.url="file://$LC_TMP/target" \
    mariadb.database= '[retention]' 'keep_days=3'
lc_assert_eq 600 "$(stat -c %a "$LC_TMP/lcbp3.conf")" "config mode"
for re in '^\[mariadb\]$' "^port=$MDB_PORT$" '^user=lcbp3_backup$' "^password_file=$LC_BACKUP_PASSWORD_FILE$" \
    "^nodes=127.0.0.1:$REDIS_PORT$" "^spool_dir=$LC_TMP/spool$" "^lock_dir=$LC_TMP/lock$" \
    "^textfile=$LC_TMP/metrics/lcbp3.prom$" '^compression_level=1$' '^\[target\.local\]$' '^keep_days=3$'; do
    lc_assert_file_contains "$LC_TMP/lcbp3.conf" "$re"
done
lc_assert_file_not_contains "$LC_TMP/lcbp3.conf" '^database='
awk '/^\[/{s=$0} /^compression_level=/{print s}' "$LC_TMP/lcbp3.conf" | grep -qx '\[backup\]' ||
    lc_fail "compression_level not in [backup]"
lc_write_config "$LC_TMP/cluster.conf" --redis cluster --mariadb none
lc_assert_file_contains "$LC_TMP/cluster.conf" "^nodes=$REDIS_CLUSTER_NODES$"
lc_assert_file_contains "$LC_TMP/cluster.conf" '^mode=cluster$'
lc_assert_file_not_contains "$LC_TMP/cluster.conf" '^\[mariadb\]'

# --- exit-code folding: a script that exits 77 (SKIP for meson) must end with 1 ------------
cat >"$LC_TMP/child.sh" <<EOF
set -euo pipefail
source "$LC_SOURCE_DIR/tests/harness/lib.sh"
echo "\$LC_TMP" >"$LC_TMP/child.tmp"
exit 77
EOF
lc_expect_exit 1 -- env LC_TEST_NAME=child bash "$LC_TMP/child.sh"
[ -e "$(cat "$LC_TMP/child.tmp")" ] && lc_fail "child temp dir not removed"
lc_expect_exit 3 -- bash -c 'exit 3'
lc_expect_exit '2|3' -- bash -c 'exit 2'

lc_pass
