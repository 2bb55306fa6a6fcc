#!/usr/bin/env bash
# bench/gen.sh — deterministic benchmark data for the LCBP3 seed schema, generated INSIDE
# MariaDB with the SEQUENCE engine (tests/data/seed_schema.sql + seed_data.sql, with bench
# sizes instead of the test defaults). Same input, same bytes: no RAND(), no NOW().
#
#   bench/gen.sh SIZE [DATABASE]       SIZE: small | medium | large
#   bench/gen.sh --vars SIZE           print the generator settings only
#
# Connects as root over the socket in $MDB_SOCK (bench/run.sh starts the server with
# tests/harness/lib.sh and sets it). The database (default lcbp3_production) is dropped
# and recreated. Rows are loaded without binary logging (SET sql_log_bin = 0).
#   small   ~ 40 MB of table data, seconds
#   medium  ~ 500 MB: 700 k audit rows, ~20 k sequences, 8 k long texts, 3.5 k blobs
#   large   ~ 3 GB: 4 M audit rows with JSON + Thai, ~20 k sequences, 60 k long texts,
#           24 k blobs of 16 KiB on average
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")

vars() {
    case $1 in
    small) echo "configs=480 years=5 audit_rows=50000 reservation_rows=5000 correspondence_rows=2000 body_paragraphs=4 attachment_rows=400 attachment_bytes=16384 zoo_rows=2000 by_year_rows=10000" ;;
    medium) echo "configs=4800 years=5 audit_rows=700000 reservation_rows=50000 correspondence_rows=8000 body_paragraphs=8 attachment_rows=3500 attachment_bytes=16384 zoo_rows=20000 by_year_rows=100000" ;;
    large) echo "configs=4800 years=5 audit_rows=4000000 reservation_rows=200000 correspondence_rows=60000 body_paragraphs=8 attachment_rows=24000 attachment_bytes=16384 zoo_rows=50000 by_year_rows=500000" ;;
    *) return 1 ;;
    esac
}

if [ "${1:-}" = --vars ]; then
    vars "${2:-}" || { echo "usage: $0 --vars small|medium|large" >&2; exit 64; }
    exit 0
fi
size=${1:-}
db=${2:-${LC_DB:-lcbp3_production}}
settings=$(vars "$size") || { echo "usage: $0 small|medium|large [DATABASE]" >&2; exit 64; }
[ -n "${MDB_SOCK:-}" ] || { echo "$0: MDB_SOCK (the server's socket) is not set" >&2; exit 64; }
[[ $db =~ ^[A-Za-z0-9_]+$ ]] || { echo "$0: bad database name '$db'" >&2; exit 64; }

sql() {
    mariadb --no-defaults --protocol=socket -uroot --socket="$MDB_SOCK" --default-character-set=utf8mb4 "$@"
}

start=$SECONDS
echo "gen: $size into '$db': $settings" >&2
sql -e "DROP DATABASE IF EXISTS \`$db\`; CREATE DATABASE \`$db\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
{
    echo "SET sql_log_bin = 0;"
    echo "SET SESSION unique_checks = 0;"
    for kv in $settings; do
        echo "SET @lc_${kv%%=*} = ${kv#*=};"
    done
    cat "$ROOT/tests/data/seed_schema.sql" "$ROOT/tests/data/seed_data.sql"
} | sql "$db"
sql -e "ANALYZE TABLE $(sql -N -B -e "SELECT GROUP_CONCAT(CONCAT('\`', TABLE_NAME, '\`')) FROM information_schema.TABLES
        WHERE TABLE_SCHEMA = '$db' AND TABLE_TYPE = 'BASE TABLE'")" "$db" >/dev/null
echo "gen: done in $((SECONDS - start)) s" >&2
sql -N -B -e "SELECT TABLE_NAME, TABLE_ROWS, ROUND((DATA_LENGTH + INDEX_LENGTH) / 1048576, 1)
              FROM information_schema.TABLES WHERE TABLE_SCHEMA = '$db' AND TABLE_TYPE = 'BASE TABLE'
              ORDER BY DATA_LENGTH + INDEX_LENGTH DESC" |
    awk -F'\t' '{ printf "  %-32s %10s rows %9.1f MiB\n", $1, $2, $3; t += $3 } END { printf "  %-32s %15s %9.1f MiB\n", "total (data + indexes)", "", t }' >&2
