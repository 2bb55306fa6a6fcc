#!/usr/bin/env bash
# lcbp3-reservations-gc against a real 3-master Redis Cluster: every master is cleaned
# (keys with and without TTL in every slot range, and a hash-tagged family in one slot),
# the dry run and the real run agree, no call crosses slots, other key families are
# untouched; a master that dies during the run is named with exit 69 while the others
# are still cleaned.
# lc-valgrind: yes
set -euo pipefail
. "$LC_SOURCE_DIR/tests/harness/lib.sh"

# the masters keep serving their slots when one of them dies (the test kills one)
lc_start_redis_cluster --cluster-require-full-coverage no
conf="$LC_TMP/lcbp3.conf"
lc_write_config "$conf" --mariadb none --redis cluster
json_field() { # FILE SECTION FIELD
    python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]][sys.argv[3]])' "$@"
}
# leaked reservation keys (no TTL) on each master, one number per line
leaked_per_master() {
    local ports names i
    read -r -a ports <<<"$REDIS_CLUSTER_PORTS"
    read -r -a names <<<"$REDIS_CLUSTER_NAMES"
    for i in "${!ports[@]}"; do
        lc__redis_cli_port "${ports[$i]}" "${names[$i]}" EVAL 'local n, c = 0, "0"
repeat
  local r = redis.call("SCAN", c, "MATCH", ARGV[1], "COUNT", 1000)
  c = r[1]
  for _, k in ipairs(r[2]) do if redis.call("PTTL", k) == -1 then n = n + 1 end end
until c == "0"
return n' 0 'reservation:*'
    done
}
survivors() { lc_redis_fingerprint --cluster | grep -v '^7265736572766174696f6e3a[0-9a-f]* [a-z]* nottl ' || true; }

lc_seed_redis --cluster 3000
# 40 leaked keys sharing one slot through a hash tag, and 40 with a TTL beside them
awk 'BEGIN { for (i = 1; i <= 40; i++) { printf "SET reservation:{tagged}:%d x\n", i
                                         printf "SET reservation:{tagged}:ttl%d x EX 3600\n", i } }' |
    lc_redis_cluster_cli >/dev/null
leaked=$((LC_SEED_RESV_LEAKED + 40))
for n in $(leaked_per_master); do
    [ "$n" -gt 0 ] || lc_fail "a master has no leaked keys: the test would not cover it"
done
expected=$(survivors)
before=$(lc_redis_fingerprint --cluster)

lc_expect_exit 1 -- lc_tool reservations-gc --config "$conf" --dry-run --json
cp "$LC_OUT" "$LC_TMP/dry.json"
lc_assert_eq 3 "$(json_field "$LC_TMP/dry.json" redis nodes)" "masters cleaned"
lc_assert_eq "$leaked" "$(json_field "$LC_TMP/dry.json" redis leaked)" "dry run: leaked keys on all masters"
lc_assert_eq "$before" "$(lc_redis_fingerprint --cluster)" "a dry run changes nothing"

lc_expect_exit 0 -- lc_tool reservations-gc --config "$conf" --json --batch 16
cp "$LC_OUT" "$LC_TMP/run.json"
lc_assert_eq "$leaked" "$(json_field "$LC_TMP/run.json" redis deleted)" "the real run deletes what the dry run counted"
lc_assert_eq "0 0 0" "$(leaked_per_master | xargs)" "no leaked key left on any master"
lc_assert_eq "$expected" "$(survivors)" "every other key is untouched"
lc_assert_file_not_contains "$LC_ERR" 'CROSSSLOT'

lc_log "a master dies during the run: the others are cleaned, the run exits 69 naming it"
awk 'BEGIN { for (i = 1; i <= 3000; i++) printf "SET reservation:again:%d x\n", i }' | lc_redis_cluster_cli >/dev/null
# the masters are cleaned in the order of their names: kill the last one
read -r -a ports <<<"$REDIS_CLUSTER_PORTS"
read -r -a names <<<"$REDIS_CLUSTER_NAMES"
last=$(for i in "${!ports[@]}"; do echo "127.0.0.1:${ports[$i]} ${names[$i]}"; done | LC_ALL=C sort | tail -n 1)
lc_tool_bg reservations-gc --config "$conf" --max-rate 2000
began() { grep -q 'run begin' "$LC_BG_ERR"; }
lc_wait_for 60 "the GC to begin" began
sleep 0.5
lc_kill_redis "${last#* }"
lc_bg_wait
lc_assert_eq 69 "$LC_RC" "exit status with a dead master"
lc_assert_file_contains "$LC_BG_ERR" "1 of 3 Redis masters could not be cleaned \\(${last% *}\\)"
counts=$(leaked_per_master 2>/dev/null | xargs || true)
lc_assert_eq "0 0" "$counts" "the two live masters were cleaned"
lc_pass
