#!/usr/bin/env bash
# lcbp3-dr plan and run against real servers: the plan names the set and its age; a full
# run after the database is dropped and every Redis key deleted brings both back
# (CHECKSUM TABLE and a key-by-key fingerprint equal to before) and ends with the RTO and
# RPO line; a steps file whose third step fails stops there (exit 69, state kept, the
# command to resume), and the rerun resumes at step 3 without redoing 1-2; --from-step;
# no confirmation without a terminal (64, nothing touched); bad steps files (78 naming
# file and line); a wait-ready and a start command bounded by their timeouts.
set -euo pipefail
. "$LC_SOURCE_DIR/tests/harness/lib.sh"

lc_start_mariadb
lc_seed_mariadb
lc_create_admin_user
lc_start_redis
lc_seed_redis
conf="$LC_TMP/lcbp3.conf"
lc_write_config "$conf" mariadb.user="$LC_ADMIN_USER" mariadb.password_file="$LC_ADMIN_PASSWORD_FILE"
dr() { lc_tool dr --config "$conf" "$@"; }
state="$LC_SPOOL_DIR/lcbp3-dr-run.json"

lc_expect_exit 0 -- lc_tool backup --config "$conf" run --no-ship
set_name=$(basename "$(tail -n 1 "$LC_OUT")")
sum_before=$(lc_checksum_tables "$LC_DB")
keys_before=$(lc_redis_fingerprint)

# --- the plan -------------------------------------------------------------------------
lc_expect_exit 0 -- dr plan
lc_assert_file_contains "$LC_OUT" "^Recovery plan \(built in\), 5 steps:"
lc_assert_file_contains "$LC_OUT" "^ 3\. restore Redis  \[restore-redis\]  DESTRUCTIVE"
lc_assert_file_contains "$LC_OUT" "lcbp3-restore --config $conf db $set_name --yes"
lc_assert_file_contains "$LC_OUT" "^Set to restore: $set_name \(the spool\), taken .*, [0-9]+s ago"

# --- no terminal, no --yes: refused before anything is touched --------------------------
lc_expect_exit 64 -- dr run
lc_assert_file_contains "$LC_ERR" "hint: read the plan above, then run again with --yes"
lc_assert_eq "$sum_before" "$(lc_checksum_tables "$LC_DB")" "the database after a refused run"

# --- disaster: the database dropped, every Redis key gone; then the whole run ------------
lc_mysql -e "DROP DATABASE \`$LC_DB\`"
lc_redis_cli EVAL "for _, k in ipairs(redis.call('KEYS', '*')) do redis.call('DEL', k) end return 1" 0 >/dev/null
lc_assert_eq 0 "$(lc_redis_cli DBSIZE)" "keys left after the flush"
lc_expect_exit 0 -- dr run --yes
for n in 1 2 3 4 5; do
    lc_assert_file_contains "$LC_OUT" "^==> step $n/5: "
done
lc_assert_file_contains "$LC_OUT" "^    ok in [0-9.]+ s$"
lc_assert_file_contains "$LC_OUT" "^Recovery complete in [0-9.]+(ms|s|m[0-9]*s?) \(RTO, since the run began\); restored data from .*\(RPO\)\.$"
lc_assert_eq "$sum_before" "$(lc_checksum_tables "$LC_DB")" "CHECKSUM TABLE after the recovery"
lc_assert_eq "$keys_before" "$(lc_redis_fingerprint)" "Redis keys after the recovery"
[ ! -e "$state" ] || lc_fail "the finished run left its state file"

# --- a run that fails at step 3 and resumes ----------------------------------------------
go="$LC_TMP/go"
steps="$LC_TMP/steps.ini"
cat >"$steps" <<EOF
[wait for MariaDB]
type = wait-ready
service = mariadb
timeout = 30s

[restore Redis]
type = restore-redis

[the application is stopped]
type = start
command = test -f '$go'
timeout = 10s

[restore MariaDB]
type = restore-db

[verify]
type = verify
checks = health
EOF
lc_write_config "$conf" mariadb.user="$LC_ADMIN_USER" mariadb.password_file="$LC_ADMIN_PASSWORD_FILE" \
    dr.steps_file="$steps"
lc_expect_exit 0 -- dr plan
lc_assert_file_contains "$LC_OUT" "^Recovery plan \($steps\), 5 steps:"
lc_assert_file_contains "$LC_OUT" "run \(no shell, at most 10s\): test -f $go"
lc_mysql -e "DROP DATABASE \`$LC_DB\`"
lc_expect_exit 69 -- dr run --yes
lc_assert_file_contains "$LC_OUT" "^==> step 2/5: restore Redis"
lc_assert_file_contains "$LC_OUT" "^    FAILED after [0-9.]+ s: 'test -f $go' exited 1"
lc_assert_file_contains "$LC_ERR" "error: step 3 \(the application is stopped\) failed"
lc_assert_file_contains "$LC_ERR" "hint: fix the cause, then 'lcbp3-dr run' resumes at step 3"
lc_assert_file_exists "$state"
lc_assert_file_not_contains "$LC_OUT" "step 4/5"
: >"$go"
lc_expect_exit 0 -- dr run --yes
lc_assert_file_contains "$LC_OUT" "^Resuming the run begun at .*: steps 1-2 are done, going on with step 3\."
lc_assert_file_not_contains "$LC_OUT" "step [12]/5"
lc_assert_file_contains "$LC_OUT" "^==> step 4/5: restore MariaDB"
lc_assert_eq "$sum_before" "$(lc_checksum_tables "$LC_DB")" "CHECKSUM TABLE after the resumed recovery"
[ ! -e "$state" ] || lc_fail "the finished run left its state file"

# --from-step: only the last step
lc_expect_exit 0 -- dr run --yes --from-step 5
lc_assert_file_contains "$LC_OUT" "^==> step 5/5: verify"
lc_assert_file_not_contains "$LC_OUT" "step [1-4]/5"
lc_expect_exit 64 -- dr run --yes --from-step 9
lc_assert_file_contains "$LC_ERR" "the plan has 5 steps"

# --- bounded waits and commands -----------------------------------------------------------
port=$(lc_free_port)
cat >"$steps" <<EOF
[the backend answers]
type = wait-ready
service = url
url = http://127.0.0.1:$port/health
timeout = 3s
EOF
start=$SECONDS
lc_expect_exit 69 -- dr run --yes
lc_assert_file_contains "$LC_ERR" "step 1 \(the backend answers\) failed: not ready after 3s \([0-9]+ tries\)"
[ $((SECONDS - start)) -lt 30 ] || lc_fail "a 3 s wait took $((SECONDS - start)) s"
rm -f "$state"
cat >"$steps" <<EOF
[slow]
type = start
command = sleep 60
timeout = 1s
EOF
start=$SECONDS
lc_expect_exit 69 -- dr run --yes
lc_assert_file_contains "$LC_ERR" "'sleep 60' did not finish within 1s \(stopped\)"
[ $((SECONDS - start)) -lt 30 ] || lc_fail "a 1 s command limit took $((SECONDS - start)) s"
rm -f "$state"

# --- bad steps files ---------------------------------------------------------------------
printf '[one]\ntype = reboot\n' >"$steps"
lc_expect_exit 78 -- dr plan
lc_assert_file_contains "$LC_ERR" "$steps:2: type 'reboot' is not start, wait-ready"
printf '[one]\ntype = start\n' >"$steps"
lc_expect_exit 78 -- dr plan
lc_assert_file_contains "$LC_ERR" "$steps: step 1 \[one\] \(start\) needs 'command'"
printf '[one]\ntype = start\ncommand = echo "unterminated\n' >"$steps"
lc_expect_exit 78 -- dr plan
lc_assert_file_contains "$LC_ERR" "$steps:3: command: unterminated \" quote"
printf '[one]\ntype = manual\ntext = do it\ncolour = red\n' >"$steps"
lc_expect_exit 78 -- dr plan
lc_assert_file_contains "$LC_ERR" "$steps:4: unknown key 'colour'"
lc_pass
