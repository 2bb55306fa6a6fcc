#!/usr/bin/env bash
# lcbp3-backup under faults, each against real servers: wrong password, MariaDB not
# running, Redis not running, MariaDB killed mid-dump, Redis killed mid-fetch, a second
# concurrent run, SIGTERM and SIGKILL of the tool mid-run, a full spool file system.
# After each: the documented exit code and message, no set without ".partial" that is
# incomplete, earlier sets intact, and the next run succeeds.
# lc-valgrind: yes
set -euo pipefail
. "$LC_SOURCE_DIR/tests/harness/lib.sh"

lc_start_mariadb
lc_seed_mariadb
# The RDB fetch waits repl-diskless-sync-delay seconds before the transfer starts: a
# deterministic window in which the run is busy (not a timing guess).
lc_start_redis --repl-diskless-sync-delay 4
lc_seed_redis
conf="$LC_TMP/lcbp3.conf"
lc_write_config "$conf"

# a good first set, to check that nothing below touches it
lc_expect_exit 0 -- lc_tool backup --config "$conf" run
first=$(tail -n 1 "$LC_OUT")
first_sum=$(sha256sum "$first" | cut -d' ' -f1)

assert_spool_sane() { # no incomplete set looks complete; the first set is untouched
    local f
    for f in "$LC_SPOOL_DIR"/*.tar; do
        tar -tf "$f" | tail -n 1 | grep -qx manifest.json || lc_fail "'$f' has no manifest: incomplete set without .partial"
        (cd "$LC_SPOOL_DIR" && sha256sum --quiet -c "$(basename "$f").sha256") || lc_fail "'$f' does not verify"
    done
    lc_assert_eq "$first_sum" "$(sha256sum "$first" | cut -d' ' -f1)" "the first set changed"
}
count_sets() { find "$LC_SPOOL_DIR" -maxdepth 1 -type f -name '*.tar' | wc -l; }
in_redis_fetch() { [ -n "$(find "$LC_SPOOL_DIR" -path '*/.work-*' -name redis)" ]; }
sql_count_is_positive() { [ "$(lc_mysql -N -e "$1")" -gt 0 ]; }

# wrong password: 69, MariaDB's own words, no set
good_pw=$(cat "$LC_BACKUP_PASSWORD_FILE")
printf 'wrong-password\n' >"$LC_BACKUP_PASSWORD_FILE"
lc_expect_exit 69 -- lc_tool backup --config "$conf" run
lc_assert_file_contains "$LC_ERR" "error: mariadb dump: .*[Aa]ccess denied for user 'lcbp3_backup'"
lc_assert_file_not_contains "$LC_ERR" "wrong-password"
printf '%s\n' "$good_pw" >"$LC_BACKUP_PASSWORD_FILE"
lc_assert_eq 1 "$(count_sets)" "sets after a refused login"
lc_assert_file_contains "$LC_METRICS_FILE" '^lcbp3_backup_last_run_success 0$'
lc_assert_file_contains "$LC_METRICS_FILE" '^lcbp3_backup_last_exit_code 69$'
# the last success of the first run is kept
lc_assert_file_contains "$LC_METRICS_FILE" '^lcbp3_backup_last_success_timestamp_seconds [0-9]{10}$'

# MariaDB not listening: 69 naming host:port
lc_write_config "$LC_TMP/down.conf" "mariadb.port=$(lc_free_port)"
lc_expect_exit 69 -- lc_tool backup --config "$LC_TMP/down.conf" run
lc_assert_file_contains "$LC_ERR" "127\.0\.0\.1"
# Redis not listening: 69
lc_write_config "$LC_TMP/down.conf" "redis.nodes=127.0.0.1:$(lc_free_port)"
lc_expect_exit 69 -- lc_tool backup --config "$LC_TMP/down.conf" run
lc_assert_file_contains "$LC_ERR" "error: redis snapshot: "
lc_write_config "$conf"
assert_spool_sane

# a second concurrent run exits 75 at once while the first waits for the RDB
lc_tool_bg backup --config "$conf" run
lc_wait_for 30 "the run to reach the redis snapshot" in_redis_fetch
lc_expect_exit 75 -- timeout 10 "$LC_BUILD_DIR/tools/backup/lcbp3-backup" --config "$conf" run
lc_assert_file_contains "$LC_ERR" "another lcbp3-backup run holds the lock"
lc_bg_wait 60
lc_assert_eq 0 "$LC_RC" "the first run after the concurrent attempt"
lc_assert_eq 2 "$(count_sets)" "sets after the concurrent run"

# SIGTERM mid-run: exit 75, everything of this run removed
lc_tool_bg backup --config "$conf" run
lc_wait_for 30 "the run to reach the redis snapshot" in_redis_fetch
kill -TERM "$LC_BG_PID"
lc_bg_wait 30
lc_assert_eq 75 "$LC_RC" "exit status after SIGTERM"
lc_assert_file_contains "$LC_BG_ERR" "interrupted by signal 15"
[ -z "$(find "$LC_SPOOL_DIR" -name '*.partial' -o -name '.work-*')" ] || lc_fail "SIGTERM left files behind"
lc_assert_eq 2 "$(count_sets)" "sets after SIGTERM"

# SIGKILL mid-run: leftovers are only .partial/.work-*, and the next run sweeps them
lc_tool_bg backup --config "$conf" run
lc_wait_for 30 "the run to reach the redis snapshot" in_redis_fetch
kill -KILL "$LC_BG_PID"
lc_bg_wait 30
lc_assert_eq 2 "$(count_sets)" "sets after SIGKILL"
assert_spool_sane
[ -n "$(find "$LC_SPOOL_DIR" -name '.work-*')" ] || lc_fail "expected the killed run's work directory"
lc_expect_exit 0 -- lc_tool backup --config "$conf" run
lc_assert_file_contains "$LC_ERR" "removing '.*\.work-.*', left by an interrupted run"
[ -z "$(find "$LC_SPOOL_DIR" -name '*.partial' -o -name '.work-*')" ] || lc_fail "the next run did not sweep"
lc_assert_eq 3 "$(count_sets)" "sets after the run that followed SIGKILL"

# Redis killed mid-fetch: 69, no new set
lc_tool_bg backup --config "$conf" run
lc_wait_for 30 "the run to reach the redis snapshot" in_redis_fetch
lc_kill_redis
lc_bg_wait 60
lc_assert_eq 69 "$LC_RC" "exit status when redis dies mid-fetch"
lc_assert_file_contains "$LC_BG_ERR" "error: redis snapshot: "
lc_assert_eq 3 "$(count_sets)" "sets after redis died"
assert_spool_sane
lc_start_redis --repl-diskless-sync-delay 0
lc_write_config "$conf"

# MariaDB killed mid-dump: a session holds a write lock on a table, so the dump waits
# on it (deterministically); then the server is killed under it.
lc_mysql "$LC_DB" -e "LOCK TABLES document_numbering_audit_logs WRITE; SELECT SLEEP(60)" >/dev/null 2>&1 &
locker=$!
lc_wait_for 20 "the locking session" sql_count_is_positive \
    "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO LIKE 'SELECT SLEEP(60)%'"
lc_tool_bg backup --config "$conf" run
lc_wait_for 30 "the dump to wait on the locked table" sql_count_is_positive \
    "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE STATE LIKE '%metadata lock%'"
lc_kill_mariadb
lc_bg_wait 60
wait "$locker" 2>/dev/null || true
lc_assert_eq 69 "$LC_RC" "exit status when mariadb dies mid-dump"
lc_assert_file_contains "$LC_BG_ERR" "error: mariadb dump: .*(lost connection|gone away|server)"
lc_assert_eq 3 "$(count_sets)" "sets after mariadb died"
[ -z "$(find "$LC_SPOOL_DIR" -name '*.partial' -o -name '.work-*')" ] || lc_fail "the failed run left files behind"
assert_spool_sane
lc_start_mariadb

# a full spool file system: 73 (cannot create), nothing half-written left, message says why
small="$LC_TMP/small-spool"
mkdir -p "$small"
mount -t tmpfs -o size=64k,mode=0700 lcbp3-test-tmpfs "$small" || lc_fail "cannot mount a tmpfs (the test runs as root)"
# unmount even when an assertion below fails, then run the harness's own cleanup
trap 'rc=$?; umount "$small" 2>/dev/null || true; (exit $rc); lc__on_exit' EXIT
lc_write_config "$LC_TMP/full.conf" "backup.spool_dir=$small"
lc_expect_exit 73 -- lc_tool backup --config "$LC_TMP/full.conf" run
lc_assert_file_contains "$LC_ERR" "No space left on device"
[ -z "$(find "$small" -mindepth 1)" ] || { ls -la "$small" >&2; lc_fail "the failed run left files on the full file system"; }
umount "$small"

# and after all of this a normal run works
lc_write_config "$conf"
lc_expect_exit 0 -- lc_tool backup --config "$conf" run
lc_assert_eq 4 "$(count_sets)" "sets at the end"
assert_spool_sane
lc_pass
