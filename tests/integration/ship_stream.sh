#!/usr/bin/env bash
# No spool ([backup] spool_dir empty): `lcbp3-backup run` streams the set straight to
# every target while writing it, verifies each copy and uploads its sidecar; nothing
# but the staging directory is used locally, and it is empty afterwards. A restore
# fetches the set into a private directory under work_dir and removes it again; the
# copy has the source's CHECKSUM TABLE figures. A broken target does not keep the
# other from getting the set (exit 74). SIGTERM while streaming (a slow target) exits
# 75 and publishes nothing under the final name; so does SIGKILL. Configurations that
# cannot work (no spool and no work_dir; no spool and no target) exit 78.
# lc-valgrind: yes
set -euo pipefail
. "$LC_SOURCE_DIR/tests/harness/lib.sh"

lc_start_mariadb
lc_seed_mariadb
lc_create_admin_user
lc_start_redis
lc_seed_redis
a="$LC_TMP/nas-a"
b="$LC_TMP/nas-b"
work="$LC_TMP/work"
conf="$LC_TMP/lcbp3.conf"
# lc_write_config FILE ... with the spool disabled ("spool_dir=" present and empty)
write_config() {
    lc_write_config "$@"
    sed -i 's|^spool_dir=.*|spool_dir=|' "$1"
}
sets_on() { find "$1" -maxdepth 1 -type f -name 'lcbp3-*.tar' 2>/dev/null | wc -l; }
write_config "$conf" "backup.work_dir=$work" "target.a.url=file://$a" \
    "target.b.url=file://$b" "target.b.verify=size"

lc_expect_exit 0 -- lc_tool backup --config "$conf" run
name=$(tail -n 1 "$LC_OUT")
lc_assert_file_contains "$LC_ERR" "spool 'none \(streamed to the targets\)'"
lc_assert_file_contains "$LC_ERR" "streamed '$name' to target 'a': [0-9]+ bytes, verified \(size and SHA-256 read back\)"
lc_assert_file_contains "$LC_ERR" "streamed '$name' to target 'b': [0-9]+ bytes, verified \(size\)"
for d in "$a" "$b"; do
    (cd "$d" && sha256sum --quiet -c "$name.sha256") || lc_fail "sha256sum -c fails in '$d'"
    tar -tf "$d/$name" | tail -n 1 | grep -qx manifest.json || lc_fail "the set in '$d' has no manifest last"
done
cmp "$a/$name" "$b/$name" || lc_fail "the two targets got different bytes"
lc_assert_eq "" "$(find "$LC_SPOOL_DIR" "$work" -mindepth 1 2>/dev/null)" "files left in the spool or work_dir"
lc_assert_file_contains "$LC_TMP/metrics/lcbp3-ship.prom" '^lcbp3_backup_target_last_success_timestamp_seconds\{target="b"\} [0-9]{10}$'
lc_expect_exit 0 -- lc_tool backup --config "$conf" list
lc_assert_file_contains "$LC_OUT" "no sets in the spool \(disabled"
lc_expect_exit 0 -- lc_tool backup --config "$conf" verify
lc_assert_file_contains "$LC_OUT" "^ok +$name on a$"

# restore without a spool: fetched into work_dir, removed afterwards
rconf="$LC_TMP/restore.conf"
write_config "$rconf" "backup.work_dir=$work" "target.b.url=file://$b" \
    mariadb.user="$LC_ADMIN_USER" mariadb.password_file="$LC_ADMIN_PASSWORD_FILE"
lc_expect_exit 0 -- lc_tool restore --config "$rconf" db latest --into lcbp3_streamed
lc_assert_file_contains "$LC_ERR" "fetching '$name' from target 'b' into '$work/\.work-fetch-[0-9]+'"
lc_assert_eq "$(lc_checksum_tables "$LC_DB")" "$(lc_checksum_tables lcbp3_streamed)" "CHECKSUM TABLE after a restore from a streamed set"
lc_assert_eq "" "$(find "$work" -mindepth 1)" "fetched files left in work_dir"

# one broken target: the other gets the set, 74 names the broken one
: >"$LC_TMP/not-a-dir"
write_config "$conf" "backup.work_dir=$work" "target.a.url=file://$a" \
    "target.broken.url=file://$LC_TMP/not-a-dir/x"
sleep 1
lc_expect_exit 74 -- lc_tool backup --config "$conf" run
lc_assert_eq 2 "$(sets_on "$a")" "sets on the good target"
lc_assert_file_contains "$LC_ERR" "error: 1 of 2 targets failed; the first: target 'broken': "
lc_assert_file_contains "$LC_ERR" "hint: without a spool the set is lost for the targets that failed"

# SIGTERM while streaming to a slow target: 75, nothing published, temp removed
slow="$LC_TMP/slow"
write_config "$conf" "backup.work_dir=$work" "target.slow.url=file://$slow" \
    "target.slow.bwlimit=48K"
for sig in TERM KILL; do
    sleep 1
    lc_tool_bg backup --config "$conf" run
    for ((i = 0; i < 150; i++)); do
        [ -n "$(find "$slow" -name '.*partial*' -size +1k 2>/dev/null)" ] && break
        sleep 0.1
    done
    [ -n "$(find "$slow" -name '.*partial*' 2>/dev/null)" ] || lc_fail "the upload to the slow target never started"
    kill "-$sig" "$LC_BG_PID"
    lc_bg_wait 60
    lc_assert_eq 0 "$(sets_on "$slow")" "sets published on the slow target after SIG$sig"
    if [ "$sig" = TERM ]; then
        lc_assert_eq 75 "$LC_RC" "exit status after SIGTERM"
        lc_assert_file_contains "$LC_BG_ERR" "interrupted"
        lc_assert_eq "" "$(find "$slow" -name '.*partial*')" "temporary upload left after SIGTERM"
    fi
done
# the next run sweeps the staging left by SIGKILL and streams a whole set
write_config "$conf" "backup.work_dir=$work" "target.slow.url=file://$slow"
lc_expect_exit 0 -- lc_tool backup --config "$conf" run
lc_assert_eq 1 "$(sets_on "$slow")" "sets on the slow target after a clean run"

# configurations that cannot work
write_config "$LC_TMP/bad.conf" "target.a.url=file://$a"
lc_expect_exit 78 -- lc_tool backup --config "$LC_TMP/bad.conf" run
lc_assert_file_contains "$LC_ERR" "spool_dir is empty .* but work_dir is not set"
write_config "$LC_TMP/bad.conf" "backup.work_dir=$work"
lc_expect_exit 78 -- lc_tool backup --config "$LC_TMP/bad.conf" run
lc_assert_file_contains "$LC_ERR" "no \[target.NAME\] is configured: sets would go nowhere"

lc_pass
