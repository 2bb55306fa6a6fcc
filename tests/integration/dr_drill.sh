#!/usr/bin/env bash
# lcbp3-dr drill: the newest set is restored into the scratch database and the scratch
# Redis database (never production: production's CHECKSUM TABLE figures and keys stay
# as they were); the scratch copy equals the source table by table and key by key; the
# JSON report is checked field by field (set, rows and checksums compared, RTO/RPO
# consistent with the steps, targets, verdict) and the Markdown names the set. Exit 0
# when every target is met, 1 when one is missed (RPO 0 cannot be met by a set). The
# drill refuses (78) when the scratch database or Redis database is production, and a
# corrupted set fails the drill with the restore's 65, said in the report. Metrics.
# lc-valgrind: yes
set -euo pipefail
. "$LC_SOURCE_DIR/tests/harness/lib.sh"

lc_start_mariadb
lc_seed_mariadb
lc_create_admin_user
lc_start_redis
lc_seed_redis
# a key in another database: the drill restores only [redis] db's keys into its own
lc_redis_cli -n 5 SET 'other:db5' x >/dev/null
conf="$LC_TMP/lcbp3.conf"
lc_write_config "$conf"
# no set yet: 66, nothing restored
lc_expect_exit 66 -- lc_tool dr --config "$conf" drill --report "$LC_TMP/nodrill"
lc_assert_file_contains "$LC_ERR" 'no complete set in the spool or on any target'
lc_assert_eq "" "$(lc_mysql_q "SHOW DATABASES LIKE 'lcbp3_drill'")" "no scratch database without a set"
lc_expect_exit 0 -- lc_tool backup --config "$conf" run
set_name=$(basename "$(ls "$LC_SPOOL_DIR"/lcbp3-*.tar | tail -n 1)")
orig_db=$(lc_checksum_tables "$LC_DB")
orig_redis=$(lc_redis_fingerprint)
[ -n "$orig_redis" ] || lc_fail "the seed left Redis empty"

# every target generous: the drill passes
dconf="$LC_TMP/drill.conf"
lc_write_config "$dconf" mariadb.user="$LC_ADMIN_USER" mariadb.password_file="$LC_ADMIN_PASSWORD_FILE" \
    dr.scratch_database=lcbp3_drill dr.scratch_redis_db=15 \
    dr.rto_database=1h dr.rpo_database=1h dr.rto_site=1h dr.rpo_site=1h \
    dr.rto_corruption=1h dr.rpo_corruption=1h
reports="$LC_TMP/drills"
lc_expect_exit 0 -- lc_tool dr --config "$dconf" drill --report "$reports"
lc_assert_file_contains "$LC_OUT" "^drill passed: set $set_name"
json=$(ls "$reports"/drill-*.json)
md=$(ls "$reports"/drill-*.md)
[ "$(echo "$json" | wc -l)" = 1 ] || lc_fail "one JSON report expected: $json"
lc_assert_file_contains "$md" "$set_name"
lc_assert_file_contains "$md" '^## Verdict'
n_tables=$(lc_mysql_q "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '$LC_DB' AND TABLE_TYPE = 'BASE TABLE'")
python3 - "$json" "$set_name" "$n_tables" <<'EOF' || lc_fail "drill report $json"
import json, sys, datetime
r = json.load(open(sys.argv[1]))
want_set, n_tables = sys.argv[2], int(sys.argv[3])
def t(s): return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ")
assert r["set"] == want_set, r["set"]
assert r["scratch_database"] == "lcbp3_drill" and r["scratch_redis_db"] == 15
assert t(r["set_time"]) <= t(r["started_at"]) <= t(r["finished_at"])
assert [s["name"] for s in r["steps"]] == ["find set", "restore", "read manifest", "verify", "integrity"], r["steps"]
for s in r["steps"]:
    assert s["result"] == "ok" and s["seconds"] >= 0 and t(s["started_at"]) >= t(r["started_at"]), s
    assert isinstance(s["detail"], str)
assert "--into lcbp3_drill --redis-db 15 --yes" in r["steps"][1]["detail"], r["steps"][1]
checks = {c["name"]: c for c in r["checks"]}
assert set(checks) == {"row_counts", "checksum_table", "redis_keys", "integrity_sequences"}, checks
assert all(c["status"] == "ok" for n, c in checks.items() if n != "integrity_sequences"), r["checks"]
# the sample data has an exceeded sequence: CRITICAL in the data, a warning of the drill
assert checks["integrity_sequences"]["status"] == "warn", checks["integrity_sequences"]
assert "CRITICAL" in checks["integrity_sequences"]["detail"], checks["integrity_sequences"]
assert r["tables_compared"] == n_tables > 0, (r["tables_compared"], n_tables)
assert r["checksums_compared"] == n_tables, r["checksums_compared"]
assert r["rows_compared"] > 0
assert r["rto_seconds"] >= 0 and r["rpo_seconds"] >= 0
steps = sum(s["seconds"] for s in r["steps"])
assert steps <= r["rto_seconds"] + 0.01 and r["rto_seconds"] - steps < 5, (steps, r["rto_seconds"])
span = (t(r["finished_at"]) - t(r["started_at"])).total_seconds()
assert r["rto_seconds"] <= span + 1, (r["rto_seconds"], span)
assert r["rpo_seconds"] == (t(r["started_at"]) - t(r["set_time"])).total_seconds()
assert [x["scenario"] for x in r["targets"]] == ["database", "site", "corruption"]
for x in r["targets"]:
    assert x["rto_target_seconds"] == 3600 and x["rpo_target_seconds"] == 3600, x
    assert x["rto_met"] is True and x["rpo_met"] is True, x
assert r["verdict"] == "passed", r["verdict"]
EOF
lc_assert_eq "$orig_db" "$(lc_checksum_tables lcbp3_drill)" "CHECKSUM TABLE of the scratch copy"
lc_assert_file_contains "$(ls "$reports"/drill-*.log)" "'lcbp3_drill.document_numbering_sequences'"
[ -z "$(ls -A "$reports" | grep '^\.')" ] || lc_fail "leftovers in $reports: $(ls -A "$reports")"
[ ! -e "${LC_METRICS_FILE%.prom}-integrity.prom" ] || lc_fail "the drill's integrity run wrote metrics"
lc_assert_eq "$orig_db" "$(lc_checksum_tables "$LC_DB")" "production after the drill"
lc_assert_eq "$orig_redis" "$(lc_redis_fingerprint -n 15)" "the scratch Redis database"
lc_assert_eq "$orig_redis" "$(lc_redis_fingerprint)" "Redis database 0 after the drill"
lc_assert_eq "1" "$(lc_redis_cli -n 5 DBSIZE)" "Redis database 5 after the drill"
prom="${LC_METRICS_FILE%.prom}-dr.prom"
lc_assert_file_contains "$prom" '^lcbp3_dr_drill_last_success_timestamp_seconds [0-9]{10}$'
lc_assert_file_contains "$prom" '^lcbp3_dr_drill_rto_seconds [0-9.e+-]+$'
lc_assert_file_contains "$prom" '^lcbp3_dr_drill_rpo_seconds [0-9.e+-]+$'
lc_assert_file_contains "$prom" '^lcbp3_dr_drill_last_exit_code 0$'
last_success=$(awk '$1 == "lcbp3_dr_drill_last_success_timestamp_seconds" { print $2 }' "$prom")

# the defaults (the seeds' targets): RPO 0 within a site cannot be met by a set
sleep 1.1
lc_write_config "$dconf" mariadb.user="$LC_ADMIN_USER" mariadb.password_file="$LC_ADMIN_PASSWORD_FILE"
lc_expect_exit 1 -- lc_tool dr --config "$dconf" drill --report "$reports"
lc_assert_file_contains "$LC_OUT" '^drill target missed: '
json=$(ls -t "$reports"/drill-*.json | head -n 1)
python3 - "$json" <<'EOF' || lc_fail "drill report with the default targets $json"
import json, sys
r = json.load(open(sys.argv[1]))
tg = {x["scenario"]: x for x in r["targets"]}
assert tg["database"]["rpo_target_seconds"] == 0 and tg["database"]["rpo_met"] is False, tg
assert tg["database"]["rto_target_seconds"] == 300
assert tg["site"]["rto_target_seconds"] == 3600 and tg["site"]["rpo_target_seconds"] == 900
assert tg["corruption"]["rto_target_seconds"] == 14400 and tg["corruption"]["rpo_target_seconds"] == 86400
assert tg["corruption"]["rto_met"] is True and tg["corruption"]["rpo_met"] is True, tg
assert r["verdict"] == "target missed", r["verdict"]
EOF
lc_assert_file_contains "$(ls -t "$reports"/drill-*.md | head -n 1)" 'RPO 0 needs binlog point-in-time recovery'
lc_assert_file_contains "$(ls -t "$reports"/drill-*.md | head -n 1)" '^target missed: missed RPO of database failure within a site$'
lc_assert_file_contains "$prom" '^lcbp3_dr_drill_last_exit_code 1$'
lc_assert_file_contains "$prom" "^lcbp3_dr_drill_last_success_timestamp_seconds $last_success\$"

# refusals: production as the scratch database, or as the scratch Redis database
lc_mysql -e "DROP DATABASE lcbp3_drill"
n_reports=$(ls "$reports" | wc -l)
lc_write_config "$dconf" mariadb.user="$LC_ADMIN_USER" mariadb.password_file="$LC_ADMIN_PASSWORD_FILE" \
    mariadb.database="other_db,$LC_DB" dr.scratch_database="$LC_DB"
lc_expect_exit 78 -- lc_tool dr --config "$dconf" drill --report "$reports"
lc_assert_file_contains "$LC_ERR" "refusing to drill: \[dr\] scratch_database '$LC_DB' is a production database"
lc_write_config "$dconf" mariadb.user="$LC_ADMIN_USER" mariadb.password_file="$LC_ADMIN_PASSWORD_FILE" \
    redis.db=4 dr.scratch_redis_db=4
lc_expect_exit 78 -- lc_tool dr --config "$dconf" drill --report "$reports"
lc_assert_file_contains "$LC_ERR" "refusing to drill: \[dr\] scratch_redis_db 4 is the production Redis database"
lc_assert_eq "$n_reports" "$(ls "$reports" | wc -l)" "reports after the refusals"
lc_assert_eq "$orig_db" "$(lc_checksum_tables "$LC_DB")" "production after the refusals"
lc_assert_eq "" "$(lc_mysql_q "SHOW DATABASES LIKE 'lcbp3_drill'")" "no scratch database after the refusals"
lc_assert_eq "$orig_redis" "$(lc_redis_fingerprint)" "Redis database 0 after the refusals"
lc_assert_eq "0" "$(lc_redis_cli -n 4 DBSIZE)" "Redis database 4 after the refusal"

# a Redis Cluster has only database 0 (production's): the Redis part is skipped, said
# in the report, and the MariaDB part still drilled
lc_start_redis_cluster
lc_write_config "$dconf" --redis cluster mariadb.user="$LC_ADMIN_USER" \
    mariadb.password_file="$LC_ADMIN_PASSWORD_FILE" dr.rpo_database=1d
cluster_before=$(lc_redis_fingerprint --cluster)
lc_expect_exit 0 -- lc_tool dr --config "$dconf" drill --report "$reports"
json=$(ls -t "$reports"/drill-*.json | head -n 1)
python3 - "$json" <<'EOF' || lc_fail "drill report with a Redis Cluster $json"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["scratch_redis_db"] is None, r["scratch_redis_db"]
assert " db " in r["steps"][1]["detail"] and "--redis-db" not in r["steps"][1]["detail"], r["steps"][1]
c = {c["name"]: c for c in r["checks"]}
assert c["redis_keys"]["status"] == "skipped" and "Cluster" in c["redis_keys"]["detail"], c
assert c["row_counts"]["status"] == "ok" and r["verdict"] == "passed", r
EOF
lc_assert_eq "$cluster_before" "$(lc_redis_fingerprint --cluster)" "the cluster after the drill"
lc_assert_eq "$orig_db" "$(lc_checksum_tables lcbp3_drill)" "CHECKSUM TABLE of the scratch copy (cluster)"
last_success=$(awk '$1 == "lcbp3_dr_drill_last_success_timestamp_seconds" { print $2 }' "$prom")

# a corrupted newest set: the restore refuses it (65), the drill fails with it, the
# report says so
sleep 1.1
lc_expect_exit 0 -- lc_tool backup --config "$conf" run --no-ship
bad=$(ls "$LC_SPOOL_DIR"/lcbp3-*.tar | tail -n 1)
[ "$(basename "$bad")" != "$set_name" ] || lc_fail "no new set"
python3 - "$bad" <<'EOF'
import os, sys
with open(sys.argv[1], "r+b") as f:
    f.seek(os.path.getsize(sys.argv[1]) // 2)
    b = f.read(1)
    f.seek(-1, 1)
    f.write(bytes([b[0] ^ 0xff]))
EOF
lc_write_config "$dconf" mariadb.user="$LC_ADMIN_USER" mariadb.password_file="$LC_ADMIN_PASSWORD_FILE"
lc_expect_exit 65 -- lc_tool dr --config "$dconf" drill --report "$reports"
lc_assert_file_contains "$LC_ERR" "lcbp3-restore exited 65"
json=$(ls -t "$reports"/drill-*.json | head -n 1)
python3 - "$json" "$(basename "$bad")" <<'EOF' || lc_fail "drill report of a corrupted set $json"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["set"] == sys.argv[2], r["set"]
assert r["verdict"] == "failed", r["verdict"]
assert r["rto_seconds"] is None
assert [s["result"] for s in r["steps"]] == ["ok", "failed"], r["steps"]
assert "exited 65" in r["steps"][1]["detail"], r["steps"][1]
assert all(not x["rto_met"] and not x["rpo_met"] for x in r["targets"])
EOF
lc_assert_file_contains "$(ls -t "$reports"/drill-*.log | head -n 1)" 'SHA-256 mismatch|corrupt'
lc_assert_file_contains "$prom" '^lcbp3_dr_drill_last_exit_code 65$'
lc_assert_file_contains "$prom" "^lcbp3_dr_drill_last_success_timestamp_seconds $last_success\$"
lc_assert_eq "$orig_db" "$(lc_checksum_tables "$LC_DB")" "production after the failed drill"

lc_pass
