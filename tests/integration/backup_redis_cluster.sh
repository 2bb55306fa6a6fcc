#!/usr/bin/env bash
# lcbp3-backup run --redis-only against a real 3-master Redis Cluster: one RDB and one
# key export per master under redis/<host>_<port>/, every RDB valid, and the exports of
# all masters together restore the cluster's keys (types, TTL presence, values) into one
# empty standalone server.
# lc-valgrind: yes
set -euo pipefail
. "$LC_SOURCE_DIR/tests/harness/lib.sh"

lc_start_redis_cluster
lc_seed_redis --cluster
conf="$LC_TMP/lcbp3.conf"
lc_write_config "$conf" --mariadb none --redis cluster

lc_expect_exit 0 -- lc_tool backup --config "$conf" run --redis-only
set_path=$(tail -n 1 "$LC_OUT")
x="$LC_TMP/extract"
mkdir -p "$x"
tar -xf "$set_path" -C "$x"
lc_assert_file_contains "$x/manifest.json" '"mode": "cluster"'
lc_assert_file_contains "$x/manifest.json" '"masters": 3'
lc_assert_file_contains "$x/manifest.json" '"mariadb": null'
[ -z "$(tar -tf "$set_path" | grep '^mariadb/')" ] || lc_fail "--redis-only wrote MariaDB members"

read -r -a ports <<<"$REDIS_CLUSTER_PORTS"
for p in "${ports[@]}"; do
    d="$x/redis/127.0.0.1_$p"
    lc_assert_file_exists "$d/dump.rdb.gz"
    lc_assert_file_exists "$d/keys.dump.gz"
    zcat "$d/dump.rdb.gz" >"$LC_TMP/node.rdb"
    redis-check-rdb "$LC_TMP/node.rdb" >/dev/null 2>&1 || lc_fail "redis-check-rdb rejects the RDB of node $p"
done

before=$(lc_redis_fingerprint --cluster)
lc_assert_eq "$LC_SEED_REDIS_KEYS" "$(wc -l <<<"$before")" "seeded key count"
lc_start_redis --name restored
for p in "${ports[@]}"; do
    zcat "$x/redis/127.0.0.1_$p/keys.dump.gz" | lc_redis_cli --pipe >"$LC_TMP/pipe.log" 2>&1 ||
        lc_fail "redis-cli --pipe failed: $(cat "$LC_TMP/pipe.log")"
    lc_assert_file_contains "$LC_TMP/pipe.log" "errors: 0, replies: "
done
lc_assert_eq "$before" "$(lc_redis_fingerprint)" "cluster keys restored into one server"

# a seed node that is down is skipped when another answers
lc_write_config "$conf" --mariadb none --redis cluster "redis.nodes=127.0.0.1:$(lc_free_port),$REDIS_CLUSTER_NODES"
lc_expect_exit 0 -- lc_tool backup --config "$conf" run --redis-only
lc_pass
