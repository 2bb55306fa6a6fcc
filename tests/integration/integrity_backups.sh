#!/usr/bin/env bash
# lcbp3-integrity backups against real sets on the spool and two file:// targets: all OK
# after `lcbp3-backup run`; --deep verifies every set on every place and remembers it;
# --budget gets round every set in turn, least recently verified first. Damage, each
# of which must be caught (CRITICAL, exit 2, naming the set and saying what to do):
# a flipped byte in a spool set, a flipped byte in a target's copy, a truncated set, a
# gzip member cut short with every SHA-256 made consistent (only inflating catches it),
# a missing sidecar in the spool, a set recorded as shipped but incomplete on the
# target, a stray file on a target, a set too old, a target with no set. An abandoned
# upload is a WARNING, an unreachable target UNKNOWN (exit 3); --json, --prometheus
# and -q; --target of an unknown name is a usage error.
# lc-valgrind: yes
set -euo pipefail
. "$LC_SOURCE_DIR/tests/harness/lib.sh"

lc_start_mariadb
lc_seed_mariadb
lc_start_redis
lc_seed_redis
nas="$LC_TMP/nas"
off="$LC_TMP/offsite"
conf="$LC_TMP/lcbp3.conf"
lc_write_config "$conf" "target.nas.url=file://$nas" "target.offsite.url=file://$off"
integrity() { lc_tool integrity --config "$conf" "$@"; }
caught=0
tried=0
# expect_caught WHAT REGEX: the last run exited 2 and its output names the damage
expect_caught() {
    tried=$((tried + 1))
    lc_assert_file_contains "$LC_OUT" "$2"
    caught=$((caught + 1))
    lc_log "caught: $1"
}

lc_expect_exit 0 -- lc_tool backup --config "$conf" run
set1=$(tail -n 1 "$LC_OUT")
name1=$(basename "$set1")
sleep 1 # set names have whole seconds
lc_expect_exit 0 -- lc_tool backup --config "$conf" run
set2=$(tail -n 1 "$LC_OUT")
name2=$(basename "$set2")

# --- all OK ---------------------------------------------------------------------------
lc_expect_exit 0 -- integrity backups
for place in spool target.nas target.offsite; do
    lc_assert_file_contains "$LC_OUT" "^OK +backups\.$place\.newest +[0-9]+s "
done
lc_assert_file_contains "$LC_OUT" "^OK +backups\.target\.nas\.shipped +2 of 2"
lc_assert_file_contains "$LC_OUT" "^OK +backups\.target\.nas\.strays +none"
lc_assert_file_contains "$LC_OUT" "^OK: [0-9]+ checks, [0-9]+ ok, 0 warning, 0 critical, 0 unknown$"
lc_expect_exit 0 -- integrity -q backups
lc_assert_eq "" "$(cat "$LC_OUT")" "-q output when everything is OK"

# --deep: every set on every place, remembered
lc_expect_exit 0 -- integrity backups --deep --prometheus "$LC_TMP/integrity.prom"
lc_assert_file_contains "$LC_OUT" "^OK +backups\.spool\.deep +2 verified, 0 corrupt, 0 not checked"
lc_assert_file_contains "$LC_OUT" "^OK +backups\.target\.nas\.deep +2 verified, 0 corrupt"
lc_assert_file_contains "$LC_OUT" "^OK +backups\.deep\.coverage +6 verified this run, 0 not reached"
lc_assert_file_exists "$LC_SPOOL_DIR/$name1.verified"
state="$LC_SPOOL_DIR/.lcbp3-integrity-verified.json"
python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); assert len(s) == 4, s' "$state" ||
    lc_fail "the deep-verification record does not hold the 4 target sets"
prom="$LC_TMP/integrity.prom"
lc_assert_file_contains "$prom" '^lcbp3_integrity_check_status\{group="backups",check="target\.nas\.deep"\} 0$'
lc_assert_file_contains "$prom" '^lcbp3_backup_age_seconds\{target="nas"\} [0-9.]+$'
lc_assert_file_contains "$prom" '^lcbp3_backup_sets\{target="spool"\} 2$'
lc_assert_file_contains "$prom" '^lcbp3_integrity_status 0$'
lc_expect_exit 0 -- integrity --json backups
python3 - "$LC_OUT" <<'EOF' || lc_fail "--json is not the documented document"
import json, sys
doc = json.load(open(sys.argv[1]))
assert doc["status"] == "OK" and doc["exit_code"] == 0, doc
checks = {c["check"]: c for c in doc["checks"]}
assert checks["spool.newest"]["group"] == "backups", checks
assert checks["target.offsite.complete"]["status_code"] == 0, checks
assert set(doc["counts"]) == {"ok", "warning", "critical", "unknown"}, doc["counts"]
EOF

# --- --budget: one set per run, least recently verified first, round all of them -----
rm -f "$state" "$LC_SPOOL_DIR"/*.verified
seen="$LC_TMP/seen"
: >"$seen"
for _ in 1 2 3 4 5 6; do
    lc_expect_exit 0 -- integrity backups --deep --budget 1ms
    lc_assert_file_contains "$LC_OUT" "^OK +backups\.deep\.coverage +1 verified this run, 5 not reached \(budget reached\)"
    grep -Eo "'lcbp3-[^']+' on the [a-z.]+ is whole" "$LC_ERR" >>"$seen"
    sleep 1 # the spool's record is a file time, in whole seconds
done
lc_assert_eq 6 "$(sort -u "$seen" | wc -l)" "distinct sets verified by 6 budgeted runs"
lc_expect_exit 64 -- integrity backups --budget 1m
lc_assert_file_contains "$LC_ERR" "give --deep too"
lc_expect_exit 64 -- integrity health --deep
lc_expect_exit 64 -- integrity backups --target nowhere
lc_assert_file_contains "$LC_ERR" "there is no \[target\.nowhere\]"

# --- damage ----------------------------------------------------------------------------
flip_byte() { # FILE OFFSET
    printf '\x5a' | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
keep="$LC_TMP/keep"
mkdir -p "$keep"
cp -p "$set1" "$keep/"

# a flipped byte in the spool's copy
flip_byte "$set1" $(($(stat -c %s "$set1") / 2))
lc_expect_exit 2 -- integrity backups --deep
expect_caught "flipped byte in a spool set" "^CRITICAL +backups\.spool\.deep +1 verified, 1 corrupt"
lc_assert_file_contains "$LC_OUT" "CORRUPT $name1"
lc_assert_file_contains "$LC_OUT" "-> do not restore from the corrupt sets"
cp -p "$keep/$name1" "$set1"

# a truncated set
truncate -s -1000 "$set1"
lc_expect_exit 2 -- integrity backups --deep --target nas
lc_assert_file_not_contains "$LC_OUT" "backups\.spool\."
lc_assert_file_contains "$LC_OUT" "^CRITICAL +backups\.target\.nas\.shipped .*1 resized"
lc_expect_exit 2 -- integrity backups --deep
expect_caught "truncated spool set" "^CRITICAL +backups\.spool\.deep +1 verified, 1 corrupt"
cp -p "$keep/$name1" "$set1"

# a gzip member cut short, every SHA-256 consistent: a set whose checksums all match
spool2="$LC_TMP/spool2"
mkdir -p "$spool2"
victim=$(python3 "$LC_SOURCE_DIR/tests/tools/set_truncate_member.py" "$set2" "$spool2/$name2")
(cd "$spool2" && sha256sum --quiet -c "$name2.sha256") || lc_fail "the rewritten set's sidecar does not match"
lc_write_config "$LC_TMP/spool2.conf" "backup.spool_dir=$spool2"
lc_expect_exit 2 -- lc_tool integrity --config "$LC_TMP/spool2.conf" backups --deep
expect_caught "gzip member cut short, checksums consistent" "^CRITICAL +backups\.spool\.deep +0 verified, 1 corrupt"
lc_assert_file_contains "$LC_OUT" "$victim"

# a flipped byte in a target's copy (the spool's is whole)
flip_byte "$off/$name2" 700
lc_expect_exit 2 -- integrity backups --deep --target offsite
expect_caught "flipped byte in a target's copy" "^CRITICAL +backups\.target\.offsite\.deep +1 verified, 1 corrupt"
lc_assert_file_contains "$LC_OUT" "-> do not restore from the corrupt copies; 'lcbp3-backup verify --target offsite'"
# ...and of a target set the spool no longer holds: fetched and verified member by member
mv "$set2" "$set2.sha256" "$keep/"
lc_expect_exit 2 -- integrity backups --deep --target offsite
expect_caught "flipped byte in a target set without a spool copy" "^CRITICAL +backups\.target\.offsite\.deep +1 verified, 1 corrupt"
lc_assert_eq "" "$(find "$LC_SPOOL_DIR" -name '.work-integrity-*')" "fetch directories left in the spool"
mv "$keep/$name2" "$keep/$name2.sha256" "$LC_SPOOL_DIR/"
cp -p "$set2" "$off/$name2"

# a missing sidecar in the spool
mv "$set2.sha256" "$keep/"
lc_expect_exit 2 -- integrity backups
expect_caught "missing sidecar in the spool" "^CRITICAL +backups\.spool\.complete +1 of 2 sets"
lc_assert_file_contains "$LC_OUT" "without a \.sha256 sidecar: '$name2'"
mv "$keep/$name2.sha256" "$LC_SPOOL_DIR/"

# a set recorded as shipped but without its sidecar on the target
mv "$nas/$name1.sha256" "$keep/"
lc_expect_exit 2 -- integrity backups --target nas
expect_caught "shipped set incomplete on the target" "^CRITICAL +backups\.target\.nas\.shipped +1 missing, 0 resized"
lc_assert_file_contains "$LC_OUT" "recorded as shipped but not complete on the target: '$name1'"
mv "$keep/$name1.sha256" "$nas/"

# a stray file and an abandoned upload on a target
echo "notes" >"$nas/README.txt"
lc_expect_exit 2 -- integrity backups --target nas
expect_caught "stray file on a target" "^CRITICAL +backups\.target\.nas\.strays +1 stray, 0 abandoned"
lc_assert_file_contains "$LC_OUT" "not part of a complete set: 'README.txt'"
rm "$nas/README.txt"
abandoned="$nas/.$name1.partial-123-abcdef"
echo partial >"$abandoned"
touch -d '2 days ago' "$abandoned"
lc_expect_exit 1 -- integrity backups --target nas
lc_assert_file_contains "$LC_OUT" "^WARNING +backups\.target\.nas\.strays +0 stray, 1 abandoned"
lc_assert_file_contains "$LC_OUT" "-> 'lcbp3-backup prune --target nas' removes abandoned uploads"
rm "$abandoned"

# a set too old, and a target without any set
old="$LC_TMP/old"
mkdir -p "$old" "$LC_TMP/empty"
old_name="lcbp3-old-20250101T020000Z-daily.tar"
cp "$set1" "$old/$old_name"
(cd "$old" && sha256sum "$old_name" >"$old_name.sha256")
lc_write_config "$LC_TMP/old.conf" "backup.spool_dir=$old" "target.empty.url=file://$LC_TMP/empty"
lc_expect_exit 2 -- lc_tool integrity --config "$LC_TMP/old.conf" backups
expect_caught "set too old" "^CRITICAL +backups\.spool\.newest +[0-9]+d"
lc_assert_file_contains "$LC_OUT" "newest: $old_name"
expect_caught "target without a set" "^CRITICAL +backups\.target\.empty\.newest +none"

# an unreachable target: the check could not run
: >"$LC_TMP/not-a-dir"
lc_write_config "$LC_TMP/down.conf" "target.down.url=file://$LC_TMP/not-a-dir/sub"
lc_expect_exit 3 -- lc_tool integrity --config "$LC_TMP/down.conf" backups --target down
lc_assert_file_contains "$LC_OUT" "^UNKNOWN +backups\.target\.down\.listed"

# back to whole: OK again
lc_expect_exit 0 -- integrity backups --deep
lc_log "damage caught: $caught of $tried tried cases"
lc_assert_eq "$tried" "$caught" "damage cases caught"
lc_pass
