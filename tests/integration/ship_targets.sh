#!/usr/bin/env bash
# A set made by `lcbp3-backup run` lands on all four kinds of target at once — a file
# share, the ASUSTOR over SFTP (real sshd), WebDAV (real apache mod_dav over TLS) and S3
# (s3rver, SigV4 checked) — is listed complete by `list --target`, verified by reading
# it back, and restored from each target alone with the source's CHECKSUM TABLE
# figures. Faults at the level of shipping: a target down at the start (the others get
# the set, the run exits 69 naming it, the next `ship` delivers it), a target killed
# mid-upload (nothing under the final name; the next `ship` completes it), and an
# object corrupted on the target (`verify` exits 65, the next `ship` repairs it).
# lc-valgrind: yes
set -euo pipefail
. "$LC_SOURCE_DIR/tests/harness/lib.sh"

lc_start_mariadb
lc_seed_mariadb
lc_create_admin_user
lc_start_redis
lc_seed_redis
lc_start_sshd
lc_start_webdav
lc_start_s3
targets="file sftp dav s3"
target_args() { # the [target.*] arguments of lc_write_config for all four (extra KEY=VALUE after)
    echo "target.file.url=file://$LC_TMP/share"
    lc_sftp_target_args sftp sets
    lc_webdav_target_args dav sets
    lc_s3_target_args s3 sets
}
mapfile -t args < <(target_args)
conf="$LC_TMP/lcbp3.conf"
lc_write_config "$conf" "${args[@]}"
rconf="$LC_TMP/restore.conf"
lc_write_config "$rconf" "${args[@]}" mariadb.user="$LC_ADMIN_USER" \
    mariadb.password_file="$LC_ADMIN_PASSWORD_FILE"

# --- one run, four targets ---------------------------------------------------------------
lc_expect_exit 0 -- lc_tool backup --config "$conf" run
set1=$(tail -n 1 "$LC_OUT")
name1=$(basename "$set1")
run_err=$LC_ERR
for t in $targets; do
    lc_assert_file_contains "$run_err" "shipped '$name1' to target '$t': .*verified \(size and SHA-256 read back\)"
    lc_assert_file_exists "$LC_SPOOL_DIR/$name1.shipped-$t"
    lc_expect_exit 0 -- lc_tool backup --config "$conf" list --target "$t"
    lc_assert_file_contains "$LC_OUT" "^$name1 +daily .* ago$"
done
cmp "$set1" "$SSHD_ROOT/sets/$name1" || lc_fail "the SFTP copy differs"
cmp "$set1" "$WEBDAV_ROOT/sets/$name1" || lc_fail "the WebDAV copy differs"
lc_expect_exit 0 -- lc_tool backup --config "$conf" verify
lc_assert_eq 4 "$(grep -cE "^ok +$name1 on " "$LC_OUT")" "sets verified whole on the four targets"

# --- a restore from each target alone (the spool lost its copy) ---------------------------
sum_src=$(lc_checksum_tables "$LC_DB")
mkdir "$LC_TMP/away"
mv "$set1" "$set1.sha256" "$LC_TMP/away/"
for t in $targets; do
    lc_expect_exit 0 -- lc_tool restore --config "$rconf" db "$name1" --target "$t" --into "lcbp3_from_$t"
    lc_assert_file_contains "$LC_ERR" "fetching '$name1' from target '$t'"
    lc_assert_eq "$sum_src" "$(lc_checksum_tables "lcbp3_from_$t")" "CHECKSUM TABLE of the copy restored from '$t'"
    rm -f "$LC_SPOOL_DIR/$name1"*
done

# --- a target down at the start ----------------------------------------------------------
lc_stop_s3
lc_write_config "$conf" "${args[@]}" target.s3.retries=1 target.s3.timeout=2s
sleep 1
lc_expect_exit 69 -- lc_tool backup --config "$conf" run
name2=$(basename "$(tail -n 1 "$LC_OUT")")
lc_assert_file_contains "$LC_ERR" "error: 1 of 4 targets failed; the first: target 's3': "
for t in file sftp dav; do
    lc_assert_file_contains "$LC_ERR" "shipped '$name2' to target '$t'"
done
lc_assert_file_contains "$LC_TMP/metrics/lcbp3-ship.prom" '^lcbp3_backup_target_failures_total\{target="s3"\} 1$'
lc_start_s3
lc_expect_exit 0 -- lc_tool backup --config "$conf" ship
lc_assert_file_contains "$LC_ERR" "shipped '$name2' to target 's3'"
lc_assert_file_contains "$LC_ERR" "shipping: 1 set\(s\) shipped to 4 target\(s\)"

# --- a target killed mid-upload -----------------------------------------------------------
# a third set, shipped slowly to WebDAV only; apache dies while the body is on its way
lc_write_config "$conf" "${args[@]}" target.dav.bwlimit=32K target.dav.retries=0
sleep 1
lc_expect_exit 0 -- lc_tool backup --config "$conf" run --no-ship
name3=$(basename "$(tail -n 1 "$LC_OUT")")
lc_tool_bg backup --config "$conf" ship --target dav
for ((i = 0; i < 200; i++)); do
    [ -n "$(find "$WEBDAV_ROOT/sets" -name '.*partial*' -size +8k 2>/dev/null)" ] && break
    sleep 0.1
done
[ -n "$(find "$WEBDAV_ROOT/sets" -name '.*partial*' 2>/dev/null)" ] || lc_fail "the slow upload never reached apache"
lc_kill_webdav
lc_bg_wait 60
lc_assert_eq 69 "$LC_RC" "ship while apache was killed"
[ ! -e "$WEBDAV_ROOT/sets/$name3" ] || lc_fail "a half set carries the final name on the WebDAV target"
[ ! -e "$LC_SPOOL_DIR/$name3.shipped-dav" ] || lc_fail "the set is marked shipped after a failed upload"
lc_start_webdav
lc_write_config "$conf" "${args[@]}"
lc_expect_exit 0 -- lc_tool backup --config "$conf" ship
lc_assert_file_contains "$LC_ERR" "shipped '$name3' to target 'dav'"
cmp "$LC_SPOOL_DIR/$name3" "$WEBDAV_ROOT/sets/$name3" || lc_fail "the completed WebDAV copy differs"

# --- an object corrupted on the target ----------------------------------------------------
printf 'X' | dd of="$SSHD_ROOT/sets/$name2" bs=1 seek=4096 conv=notrunc status=none
lc_expect_exit 65 -- lc_tool backup --config "$conf" verify --target sftp
lc_assert_file_contains "$LC_OUT" "^CORRUPT +$name2 on sftp: .*is corrupt"
lc_expect_exit 0 -- lc_tool backup --config "$conf" ship --target sftp
lc_assert_file_contains "$LC_ERR" "shipped '$name2' to target 'sftp'"
lc_expect_exit 0 -- lc_tool backup --config "$conf" verify
lc_assert_eq 12 "$(grep -c '^ok ' "$LC_OUT")" "three sets whole on four targets"

lc_pass
