#!/usr/bin/env bash
# Shipping to file:// targets, end to end against real servers: `run` ships the new set
# to every target (verified, sidecar after the set, spool mark), `list --target` and
# `verify` see it, `restore db latest` fetches it from the target when the spool lost
# it and the copy has the source's CHECKSUM TABLE figures. Faults: a broken target does
# not keep the other from being served (run exits non-zero naming it; the set stays in
# the spool, retention keeps it there, `ship` delivers it later); a corrupted object
# on the target makes `verify` exit 65 and the next `ship` repairs it; a full target
# (tmpfs) exits 74 with nothing under the final name; a ship killed with SIGKILL
# mid-upload leaves nothing under the final name and the next ship completes it;
# `prune --dry-run --target` explains its decisions and leaves incomplete sets alone.
# lc-valgrind: yes
set -euo pipefail
. "$LC_SOURCE_DIR/tests/harness/lib.sh"

lc_start_mariadb
lc_seed_mariadb
lc_create_admin_user
lc_start_redis
lc_seed_redis
nas="$LC_TMP/nas"
off="$LC_TMP/offsite"
conf="$LC_TMP/lcbp3.conf"
lc_write_config "$conf" "target.nas.url=file://$nas" "target.offsite.url=file://$off" \
    "target.offsite.verify=size"
sets_on() { find "$1" -maxdepth 1 -type f -name 'lcbp3-*.tar' 2>/dev/null | wc -l; }

# --- run ships to both targets --------------------------------------------------------
lc_expect_exit 0 -- lc_tool backup --config "$conf" run
set1=$(tail -n 1 "$LC_OUT")
name1=$(basename "$set1")
for d in "$nas" "$off"; do
    cmp "$set1" "$d/$name1" || lc_fail "the copy in '$d' differs from the spool's"
    cmp "$set1.sha256" "$d/$name1.sha256" || lc_fail "the sidecar in '$d' differs"
    (cd "$d" && sha256sum --quiet -c "$name1.sha256") || lc_fail "sha256sum -c fails in '$d'"
    lc_assert_eq "" "$(find "$d" -name '.*partial*')" "temporary uploads left in '$d'"
done
lc_assert_file_exists "$LC_SPOOL_DIR/$name1.shipped-nas"
lc_assert_file_exists "$LC_SPOOL_DIR/$name1.shipped-offsite"
lc_assert_file_contains "$LC_ERR" "shipped '$name1' to target 'nas': .*verified \(size and SHA-256 read back\)"
lc_assert_file_contains "$LC_ERR" "shipped '$name1' to target 'offsite': .*verified \(size\)"
ship_prom="$LC_TMP/metrics/lcbp3-ship.prom"
lc_assert_file_contains "$ship_prom" '^lcbp3_backup_target_last_success_timestamp_seconds\{target="nas"\} [0-9]{10}$'
lc_assert_file_contains "$ship_prom" "^lcbp3_backup_target_bytes_shipped_total\\{target=\"nas\"\\} $(($(stat -c %s "$set1") + $(stat -c %s "$set1.sha256")))\$"
lc_assert_file_contains "$ship_prom" '^lcbp3_backup_target_failures_total\{target="nas"\} 0$'

lc_expect_exit 0 -- lc_tool backup --config "$conf" list --target nas
lc_assert_file_contains "$LC_OUT" "^$name1 +daily .* ago"
lc_expect_exit 0 -- lc_tool backup --config "$conf" list --target nas --json
lc_assert_file_contains "$LC_OUT" "\"name\": \"$name1\""
lc_assert_file_contains "$LC_OUT" '"path": null'
lc_expect_exit 0 -- lc_tool backup --config "$conf" verify --target nas
lc_assert_file_contains "$LC_OUT" "^ok +$name1 on nas$"
lc_expect_exit 64 -- lc_tool backup --config "$conf" list --target nowhere
lc_assert_file_contains "$LC_ERR" "there is no \[target\.nowhere\].*"
lc_assert_file_contains "$LC_ERR" "hint: configured targets: 'nas', 'offsite'"
lc_expect_exit 64 -- lc_tool backup --config "$conf" ship --verify quick
lc_write_config "$LC_TMP/bad.conf" "target.nas.url=file://$nas" "target.nas.verify=sometimes"
lc_expect_exit 78 -- lc_tool backup --config "$LC_TMP/bad.conf" list
lc_assert_file_contains "$LC_ERR" "\[target\.nas\] verify 'sometimes' is not full or size"

# --- restore from the target when the spool no longer has the set --------------------
sum_src=$(lc_checksum_tables "$LC_DB")
mv "$set1" "$set1.sha256" "$LC_TMP/"
rconf="$LC_TMP/restore.conf"
lc_write_config "$rconf" "target.nas.url=file://$nas" mariadb.user="$LC_ADMIN_USER" \
    mariadb.password_file="$LC_ADMIN_PASSWORD_FILE"
lc_expect_exit 0 -- lc_tool restore --config "$rconf" list --target nas
lc_assert_file_contains "$LC_OUT" "^$name1 "
lc_expect_exit 0 -- lc_tool restore --config "$rconf" db latest --into lcbp3_from_nas
lc_assert_file_contains "$LC_ERR" "fetching '$name1' from target 'nas'"
lc_assert_eq "$sum_src" "$(lc_checksum_tables lcbp3_from_nas)" "CHECKSUM TABLE of the copy fetched from the target"
cmp "$LC_TMP/$name1" "$set1" || lc_fail "the fetched set differs from the original"
lc_assert_file_exists "$LC_SPOOL_DIR/$name1.shipped-nas"

# --- one broken target: the other is served, the run says which failed ---------------
: >"$LC_TMP/not-a-dir"
lc_write_config "$conf" "target.nas.url=file://$nas" "target.broken.url=file://$LC_TMP/not-a-dir/sub"
sleep 1 # set names have whole seconds
lc_expect_exit 74 -- lc_tool backup --config "$conf" run
set2=$(tail -n 1 "$LC_OUT")
name2=$(basename "$set2")
lc_assert_file_exists "$set2"
lc_assert_file_exists "$nas/$name2"
lc_assert_file_contains "$LC_ERR" "error: 1 of 2 targets failed; the first: target 'broken': cannot create directory '.*/not-a-dir/sub': Not a directory"
lc_assert_file_contains "$LC_ERR" "hint: the sets stay in the spool"
lc_assert_file_contains "$ship_prom" '^lcbp3_backup_target_failures_total\{target="broken"\} 1$'
lc_assert_file_contains "$ship_prom" '^lcbp3_backup_target_pending_sets\{target="broken"\} 2$'
# spool retention that would drop every old set keeps what 'broken' has not received
lc_write_config "$conf" "target.nas.url=file://$nas" "target.broken.url=file://$LC_TMP/not-a-dir/sub" \
    "retention.keep_days=0" "retention.min_keep=1"
# (prune still reports the unreachable target: 74 after the spool and 'nas' are planned)
lc_expect_exit 74 -- lc_tool backup --config "$conf" prune --dry-run
lc_assert_file_contains "$LC_OUT" "^keep +$name1 +\(not yet shipped to 'broken'\)"
lc_assert_file_contains "$LC_OUT" "^would remove $name1 on nas "
lc_assert_file_contains "$LC_ERR" "error: target 'broken': cannot list"
# the target comes back: ship delivers both waiting sets
rm "$LC_TMP/not-a-dir"
lc_write_config "$conf" "target.nas.url=file://$nas" "target.broken.url=file://$LC_TMP/not-a-dir/sub"
lc_expect_exit 0 -- lc_tool backup --config "$conf" ship --target broken
lc_assert_eq 2 "$(sets_on "$LC_TMP/not-a-dir/sub")" "sets on the repaired target"
lc_assert_file_contains "$ship_prom" '^lcbp3_backup_target_pending_sets\{target="broken"\} 0$'
lc_expect_exit 0 -- lc_tool backup --config "$conf" ship
lc_assert_file_contains "$LC_ERR" "shipping: 0 set\(s\) shipped to 2 target\(s\)"

# --- a corrupted object: verify exits 65, the next ship repairs it --------------------
lc_write_config "$conf" "target.nas.url=file://$nas"
printf 'X' | dd of="$nas/$name2" bs=1 seek=1000 conv=notrunc status=none
lc_expect_exit 65 -- lc_tool backup --config "$conf" verify
lc_assert_file_contains "$LC_OUT" "^CORRUPT +$name2 on nas: .*is corrupt"
lc_assert_file_contains "$LC_ERR" "error: 1 of 2 sets on the targets are corrupt"
lc_expect_exit 0 -- lc_tool backup --config "$conf" verify --verify size
lc_expect_exit 0 -- lc_tool backup --config "$conf" ship
lc_assert_file_contains "$LC_ERR" "shipped '$name2' to target 'nas'"
cmp "$set2" "$nas/$name2" || lc_fail "ship did not repair the corrupt copy"
lc_expect_exit 0 -- lc_tool backup --config "$conf" verify
# a truncated copy: even --verify size sees it against the spool's copy
truncate -s -1 "$nas/$name2"
lc_expect_exit 65 -- lc_tool backup --config "$conf" verify --verify size
lc_assert_file_contains "$LC_OUT" "^CORRUPT +$name2 on nas: .* is [0-9]+ bytes, [0-9]+ were expected"
lc_expect_exit 0 -- lc_tool backup --config "$conf" ship
lc_expect_exit 0 -- lc_tool backup --config "$conf" verify

# --- a full target: 74, a hint, nothing under the final name, no temporary left ------
full="$LC_TMP/full"
mkdir -p "$full"
mount -t tmpfs -o size=128k tmpfs "$full"
lc_at_exit umount -l "$full"
lc_write_config "$conf" "target.tiny.url=file://$full"
lc_expect_exit 74 -- lc_tool backup --config "$conf" ship
lc_assert_file_contains "$LC_ERR" "error: target 'tiny' has [0-9.]+ KiB free, the set needs [0-9.]+ KiB"
lc_assert_file_contains "$LC_ERR" "hint: free space there or lower its retention"
lc_assert_eq 0 "$(sets_on "$full")" "sets on the full target"
# past the free-space check (size unknown): the write fails, the upload is removed
LC_STDIN="$set2" lc_expect_exit 74 -- "$LC_BUILD_DIR/tests/lc-target-probe" "$conf" tiny put "$name2" -
lc_assert_file_contains "$LC_ERR" "error: target 'tiny': cannot (write|copy into) '.*': No space left on device"
lc_assert_file_contains "$LC_ERR" "hint: the target's file system is full"
lc_assert_eq 0 "$(sets_on "$full")" "sets on the full target"
lc_assert_eq "" "$(find "$full" -name '.*partial*')" "temporary upload left on the full target"

# --- killed mid-upload: nothing under the final name, the next ship completes ---------
slow="$LC_TMP/slow"
lc_write_config "$conf" "target.slow.url=file://$slow" "target.slow.bwlimit=64K"
lc_tool_bg backup --config "$conf" ship
for ((i = 0; i < 100; i++)); do
    [ -n "$(find "$slow" -name '.*partial*' -size +1k 2>/dev/null)" ] && break
    sleep 0.1
done
kill -KILL "$LC_BG_PID"
lc_bg_wait 30
lc_assert_eq 0 "$(sets_on "$slow")" "sets under their final name after SIGKILL"
[ -n "$(find "$slow" -name '.*partial*')" ] || lc_fail "the killed upload left no temporary file (was it running?)"
lc_expect_exit 0 -- lc_tool backup --config "$conf" list --target slow
lc_assert_file_contains "$LC_OUT" "no sets in target 'slow'"
lc_write_config "$conf" "target.slow.url=file://$slow"
lc_expect_exit 0 -- lc_tool backup --config "$conf" ship
lc_assert_eq 2 "$(sets_on "$slow")" "sets after the next ship"
# the leftover is young: prune leaves it; a day old, it goes
lc_expect_exit 0 -- lc_tool backup --config "$conf" prune --dry-run --target slow
lc_assert_file_not_contains "$LC_OUT" "partial"
touch -d '2 days ago' "$slow"/.*partial*
lc_expect_exit 1 -- lc_tool backup --config "$conf" prune --dry-run --target slow
lc_assert_file_contains "$LC_OUT" "^would remove \..*partial.* on slow +\(left by an interrupted upload"
lc_expect_exit 0 -- lc_tool backup --config "$conf" prune --target slow
lc_assert_eq "" "$(find "$slow" -name '.*partial*')" "leftover after prune"

# --- retention on a target explains itself; incomplete sets are left alone ------------
old=lcbp3-oldhost-20200101T020000Z-daily.tar
cp "$set2" "$slow/$old"
(cd "$slow" && sha256sum "$old" >"$old.sha256")
cp "$set2" "$slow/lcbp3-oldhost-20200102T020000Z-daily.tar" # no sidecar: incomplete
lc_write_config "$conf" "target.slow.url=file://$slow" "target.slow.keep_days=7" "target.slow.min_keep=2"
lc_expect_exit 1 -- lc_tool backup --config "$conf" prune --dry-run --target slow
lc_assert_file_contains "$LC_OUT" "^keep +$name2 on slow +\(newest verified set"
lc_assert_file_contains "$LC_OUT" "^would remove $old on slow +\(older than 7d"
lc_assert_file_contains "$LC_OUT" "^leave +lcbp3-oldhost-20200102T020000Z-daily.tar +\(incomplete on 'slow'"
lc_expect_exit 0 -- lc_tool backup --config "$conf" prune --target slow
[ ! -e "$slow/$old" ] && [ ! -e "$slow/$old.sha256" ] || lc_fail "prune left '$old' or its sidecar"
lc_assert_file_exists "$slow/lcbp3-oldhost-20200102T020000Z-daily.tar"
lc_assert_file_exists "$slow/$name2"

# a target that cannot even be opened still reports what waits for it
lc_write_config "$conf" "target.lost.url=file://asustor/lcbp3"
lc_expect_exit 78 -- lc_tool backup --config "$conf" ship
lc_assert_file_contains "$LC_ERR" "must name an absolute path"
lc_assert_file_contains "$ship_prom" '^lcbp3_backup_target_pending_sets\{target="lost"\} [1-9]'

lc_pass
