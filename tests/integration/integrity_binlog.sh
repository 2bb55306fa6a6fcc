#!/usr/bin/env bash
# The binlog archive in lcbp3-integrity backups and in lcbp3-backup prune, against a real
# server's binary logs. Three sets are taken between writes and FLUSH BINARY LOGS; the
# archive is then built from the server's own binlog files (byte-identical to what the
# archiver writes; archive_binlogs is the one place to swap in `lcbp3-backup binlog`).
# Integrity: all OK, then each damage caught (CRITICAL, exit 2): a missing middle
# segment (chain), a missing sidecar, a flipped byte (--deep, naming file and offset), a
# sidecar that does not match, a closed segment cut short, an archive too old (spool:
# the last event; target: the upload time), a shipped segment missing on the target, a
# flipped byte in a target's copy. Prune (retention min_keep 2): --dry-run explains
# every segment, a real prune removes only what is older than the oldest retained set
# (in the spool only what was shipped), and the archive is whole afterwards.
# lc-valgrind: yes
set -euo pipefail
. "$LC_SOURCE_DIR/tests/harness/lib.sh"

lc_start_mariadb
lc_seed_mariadb
nas="$LC_TMP/nas"
conf="$LC_TMP/lcbp3.conf"
tconf="$LC_TMP/target.conf"
pconf="$LC_TMP/prune.conf"
# runs and ships keep the three sets (min_keep 3); the prune (pconf) keeps two
common=(--redis none "backup.binlog_client_id=99" "retention.keep_days=0")
lc_write_config "$pconf" "${common[@]}" "retention.min_keep=2" "target.nas.url=file://$nas"
lc_write_config "$tconf" "${common[@]}" "retention.min_keep=3" "target.nas.url=file://$nas"
lc_write_config "$conf" "${common[@]}" "retention.min_keep=3"
arch="$LC_SPOOL_DIR/binlogs/1/0"
integrity() { lc_tool integrity --config "$conf" "$@"; }
has() { lc_assert_file_contains "$LC_OUT" "$1"; } # the last run's stdout matches
S='backups\.spool\.binlog'
T='backups\.target\.nas\.binlog'

# archive_binlogs DIR: the server's binlog files as the archiver keeps them: every file
# copied, a sha256sum sidecar for each but the newest (the active one)
archive_binlogs() {
    local dir=$1 f newest
    mkdir -p "$dir"
    newest=$(printf '%s\n' "$MDB_DATADIR"/mysql-bin.[0-9]* | sort | tail -n 1)
    for f in "$MDB_DATADIR"/mysql-bin.[0-9]*; do
        cp "$f" "$dir/"
        if [ "$f" != "$newest" ]; then
            (cd "$dir" && sha256sum "$(basename "$f")" >"$(basename "$f").sha256")
        fi
    done
}
writes() { # N: N small transactions
    local i
    for ((i = 0; i < $1; i++)); do
        lc_mysql -e "CREATE TABLE IF NOT EXISTS $LC_DB.binlog_probe (id INT AUTO_INCREMENT \
            PRIMARY KEY, v VARCHAR(40)); INSERT INTO $LC_DB.binlog_probe (v) VALUES (UUID())"
    done
}
flush() { lc_mysql -e "FLUSH BINARY LOGS"; }
take_set() { # the set's name in $taken
    lc_expect_exit 0 -- lc_tool backup --config "$conf" run --db-only --no-ship
    taken=$(basename "$(tail -n 1 "$LC_OUT")")
}

writes 3
flush
take_set
set1=$taken
writes 3
flush
writes 2
flush
sleep 1 # set names have whole seconds
take_set
set2=$taken
writes 2
flush
sleep 1
take_set
set3=$taken
writes 2
flush
writes 2
flush
writes 1
archive_binlogs "$arch"
file_of() { # SET: its manifest's binlog file
    tar -xOf "$LC_SPOOL_DIR/$1" manifest.json |
        python3 -c 'import json,sys; m=json.load(sys.stdin)["mariadb"]; print(m["binlog_file"])'
}
file1=$(file_of "$set1")
file2=$(file_of "$set2")
mapfile -t segs < <(cd "$arch" && printf '%s\n' mysql-bin.[0-9]* | grep -v '\.sha256$' | sort)
n=${#segs[@]}
lc_log "sets at $file1, $file2, $(file_of "$set3"); archive ${segs[*]}"
[ "$n" -ge 7 ] || lc_fail "expected at least 7 segments, got $n"
seg_num() { echo $((10#${1##*.})); }

# --- all OK --------------------------------------------------------------------------------
lc_expect_exit 0 -- integrity backups --prometheus "$LC_TMP/i.prom"
has "^OK +$S\.chain +3 of 3 sets covered"
has "^OK +$S\.age +[0-9]+s +younger than 10m"
has "^OK +$S\.sidecars +$n segments, $((n - 1)) closed"
lc_assert_file_contains "$LC_TMP/i.prom" \
    '^lcbp3_binlog_archive_age_seconds\{target="spool"\} [0-9.]+$'
lc_expect_exit 0 -- integrity backups --deep
has "^OK +$S\.deep +$n verified, 0 corrupt, 0 not checked, 0 not reached"
lc_expect_exit 0 -- integrity backups --deep --budget 1ms
has "^OK +$S\.deep +0 verified, 0 corrupt, 0 not checked, $n not reached"
# archiving off: no binlog checks
lc_write_config "$LC_TMP/off.conf" --redis none
lc_expect_exit 0 -- lc_tool integrity --config "$LC_TMP/off.conf" backups
lc_assert_file_not_contains "$LC_OUT" "binlog"

# --- damage in the spool -------------------------------------------------------------------
keep="$LC_TMP/keep"
mkdir -p "$keep"
cp -p "$arch"/* "$keep/"
restore_archive() { rm -rf "$arch" && mkdir -p "$arch" && cp -p "$keep"/* "$arch/"; }
mid=${segs[$((n - 2))]}    # after every set's file, before the newest

rm "$arch/$mid" "$arch/$mid.sha256"
lc_expect_exit 2 -- integrity backups
has "^CRITICAL +$S\.chain +0 of 3 sets covered"
has "gap: '${segs[$((n - 1))]}' follows '${segs[$((n - 3))]}'"
restore_archive

rm "$arch/$mid.sha256"
lc_expect_exit 2 -- integrity backups
has "^CRITICAL +$S\.sidecars +$n segments, $((n - 2)) closed"
has "not closed though a newer segment exists \(no \.sha256\): '1/0/$mid'"
has "^CRITICAL +$S\.chain"
restore_archive

# a flipped byte inside an event (past the 4-byte magic and the FDE's 19-byte header)
printf '\x5a' | dd of="$arch/$mid" bs=1 seek=$(($(stat -c %s "$arch/$mid") - 10)) \
    conv=notrunc status=none
lc_expect_exit 0 -- integrity backups
lc_expect_exit 2 -- integrity backups --deep
has "^CRITICAL +$S\.deep +$((n - 1)) verified, 1 corrupt"
has "CORRUPT 1/0/$mid: the event at offset [0-9]+ fails its checksum"
restore_archive

# a sidecar that is not the segment's (an event-valid segment, other bytes)
(cd "$arch" && sha256sum "${segs[0]}" | sed "s/${segs[0]}/$mid/" >"$mid.sha256")
lc_expect_exit 2 -- integrity backups --deep
has "CORRUPT 1/0/$mid: SHA-256 [0-9a-f]+\.\.\. does not match its sidecar"
restore_archive

# a closed segment cut short (its sidecar made to match): only the event walk sees it
truncate -s -7 "$arch/$mid"
(cd "$arch" && sha256sum "$mid" >"$mid.sha256")
lc_expect_exit 2 -- integrity backups --deep
has "CORRUPT 1/0/$mid: ends inside an event at offset [0-9]+"
restore_archive

# a segment that is not a binlog at all
echo "not a binlog" >"$arch/$mid"
(cd "$arch" && sha256sum "$mid" >"$mid.sha256")
lc_expect_exit 2 -- integrity backups --deep
has "CORRUPT 1/0/$mid: .*is not a MariaDB binary log"
restore_archive

# too old: the newest archived event is older than max_binlog_age
lc_write_config "$LC_TMP/age.conf" "${common[@]}" "integrity.max_binlog_age=1s"
sleep 2
lc_expect_exit 2 -- lc_tool integrity --config "$LC_TMP/age.conf" backups
has "^CRITICAL +$S\.age +[0-9]+s +younger than 1s"
has "is lcbp3-backup binlog --follow running\? systemctl status lcbp3-binlog"

# a set whose snapshot is older than the archive: WARNING; the newest set not covered:
# CRITICAL
rm "$arch/${segs[0]}" "$arch/${segs[0]}.sha256"
if [ "$file1" = "${segs[1]}" ]; then
    rm "$arch/${segs[1]}" "$arch/${segs[1]}.sha256"
fi
lc_expect_exit 1 -- integrity backups
has "^WARNING +$S\.chain +2 of 3 sets covered"
has "older than the archive .*'$set1'"
restore_archive

# --- a target ------------------------------------------------------------------------------
lc_expect_exit 0 -- lc_tool backup --config "$tconf" ship
mkdir -p "$nas/binlogs/1"
cp -r "$arch" "$nas/binlogs/1/"
newest=${segs[$((n - 1))]}
# the active segment is on a target only as ".open-<size>" copies
mv "$nas/binlogs/1/0/$newest" "$nas/binlogs/1/0/$newest.open-$(stat -c %s "$arch/$newest")"
for s in "${segs[@]:1:$((n - 2))}"; do # every closed segment but the oldest is shipped
    touch "$arch/$s.shipped-nas"
done
lc_expect_exit 0 -- lc_tool integrity --config "$tconf" backups
has "^OK +$T\.chain +3 of 3 sets covered"
has "^OK +$T\.shipped +0 missing, 0 resized of $((n - 2))"
has "^OK +$T\.age +[0-9]+s "
has "^ +newest upload: binlogs/1/0/mysql-bin\.[0-9]+(\.open-[0-9]+)? at "
mv "$nas/binlogs/1/0/$mid.sha256" "$LC_TMP/"
lc_expect_exit 2 -- lc_tool integrity --config "$tconf" backups --target nas
has "^CRITICAL +$T\.shipped +1 missing"
mv "$LC_TMP/$mid.sha256" "$nas/binlogs/1/0/"
printf '\x5a' | dd of="$nas/binlogs/1/0/$mid" bs=1 seek=100 conv=notrunc status=none
lc_expect_exit 2 -- lc_tool integrity --config "$tconf" backups --deep --target nas
has "^CRITICAL +$T\.deep +[0-9]+ verified, 1 corrupt"
has "CORRUPT 1/0/$mid: "
cp -p "$keep/$mid" "$nas/binlogs/1/0/$mid"
lc_expect_exit 0 -- lc_tool integrity --config "$tconf" backups --deep --target nas
has "^OK +$T\.deep +$((n - 1)) verified, 0 corrupt"
touch -d '1 hour ago' "$nas/binlogs/1/0"/*
lc_expect_exit 2 -- lc_tool integrity --config "$tconf" backups --target nas
has "^CRITICAL +$T\.age +(59m|60m|1h)"

# --- prune ---------------------------------------------------------------------------------
lc_expect_exit 1 -- lc_tool backup --config "$pconf" prune --dry-run
out=$LC_OUT
lc_assert_file_contains "$out" "^would remove +$set1 "
lc_assert_file_contains "$out" "^keep +$set2 "
lc_assert_file_contains "$out" "^keep +binlogs/1/0/$file2  \(needed by set '$set2'\)"
lc_assert_file_contains "$out" "^keep +binlogs/1/0/${segs[$((n - 1))]}  \(the newest segment"
lc_assert_file_contains "$out" "^keep +binlogs/1/0/${segs[0]}  \(not yet shipped to 'nas'\)"
older="older than every retained set's snapshot \(the oldest: '$set2' at 0/$file2\)"
lc_assert_file_contains "$out" "^would remove +binlogs/1/0/${segs[1]}  \($older\)"
lc_assert_file_contains "$out" "^would remove +binlogs/1/0/${segs[0]} on nas  \(older than every"
lc_assert_eq "$(find "$keep" -type f | wc -l)" "$(find "$arch" -type f ! -name '*.shipped-*' | wc -l)" \
    "files after a dry run"
lc_expect_exit 0 -- lc_tool backup --config "$pconf" prune
lc_assert_file_contains "$LC_ERR" "removed 2 sets, [0-9]+ binlog segments"
for s in "${segs[@]}"; do
    if [ "$(seg_num "$s")" -lt "$(seg_num "$file2")" ]; then
        [ ! -e "$nas/binlogs/1/0/$s" ] && [ ! -e "$nas/binlogs/1/0/$s.sha256" ] ||
            lc_fail "$s is older than $set2's snapshot but still on the target"
        if [ "$s" = "${segs[0]}" ]; then
            lc_assert_file_exists "$arch/$s"
        else
            [ ! -e "$arch/$s" ] && [ ! -e "$arch/$s.sha256" ] && [ ! -e "$arch/$s.shipped-nas" ] ||
                lc_fail "$s is older than $set2's snapshot but still in the spool"
        fi
    else
        lc_assert_file_exists "$arch/$s"
        [ "$s" = "$newest" ] || lc_assert_file_exists "$nas/binlogs/1/0/$s"
    fi
done
lc_expect_exit 0 -- lc_tool backup --config "$pconf" prune
touch "$nas/binlogs/1/0"/*
lc_expect_exit 0 -- lc_tool integrity --config "$pconf" backups --deep
has "^OK +$S\.chain +2 of 2 sets covered"
has "^OK +$T\.chain +2 of 2 sets covered"
lc_pass
