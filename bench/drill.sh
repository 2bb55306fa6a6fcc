#!/usr/bin/env bash
# bench/drill.sh — a DR drill on a benchmark dataset: the measured RTO and RPO of
# `lcbp3-dr drill` (issue 6 asks for them on `medium`).
#
#   bench/drill.sh [small|medium|large]     default medium
#
# Starts the benchmark's mariadbd on the cached dataset of bench/run.sh SIZE (run that
# first), a Redis with the sample keys, makes a set with `lcbp3-backup run --no-ship`,
# then runs `lcbp3-dr drill` as an admin user (it creates the scratch database) and
# prints its Markdown report; the report and the JSON stay in .bench/results/.
#
# Environment: LC_BUILD_DIR (default build/), LC_BENCH_DIR (default .bench/).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
size=${1:-medium}
case $size in
small) bp=512M ;;
medium) bp=1G ;;
large) bp=4G ;;
*)
    echo "usage: $0 [small|medium|large]" >&2
    exit 64
    ;;
esac
BUILD=${LC_BUILD_DIR:-$ROOT/build}
BENCH=${LC_BENCH_DIR:-$ROOT/.bench}
die() {
    echo "bench: error: $*" >&2
    exit 1
}
[ -x "$BUILD/tools/dr/lcbp3-dr" ] || die "$BUILD/tools/dr/lcbp3-dr is not built (./dev build)"
[ -f "$BENCH/$size/generated" ] || die "no cached $size dataset in $BENCH/$size: run bench/run.sh $size first"

export LC_PERSIST_DIR="$BENCH/$size" LC_CACHE_DIR="$BENCH/cache" LC_BUILD_DIR="$BUILD" \
    LC_SOURCE_DIR="$ROOT" LC_TEST_NAME="bench-drill-$size" LC_DB=lcbp3_production
# shellcheck source=../tests/harness/lib.sh
source "$ROOT/tests/harness/lib.sh"
trap 'lc__stop_all' EXIT

lc_start_mariadb --innodb-buffer-pool-size="$bp" --innodb-log-file-size=512M
lc_start_redis
lc_seed_redis 2000
lc_create_admin_user
spool="$LC_TMP/drill-spool"
rm -rf "$spool"
mkdir -p "$spool" "$BENCH/results"
conf="$LC_TMP/drill.conf"
lc_write_config "$conf" mariadb.user="$LC_ADMIN_USER" mariadb.password_file="$LC_ADMIN_PASSWORD_FILE" \
    backup.spool_dir="$spool"
data_mb=$(lc_mysql_q "SELECT ROUND(SUM(DATA_LENGTH + INDEX_LENGTH) / 1048576) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '$LC_DB'")
echo "bench: drill on $size ($data_mb MiB of table data and indexes), $(nproc) cores"
"$BUILD/tools/backup/lcbp3-backup" --config "$conf" -q run --no-ship </dev/null || die "the backup failed"
report="$BENCH/results/drill-$size"
mkdir -p "$report"
rc=0
/usr/bin/time -f '%e s wall, %M KiB peak RSS (lcbp3-dr)' \
    "$BUILD/tools/dr/lcbp3-dr" --config "$conf" drill --report "$report" </dev/null || rc=$?
lc_mysql -e "DROP DATABASE IF EXISTS lcbp3_drill"
rm -rf "$spool"
md=$(find "$report" -maxdepth 1 -name 'drill-*.md' -printf '%T@ %p\n' | sort -n | tail -n 1 | cut -d' ' -f2-)
[ -n "$md" ] || die "the drill wrote no report (exit $rc)"
echo
cat "$md"
echo
echo "bench: drill exit $rc; report $md (and .json)"
