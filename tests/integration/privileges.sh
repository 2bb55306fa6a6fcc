#!/usr/bin/env bash
# docs/security.md is what this tests: for each program, the account is created with the
# exact statements of its ```sql PROGRAM and ```redis PROGRAM blocks, then the program's
# --check passes (0) and a real command with that account works (backup run, restore db
# and redis into scratch, integrity all, the GC, a DR drill). Then a privilege is taken
# away on each side and --check exits 77 naming it with the GRANT/ACL line to fix it; an
# unreachable server is 69.
# lc-valgrind: yes
set -euo pipefail
. "$LC_SOURCE_DIR/tests/harness/lib.sh"

doc="$LC_SOURCE_DIR/docs/security.md"
[ -f "$doc" ] || lc_fail "missing $doc"

lc_start_mariadb
lc_seed_mariadb
lc_start_redis
lc_seed_redis 100

# doc_block KIND PROGRAM: the lines of the fenced block "```KIND PROGRAM" of the doc
doc_block() {
    awk -v tag="\`\`\`$1 $2" '$0 == tag { on = 1; next } on && /^```/ { on = 0 } on' "$doc"
}

# account PROGRAM: create its MariaDB and Redis users from the doc and write
# $LC_TMP/PROGRAM.conf for them (extra section.key=value arguments are passed on)
account() {
    local prog=$1 sql acl pwf pw muser ruser line
    local -a words
    shift
    sql=$(doc_block sql "$prog")
    acl=$(doc_block redis "$prog")
    [ -n "$sql" ] || lc_fail "docs/security.md has no \`\`\`sql $prog block"
    [ -n "$acl" ] || lc_fail "docs/security.md has no \`\`\`redis $prog block"
    pwf="$LC_TMP/secrets/$prog.password"
    (umask 077 && head -c 18 /dev/urandom | base64 | tr -d '/+=' >"$pwf")
    pw=$(cat "$pwf")
    muser=$(sed -n "s/^CREATE USER '\([^']*\)'@.*/\1/p" <<<"$sql" | head -n 1)
    [ -n "$muser" ] || lc_fail "no CREATE USER in the $prog block"
    lc_mysql -e "${sql//CHANGE-ME/$pw}" || lc_fail "the $prog statements of docs/security.md fail"
    ruser=
    while IFS= read -r line; do
        [ -n "$line" ] || continue
        read -r -a words <<<"${line//CHANGE-ME/$pw}"
        [ "${words[0]} ${words[1]}" = "ACL SETUSER" ] || lc_fail "not an ACL SETUSER line: $line"
        ruser=${words[2]}
        [ "$(lc_redis_cli "${words[@]}")" = OK ] || lc_fail "redis refused: $line"
    done <<<"$acl"
    # the account of the doc, not the harness's own lcbp3_backup@localhost
    LC_BACKUP_USER=$muser LC_BACKUP_PASSWORD_FILE=$pwf \
        lc_write_config "$LC_TMP/$prog.conf" mariadb.user="$muser" mariadb.password_file="$pwf" \
        redis.user="$ruser" redis.password_file="$pwf" "$@"
}

check_ok() { # PROGRAM
    lc_expect_exit 0 -- lc_tool "${1#lcbp3-}" --config "$LC_TMP/$1.conf" --check
    lc_assert_file_not_contains "$LC_OUT" ' MISSING$'
    lc_assert_file_contains "$LC_OUT" '^# [0-9]+ OK, 0 missing'
}

# --- lcbp3-backup: --check, then a real set with that account
account lcbp3-backup
check_ok lcbp3-backup
lc_assert_file_contains "$LC_OUT" '^mariadb +TRIGGER ON `lcbp3_production`\.\* +OK'
lc_assert_file_contains "$LC_OUT" '^redis +\+dump ~\* +OK'
lc_expect_exit 0 -- lc_tool backup --config "$LC_TMP/lcbp3-backup.conf" run --no-ship
set_path=$(tail -n 1 "$LC_OUT")
lc_assert_file_exists "$set_path"

# --- lcbp3-restore: into the scratch database and a scratch Redis database
account lcbp3-restore
# with the binary log on, triggers and routines need SUPER unless the server trusts
# their creators: --check says so, docs/security.md recommends the server setting
lc_expect_exit 77 -- lc_tool restore --config "$LC_TMP/lcbp3-restore.conf" --check
lc_assert_file_contains "$LC_OUT" 'log_bin_trust_function_creators = 1'
lc_mysql -e 'SET GLOBAL log_bin_trust_function_creators = 1'
check_ok lcbp3-restore
lc_expect_exit 0 -- lc_tool restore --config "$LC_TMP/lcbp3-restore.conf" db latest \
    --into lcbp3_drill --yes
lc_assert_eq "$(lc_checksum_tables "$LC_DB")" "$(lc_checksum_tables lcbp3_drill)" \
    "restored copy differs"
# again: the copy exists now, so this goes through a staging database and the swap
lc_expect_exit 0 -- lc_tool restore --config "$LC_TMP/lcbp3-restore.conf" db latest \
    --into lcbp3_drill --yes
lc_expect_exit 0 -- lc_tool restore --config "$LC_TMP/lcbp3-restore.conf" redis latest \
    --redis-db 14 --yes
[ "$(lc_redis_cli -n 14 DBSIZE)" -gt 0 ] || lc_fail "nothing restored into redis db 14"

# --- lcbp3-integrity
account lcbp3-integrity
check_ok lcbp3-integrity
lc_expect_exit '0|1|2' -- lc_tool integrity --config "$LC_TMP/lcbp3-integrity.conf" all
lc_assert_file_not_contains "$LC_OUT" 'UNKNOWN'

# --- lcbp3-reservations-gc: a dry run, then the real run (scripts, UNLINK, UPDATE)
account lcbp3-reservations-gc numbering.reservations_table=document_number_reservations
check_ok lcbp3-reservations-gc
lc_expect_exit '0|1' -- lc_tool reservations-gc --config "$LC_TMP/lcbp3-reservations-gc.conf" \
    --dry-run
lc_expect_exit 0 -- lc_tool reservations-gc --config "$LC_TMP/lcbp3-reservations-gc.conf"
lc_assert_file_contains "$LC_ERR" 'deleted'

# --- lcbp3-dr: a drill into lcbp3_drill / Redis db 15 with the dr account
lc_mysql -e 'DROP DATABASE IF EXISTS lcbp3_drill'
account lcbp3-dr dr.scratch_database=lcbp3_drill dr.scratch_redis_db=15 \
    dr.rto_database=1h dr.rpo_database=1h dr.rto_site=1h dr.rpo_site=1h \
    dr.rto_corruption=1h dr.rpo_corruption=1h
check_ok lcbp3-dr
lc_expect_exit 0 -- lc_tool dr --config "$LC_TMP/lcbp3-dr.conf" drill --report "$LC_TMP/drills"
lc_assert_file_contains "$LC_OUT" '^drill passed'

# --- a privilege taken away: 77, naming it, with the statement that gives it back
lc_mysql -e "REVOKE TRIGGER ON \`lcbp3_production\`.* FROM 'lcbp3_backup'@'%'"
lc_expect_exit 77 -- lc_tool backup --config "$LC_TMP/lcbp3-backup.conf" --check
lc_assert_file_contains "$LC_OUT" '^mariadb +TRIGGER ON `lcbp3_production`\.\* +MISSING$'
lc_assert_file_contains "$LC_OUT" "GRANT TRIGGER ON \`lcbp3_production\`\.\* TO 'lcbp3_backup'@'%';"
lc_assert_file_contains "$LC_ERR" 'lacks 1 privilege: TRIGGER ON `lcbp3_production`'
lc_mysql -e "GRANT TRIGGER ON \`lcbp3_production\`.* TO 'lcbp3_backup'@'%'"

lc_mysql -e "REVOKE UPDATE ON \`$LC_DB\`.document_number_reservations FROM 'lcbp3_gc'@'%'"
lc_expect_exit 77 -- lc_tool reservations-gc --config "$LC_TMP/lcbp3-reservations-gc.conf" --check
lc_assert_file_contains "$LC_OUT" \
    '^mariadb +UPDATE ON `lcbp3_production`\.`document_number_reservations` +MISSING$'

lc_mysql -e "REVOKE PROCESS ON *.* FROM 'lcbp3_integrity'@'%'"
lc_expect_exit 77 -- lc_tool integrity --config "$LC_TMP/lcbp3-integrity.conf" --check
lc_assert_file_contains "$LC_OUT" "GRANT PROCESS ON \*\.\* TO 'lcbp3_integrity'@'%';"

lc_redis_cli ACL SETUSER lcbp3_backup -dump >/dev/null
lc_expect_exit 77 -- lc_tool backup --config "$LC_TMP/lcbp3-backup.conf" --check
lc_assert_file_contains "$LC_OUT" '^redis +\+dump ~\* +MISSING$'
lc_assert_file_contains "$LC_OUT" 'ACL SETUSER lcbp3_backup \+dump'

lc_redis_cli ACL SETUSER lcbp3_gc resetkeys '~lock:docnum:*' >/dev/null
lc_expect_exit 77 -- lc_tool reservations-gc --config "$LC_TMP/lcbp3-reservations-gc.conf" --check
lc_assert_file_contains "$LC_OUT" 'ACL SETUSER lcbp3_gc ~reservation:\*'

lc_redis_cli ACL SETUSER lcbp3_restore -restore >/dev/null
lc_expect_exit 77 -- lc_tool restore --config "$LC_TMP/lcbp3-restore.conf" --check
lc_assert_file_contains "$LC_ERR" 'lacks 1 privilege: \+restore ~\*'

# a server that does not answer: 69
lc_write_config "$LC_TMP/down.conf" mariadb.port="$(lc_free_port)"
lc_expect_exit 69 -- lc_tool integrity --config "$LC_TMP/down.conf" --check
lc_pass
