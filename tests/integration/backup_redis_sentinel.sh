#!/usr/bin/env bash
# lcbp3-backup in Redis Sentinel mode against a real sentinel: the master is found by
# asking the sentinels (a dead first sentinel is skipped), the snapshot is the master's
# (its keys restore key for key), and an unknown master name fails with 69.
# lc-valgrind: yes
set -euo pipefail
. "$LC_SOURCE_DIR/tests/harness/lib.sh"

lc_start_redis
lc_seed_redis
master_port=$REDIS_PORT
lc_start_sentinel lcbp3

conf="$LC_TMP/lcbp3.conf"
dead=$(lc_free_port)
lc_write_config "$conf" --mariadb none redis.mode=sentinel redis.master_name=lcbp3 \
    "redis.nodes=127.0.0.1:$dead,127.0.0.1:$LC_SENTINEL_PORT"
lc_expect_exit 0 -- lc_tool backup --config "$conf" run --redis-only
set_path=$(tail -n 1 "$LC_OUT")
x="$LC_TMP/extract"
mkdir -p "$x"
tar -xf "$set_path" -C "$x"
lc_assert_file_contains "$x/manifest.json" '"mode": "sentinel"'
lc_assert_file_contains "$x/manifest.json" "\"node\": \"127.0.0.1:$master_port\""

before=$(lc_redis_fingerprint)
lc_start_redis --name restored
zcat "$x/redis/keys.dump.gz" | lc_redis_cli --pipe >"$LC_TMP/pipe.log" 2>&1 ||
    lc_fail "redis-cli --pipe failed: $(cat "$LC_TMP/pipe.log")"
lc_assert_eq "$before" "$(lc_redis_fingerprint)" "the master's keys restored from the sentinel-mode set"

lc_write_config "$conf" --mariadb none redis.mode=sentinel redis.master_name=nosuchmaster \
    "redis.nodes=127.0.0.1:$LC_SENTINEL_PORT"
lc_expect_exit 69 -- lc_tool backup --config "$conf" run --redis-only
lc_assert_file_contains "$LC_ERR" "nosuchmaster"
lc_pass
