#!/usr/bin/env bash
# bench/ship.sh — times shipping and verification against their peers IN THE SAME RUN,
# on the same file, machine and servers, and prints the ratios against the targets of
# the targets issue. See bench/README.md ("Shipping").
#
#   bench/ship.sh [MIB]          default 1024 (a set of that many MiB of random bytes)
#
# Contenders, each run LC_BENCH_SHIP_RUNS times (default 3; the median counts):
#   file target   lcbp3-backup ship --verify size   vs  cp + sync (fsync of the copy)
#   verification  lcbp3-backup verify (SHA-256 read back from the file target)
#                                                   vs  sha256sum of the same copy
#   SFTP target   lcbp3-backup ship --verify size   vs  curl -T (same libssh2) and scp,
#                 to a private sshd on loopback (tests/harness/sshd.sh)
# Targets (throughput ratios, ours / peer; higher is better): file >= 0.9 x cp+sync,
# verify >= 0.8 x sha256sum, SFTP >= 0.9 x curl -T and >= 0.8 x scp.
#
# Environment: LC_BUILD_DIR (default build/), LC_BENCH_DIR (default .bench/: results).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")

die() {
    echo "bench: error: $*" >&2
    exit 1
}
[ $# -le 1 ] || die "usage: $0 [MIB]"
MIB=${1:-1024}
[[ $MIB =~ ^[1-9][0-9]{0,5}$ ]] || die "usage: $0 [MIB]"
BUILD=${LC_BUILD_DIR:-$ROOT/build}
BENCH=${LC_BENCH_DIR:-$ROOT/.bench}
RUNS=${LC_BENCH_SHIP_RUNS:-3}
ours="$BUILD/tools/backup/lcbp3-backup"
[ -x "$ours" ] || die "$ours is not built (./dev build, or LC_BUILD_DIR=...)"
[ -x /usr/bin/time ] || die "/usr/bin/time is missing (Debian package 'time')"
for c in curl scp sha256sum; do
    command -v "$c" >/dev/null || die "'$c' is missing"
done

# the harness in test mode: a private directory under /tmp, servers stopped and the
# directory removed on exit (LC_KEEP=1 keeps it)
export LC_TEST_NAME=bench-ship LC_BUILD_DIR="$BUILD" LC_SOURCE_DIR="$ROOT"
# shellcheck source=tests/harness/lib.sh
. "$ROOT/tests/harness/lib.sh"
mkdir -p "$BENCH/results"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
result="$BENCH/results/ship-${MIB}MiB-$stamp.txt"

spool="$LC_TMP/spool"
mkdir -p "$spool"
set_name="lcbp3-bench-$(date -u +%Y%m%dT%H%M%SZ)-manual.tar"
set_path="$spool/$set_name"
echo "making a $MIB MiB set of random bytes" >&2
head -c "$((MIB * 1024 * 1024))" /dev/urandom >"$set_path"
(cd "$spool" && sha256sum "$set_name" >"$set_name.sha256")
bytes=$(stat -c %s "$set_path")

lc_start_sshd
sftp_dir="bench"
conf="$LC_TMP/lcbp3.conf"
lc_write_config "$conf" --mariadb none --redis none "target.file.url=file://$LC_TMP/file-target" \
    $(lc_sftp_target_args sftp "$sftp_dir")
sed -i "s|^spool_dir=.*|spool_dir=$spool|" "$conf"
sftp_url=$(sed -n 's/^url=\(sftp:.*\)/\1/p' "$conf")

# timed CMD...: median wall seconds of RUNS runs (before each: `prep`), into $T
timed() {
    local -a walls=()
    local r
    for ((r = 0; r < RUNS; r++)); do
        prep
        /usr/bin/time -f '%e' -o "$LC_TMP/time.out" timeout 1800 "$@" >/dev/null 2>"$LC_TMP/cmd.err" ||
            { cat "$LC_TMP/cmd.err" >&2; die "failed: $*"; }
        walls+=("$(tail -n 1 "$LC_TMP/time.out")")
    done
    T=$(printf '%s\n' "${walls[@]}" | sort -n | sed -n "$(((RUNS + 1) / 2))p")
}
mibs() { awk -v b="$bytes" -v t="$1" 'BEGIN { printf "%.1f", b / 1048576 / (t > 0 ? t : 0.001) }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (a > 0 ? b / a : 0) }'; } # throughput ours/peer = t_peer/t_ours
verdict() { awk -v r="$1" -v t="$2" 'BEGIN { print (r >= t ? "MET" : "MISSED") }'; }

declare -A W
unship() { rm -f "$spool/$set_name".shipped-*; }

# --- file target -----------------------------------------------------------------------
prep() { rm -rf "$LC_TMP/file-target" "$LC_TMP/cp-target"; mkdir -p "$LC_TMP/cp-target"; unship; }
timed "$ours" --config "$conf" -q ship --target file --verify size
W[ours_file]=$T
timed sh -c "cp '$set_path' '$LC_TMP/cp-target/x' && sync '$LC_TMP/cp-target/x'"
W[cp]=$T

# --- verification (the copy on the file target, warm like sha256sum's) ----------------
prep() { :; }
"$ours" --config "$conf" -q ship --target file --verify size
timed "$ours" --config "$conf" -q verify --target file --verify full
W[ours_verify]=$T
timed sha256sum "$LC_TMP/file-target/$set_name"
W[sha256sum]=$T

# --- SFTP --------------------------------------------------------------------------------
key_sha=$(ssh-keygen -lf "$SSHD_KNOWN_HOSTS" -E sha256 | head -n 1 | awk '{print $2}' | sed 's/^SHA256://')
prep() { rm -rf "${SSHD_ROOT:?}/$sftp_dir"; mkdir -p "$SSHD_ROOT/$sftp_dir"; unship; }
timed "$ours" --config "$conf" -q ship --target sftp --verify size
W[ours_sftp]=$T
timed curl -sS --key "$SSHD_KEY" --pubkey "$SSHD_KEY.pub" --hostpubsha256 "$key_sha" \
    -T "$set_path" "$sftp_url/curl.tar"
W[curl]=$T
timed scp -q -i "$SSHD_KEY" -o UserKnownHostsFile="$SSHD_KNOWN_HOSTS" -o StrictHostKeyChecking=yes \
    -o BatchMode=yes -P "$SSHD_PORT" "$set_path" "${SSHD_USER:-root}@127.0.0.1:$(sed -n 's|^sftp://[^/]*\(/.*\)|\1|p' <<<"$sftp_url")/scp.tar"
W[scp]=$T

r_file=$(ratio "${W[ours_file]}" "${W[cp]}")
r_verify=$(ratio "${W[ours_verify]}" "${W[sha256sum]}")
r_curl=$(ratio "${W[ours_sftp]}" "${W[curl]}")
r_scp=$(ratio "${W[ours_sftp]}" "${W[scp]}")
{
    echo "bench/ship.sh $MIB MiB, $RUNS runs each (median), $(date -u +%FT%TZ), $(nproc) cores"
    printf '%-52s %8s %10s\n' "command" "seconds" "MiB/s"
    printf '%-52s %8s %10s\n' "lcbp3-backup ship (file target, --verify size)" "${W[ours_file]}" "$(mibs "${W[ours_file]}")"
    printf '%-52s %8s %10s\n' "cp + sync" "${W[cp]}" "$(mibs "${W[cp]}")"
    printf '%-52s %8s %10s\n' "lcbp3-backup verify (file target, full)" "${W[ours_verify]}" "$(mibs "${W[ours_verify]}")"
    printf '%-52s %8s %10s\n' "sha256sum" "${W[sha256sum]}" "$(mibs "${W[sha256sum]}")"
    printf '%-52s %8s %10s\n' "lcbp3-backup ship (sftp target, --verify size)" "${W[ours_sftp]}" "$(mibs "${W[ours_sftp]}")"
    printf '%-52s %8s %10s\n' "curl -T (sftp)" "${W[curl]}" "$(mibs "${W[curl]}")"
    printf '%-52s %8s %10s\n' "scp" "${W[scp]}" "$(mibs "${W[scp]}")"
    echo
    printf '%-44s %6s  target %-6s %s\n' "file: ours / (cp + sync)" "$r_file" ">= 0.9" "$(verdict "$r_file" 0.9)"
    printf '%-44s %6s  target %-6s %s\n' "verify: ours / sha256sum" "$r_verify" ">= 0.8" "$(verdict "$r_verify" 0.8)"
    printf '%-44s %6s  target %-6s %s\n' "sftp: ours / curl -T" "$r_curl" ">= 0.9" "$(verdict "$r_curl" 0.9)"
    printf '%-44s %6s  target %-6s %s\n' "sftp: ours / scp" "$r_scp" ">= 0.8" "$(verdict "$r_scp" 0.8)"
} | tee "$result"
echo "saved in $result" >&2
