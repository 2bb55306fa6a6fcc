#!/usr/bin/env bash
# The command-line contract of all five programs, without servers: --help, --version,
# --check-config (secrets masked; 78 with file:line:key for bad config; 77 for a secret
# file readable by others), usage errors 64, and "not implemented yet" 70 for commands
# whose issue has not landed (never a fake success).
# lc-valgrind: yes
set -euo pipefail
. "$LC_SOURCE_DIR/tests/harness/lib.sh"

tools=(backup restore integrity reservations-gc dr)

for t in "${tools[@]}"; do
    lc_expect_exit 0 -- lc_tool "$t" --help
    lc_assert_file_contains "$LC_OUT" "^Usage: lcbp3-$t"
    lc_assert_file_contains "$LC_OUT" "78  configuration error"
    lc_expect_exit 0 -- lc_tool "$t" --version
    lc_assert_file_contains "$LC_OUT" "^lcbp3-$t [0-9]+\.[0-9]+\.[0-9]+$"
    lc_expect_exit 64 -- lc_tool "$t" --no-such-option
    lc_assert_file_contains "$LC_ERR" "unknown option '--no-such-option'"
    lc_assert_file_contains "$LC_ERR" "hint: see 'lcbp3-$t --help'"
done

# a config with a secret: --check-config masks it
pw="$LC_TMP/mariadb.password"
printf 'hunter2-very-secret\n' >"$pw"
chmod 600 "$pw"
conf="$LC_TMP/good.conf"
printf '[mariadb]\nuser = lcbp3_backup\npassword_file = %s\n[backup]\nspool_dir = %s/spool\nlock_dir = %s/lock\n' \
    "$pw" "$LC_TMP" "$LC_TMP" >"$conf"
for t in "${tools[@]}"; do
    lc_expect_exit 0 -- lc_tool "$t" --config "$conf" --check-config
    lc_assert_file_contains "$LC_OUT" '^# password = <redacted>$'
    lc_assert_file_contains "$LC_OUT" "^password_file = $pw\$"
    lc_assert_file_not_contains "$LC_OUT" 'hunter2'
done
LCBP3_CONFIG="$conf" lc_expect_exit 0 -- lc_tool backup --check-config
lc_assert_file_contains "$LC_OUT" "effective configuration from '$conf'"

# bad configs: 78 naming file:line and key
bad="$LC_TMP/bad.conf"
printf '[mariadb]\nhost = db\nprot = 3306\n' >"$bad"
lc_expect_exit 78 -- lc_tool backup --config "$bad" --check-config
lc_assert_file_contains "$LC_ERR" "$bad:3: \[mariadb\] prot: unknown key"
printf '[backup]\nthreads = many\n' >"$bad"
lc_expect_exit 78 -- lc_tool backup --config "$bad" run
lc_assert_file_contains "$LC_ERR" "$bad:2: \[backup\] threads: "
printf '[retention]\nkeep_days = 30\n[retention]\nkeep_days = 7\n' >"$bad"
lc_expect_exit 78 -- lc_tool backup --config "$bad" list
lc_assert_file_contains "$LC_ERR" "set twice"
lc_expect_exit 78 -- lc_tool backup --config "$LC_TMP/missing.conf" run
lc_assert_file_contains "$LC_ERR" "cannot read config file '$LC_TMP/missing.conf'"

# a secret file readable by others: 77 with the chmod hint
chmod 644 "$pw"
lc_expect_exit 77 -- lc_tool backup --config "$conf" run
lc_assert_file_contains "$LC_ERR" "secret file '$pw' is accessible by group or others \(mode 0644\)"
lc_assert_file_contains "$LC_ERR" "hint: chmod 600"
chmod 600 "$pw"

# usage errors
lc_expect_exit 64 -- lc_tool backup --config "$conf"
lc_assert_file_contains "$LC_ERR" "a command is required"
lc_expect_exit 64 -- lc_tool backup --config "$conf" backup
lc_assert_file_contains "$LC_ERR" "unknown command 'backup'"
lc_expect_exit 64 -- lc_tool backup --config "$conf" list --kind daily
lc_assert_file_contains "$LC_ERR" "option '--kind' does not apply to 'list'"
lc_expect_exit 64 -- lc_tool backup --config "$conf" run --db-only --redis-only
lc_expect_exit 64 -- lc_tool backup --config "$conf" run --kind hourly
lc_assert_file_contains "$LC_ERR" "--kind 'hourly'"
lc_expect_exit 64 -- lc_tool backup --config "$conf" run extra

# binlog archiving is off unless [backup] binlog_client_id is set: 78, saying so
lc_expect_exit 78 -- lc_tool backup --config "$conf" binlog
lc_assert_file_contains "$LC_ERR" "binlog archiving is off"
lc_expect_exit 64 -- lc_tool backup --config "$conf" run --follow
# ship and verify without a target configured: 78, saying so
lc_expect_exit 78 -- lc_tool backup --config "$conf" ship
lc_assert_file_contains "$LC_ERR" "no \[target.NAME\] is configured"
lc_expect_exit 78 -- lc_tool backup --config "$conf" verify
lc_expect_exit 64 -- lc_tool backup --config "$conf" verify --kind daily
lc_expect_exit 64 -- lc_tool restore --config "$conf" db latest --target nowhere
lc_assert_file_contains "$LC_ERR" "there is no \[target.nowhere\]"
lc_expect_exit 64 -- lc_tool restore --config "$conf" db latest --until '2026-01-01 25:00:00'
lc_assert_file_contains "$LC_ERR" "--until '2026-01-01 25:00:00' is not 'YYYY-MM-DD HH:MM:SS'"
lc_expect_exit 64 -- lc_tool restore --config "$conf" set latest --until '2026-01-01 00:00:00'
lc_assert_file_contains "$LC_ERR" "option '--until' does not apply to 'set'"
lc_expect_exit 66 -- lc_tool restore --config "$conf" db latest
lc_assert_file_contains "$LC_ERR" "no complete set in the spool or on any target"
lc_expect_exit 64 -- lc_tool restore --config "$conf" db
lc_assert_file_contains "$LC_ERR" "'db' needs a SET"
lc_expect_exit 64 -- lc_tool restore --config "$conf" redis latest --into x
lc_assert_file_contains "$LC_ERR" "option '--into' does not apply to 'redis'"
lc_expect_exit 64 -- lc_tool restore --config "$conf" db latest --tables a,,b
lc_expect_exit 64 -- lc_tool integrity --config "$conf" health --deep
lc_assert_file_contains "$LC_ERR" "option '--deep' does not apply to 'health'"
lc_expect_exit 64 -- lc_tool integrity --config "$conf" backups --budget 10m
lc_assert_file_contains "$LC_ERR" "give --deep too"
lc_expect_exit 64 -- lc_tool integrity --config "$conf" backups --deep --budget soon
lc_expect_exit 64 -- lc_tool integrity --config "$conf" verify
lc_expect_exit 64 -- lc_tool reservations-gc --config "$conf" --batch many
lc_assert_file_contains "$LC_ERR" "--batch 'many'"
lc_expect_exit 66 -- lc_tool dr --config "$conf" plan
lc_assert_file_contains "$LC_OUT" "^Set to restore: none\. no complete set in the spool or on any target"
lc_expect_exit 64 -- lc_tool dr --config "$conf" explode
lc_expect_exit 64 -- lc_tool dr --config "$conf" runbook
lc_assert_file_contains "$LC_ERR" "'runbook' needs a NAME"
lc_expect_exit 64 -- lc_tool dr --config "$conf" plan --yes
lc_expect_exit 64 -- lc_tool dr --config "$conf" run --from-step 0
lc_expect_exit 64 -- lc_tool dr --config "$conf" runbook high-utilization --factor 0.5

# an empty spool lists as empty; --json is valid JSON (an empty array)
lc_expect_exit 0 -- lc_tool backup --config "$conf" list
lc_assert_file_contains "$LC_OUT" "no sets in the spool"
lc_expect_exit 0 -- lc_tool backup --config "$conf" list --json
lc_assert_eq "[]" "$(tr -d ' \n' <"$LC_OUT")" "empty list as JSON"

lc_pass
