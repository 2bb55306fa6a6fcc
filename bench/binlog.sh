#!/usr/bin/env bash
# bench/binlog.sh — the binlog archiver (issue 8) against a steady write load and against
# the peer, in the same run:
#
#   bench/binlog.sh [SECONDS] [MiB]      default 60 s of steady writes, 256 MiB catch-up
#
# 1. Follow: `lcbp3-backup binlog --follow` (default binlog_flush_interval 60s, no
#    targets) and, at the same time, the peer `mariadb-binlog --raw --stop-never`, while
#    one client commits ~400 small transactions a second for SECONDS; reports each
#    one's CPU time against mariadbd's over the same interval (target ≤ 10 %) and peak
#    RSS (target ≤ 32 MiB), and how far the archive is behind the server's end right
#    after the load (sampled every 0.1 s for a second).
# 2. Catch-up: MiB of binary log (row events of 1 KiB rows, several rotations), archived
#    by the one-shot `lcbp3-backup binlog` and by the peer `mariadb-binlog
#    --read-from-remote-server --raw --to-last-log` (what TECH-NOTES §4.2 compares
#    with); wall time and peak RSS of each, and the ratio.
# Starts its own mariadbd (tests/harness) in a temporary directory.
# Environment: LC_BUILD_DIR (default build/).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
secs=${1:-60}
mib=${2:-256}
BUILD=${LC_BUILD_DIR:-$ROOT/build}
die() {
    echo "bench: error: $*" >&2
    exit 1
}
[ -x "$BUILD/tools/backup/lcbp3-backup" ] || die "$BUILD/tools/backup/lcbp3-backup is not built (./dev build)"
export LC_BUILD_DIR="$BUILD" LC_SOURCE_DIR="$ROOT" LC_TEST_NAME=bench-binlog
# shellcheck source=../tests/harness/lib.sh
source "$ROOT/tests/harness/lib.sh"

ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }   # utime + stime, clock ticks
hwm_kib() { awk '/^VmHWM/ { print $2 }' "/proc/$1/status"; }

# the server's own durability defaults (the test harness relaxes them for speed)
lc_start_mariadb --max-binlog-size=64M --innodb-flush-log-at-trx-commit=1
conf="$LC_TMP/lcbp3.conf"
lc_write_config "$conf" --redis none backup.binlog_client_id=4242
mpid=$(lc__pid_of mariadb)
lc_mysql -e "CREATE DATABASE IF NOT EXISTS bench; CREATE TABLE bench.t (id BIGINT AUTO_INCREMENT
    PRIMARY KEY, v INT, pad VARCHAR(1024)) ENGINE=InnoDB"

echo "bench: binlog archiver, $(nproc) cores, MariaDB $(lc_mysql_q 'SELECT VERSION()')"
# --- 1. follow a steady load
"$BUILD/tools/backup/lcbp3-backup" --config "$conf" -q binlog --follow </dev/null &
apid=$!
# the peer follows the same stream at the same time (its own replica id)
peer_follow="$LC_TMP/peer-follow"
mkdir -p "$peer_follow"
MYSQL_PWD=$(cat "$LC_BACKUP_PASSWORD_FILE") mariadb-binlog --read-from-remote-server --raw \
    --stop-never --stop-never-slave-server-id=4343 --host=127.0.0.1 --port="$MDB_PORT" \
    --user="$LC_BACKUP_USER" --result-file="$peer_follow/" \
    "$(lc_mysql_q "SHOW MASTER STATUS" | cut -f1)" </dev/null >/dev/null 2>&1 &
ppid_=$!
sleep 1
load() { # SECONDS: ~200 commits a second from one connection
    local end=$((SECONDS + $1))
    while [ $SECONDS -lt $end ]; do
        for _ in $(seq 20); do
            echo "INSERT INTO bench.t (v, pad) VALUES (1, REPEAT('x', 200)), (2, REPEAT('y', 200));"
            echo "UPDATE bench.t SET v = v + 1 ORDER BY id DESC LIMIT 1;"
        done
        sleep 0.1
    done | lc_mysql
}
a0=$(ticks "$apid")
p0=$(ticks "$ppid_")
m0=$(ticks "$mpid")
t0=$(date +%s.%N)
load "$secs"
behind=0
for _ in $(seq 10); do # the RPO at the end of the load: bytes not yet in the archive
    st=$(lc_mysql_q "SHOW MASTER STATUS")
    f=$(cut -f1 <<<"$st")
    p=$(cut -f2 <<<"$st")
    have=$(stat -c %s "$LC_SPOOL_DIR/binlogs/1/0/$f" 2>/dev/null || echo 0)
    [ $((p - have)) -gt "$behind" ] && behind=$((p - have))
    sleep 0.1
done
a1=$(ticks "$apid")
p1=$(ticks "$ppid_")
m1=$(ticks "$mpid")
t1=$(date +%s.%N)
commits=$(lc_mysql_q "SELECT COUNT(*) FROM bench.t")
rss=$(hwm_kib "$apid")
peer_rss=$(hwm_kib "$ppid_")
kill -TERM "$ppid_"
kill -TERM "$apid"
wait "$apid" || die "the archiver exited $? after SIGTERM"
awk -v a=$((a1 - a0)) -v p=$((p1 - p0)) -v prss="$peer_rss" -v m=$((m1 - m0)) -v t0="$t0" -v t1="$t1" -v hz="$(getconf CLK_TCK)" \
    -v rss="$rss" -v n="$commits" -v behind="$behind" 'BEGIN {
    wall = t1 - t0
    printf "follow: %.0f s, %d rows, archiver CPU %.2f s, mariadbd CPU %.2f s: %.1f %% of mariadbd (target <= 10 %%)\n",
        wall, n, a / hz, m / hz, m ? 100 * a / m : 0
    printf "follow: archiver peak RSS %.1f MiB (target <= 32 MiB); archive behind the server by at most %d bytes at the end\n",
        rss / 1024, behind
    printf "follow: peer mariadb-binlog --raw --stop-never over the same interval: CPU %.2f s (%.1f %% of mariadbd), peak RSS %.1f MiB\n",
        p / hz, m ? 100 * p / m : 0, prss / 1024
}'

# --- 2. catch-up against mariadb-binlog
lc_mysql -e "FLUSH BINARY LOGS"
rows=$((mib * 1024))
lc_mysql bench -e "INSERT INTO bench.t (v, pad) SELECT seq, REPEAT(CHAR(65 + seq % 26), 1000) FROM seq_1_to_$rows"
first=$(lc_mysql_q "SHOW BINARY LOGS" | head -n 1 | cut -f1)
total=$(lc_mysql_q "SHOW BINARY LOGS" | awk '{ s += $2 } END { print s }')
rm -rf "$LC_SPOOL_DIR/binlogs"
sync
ours=$( { /usr/bin/time -f '%e %M' "$BUILD/tools/backup/lcbp3-backup" --config "$conf" -q binlog \
    </dev/null >/dev/null; } 2>&1 | tail -n 1)
peer_dir="$LC_TMP/peer"
mkdir -p "$peer_dir"
pw=$(cat "$LC_BACKUP_PASSWORD_FILE")
peer=$( { MYSQL_PWD=$pw /usr/bin/time -f '%e %M' mariadb-binlog --read-from-remote-server --raw \
    --host=127.0.0.1 --port="$MDB_PORT" --user="$LC_BACKUP_USER" --to-last-log \
    --result-file="$peer_dir/" "$first" </dev/null >/dev/null; } 2>&1 | tail -n 1)
for f in "$peer_dir"/mysql-bin.*; do # same bytes (but the in-use flag of the active one)
    n=$( (cmp -l "$f" "$LC_SPOOL_DIR/binlogs/1/0/$(basename "$f")" 2>&1 || true) | awk '$1 != 22' | wc -l)
    [ "$n" = 0 ] || die "$(basename "$f"): ours and mariadb-binlog's copies differ"
done
awk -v ours="$ours" -v peer="$peer" -v bytes="$total" 'BEGIN {
    split(ours, o, " "); split(peer, p, " ")
    mib = bytes / 1048576
    printf "catch-up: %.0f MiB of binlog: lcbp3-backup binlog %.2f s (%.0f MiB/s, %.1f MiB RSS), mariadb-binlog --raw %.2f s (%.0f MiB/s, %.1f MiB RSS): %.2f x\n",
        mib, o[1], mib / (o[1] ? o[1] : 0.01), o[2] / 1024, p[1], mib / (p[1] ? p[1] : 0.01), p[2] / 1024, (o[1] ? p[1] / o[1] : 0)
}'
lc_pass
