#!/usr/bin/env bash
# The core round trip: lcbp3-backup run against real servers with the LCBP3 seed data,
# then every check an operator would make by hand: the sidecar verifies with sha256sum,
# every member's SHA-256 and size match the manifest, every SQL member loads with
# `zcat | mariadb` into a NEW database and CHECKSUM TABLE gives the same figures table by
# table, the RDB passes redis-check-rdb, keys.dump.gz restores with `redis-cli --pipe`
# into an empty server key for key, list/prune/metrics tell the truth.
# lc-valgrind: yes
set -euo pipefail
. "$LC_SOURCE_DIR/tests/harness/lib.sh"

lc_start_mariadb
lc_seed_mariadb
lc_start_redis
lc_seed_redis
conf="$LC_TMP/lcbp3.conf"
lc_write_config "$conf" retention.min_keep=2

lc_expect_exit 0 -- lc_tool backup --config "$conf" run
set_path=$(tail -n 1 "$LC_OUT")
lc_assert_file_exists "$set_path"
case $set_path in
"$LC_SPOOL_DIR"/lcbp3-*-[0-9]*T[0-9]*Z-daily.tar) ;;
*) lc_fail "unexpected set path '$set_path'" ;;
esac
lc_assert_file_contains "$LC_ERR" "lcbp3-backup run begin: .*kind daily"
lc_assert_file_contains "$LC_ERR" "lcbp3-backup run end: completed successfully"
lc_assert_file_not_contains "$LC_ERR" "$(cat "$LC_BACKUP_PASSWORD_FILE")"
lc_assert_eq 600 "$(stat -c %a "$set_path")" "set file mode"
(cd "$LC_SPOOL_DIR" && sha256sum --quiet -c "$(basename "$set_path").sha256") ||
    lc_fail "the sidecar does not verify the set"
[ -z "$(find "$LC_SPOOL_DIR" -name '*.partial' -o -name '.work-*')" ] || lc_fail "leftovers in the spool"

# unpack; the manifest is the last member and lists every other one with size and sha256
x="$LC_TMP/extract"
mkdir -p "$x"
tar -xf "$set_path" -C "$x"
lc_assert_eq manifest.json "$(tar -tf "$set_path" | tail -n 1)" "last member"
m="$x/manifest.json"
members=$(tar -tf "$set_path" | grep -v '^manifest.json$' | LC_ALL=C sort)
listed=$(grep -o '"path": "[^"]*"' "$m" | sed 's/"path": "//; s/"$//' | LC_ALL=C sort)
lc_assert_eq "$members" "$listed" "members in the tar vs the manifest"
n=0
while read -r path; do
    sha=$(sha256sum "$x/$path" | cut -d' ' -f1)
    grep -q "\"sha256\": \"$sha\"" "$m" || lc_fail "sha256 of '$path' is not in the manifest"
    gzip -t "$x/$path" || lc_fail "'$path' is not valid gzip"
    n=$((n + 1))
done <<<"$members"
[ "$n" -ge 10 ] || lc_fail "only $n members"
lc_assert_file_contains "$m" '"binlog_file": "[^"]+"'
lc_assert_file_contains "$m" '"gtid": "[0-9]+-[0-9]+-[0-9]+'
lc_assert_file_contains "$m" '"server_version": "10\.'
lc_assert_file_contains "$m" '"client_version"'
db_dir="$x/mariadb/$LC_DB"
for t in document_numbering_configs document_numbering_sequences document_numbering_audit_logs; do
    lc_assert_file_exists "$db_dir/$t.schema.sql.gz"
    lc_assert_file_exists "$db_dir/$t.data.sql.gz"
done

# load everything into a new database with the plain client, in dependency order
lc_mysql -e "CREATE DATABASE lcbp3_copy CHARACTER SET utf8mb4"
load() { zcat "$1" | lc_mysql lcbp3_copy || lc_fail "loading '$1' failed"; }
for f in "$db_dir"/*.schema.sql.gz; do load "$f"; done
for f in "$db_dir"/*.data.sql.gz; do load "$f"; done
for f in "$db_dir"/database.sql.gz "$db_dir"/routines.sql.gz "$db_dir"/views.sql.gz "$db_dir"/*.triggers.sql.gz "$db_dir"/events.sql.gz; do
    [ -e "$f" ] && load "$f"
done
src=$(lc_checksum_tables "$LC_DB")
copy=$(lc_checksum_tables lcbp3_copy)
[ "$(wc -l <<<"$src")" -ge 5 ] || lc_fail "too few tables checksummed: $src"
lc_assert_eq "$src" "$copy" "CHECKSUM TABLE of the source and of the restored copy"
# row counts in the manifest are the source's
rows_src=$(lc_mysql -N -e "SELECT COUNT(*) FROM \`$LC_DB\`.document_numbering_audit_logs")
grep -A8 '"table": "document_numbering_audit_logs"' "$m" | grep -q "\"rows\": $rows_src" ||
    lc_fail "manifest rows of document_numbering_audit_logs are not $rows_src"
# routines, views, triggers came along
for obj in "ROUTINE_SCHEMA FROM information_schema.ROUTINES" "TABLE_SCHEMA FROM information_schema.VIEWS" \
    "TRIGGER_SCHEMA FROM information_schema.TRIGGERS" "EVENT_SCHEMA FROM information_schema.EVENTS"; do
    a=$(lc_mysql -N -e "SELECT COUNT(*) FROM ${obj#* FROM } WHERE ${obj%% FROM*} = '$LC_DB'")
    b=$(lc_mysql -N -e "SELECT COUNT(*) FROM ${obj#* FROM } WHERE ${obj%% FROM*} = 'lcbp3_copy'")
    lc_assert_eq "$a" "$b" "count of ${obj#* FROM }"
done

# redis: the RDB is a valid RDB; the logical export restores key for key
zcat "$x/redis/dump.rdb.gz" >"$LC_TMP/dump.rdb"
redis-check-rdb "$LC_TMP/dump.rdb" >"$LC_TMP/check-rdb.log" 2>&1 || {
    cat "$LC_TMP/check-rdb.log" >&2
    lc_fail "redis-check-rdb rejects the RDB"
}
before=$(lc_redis_fingerprint)
lc_assert_eq "$LC_SEED_REDIS_KEYS" "$(wc -l <<<"$before")" "seeded key count"
lc_start_redis --name copy
zcat "$x/redis/keys.dump.gz" | lc_redis_cli --pipe >"$LC_TMP/pipe.log" 2>&1 ||
    lc_fail "redis-cli --pipe failed: $(cat "$LC_TMP/pipe.log")"
lc_assert_file_contains "$LC_TMP/pipe.log" "errors: 0, replies: "
lc_assert_eq "$before" "$(lc_redis_fingerprint)" "redis keys, types, TTL presence and values after restore"
lc_use_redis redis

# list, metrics
lc_expect_exit 0 -- lc_tool backup --config "$conf" list
lc_assert_file_contains "$LC_OUT" "$(basename "$set_path") +daily .* not yet$"
lc_expect_exit 0 -- lc_tool backup --config "$conf" list --json
lc_assert_file_contains "$LC_OUT" "\"name\": \"$(basename "$set_path")\""
lc_assert_file_contains "$LC_METRICS_FILE" '^lcbp3_backup_last_success_timestamp_seconds [0-9]{10}$'
lc_assert_file_contains "$LC_METRICS_FILE" '^lcbp3_backup_last_run_success 1$'
lc_assert_file_contains "$LC_METRICS_FILE" "^lcbp3_backup_bytes $(stat -c %s "$set_path")\$"

# two more runs; then retention with keep_days=0 min_keep=2: the dry run names the oldest
# set and exits 1 without removing it, prune removes it, and a dry run after that is clean
sleep 1.1
lc_expect_exit 0 -- lc_tool backup --config "$conf" run --kind weekly
sleep 1.1
lc_expect_exit 0 -- lc_tool backup --config "$conf" run --kind manual
lc_assert_eq 3 "$(ls "$LC_SPOOL_DIR"/*.tar | wc -l)" "sets within keep_days"
lc_write_config "$conf" retention.min_keep=2 retention.keep_days=0
lc_expect_exit 1 -- lc_tool backup --config "$conf" prune --dry-run
lc_assert_file_contains "$LC_OUT" "^would remove +$(basename "$set_path")"
lc_assert_file_contains "$LC_OUT" "^keep .*-manual\.tar .*newest verified set"
lc_assert_file_exists "$set_path"
lc_expect_exit 0 -- lc_tool backup --config "$conf" prune
[ ! -e "$set_path" ] || lc_fail "prune kept the oldest set"
[ ! -e "$set_path.sha256" ] || lc_fail "prune left the oldest sidecar"
lc_expect_exit 0 -- lc_tool backup --config "$conf" prune --dry-run
lc_assert_file_not_contains "$LC_OUT" "remove"
# retention also runs after each backup: a fourth run leaves the newest two
sleep 1.1
lc_expect_exit 0 -- lc_tool backup --config "$conf" run
lc_assert_file_contains "$LC_ERR" "retention: removed '.*-weekly\.tar'"
lc_assert_eq 2 "$(ls "$LC_SPOOL_DIR"/*.tar | wc -l)" "sets left after retention"

lc_pass
