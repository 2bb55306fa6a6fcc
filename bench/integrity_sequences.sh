#!/usr/bin/env bash
# bench/integrity_sequences.sh — times `lcbp3-integrity sequences` on a large numbering
# schema and shows the plan of each of its statements (the issue's target: one pass over
# each table, no per-row round trips).
#
#   bench/integrity_sequences.sh [SEQUENCES] [AUDIT_ROWS]     default 100000 10000000
#
# A private mariadbd (the test harness, in a temporary directory removed on exit) gets the
# seed schema, then SEQUENCES/2 yearly configs with a sequence for last year and this year
# (by the database clock) and AUDIT_ROWS audit rows spread over the last 365 days (about
# 8 % in the 30-day window), all generated inside MariaDB with the SEQUENCE engine. The tool
# runs with -v, which logs each statement and its time; the bench runs EXPLAIN on exactly
# those statements and prints the tool's wall time and peak memory.
#
# Environment: LC_BUILD_DIR (default build/), LC_BENCH_BUFFER_POOL (default 1G, at most
# half the RAM), LC_BENCH_REPEAT (timed runs, best kept, default 3).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
die() {
    echo "bench: error: $*" >&2
    exit 1
}
usage() {
    echo "usage: $0 [SEQUENCES] [AUDIT_ROWS]   (default 100000 10000000)" >&2
    exit 64
}
[ $# -le 2 ] || usage
NSEQ=${1:-100000}
NAUDIT=${2:-10000000}
[[ $NSEQ =~ ^[1-9][0-9]{0,7}$ && $NAUDIT =~ ^[0-9]{1,9}$ ]] || usage
[ $((NSEQ % 2)) -eq 0 ] || die "SEQUENCES must be even (two years per config)"
BUILD=${LC_BUILD_DIR:-$ROOT/build}
REPEAT=${LC_BENCH_REPEAT:-3}
ours="$BUILD/tools/integrity/lcbp3-integrity"
[ -x "$ours" ] || die "$ours is not built (./dev build, or LC_BUILD_DIR=...)"
[ -x /usr/bin/time ] || die "/usr/bin/time is missing (Debian package 'time')"
mem_mb=$(awk '/^MemTotal:/ { print int($2 / 1024) }' /proc/meminfo)
bp=${LC_BENCH_BUFFER_POOL:-1G}
bp_mb=$(awk -v s="$bp" 'BEGIN { n = s + 0; u = substr(s, length(s)); if (u == "G") n *= 1024; print int(n) }')
[ "$bp_mb" -gt $((mem_mb / 2)) ] && bp="$((mem_mb / 2))M"

export LC_BUILD_DIR="$BUILD" LC_SOURCE_DIR="$ROOT" LC_TEST_NAME=bench-integrity-sequences
# shellcheck source=../tests/harness/lib.sh
source "$ROOT/tests/harness/lib.sh"

echo "bench: $NSEQ sequences, $NAUDIT audit rows, buffer pool $bp, $(nproc) cores"
lc_start_mariadb --innodb-buffer-pool-size="$bp" --innodb-log-file-size=512M \
    --innodb-flush-log-at-trx-commit=0 --skip-log-bin
lc_seed_mariadb "$LC_DB" configs=0 audit_rows=0 reservation_rows=0 correspondence_rows=0 \
    attachment_rows=0 zoo_rows=0 by_year_rows=0
q() { lc_mysql_q "$1" "$LC_DB"; }
NCFG=$((NSEQ / 2))
t0=$(date +%s.%N)
q "SET foreign_key_checks = 0;
   INSERT INTO document_numbering_configs (id, project_id, originator_id, correspondence_type_id,
       discipline_id, template, reset_scope, max_value, is_active, created_at, updated_at)
   SELECT seq, 1 + (seq - 1) % 4, 1 + ((seq - 1) DIV 4) % 25, 1 + ((seq - 1) DIV 100) % 8,
          (seq - 1) DIV 800, CONCAT('BENCH-', seq, '-{YEAR}-{SEQ:4}'), 'YEARLY', 9999,
          seq % 13 <> 0, NOW(), NOW()
   FROM seq_1_to_100000000 WHERE seq <= $NCFG;
   INSERT INTO document_numbering_sequences (id, config_id, year, current_value)
   SELECT 2 * c.seq - 1 + y.seq, c.seq, YEAR(CURDATE()) - 1 + y.seq,
          IF(c.seq % 1000 = 0, 9000 + c.seq % 1000, (c.seq * 7919 + y.seq * 104729) % 7999)
   FROM seq_1_to_100000000 c JOIN seq_0_to_1 y WHERE c.seq <= $NCFG"
chunk=1000000
done_rows=0
while [ "$done_rows" -lt "$NAUDIT" ]; do
    hi=$((done_rows + chunk < NAUDIT ? done_rows + chunk : NAUDIT))
    q "INSERT INTO document_numbering_audit_logs (id, sequence_id, generated_number, action, created_at)
       SELECT seq, 1 + (seq * 7919) % $NSEQ, CONCAT('BENCH-', seq),
              IF(seq % 10 < 7, 'GENERATE', 'CONFIRM'),
              NOW() - INTERVAL (seq * 7919) % (365 * 86400) SECOND
       FROM seq_1_to_1000000000 WHERE seq > $done_rows AND seq <= $hi"
    done_rows=$hi
    echo "bench: $done_rows audit rows" >&2
done
q "ANALYZE TABLE document_numbering_configs, document_numbering_sequences, document_numbering_audit_logs" >/dev/null
t1=$(date +%s.%N)
echo "bench: generated in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", b - a }') s;" \
    "$(q "SELECT COUNT(*) FROM document_numbering_audit_logs WHERE created_at >= NOW() - INTERVAL 30 DAY AND action = 'GENERATE'") issued rows in the window"

conf="$LC_TMP/lcbp3.conf"
lc_write_config "$conf" --redis none
best=
for i in $(seq 1 "$REPEAT"); do
    set +e
    /usr/bin/time -f '%e %M' -o "$LC_TMP/time.$i" "$ours" --config "$conf" -v sequences \
        >"$LC_TMP/out.$i" 2>"$LC_TMP/err.$i"
    rc=$?
    set -e
    [ "$rc" -le 3 ] || die "lcbp3-integrity exited $rc: $(cat "$LC_TMP/err.$i")"
    read -r wall rss < <(tail -n 1 "$LC_TMP/time.$i")
    echo "bench: run $i: ${wall} s wall, $((rss / 1024)) MiB peak RSS, exit $rc"
    grep -oE '(sequences|audit|yearly): [0-9]+ rows in [0-9]+ ms' "$LC_TMP/err.$i" | sed 's/^/bench:   /'
    if [ -z "$best" ] || awk -v a="$wall" -v b="$best" 'BEGIN { exit !(a < b) }'; then best=$wall; fi
done
echo "bench: best wall time ${best} s"
echo "bench: summary lines of the last run:"
grep -E '^[A-Z]+ +sequences\.(utilization|orphans|yearly_scope|duplicates) ' "$LC_TMP/out.$REPEAT" | sed 's/^/bench:   /'

# EXPLAIN of the exact statements the tool ran
grep -oE 'sequences: (sequences|audit|yearly): SELECT .*' "$LC_TMP/err.1" | while IFS= read -r line; do
    what=${line#sequences: }
    what=${what%%:*}
    sql=${line#sequences: "$what": }
    echo "bench: EXPLAIN ($what): $sql"
    lc_mysql -t -e "EXPLAIN $sql" "$LC_DB"
done
lc_pass "bench done"
