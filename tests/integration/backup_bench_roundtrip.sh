#!/usr/bin/env bash
# The round trip on the benchmark's "small" data (~40 MB, 50 k audit rows, BLOBs, long
# Thai texts, partitions) with two worker connections, so large tables are split into
# primary-key chunks read in parallel: loading every member with `zcat | mariadb` into
# a new database gives the same CHECKSUM TABLE figures, table by table, and the
# manifest's row counts are the source's.
set -euo pipefail
. "$LC_SOURCE_DIR/tests/harness/lib.sh"

lc_start_mariadb
bash "$LC_SOURCE_DIR/bench/gen.sh" small "$LC_DB" >"$LC_TMP/gen.log" 2>&1 || {
    tail -n 30 "$LC_TMP/gen.log" >&2
    lc_fail "bench/gen.sh small failed"
}
conf="$LC_TMP/lcbp3.conf"
lc_write_config "$conf" --redis none backup.threads=2

lc_expect_exit 0 -- lc_tool backup --config "$conf" run --db-only
set_path=$(tail -n 1 "$LC_OUT")
lc_assert_file_contains "$LC_ERR" "run end: completed successfully"
x="$LC_TMP/extract"
mkdir -p "$x"
tar -xf "$set_path" -C "$x"
lc_assert_file_contains "$x/manifest.json" '"connections": 2'
lc_assert_file_contains "$x/manifest.json" '"redis": null'

db_dir="$x/mariadb/$LC_DB"
lc_mysql -e "CREATE DATABASE bench_copy CHARACTER SET utf8mb4"
load() { zcat "$1" | lc_mysql bench_copy || lc_fail "loading '$1' failed"; }
for f in "$db_dir"/*.schema.sql.gz; do load "$f"; done
for f in "$db_dir"/*.data.sql.gz; do load "$f"; done
for f in "$db_dir"/views.sql.gz "$db_dir"/*.triggers.sql.gz "$db_dir"/routines.sql.gz "$db_dir"/events.sql.gz; do
    [ -e "$f" ] && load "$f"
done
src=$(lc_checksum_tables "$LC_DB")
copy=$(lc_checksum_tables bench_copy)
lc_assert_eq "$src" "$copy" "CHECKSUM TABLE of the bench data and of the restored copy"
for t in $(lc_mysql -N -e "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA='$LC_DB' AND TABLE_TYPE='BASE TABLE'"); do
    n=$(lc_mysql -N -e "SELECT COUNT(*) FROM \`$LC_DB\`.\`$t\`")
    grep -A8 "\"table\": \"$t\"" "$x/manifest.json" | grep -q "\"rows\": $n" ||
        lc_fail "the manifest's row count of '$t' is not $n"
done
lc_pass
