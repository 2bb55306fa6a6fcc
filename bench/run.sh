#!/usr/bin/env bash
# bench/run.sh — times lcbp3-backup and lcbp3-restore against their peers IN THE SAME RUN,
# on the same server and data, and prints the ratios against the targets of issues 2 and 3. See bench/README.md.
#
#   bench/run.sh [small|medium|large]        (./dev bench SIZE builds first)
#
# Environment: LC_BUILD_DIR (default build/), LC_BENCH_DIR (default .bench/, holds the
# cached datasets and results), LC_BENCH_REPEAT (runs per command, best wall time kept,
# default 1), LC_BENCH_BUFFER_POOL (InnoDB buffer pool, default by size, at most half the
# RAM), LC_BENCH_THREADS (mydumper -t, default 2).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
size=${1:-small}
case $size in
small) limit=600 gen_limit=900 bp=512M disk_mb=1500 ;;
medium) limit=1800 gen_limit=1800 bp=1G disk_mb=4000 ;;
large) limit=3600 gen_limit=7200 bp=4G disk_mb=16000 ;;
*)
    echo "usage: $0 [small|medium|large]" >&2
    exit 64
    ;;
esac
BUILD=${LC_BUILD_DIR:-$ROOT/build}
BENCH=${LC_BENCH_DIR:-$ROOT/.bench}
REPEAT=${LC_BENCH_REPEAT:-1}
THREADS=${LC_BENCH_THREADS:-2}
ours="$BUILD/tools/backup/lcbp3-backup"

die() {
    echo "bench: error: $*" >&2
    exit 1
}
[ -x "$ours" ] || die "$ours is not built (run ./dev build, or ./dev bench $size)"
for c in mariadb-dump mariadb mydumper myloader gzip gunzip timeout du; do
    command -v "$c" >/dev/null || die "'$c' is missing (./dev bench installs it)"
done
[ -x /usr/bin/time ] || die "/usr/bin/time is missing (Debian package 'time')"

# buffer pool: by size, at most half of the RAM
mem_mb=$(awk '/^MemTotal:/ { print int($2 / 1024) }' /proc/meminfo)
bp=${LC_BENCH_BUFFER_POOL:-$bp}
bp_mb=$(awk -v s="$bp" 'BEGIN { n = s + 0; u = substr(s, length(s)); if (u == "G") n *= 1024; print int(n) }')
[ "$bp_mb" -gt $((mem_mb / 2)) ] && bp="$((mem_mb / 2))M"

mkdir -p "$BENCH"
avail_mb=$(df -Pm "$BENCH" | awk 'NR == 2 { print $4 }')
if [ ! -f "$BENCH/$size/generated" ] && [ "$avail_mb" -lt "$disk_mb" ]; then
    die "$size needs about $disk_mb MB free in $BENCH, only $avail_mb MB available"
fi

export LC_PERSIST_DIR="$BENCH/$size" LC_CACHE_DIR="$BENCH/cache" LC_BUILD_DIR="$BUILD" \
    LC_SOURCE_DIR="$ROOT" LC_TEST_NAME="bench-$size" LC_DB=lcbp3_production
# shellcheck source=../tests/harness/lib.sh
source "$ROOT/tests/harness/lib.sh"
trap 'lc__stop_all' EXIT # the servers stop, the generated data stays cached

echo "bench: $size, MariaDB buffer pool $bp, $(nproc) cores, $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
lc_start_mariadb --innodb-buffer-pool-size="$bp" --innodb-log-file-size=512M

# generate once per (size, generator version)
stamp=$(cat "$HERE/gen.sh" "$ROOT/tests/data/seed_schema.sql" "$ROOT/tests/data/seed_data.sql" | cksum | cut -d' ' -f1)
if [ "$(cat "$LC_TMP/generated" 2>/dev/null)" != "$stamp" ]; then
    rm -f "$LC_TMP/generated"
    echo "bench: generating the $size dataset (cached in $LC_TMP)"
    timeout "$gen_limit" "$HERE/gen.sh" "$size" "$LC_DB" || die "data generation failed or took more than ${gen_limit}s"
    echo "$stamp" >"$LC_TMP/generated"
else
    echo "bench: reusing the cached $size dataset in $LC_TMP"
fi
data_mb=$(lc_mysql_q "SELECT ROUND(SUM(DATA_LENGTH + INDEX_LENGTH) / 1048576) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '$LC_DB'")
rows=$(lc_mysql_q "SELECT SUM(TABLE_ROWS) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '$LC_DB'")

# users: ours gets the least-privilege backup user; the peers one that can also take
# FLUSH TABLES WITH READ LOCK (mydumper) — both over TCP on loopback
lc_create_backup_user "$LC_DB"
peer_pwf="$LC_TMP/secrets/bench-peer.password"
lc__secret_file "$peer_pwf"
for h in localhost 127.0.0.1; do
    lc_mysql -e "CREATE OR REPLACE USER 'lcbp3_bench_peer'@'$h' IDENTIFIED BY '$(cat "$peer_pwf")';
        GRANT SELECT, SHOW VIEW, TRIGGER, EVENT, LOCK TABLES, RELOAD, PROCESS, BINLOG MONITOR ON *.* TO 'lcbp3_bench_peer'@'$h'"
done
peer_cnf="$LC_TMP/secrets/peer.cnf"
(
    umask 077
    printf '[client]\nhost=127.0.0.1\nport=%s\nuser=lcbp3_bench_peer\npassword=%s\n' "$MDB_PORT" "$(cat "$peer_pwf")" >"$peer_cnf"
)
conf="$LC_TMP/lcbp3.conf"
lc_write_config "$conf" --redis none

out="$LC_TMP/out"
logs="$LC_TMP/logs"
rm -rf "$out" "$logs"
mkdir -p "$out" "$logs"

# measure NAME OUTPUT CMD...: best wall time over $REPEAT runs, peak RSS, output bytes
# (OUTPUT "-": none). Before each run, $PREP (a function; default: empty the output and
# the spool) makes the starting state.
declare -A WALL RSS SIZE
prep_output() { rm -rf "$1" "${LC_SPOOL_DIR:?}"/*; mkdir -p "$(dirname "$1")"; }
measure() {
    local name=$1 output=$2 i tf log rc w r
    shift 2
    tf="$logs/$name.time"
    log="$logs/$name.log"
    for ((i = 1; i <= REPEAT; i++)); do
        "${PREP:-prep_output}" "$output"
        sync
        rc=0
        timeout -k 10 "$limit" /usr/bin/time -f '%e %M' -o "$tf" "$@" >"$log" 2>&1 </dev/null || rc=$?
        if [ "$rc" != 0 ]; then
            echo "bench: '$name' failed (exit $rc$([ "$rc" = 124 ] && echo ", over ${limit}s")); last lines of its output:" >&2
            tail -n 20 "$log" >&2
            WALL[$name]=FAILED
            return 0
        fi
        read -r w r < <(tail -n 1 "$tf")
        if [ -z "${WALL[$name]:-}" ] || awk -v a="$w" -v b="${WALL[$name]}" 'BEGIN { exit !(a < b) }'; then
            WALL[$name]=$w
        fi
        [ "${RSS[$name]:-0}" -lt "$r" ] && RSS[$name]=$r
        if [ "$output" = - ]; then
            SIZE[$name]=0
        elif [ "$name" = ours ]; then
            SIZE[$name]=$(find "$LC_SPOOL_DIR" -maxdepth 1 -name '*.tar' -printf '%s\n' | head -n 1)
        else
            SIZE[$name]=$(du -sb "$output" | cut -f1)
        fi
        printf 'bench: %-14s run %d: %8.2f s  %7.1f MiB RSS  %s bytes\n' "$name" "$i" "$w" "$(awk -v k="$r" 'BEGIN { print k / 1024 }')" "${SIZE[$name]}"
    done
}

echo "bench: warm-up read (mydumper, untimed)"
timeout -k 10 "$limit" mydumper --defaults-file="$peer_cnf" -B "$LC_DB" -o "$out/warmup" -t "$THREADS" -v 1 >"$logs/warmup.log" 2>&1 ||
    die "warm-up mydumper failed: $(tail -n 5 "$logs/warmup.log")"
rm -rf "$out/warmup"

measure ours "$LC_SPOOL_DIR/x" "$ours" --config "$conf" run --no-ship --db-only
measure dump_gzip "$out/dump.sql.gz" bash -c 'set -o pipefail; mariadb-dump --defaults-file="$1" --single-transaction --routines --triggers --events --hex-blob "$2" | gzip -6 >"$3"' \
    _ "$peer_cnf" "$LC_DB" "$out/dump.sql.gz"
measure mydumper_c "$out/mydumper-c" mydumper --defaults-file="$peer_cnf" -B "$LC_DB" -o "$out/mydumper-c" -t "$THREADS" -c -G -E -R -v 1
measure mydumper "$out/mydumper" mydumper --defaults-file="$peer_cnf" -B "$LC_DB" -o "$out/mydumper" -t "$THREADS" -G -E -R -v 1

# ---- restore: ours against `gunzip -c | mariadb` and myloader, each into a fresh database
lc_create_admin_user
admin_cnf="$LC_TMP/secrets/admin.cnf"
(
    umask 077
    printf '[client]\nhost=127.0.0.1\nport=%s\nuser=%s\npassword=%s\n' "$MDB_PORT" "$LC_ADMIN_USER" "$(cat "$LC_ADMIN_PASSWORD_FILE")" >"$admin_cnf"
)
rconf="$LC_TMP/restore.conf"
lc_write_config "$rconf" --redis none mariadb.user="$LC_ADMIN_USER" mariadb.password_file="$LC_ADMIN_PASSWORD_FILE"
restore_tool="$BUILD/tools/restore/lcbp3-restore"
[ -x "$restore_tool" ] || die "$restore_tool is not built"
rm -rf "${LC_SPOOL_DIR:?}"/*
"$ours" --config "$conf" run --no-ship --db-only >"$logs/restore-input.log" 2>&1 || die "the input set for the restore failed"
restore_db=lcbp3_bench_restore
# the restores start from an empty target database (ours creates it itself)
prep_restore_db() {
    lc_mysql -e "DROP DATABASE IF EXISTS $restore_db"
    [ "$PREP_CREATE" = 0 ] || lc_mysql -e "CREATE DATABASE $restore_db CHARACTER SET utf8mb4"
}
PREP=prep_restore_db PREP_CREATE=0 measure ours_restore - "$restore_tool" --config "$rconf" db latest --into "$restore_db" --yes
restored=$(lc_checksum_tables "$restore_db")
[ "$restored" = "$(lc_checksum_tables "$LC_DB")" ] || die "our restore does not reproduce the source (CHECKSUM TABLE differs)"
PREP=prep_restore_db PREP_CREATE=1 measure gunzip_mariadb - bash -c 'set -o pipefail; gunzip -c "$1" | mariadb --defaults-file="$2" "$3"' \
    _ "$out/dump.sql.gz" "$admin_cnf" "$restore_db"
# myloader needs column lists for tables with generated or invisible columns (type_zoo)
timeout -k 10 "$limit" mydumper --defaults-file="$peer_cnf" -B "$LC_DB" -o "$out/mydumper-ci" -t "$THREADS" -c \
    --complete-insert -G -E -R -v 1 >"$logs/mydumper-ci.log" 2>&1 || die "mydumper --complete-insert failed"
PREP=prep_restore_db PREP_CREATE=1 measure myloader - myloader --defaults-file="$admin_cnf" -d "$out/mydumper-ci" -B "$restore_db" -t "$THREADS" -o -v 1
lc_mysql -e "DROP DATABASE IF EXISTS $restore_db"

# ---- deep verification of that set (issue 5): ours against sha256sum + gzip -t over the
# same bytes (the members extracted beforehand, untimed, so the peer reads files)
integrity_tool="$BUILD/tools/integrity/lcbp3-integrity"
[ -x "$integrity_tool" ] || die "$integrity_tool is not built"
verify_set=$(find "$LC_SPOOL_DIR" -maxdepth 1 -name '*.tar' | head -n 1)
mkdir -p "$out/members"
tar -xf "$verify_set" -C "$out/members"
prep_verify() { rm -f "${LC_SPOOL_DIR:?}"/*.verified; }
PREP=prep_verify measure ours_verify - "$integrity_tool" --config "$conf" backups --deep
PREP=prep_verify measure sha256_gzip_t - bash -c 'cd "$1" && sha256sum --quiet -c "$2.sha256" && find "$3" -name "*.gz" -print0 | xargs -0 gzip -t' \
    _ "$LC_SPOOL_DIR" "$(basename "$verify_set")" "$out/members"
verify_mb=$(awk -v b="$(stat -c %s "$verify_set")" 'BEGIN { printf "%.1f", b / 1048576 }')

report() {
    local n
    echo
    echo "== lcbp3 backup benchmark: $size ($data_mb MiB of table data and indexes, ~$rows rows), $(date -u +%FT%TZ)"
    echo "   $(nproc) cores, MariaDB $(lc_mysql_q 'SELECT VERSION()'), buffer pool $bp, mydumper -t $THREADS, best of $REPEAT"
    echo
    printf '%-44s %9s %11s %14s\n' command "wall s" "peak RSS" "output"
    for n in ours dump_gzip mydumper_c mydumper; do
        printf '%-44s %9s %11s %14s\n' "$(case $n in
            ours) echo "lcbp3-backup run --no-ship --db-only" ;;
            dump_gzip) echo "mariadb-dump --single-transaction | gzip -6" ;;
            mydumper_c) echo "mydumper -t $THREADS -c" ;;
            mydumper) echo "mydumper -t $THREADS (uncompressed floor)" ;;
            esac)" "${WALL[$n]:-?}" \
            "$([ "${WALL[$n]:-FAILED}" = FAILED ] && echo - || awk -v k="${RSS[$n]}" 'BEGIN { printf "%.1f MiB", k / 1024 }')" \
            "$([ "${WALL[$n]:-FAILED}" = FAILED ] && echo - || awk -v b="${SIZE[$n]}" 'BEGIN { printf "%.1f MiB", b / 1048576 }')"
    done
    echo
    ratio() { # LABEL NUMERATOR DENOMINATOR TARGET ("-": none)
        if [ "$2" = FAILED ] || [ "$3" = FAILED ] || [ -z "$2" ] || [ -z "$3" ]; then
            printf '%-44s %9s  %s\n' "$1" n/a "NOT MEASURED"
            return
        fi
        awk -v l="$1" -v a="$2" -v b="$3" -v t="$4" 'BEGIN {
            r = (b > 0) ? a / b : 0
            printf "%-44s %9.3f  %s\n", l, r, (t == "-") ? "(no target)" : sprintf("target <= %-5s %s", t, (r <= t + 0) ? "MET" : "MISSED") }'
    }
    ratio "wall: ours / (mariadb-dump | gzip -6)" "${WALL[ours]:-}" "${WALL[dump_gzip]:-}" 0.33
    ratio "wall: ours / mydumper -c" "${WALL[ours]:-}" "${WALL[mydumper_c]:-}" 0.9
    ratio "size: ours / (mariadb-dump | gzip -6)" "${SIZE[ours]:-}" "${SIZE[dump_gzip]:-}" 1.05
    if [ "${WALL[ours]:-FAILED}" != FAILED ]; then
        awk -v k="${RSS[ours]}" 'BEGIN { m = k / 1024; printf "%-44s %9.1f  target <= %-5s %s\n", "peak RSS of ours, MiB", m, 64, (m <= 64 ? "MET" : "MISSED") }'
    else
        printf '%-44s %9s  %s\n' "peak RSS of ours, MiB" n/a "NOT MEASURED"
    fi
    # the tool's end line says how long the dump and the set writing (tar + SHA-256) took
    local dump_s write_s
    dump_s=$(grep -o '(dump [0-9.]*s' "$logs/ours.log" 2>/dev/null | tail -n 1 | tr -dc '0-9.')
    write_s=$(grep -o 'set writing [0-9.]*s' "$logs/ours.log" 2>/dev/null | tail -n 1 | tr -dc '0-9.')
    if [ -n "$dump_s" ] && [ -n "$write_s" ]; then
        ratio "share of tar + SHA-256 in our run" "$write_s" "$(awk -v a="$dump_s" -v b="$write_s" 'BEGIN { print a + b }')" 0.05
    else
        ratio "share of tar + SHA-256 in our run" "" "" 0.05
    fi
    ratio "(info) wall: ours / uncompressed mydumper" "${WALL[ours]:-}" "${WALL[mydumper]:-}" "-"
    echo
    printf '%-44s %9s %11s\n' "restore command" "wall s" "peak RSS"
    for n in ours_restore gunzip_mariadb myloader; do
        printf '%-44s %9s %11s\n' "$(case $n in
            ours_restore) echo "lcbp3-restore db latest --into" ;;
            gunzip_mariadb) echo "gunzip -c dump.sql.gz | mariadb" ;;
            myloader) echo "myloader -t $THREADS (mydumper -c --complete-insert)" ;;
            esac)" "${WALL[$n]:-?}" \
            "$([ "${WALL[$n]:-FAILED}" = FAILED ] && echo - || awk -v k="${RSS[$n]}" 'BEGIN { printf "%.1f MiB", k / 1024 }')"
    done
    echo
    ratio "restore wall: ours / (gunzip | mariadb)" "${WALL[ours_restore]:-}" "${WALL[gunzip_mariadb]:-}" 0.35
    ratio "restore wall: ours / myloader" "${WALL[ours_restore]:-}" "${WALL[myloader]:-}" 0.8
    if [ "${WALL[ours_restore]:-FAILED}" != FAILED ]; then
        awk -v k="${RSS[ours_restore]}" 'BEGIN { m = k / 1024; printf "%-44s %9.1f  target <= %-5s %s\n", "peak RSS of our restore, MiB", m, 128, (m <= 128 ? "MET" : "MISSED") }'
    fi
    echo
    printf '%-44s %9s %11s\n' "deep verification of one $verify_mb MiB set" "wall s" "peak RSS"
    printf '%-44s %9s %11s\n' "lcbp3-integrity backups --deep" "${WALL[ours_verify]:-?}" \
        "$([ "${WALL[ours_verify]:-FAILED}" = FAILED ] && echo - || awk -v k="${RSS[ours_verify]}" 'BEGIN { printf "%.1f MiB", k / 1024 }')"
    printf '%-44s %9s\n' "sha256sum -c + gzip -t on every member" "${WALL[sha256_gzip_t]:-?}"
    echo
    # throughput >= 0.8 x the peers' is wall time <= 1.25 x theirs
    ratio "deep verify wall: ours / (sha256sum + gzip -t)" "${WALL[ours_verify]:-}" "${WALL[sha256_gzip_t]:-}" 1.25
}

mkdir -p "$BENCH/results"
result="$BENCH/results/$size-$(date -u +%Y%m%dT%H%M%SZ).txt"
report | tee "$result"
echo
echo "bench: results saved in $result; tool logs in $logs"
rm -rf "$out"
