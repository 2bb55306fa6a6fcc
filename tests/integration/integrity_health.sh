#!/usr/bin/env bash
# lcbp3-integrity health against real servers: all OK (exit 0) on a healthy MariaDB,
# Redis, backend URL and spool; a server without binary log is a WARNING (exit 1) that
# says how to turn it on; a replica whose SQL thread is stopped or that lags is CRITICAL
# or WARNING with the lag; a long transaction and a row-lock wait held by background
# clients are WARNINGs with the lock-wait runbook; an account without PROCESS or SLAVE
# MONITOR gets UNKNOWN naming the GRANT; MariaDB down is CRITICAL (exit 2); the backend
# URL answering 500 or nothing is CRITICAL; Redis over its maxmemory is CRITICAL; a
# 3-node cluster with one node stopped is CRITICAL naming that node; Sentinel names the
# master; free space is judged against the newest set's size; --json is JSON,
# --prometheus writes the status gauges, -q prints only the non-OK lines.
# lc-valgrind: yes
set -euo pipefail
. "$LC_SOURCE_DIR/tests/harness/lib.sh"

lc_start_mariadb
lc_start_redis
conf="$LC_TMP/lcbp3.conf"

# the integrity account: PROCESS (information_schema.INNODB_TRX, INNODB_LOCK_WAITS) and
# SLAVE MONITOR (SHOW ALL SLAVES STATUS); created before the replica so it replicates
ipwf="$LC_TMP/secrets/mariadb-integrity.password"
mkdir -p "$LC_TMP/secrets" && chmod 700 "$LC_TMP/secrets"
(umask 077 && head -c 18 /dev/urandom | base64 | tr -d '/+=' >"$ipwf")
ipw=$(cat "$ipwf")
lc_mysql -e "CREATE OR REPLACE USER 'lcbp3_integrity'@'127.0.0.1' IDENTIFIED BY '$ipw';
    GRANT PROCESS, SLAVE MONITOR ON *.* TO 'lcbp3_integrity'@'127.0.0.1';
    CREATE DATABASE IF NOT EXISTS lc_health;
    CREATE OR REPLACE TABLE lc_health.t (id INT PRIMARY KEY, v INT) ENGINE=InnoDB;
    INSERT INTO lc_health.t VALUES (1, 0), (2, 0);"

# a tiny backend on loopback: /health answers the status and body of $http_dir/status
http_dir="$LC_TMP/http"
mkdir -p "$http_dir"
echo "200 ok" >"$http_dir/status"
http_port=$(lc_free_port)
python3 - "$http_port" "$http_dir/status" >"$http_dir/log" 2>&1 <<'EOF' &
import http.server, sys
port, status_file = int(sys.argv[1]), sys.argv[2]
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        code, _, body = open(status_file).read().strip().partition(" ")
        data = (body + "\nsecond line\n").encode()
        self.send_response(int(code))
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
http.server.HTTPServer(("127.0.0.1", port), H).serve_forever()
EOF
http_pid=$!
lc_at_exit kill "$http_pid"
lc_wait_for 20 "the test backend" curl -sf "http://127.0.0.1:$http_port/health"

lc_write_config "$conf" mariadb.user=lcbp3_integrity "mariadb.password_file=$ipwf" \
    "dr.health_url=http://127.0.0.1:$http_port/health" "target.local.url=file://$LC_TMP/nas"

# the result line of one check: "<STATUS>  health.<check>  ..."
line_of() { grep -E "^[A-Z]+ +health\.$1 " "$LC_OUT" || true; }
status_of() { line_of "$1" | awk '{ print $1 }'; }
# bounded waits re-run their query each try
count_at_least() { [ "$(lc_mysql_q "$1")" -ge "$2" ]; }
replica_lag_at_least() {
    [ "$(lc_mysql -e 'SHOW SLAVE STATUS\G' | awk '/Seconds_Behind_Master:/ { print ($2 == "NULL" ? 0 : $2) }')" -ge "$1" ]
}
cluster_failed() { lc_redis_cluster_cli CLUSTER INFO | tr -d '\r' | grep -qx 'cluster_state:fail'; }
expect_status() { # CHECK STATUS
    lc_assert_eq "$2" "$(status_of "$1")" "status of $1"
}

lc_log "healthy: every check OK, exit 0"
lc_expect_exit 0 -- lc_tool integrity --config "$conf" health --prometheus "$LC_TMP/h.prom"
for c in mariadb.reachable mariadb.replication mariadb.binlog mariadb.long_transactions \
    mariadb.lock_waits "redis.127.0.0.1:$REDIS_PORT.ping" "redis.127.0.0.1:$REDIS_PORT.role" \
    "redis.127.0.0.1:$REDIS_PORT.memory" "redis.127.0.0.1:$REDIS_PORT.persistence" \
    backend.health space.spool space.target.local; do
    expect_status "$c" OK
done
lc_assert_file_contains "$LC_OUT" 'health\.mariadb\.replication +not a replica'
lc_assert_file_contains "$LC_OUT" 'health\.mariadb\.binlog +on \(ROW\)'
lc_assert_file_contains "$LC_OUT" 'maxmemory is 0 \(no limit\)'
lc_assert_file_contains "$LC_OUT" 'health\.backend\.health +HTTP 200, [0-9.]+ ms'
lc_assert_file_contains "$LC_OUT" "^OK: 12 checks, 12 ok, 0 warning, 0 critical, 0 unknown"
lc_assert_file_contains "$LC_TMP/h.prom" '^lcbp3_integrity_check_status\{group="health",check="mariadb.reachable"\} 0$'
lc_assert_file_contains "$LC_TMP/h.prom" '^lcbp3_integrity_status 0$'
lc_assert_file_contains "$LC_TMP/h.prom" '^lcbp3_mariadb_up 1$'
lc_assert_file_contains "$LC_TMP/h.prom" "^lcbp3_redis_up\\{node=\"127.0.0.1:$REDIS_PORT\"\\} 1\$"
lc_assert_file_contains "$LC_TMP/h.prom" '^lcbp3_free_bytes\{target="local"\} [0-9]+'
lc_expect_exit 0 -- lc_tool integrity --config "$conf" health -q
lc_assert_eq "" "$(cat "$LC_OUT")" "-q prints nothing when all is OK"
lc_expect_exit 0 -- lc_tool integrity --config "$conf" health --json
python3 -m json.tool "$LC_OUT" >/dev/null || lc_fail "--json is not valid JSON"
lc_assert_eq "OK 12 mariadb.reachable" "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["status"], len(d["checks"]), d["checks"][0]["check"])' "$LC_OUT")" "JSON summary"

lc_log "an account without PROCESS and SLAVE MONITOR: UNKNOWN naming the GRANT"
lc_write_config "$conf.noperm" "dr.health_url=" "target.local.url=file://$LC_TMP/nas"
lc_expect_exit 3 -- lc_tool integrity --config "$conf.noperm" health
expect_status mariadb.long_transactions UNKNOWN
expect_status mariadb.lock_waits UNKNOWN
expect_status mariadb.replication UNKNOWN
lc_assert_file_contains "$LC_OUT" "-> GRANT PROCESS ON \\*\\.\\* TO 'lcbp3_backup'@'127.0.0.1';"
lc_assert_file_contains "$LC_OUT" "-> GRANT SLAVE MONITOR ON \\*\\.\\* TO 'lcbp3_backup'@'127.0.0.1';"
expect_status mariadb.binlog OK

lc_log "a long transaction and a row-lock wait held by background clients: WARNING, lock-wait"
lc_mysql -e "BEGIN; SELECT v FROM lc_health.t WHERE id = 1 FOR UPDATE; SELECT SLEEP(40) AS holder;" >/dev/null 2>&1 &
holder=$!
lc_wait_for 20 "the holder's transaction" count_at_least 'SELECT COUNT(*) FROM information_schema.INNODB_TRX' 1
lc_mysql -e "SET innodb_lock_wait_timeout = 40; UPDATE lc_health.t SET v = 1 WHERE id = 1" >/dev/null 2>&1 &
waiter=$!
lc_wait_for 20 "the lock wait" count_at_least 'SELECT COUNT(*) FROM information_schema.INNODB_LOCK_WAITS' 1
sleep 2.2
lc_write_config "$conf.locks" mariadb.user=lcbp3_integrity "mariadb.password_file=$ipwf" \
    integrity.warn_transaction_age=1s integrity.crit_transaction_age=1h integrity.warn_lock_wait=1s
lc_expect_exit 1 -- lc_tool integrity --config "$conf.locks" health -q
expect_status mariadb.long_transactions WARNING
expect_status mariadb.lock_waits WARNING
lc_assert_file_contains "$LC_OUT" 'health\.mariadb\.lock_waits +1 waiting, longest [0-9]+ s +warn > 1s'
lc_assert_file_contains "$LC_OUT" 'has waited [0-9]+ s for a row lock held by thread [0-9]+: UPDATE lc_health\.t'
lc_assert_file_contains "$LC_OUT" 'runs no statement now|SELECT SLEEP'
lc_assert_eq 2 "$(grep -c -- '-> runbook: lcbp3-dr runbook lock-wait' "$LC_OUT")" "both name the lock-wait runbook"
lc_assert_file_not_contains "$LC_OUT" '^OK '
lc_assert_file_contains "$LC_OUT" '^WARNING: '
lc_mysql_q "SELECT ID FROM information_schema.PROCESSLIST WHERE INFO LIKE '%SLEEP(40)%' OR INFO LIKE 'UPDATE lc_health%'" |
    while read -r id; do lc_mysql -e "KILL $id" 2>/dev/null || true; done
wait "$holder" "$waiter" 2>/dev/null || true
lc_wait_for 20 "the transactions to end" count_at_least 'SELECT 1 - COUNT(*) FROM information_schema.INNODB_TRX' 1

lc_log "a replica: OK when in sync, CRITICAL with its SQL thread stopped, WARNING/CRITICAL when it lags"
lc_start_mariadb_replica
rconf="$LC_TMP/replica.conf"
lc_write_config "$rconf" mariadb.user=lcbp3_integrity "mariadb.password_file=$ipwf" \
    "mariadb.port=$LC_REPLICA_PORT" integrity.warn_replication_lag=2s integrity.crit_replication_lag=1h
lc_expect_exit 0 -- lc_tool integrity --config "$rconf" health --prometheus "$LC_TMP/r.prom"
lc_assert_file_contains "$LC_OUT" 'health\.mariadb\.replication +0 s +warn > 2s, crit > 1h'
lc_assert_file_contains "$LC_TMP/r.prom" '^lcbp3_mariadb_replication_lag_seconds\{connection=""\} 0$'
lc_use_mariadb "$LC_REPLICA_NAME"
lc_mysql -e "STOP SLAVE SQL_THREAD"
lc_expect_exit 2 -- lc_tool integrity --config "$rconf" health
expect_status mariadb.replication CRITICAL
lc_assert_file_contains "$LC_OUT" "replication from 127\\.0\\.0\\.1:$MDB_PORT is stopped|replication from 127\\.0\\.0\\.1:[0-9]+ is stopped: IO thread Yes, SQL thread No"
lc_mysql -e "STOP SLAVE; CHANGE MASTER TO MASTER_DELAY = 3600; START SLAVE"
lc_use_mariadb mariadb
lc_mysql -e "UPDATE lc_health.t SET v = v + 1 WHERE id = 2"
lc_use_mariadb "$LC_REPLICA_NAME"
lc_wait_for 20 "the replica to lag" replica_lag_at_least 3
lc_expect_exit 1 -- lc_tool integrity --config "$rconf" health
expect_status mariadb.replication WARNING
lc_assert_file_contains "$LC_OUT" 'the replica is [0-9]+ s behind its primary 127\.0\.0\.1:'
lag=$(line_of mariadb.replication | awk '{ print $3 }')
[ "$lag" -ge 3 ] || lc_fail "the reported lag $lag is below the 3 s the server showed"
lc_write_config "$rconf.crit" mariadb.user=lcbp3_integrity "mariadb.password_file=$ipwf" \
    "mariadb.port=$LC_REPLICA_PORT" integrity.warn_replication_lag=1s integrity.crit_replication_lag=2s
lc_expect_exit 2 -- lc_tool integrity --config "$rconf.crit" health
expect_status mariadb.replication CRITICAL
lc_mysql -e "STOP SLAVE; CHANGE MASTER TO MASTER_DELAY = 0; START SLAVE"
lc_use_mariadb mariadb

lc_log "binary log off: WARNING (exit 1) with the my.cnf lines"
lc_start_mariadb --name nobinlog --skip-log-bin
lc_mysql -e "CREATE OR REPLACE USER 'lcbp3_integrity'@'127.0.0.1' IDENTIFIED BY '$ipw';
    GRANT PROCESS, SLAVE MONITOR ON *.* TO 'lcbp3_integrity'@'127.0.0.1';"
nbconf="$LC_TMP/nobinlog.conf"
lc_write_config "$nbconf" mariadb.user=lcbp3_integrity "mariadb.password_file=$ipwf" "mariadb.port=$MDB_PORT"
lc_expect_exit 1 -- lc_tool integrity --config "$nbconf" health
expect_status mariadb.binlog WARNING
lc_assert_file_contains "$LC_OUT" 'point-in-time recovery is impossible'
lc_assert_file_contains "$LC_OUT" '-> add to the \[mariadbd\] section of my.cnf: log_bin=mysql-bin'
lc_assert_eq 1 "$(grep -c '^WARNING  ' "$LC_OUT")" "only the binary log is a warning"
lc_use_mariadb mariadb

lc_log "MariaDB unreachable: CRITICAL, exit 2"
dead_port=$(lc_free_port)
lc_write_config "$conf.down" "mariadb.port=$dead_port"
lc_expect_exit 2 -- lc_tool integrity --config "$conf.down" health
expect_status mariadb.reachable CRITICAL
lc_assert_file_contains "$LC_OUT" "health\\.mariadb\\.reachable +unreachable \\(127\\.0\\.0\\.1:$dead_port\\)"
lc_assert_file_contains "$LC_OUT" "Can't connect|Connection refused"
lc_assert_file_not_contains "$LC_OUT" 'health\.mariadb\.binlog'

lc_log "the backend answering 500, then not at all: CRITICAL"
echo "500 database unreachable" >"$http_dir/status"
lc_expect_exit 2 -- lc_tool integrity --config "$conf" health -q
expect_status backend.health CRITICAL
lc_assert_file_contains "$LC_OUT" "answered HTTP 500: database unreachable\$"
lc_assert_eq 1 "$(grep -c '^CRITICAL  ' "$LC_OUT")" "only the backend is critical"
kill "$http_pid"
wait "$http_pid" 2>/dev/null || true
lc_expect_exit 2 -- lc_tool integrity --config "$conf" health -q
expect_status backend.health CRITICAL
lc_assert_file_contains "$LC_OUT" 'health\.backend\.health +no answer'
lc_assert_file_contains "$LC_OUT" "Couldn't connect|Connection refused|Failed to connect"

lc_log "free space against the newest set: < 2 sets WARNING, < 1 set CRITICAL"
avail=$(df --output=avail -B1 "$LC_SPOOL_DIR" | tail -n 1 | tr -d ' ')
set_file="$LC_SPOOL_DIR/lcbp3-test-20260101T000000Z-daily.tar"
truncate -s $((avail * 3 / 4)) "$set_file"
lc_write_config "$conf.space" mariadb.user=lcbp3_integrity "mariadb.password_file=$ipwf" \
    "target.local.url=file://$LC_TMP/nas"
lc_expect_exit 1 -- lc_tool integrity --config "$conf.space" health
expect_status space.spool WARNING
expect_status space.target.local WARNING
lc_assert_file_contains "$LC_OUT" 'room for fewer than two more sets'
truncate -s $((avail * 2)) "$set_file"
lc_expect_exit 2 -- lc_tool integrity --config "$conf.space" health
expect_status space.spool CRITICAL
lc_assert_file_contains "$LC_OUT" 'the next set will not fit'
rm -f "$set_file"

lc_log "Redis over maxmemory: CRITICAL"
lc_start_redis --name small --maxmemory 2mb
# 100 kB values until Redis refuses writes (noeviction): used_memory ends above 90 %
for i in $(seq 1 25); do
    head -c 100000 /dev/zero | tr '\0' x | lc_redis_cli -x SET "big$i" >/dev/null 2>&1 || true
done
lc_write_config "$conf.mem" mariadb.user=lcbp3_integrity "mariadb.password_file=$ipwf"
lc_expect_exit 2 -- lc_tool integrity --config "$conf.mem" health
expect_status "redis.127.0.0.1:$REDIS_PORT.memory" CRITICAL
lc_assert_file_contains "$LC_OUT" "of maxmemory 2\\.0 MiB used"
lc_assert_eq 1 "$(grep -c '^CRITICAL  ' "$LC_OUT")" "only the memory is critical"
lc_stop_redis small
lc_use_redis redis

lc_log "Sentinel: the master it names is checked"
lc_start_sentinel lcbp3
lc_write_config "$conf.sentinel" mariadb.user=lcbp3_integrity "mariadb.password_file=$ipwf" redis.mode=sentinel "redis.nodes=127.0.0.1:$LC_SENTINEL_PORT" \
    redis.master_name=lcbp3
lc_expect_exit 0 -- lc_tool integrity --config "$conf.sentinel" health
lc_assert_file_contains "$LC_OUT" "health\\.redis\\.sentinel\\.master +'lcbp3' at 127\\.0\\.0\\.1:$REDIS_PORT \\(master\\)"
expect_status "redis.127.0.0.1:$REDIS_PORT.memory" OK

lc_log "a 3-node cluster: OK, then one node stopped: CRITICAL naming it"
lc_start_redis_cluster
lc_write_config "$conf.cluster" mariadb.user=lcbp3_integrity "mariadb.password_file=$ipwf" --redis cluster
lc_expect_exit 0 -- lc_tool integrity --config "$conf.cluster" health
for p in $REDIS_CLUSTER_PORTS; do
    expect_status "redis.127.0.0.1:$p.cluster" OK
done
lc_assert_file_contains "$LC_OUT" 'health\.redis\.cluster\.nodes +3 nodes'
read -r _ p2 _ <<<"$REDIS_CLUSTER_PORTS"
lc_write_config "$conf.cluster1" mariadb.user=lcbp3_integrity "mariadb.password_file=$ipwf" --redis cluster "redis.nodes=127.0.0.1:${REDIS_CLUSTER_PORTS%% *}"
lc_stop_redis cluster2
lc_expect_exit 2 -- lc_tool integrity --config "$conf.cluster1" health -q
expect_status "redis.127.0.0.1:$p2.ping" CRITICAL
lc_assert_file_contains "$LC_OUT" "redis '127\\.0\\.0\\.1:$p2'"
lc_assert_file_contains "$LC_OUT" '-> runbook: lcbp3-dr runbook redis-down'
lc_wait_for 30 "the cluster to mark the node failed" cluster_failed
lc_expect_exit 2 -- lc_tool integrity --config "$conf.cluster1" health -q
expect_status redis.cluster.nodes CRITICAL
lc_assert_file_contains "$LC_OUT" "127\\.0\\.0\\.1:$p2 \\(master,fail\\)"
expect_status "redis.127.0.0.1:${REDIS_CLUSTER_PORTS%% *}.cluster" CRITICAL
lc_assert_file_contains "$LC_OUT" 'cluster_state:fail'

lc_pass
