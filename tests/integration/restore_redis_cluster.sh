#!/usr/bin/env bash
# lcbp3-restore redis into a real 3-master Redis Cluster: a set taken from a standalone
# server restores into the cluster key for key (each key on its slot's master: a RESTORE
# sent to the wrong master would be refused with MOVED, and every master gets keys), a
# set taken from the cluster (one export per master) restores into the cluster after
# changes and into a fresh standalone server, and a set with keys in db 3 is refused
# with 78 before anything is sent to the cluster. --rdb-to places one dump.rdb per
# master of a cluster set.
# lc-valgrind: yes
set -euo pipefail
. "$LC_SOURCE_DIR/tests/harness/lib.sh"


dbsizes() {
    local ports names i
    read -r -a ports <<<"$REDIS_CLUSTER_PORTS"
    read -r -a names <<<"$REDIS_CLUSTER_NAMES"
    for i in "${!ports[@]}"; do
        lc__redis_cli_port "${ports[$i]}" "${names[$i]}" DBSIZE
    done
}

# a standalone server with the seed, and its set
lc_start_redis
lc_seed_redis
standalone_conf="$LC_TMP/standalone.conf"
lc_write_config "$standalone_conf" --mariadb none --redis standalone
before=$(lc_redis_fingerprint)
lc_expect_exit 0 -- lc_tool backup --config "$standalone_conf" run --redis-only
standalone_set=$(tail -n 1 "$LC_OUT")

# into an empty cluster
lc_start_redis_cluster
cluster_conf="$LC_TMP/cluster.conf"
lc_write_config "$cluster_conf" --mariadb none --redis cluster
lc_expect_exit 0 -- lc_tool restore --config "$cluster_conf" redis "$standalone_set" --yes
lc_assert_file_contains "$LC_OUT" "target: +cluster of 3 masters"
lc_assert_file_contains "$LC_ERR" "$LC_SEED_REDIS_KEYS keys restored"
lc_assert_eq "$before" "$(lc_redis_fingerprint --cluster)" "standalone set restored into the cluster"
for n in $(dbsizes); do
    [ "$n" -gt 20 ] || lc_fail "a master got only $n keys: $(dbsizes | tr '\n' ' ')"
done
lc_assert_eq 123456 "$(lc_redis_cluster_cli GET counter:docnum:total)" "a key read through the cluster"
lc_redis_cluster_cli --cluster check "127.0.0.1:${REDIS_CLUSTER_PORTS%% *}" >"$LC_TMP/check.log" 2>&1 ||
    lc_fail "redis-cli --cluster check: $(cat "$LC_TMP/check.log")"

# a set of the cluster itself (one export per master); changes; restore 'latest'
sleep 1 # set names have a one-second resolution
cluster_before=$(lc_redis_fingerprint --cluster)
cluster_exp=$(lc_redis_expiries --cluster)
lc_expect_exit 0 -- lc_tool backup --config "$cluster_conf" run --redis-only
cluster_set=$(tail -n 1 "$LC_OUT")
lc_assert_eq 3 "$(tar -tf "$cluster_set" | grep -c 'keys.dump.gz$')" "exports in the cluster set"
lc_redis_cluster_cli SET cache:project:1:name "changed" >/dev/null
lc_redis_cluster_cli DEL counter:docnum:total >/dev/null
lc_redis_cluster_cli DEL reservation:lcbp3:1:00000003 >/dev/null
lc_redis_cluster_cli PERSIST reservation:lcbp3:2:00000001 >/dev/null
lc_redis_cluster_cli SET created:after:backup "keep me" >/dev/null
lc_expect_exit 0 -- lc_tool restore --config "$cluster_conf" redis latest --yes
lc_assert_file_contains "$LC_OUT" "3 exports"
after=$(lc_redis_fingerprint --cluster | grep -v "^$(printf %s created:after:backup | od -An -tx1 | tr -d ' \n') ")
lc_assert_eq "$cluster_before" "$after" "cluster set restored into the cluster"
lc_assert_same_expiries "$cluster_exp" "$(lc_redis_expiries --cluster)"
lc_assert_eq "keep me" "$(lc_redis_cluster_cli GET created:after:backup)" "a key created after the backup"

# --rdb-to with a cluster set: one dump.rdb per master, each the set's RDB of that master
rdb_dir="$LC_TMP/rdb-to"
lc_expect_exit 0 -- lc_tool restore --config "$cluster_conf" redis "$cluster_set" --rdb-to "$rdb_dir"
lc_assert_file_contains "$LC_OUT" "for each node"
for p in $REDIS_CLUSTER_PORTS; do
    placed="$rdb_dir/127.0.0.1_$p/dump.rdb"
    lc_assert_file_contains "$LC_OUT" "$placed"
    tar -xOf "$cluster_set" "redis/127.0.0.1_$p/dump.rdb.gz" | zcat | cmp -s - "$placed" ||
        lc_fail "'$placed' is not the set's RDB of that master"
done

# the cluster set into a fresh standalone server
lc_start_redis --name fresh
fresh_conf="$LC_TMP/fresh.conf"
lc_write_config "$fresh_conf" --mariadb none --redis standalone
lc_expect_exit 0 -- lc_tool restore --config "$fresh_conf" redis "$cluster_set" --yes
lc_assert_eq "$cluster_before" "$(lc_redis_fingerprint)" "cluster set restored into a standalone server"

# a set with keys in db 3 cannot go into a cluster: 78, and nothing is sent
lc_use_redis redis
lc_redis_cli -n 3 SET db3:key value >/dev/null
sleep 1
lc_expect_exit 0 -- lc_tool backup --config "$standalone_conf" run --redis-only
db3_set=$(tail -n 1 "$LC_OUT")
lc_redis_cluster_cli SET cache:project:1:name "changed again" >/dev/null
untouched=$(lc_redis_fingerprint --cluster)
lc_expect_exit 78 -- lc_tool restore --config "$cluster_conf" redis "$db3_set" --yes
lc_assert_file_contains "$LC_ERR" "database 3"
lc_assert_file_contains "$LC_ERR" "hint:"
lc_assert_eq "$untouched" "$(lc_redis_fingerprint --cluster)" "the cluster after a refused restore"
lc_pass
