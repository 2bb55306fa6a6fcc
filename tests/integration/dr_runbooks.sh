#!/usr/bin/env bash
# lcbp3-dr runbook NAME against real servers: each of the six diagnostic runbooks
# (high-utilization, yearly-reset, lock-wait, redis-down, slow-generation,
# version-conflicts) on a fixture that triggers it (exit 1, the finding, the recommended
# command) and on a clean state (exit 0). The --apply paths are checked in the database:
# high-utilization raises max_value and writes exactly one audit row (OVERRIDE with the
# ADJUST_MAX_VALUE metadata) or, on a bad factor, nothing at all; yearly-reset creates the
# missing sequences and a second run creates none; lock-wait --kill kills the thread that
# blocks another (the waiter then proceeds) and refuses one that blocks nobody. Bad
# command lines are 64, a missing privilege 77 with the GRANT.
set -euo pipefail
. "$LC_SOURCE_DIR/tests/harness/lib.sh"

lc_start_mariadb
lc_seed_mariadb
lc_start_redis
conf="$LC_TMP/lcbp3.conf"

# a tiny backend on loopback: /health answers the JSON in $http_dir/body
http_dir="$LC_TMP/http"
mkdir -p "$http_dir"
echo '{"status":"ok","numbering":{"mode":"redis","fallback":false}}' >"$http_dir/body"
http_port=$(lc_free_port)
python3 - "$http_port" "$http_dir/body" >"$http_dir/log" 2>&1 <<'PY' &
import http.server, sys
port, body_file = int(sys.argv[1]), sys.argv[2]
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        data = open(body_file).read().encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
    def log_message(self, *a):
        pass
http.server.HTTPServer(("127.0.0.1", port), H).serve_forever()
PY
http_pid=$!
lc_at_exit kill "$http_pid"
lc_wait_for 20 "the test backend" curl -sf "http://127.0.0.1:$http_port/health"
lc_create_admin_user
lc_write_config "$conf" "mariadb.user=$LC_ADMIN_USER" "mariadb.password_file=$LC_ADMIN_PASSWORD_FILE" \
    "dr.health_url=http://127.0.0.1:$http_port/health"

q() { lc_mysql_q "$1" "$LC_DB"; }
Y=$(q "SELECT YEAR(CURDATE())")
dr() { lc_tool dr --config "$conf" "$@"; }
count_at_least() { [ "$(lc_mysql_q "$1")" -ge "$2" ]; }

lc_log "fixture: config 1 at 95 % this year (20 a day), config 2 at 50 %, config 3 without a $Y sequence"
q "SET foreign_key_checks = 0;
   DELETE FROM document_numbering_audit_logs; DELETE FROM document_numbering_sequences;
   DELETE FROM document_numbering_configs;
   INSERT INTO document_numbering_configs (id, project_id, originator_id, correspondence_type_id,
       discipline_id, template, reset_scope, max_value, is_active, created_at, updated_at)
   VALUES (1, 1, 1, 1, 0, 'LCBP3-C1-RFA-{YEAR}-{SEQ:4}', 'YEARLY', 9999, 1, NOW(), NOW()),
          (2, 1, 1, 2, 0, 'LCBP3-C1-LTR-{YEAR}-{SEQ:4}', 'YEARLY', 9999, 1, NOW(), NOW()),
          (3, 1, 1, 3, 0, 'LCBP3-C1-MOM-{YEAR}-{SEQ:4}', 'YEARLY', 9999, 1, NOW(), NOW()),
          (4, 1, 1, 4, 0, 'LCBP3-C1-OLD-{YEAR}-{SEQ:4}', 'YEARLY', 9999999, 0, NOW(), NOW());
   INSERT INTO document_numbering_sequences (id, config_id, year, current_value) VALUES
       (1, 1, $Y, 9500), (2, 2, $Y, 5000), (3, 3, $Y - 1, 9990), (4, 1, $Y - 1, 9998);
   INSERT INTO document_numbering_audit_logs (sequence_id, generated_number, action, created_at)
       SELECT 1, CONCAT('LCBP3-C1-RFA-$Y-', LPAD(8900 + seq, 4, '0')), 'GENERATE',
              NOW() - INTERVAL 1 DAY - INTERVAL seq MINUTE FROM seq_1_to_600"

lc_log "unknown runbook, stray options: 64"
lc_expect_exit 64 -- dr runbook nope
lc_assert_file_contains "$LC_ERR" "unknown runbook 'nope'; the runbooks are: high-utilization, yearly-reset, lock-wait, redis-down, slow-generation, version-conflicts, audit-archive"
lc_expect_exit 64 -- dr runbook redis-down --apply
lc_expect_exit 64 -- dr runbook high-utilization --apply --type 1 --factor 10
lc_assert_file_contains "$LC_ERR" "needs --reason"
lc_expect_exit 64 -- dr runbook high-utilization --apply --reason "x"
lc_assert_file_contains "$LC_ERR" "needs --type CFG and --factor F"
lc_expect_exit 64 -- dr runbook high-utilization --type 1
lc_expect_exit 64 -- dr runbook lock-wait --apply
lc_expect_exit 64 -- dr runbook lock-wait --kill 5

lc_log "high-utilization: config 1 at 95 %, 499 left, 20 a day, 24 days"
lc_expect_exit 1 -- dr runbook high-utilization
lc_assert_file_contains "$LC_OUT" "CRITICAL config 1 \(LCBP3-C1-RFA-\{YEAR\}-\{SEQ:4\}\), $Y: 95\.0 % \(9500 of 9999\), 499 numbers left; 20\.0 a day over the last 30 days; 24 days to exhaustion"
lc_assert_file_contains "$LC_OUT" "^Recommended action:"
lc_assert_file_contains "$LC_OUT" "lcbp3-dr runbook high-utilization --apply --type 1 --factor 10 --reason 'sequence near exhaustion'"
lc_assert_file_not_contains "$LC_OUT" "config 2|config 3|config 4" # 50 %, a past year, inactive
lc_expect_exit 1 -- dr runbook high-utilization --json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["exit_code"] == 1 and len(d["findings"]) == 1, d' "$LC_OUT"

lc_log "high-utilization --apply: a factor beyond INT UNSIGNED changes nothing"
lc_expect_exit 64 -- dr runbook high-utilization --apply --type 4 --factor 1000 --reason "too far"
lc_assert_file_contains "$LC_ERR" "from 9999999 to 9999999000, above the 4294967295 that column 'max_value'"
lc_assert_eq 9999999 "$(q "SELECT max_value FROM document_numbering_configs WHERE id = 4")" "max_value unchanged"
lc_expect_exit 64 -- dr runbook high-utilization --apply --type 42 --factor 10 --reason "no such"
lc_assert_file_contains "$LC_ERR" "no config '42'"

lc_log "high-utilization --apply: max_value x10 and one audit row, in one transaction"
before=$(q "SELECT COUNT(*) FROM document_numbering_audit_logs")
lc_expect_exit 0 -- dr runbook high-utilization --apply --type "sequence.1.$Y" --factor 10 --reason "year-end peak, ticket #42"
lc_assert_file_contains "$LC_OUT" "config 1: max_value 9999 -> 99990 \(factor 10\), audit row OVERRIDE"
lc_assert_eq 99990 "$(q "SELECT max_value FROM document_numbering_configs WHERE id = 1")" "new max_value"
lc_assert_eq $((before + 1)) "$(q "SELECT COUNT(*) FROM document_numbering_audit_logs")" "exactly one audit row"
row=$(q "SELECT sequence_id, generated_number, action, JSON_VALUE(metadata, '$.type'), JSON_VALUE(metadata, '$.old'),
         JSON_VALUE(metadata, '$.new'), JSON_VALUE(metadata, '$.reason'), JSON_VALUE(metadata, '$.operator'),
         created_at > NOW() - INTERVAL 1 MINUTE
         FROM document_numbering_audit_logs ORDER BY id DESC LIMIT 1")
lc_assert_eq "1	max_value 9999 -> 99990	OVERRIDE	ADJUST_MAX_VALUE	9999	99990	year-end peak, ticket #42	$(id -un) as $LC_ADMIN_USER@127.0.0.1	1" "$row" "the audit row"
lc_expect_exit 0 -- dr runbook high-utilization
lc_assert_file_contains "$LC_OUT" "^Findings: none"

lc_log "high-utilization --apply without the INSERT privilege: 77, nothing changed (one transaction)"
pw=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
echo "$pw" >"$LC_TMP/secrets/limited.password"
chmod 600 "$LC_TMP/secrets/limited.password"
for h in localhost 127.0.0.1; do
    lc_mysql -e "CREATE OR REPLACE USER 'lc_limited'@'$h' IDENTIFIED BY '$pw';
                 GRANT SELECT, UPDATE ON \`$LC_DB\`.* TO 'lc_limited'@'$h';"
done
lconf="$LC_TMP/limited.conf"
lc_write_config "$lconf" mariadb.user=lc_limited "mariadb.password_file=$LC_TMP/secrets/limited.password"
lc_expect_exit 77 -- lc_tool dr --config "$lconf" runbook high-utilization --apply --type 1 --factor 2 --reason r
lc_assert_file_contains "$LC_ERR" "GRANT INSERT ON \`$LC_DB\`\.\`document_numbering_audit_logs\` TO 'lc_limited'@'127\.0\.0\.1'"
lc_assert_eq 99990 "$(q "SELECT max_value FROM document_numbering_configs WHERE id = 1")" "rolled back"
lc_assert_eq $((before + 1)) "$(q "SELECT COUNT(*) FROM document_numbering_audit_logs")" "no second audit row"
lc_expect_exit 77 -- lc_tool dr --config "$lconf" runbook lock-wait
lc_assert_file_contains "$LC_ERR" "GRANT PROCESS ON \*\.\* TO 'lc_limited'@'127\.0\.0\.1'"

lc_log "yearly-reset: configs 2 has one, config 3 has none for $Y (config 4 is inactive)"
lc_expect_exit 1 -- dr runbook yearly-reset
lc_assert_file_contains "$LC_OUT" "config 3 \(LCBP3-C1-MOM-\{YEAR\}-\{SEQ:4\}\): no $Y sequence"
lc_assert_file_contains "$LC_OUT" "lcbp3-dr runbook yearly-reset --apply"
lc_assert_file_not_contains "$LC_OUT" "config 4"
lc_expect_exit 0 -- dr runbook yearly-reset --apply
lc_assert_file_contains "$LC_OUT" "1 sequences created for this year"
lc_assert_eq "0" "$(q "SELECT current_value FROM document_numbering_sequences WHERE config_id = 3 AND year = $Y")" "the new sequence"
lc_expect_exit 0 -- dr runbook yearly-reset --apply
lc_assert_file_contains "$LC_OUT" "0 sequences created for this year"
lc_assert_eq 1 "$(q "SELECT COUNT(*) FROM document_numbering_sequences WHERE config_id = 3 AND year = $Y")" "idempotent"
lc_expect_exit 0 -- dr runbook yearly-reset

lc_log "version-conflicts: 12 requests on sequence 2 in one second, a number issued twice"
lc_expect_exit 0 -- dr runbook version-conflicts
q "INSERT INTO document_numbering_audit_logs (sequence_id, generated_number, action, created_at)
       SELECT 2, CONCAT('LCBP3-C1-LTR-$Y-', LPAD(5000 + seq, 4, '0')), 'GENERATE',
              TIMESTAMP(DATE_FORMAT(NOW() - INTERVAL 30 SECOND, '%Y-%m-%d %H:%i:%s')) FROM seq_1_to_12;
   INSERT INTO document_numbering_audit_logs (sequence_id, generated_number, action, created_at)
       VALUES (2, 'LCBP3-C1-LTR-$Y-5001', 'GENERATE', NOW() - INTERVAL 10 SECOND)"
lc_expect_exit 1 -- dr runbook version-conflicts
lc_assert_file_contains "$LC_OUT" "counter 2: 13 requests in the last 5 minutes, up to 12 in the same second"
lc_assert_file_contains "$LC_OUT" "counter 2 issued 1 numbers twice in the last 5 minutes"
lc_assert_file_contains "$LC_OUT" "lcbp3-dr runbook redis-down"
q "UPDATE document_numbering_audit_logs SET created_at = created_at - INTERVAL 1 HOUR WHERE sequence_id = 2"

lc_log "slow-generation: clean (indexes present, slow log off), then without the sequences' lookup index and with slow-log entries"
lc_expect_exit 0 -- dr runbook slow-generation
lc_assert_file_contains "$LC_OUT" "index on $LC_DB\.document_numbering_sequences \(\`config_id\`, \`year\`\): present"
q "ALTER TABLE document_numbering_sequences ADD INDEX ix_config_only (config_id), DROP INDEX uq_config_year"
lc_mysql -e "SET GLOBAL log_output = 'TABLE'; SET GLOBAL slow_query_log = 1; SET GLOBAL long_query_time = 0"
lc_mysql "$LC_DB" -e "SELECT SLEEP(0.1), COUNT(*) FROM document_numbering_sequences WHERE config_id = 1 AND year = $Y" >/dev/null
lc_mysql -e "SET GLOBAL long_query_time = 10"
lc_expect_exit 1 -- dr runbook slow-generation
lc_assert_file_contains "$LC_OUT" "no index on $LC_DB\.document_numbering_sequences \(\`config_id\`, \`year\`\)"
lc_assert_file_contains "$LC_OUT" "ALTER TABLE \`$LC_DB\`\.\`document_numbering_sequences\` ADD INDEX \(\`config_id\`, \`year\`\)"
lc_assert_file_contains "$LC_OUT" "slow query at .*document_numbering_sequences WHERE config_id = 1"
q "ALTER TABLE document_numbering_sequences ADD UNIQUE KEY uq_config_year (config_id, year), DROP INDEX ix_config_only"
lc_mysql -e "SET GLOBAL slow_query_log = 0; TRUNCATE mysql.slow_log"
lc_expect_exit 0 -- dr runbook slow-generation

lc_log "lock-wait: clean, then a lock held by a background client and a waiter"
lc_expect_exit 0 -- dr runbook lock-wait
lc_assert_file_contains "$LC_OUT" "row-lock waits: none"
lc_assert_file_contains "$LC_OUT" "redis 127\.0\.0\.1:$REDIS_PORT: PING"
lc_mysql --skip-reconnect "$LC_DB" -e "BEGIN; SELECT current_value FROM document_numbering_sequences WHERE id = 2 FOR UPDATE; SELECT SLEEP(60) AS holder;" >/dev/null 2>&1 &
holder_pid=$!
lc_wait_for 20 "the holder" count_at_least "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO LIKE 'SELECT SLEEP(60)%'" 1
holder=$(lc_mysql_q "SELECT ID FROM information_schema.PROCESSLIST WHERE INFO LIKE 'SELECT SLEEP(60)%'")
lc_mysql --skip-reconnect "$LC_DB" -e "SET innodb_lock_wait_timeout = 60; UPDATE document_numbering_sequences SET current_value = current_value + 1 WHERE id = 2" >"$LC_TMP/waiter.out" 2>&1 &
waiter_pid=$!
lc_wait_for 20 "the lock wait" count_at_least 'SELECT COUNT(*) FROM information_schema.INNODB_LOCK_WAITS' 1
lc_expect_exit 1 -- dr runbook lock-wait
lc_assert_file_contains "$LC_OUT" "has waited [0-9]+ s for a row lock: UPDATE document_numbering_sequences .* held by thread $holder \('root'@'localhost', (Query|Sleep)"
lc_assert_file_contains "$LC_OUT" "lcbp3-dr runbook lock-wait --apply --kill $holder"
lc_log "lock-wait --kill: a thread that blocks nobody is refused"
idle=$(lc_mysql_q "SELECT ID FROM information_schema.PROCESSLIST WHERE ID <> $holder AND INFO LIKE 'UPDATE document_numbering_sequences%'")
lc_expect_exit 64 -- dr runbook lock-wait --apply --kill "$idle"
lc_assert_file_contains "$LC_ERR" "thread $idle blocks no other transaction now: not killed"
lc_expect_exit 0 -- dr runbook lock-wait --apply --kill "$holder"
lc_assert_file_contains "$LC_OUT" "thread $holder killed"
lc_wait_for 20 "the waiter to finish" bash -c "! kill -0 $waiter_pid 2>/dev/null"
wait "$waiter_pid" || lc_fail "the waiter did not proceed: $(cat "$LC_TMP/waiter.out")"
wait "$holder_pid" 2>/dev/null || true
lc_assert_eq 5001 "$(q "SELECT current_value FROM document_numbering_sequences WHERE id = 2")" "the waiter's update"
lc_assert_file_contains "$LC_OUT" "thread $holder killed \(KILL CONNECTION\) and gone"
lc_assert_file_not_contains "$LC_OUT" "held by thread $holder"
lc_expect_exit 0 -- dr runbook lock-wait

lc_log "redis-down: up (the backend in redis mode), then the node stopped (the backend in fallback)"
lc_expect_exit 0 -- dr runbook redis-down
lc_assert_file_contains "$LC_OUT" "redis 127\.0\.0\.1:$REDIS_PORT: up, role master"
lc_assert_file_contains "$LC_OUT" "backend numbering\.fallback = false"
lc_stop_redis
echo '{"status":"degraded","numbering":{"mode":"database-fallback","fallback":true}}' >"$http_dir/body"
lc_expect_exit 1 -- dr runbook redis-down
lc_assert_file_contains "$LC_OUT" "redis 127\.0\.0\.1:$REDIS_PORT is DOWN"
lc_assert_file_contains "$LC_OUT" "backend numbering\.mode = \"database-fallback\""
lc_assert_file_contains "$LC_OUT" "start Redis on 127\.0\.0\.1:$REDIS_PORT again"
lc_expect_exit 1 -- dr runbook lock-wait # Redis unreachable is a finding there too
lc_assert_file_contains "$LC_OUT" "lcbp3-dr runbook redis-down"
lc_start_redis
echo '{"status":"ok","numbering":{"mode":"redis","fallback":false}}' >"$http_dir/body"
lc_expect_exit 0 -- dr runbook redis-down

lc_pass
