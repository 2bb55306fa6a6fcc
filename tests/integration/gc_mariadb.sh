#!/usr/bin/env bash
# lcbp3-reservations-gc --db-only against a real mariadbd with the LCBP3 seed
# (document_number_reservations: 120 rows, 18 RESERVED and overdue, 6 RESERVED until 2099,
# a BEFORE DELETE trigger that forbids deletes): a dry run lists and counts exactly the 18
# and changes nothing; a user without UPDATE gets 77 and nothing changes; the real run
# cancels exactly those 18 (status and cancelled_at), deletes nothing and leaves every
# other byte of the table as it was; a second dry run finds nothing. The database clock
# decides, whatever the client's TZ: with the server at +07:00 a row that expired by the
# server's NOW() but not by UTC is cancelled and a row due later by the server's NOW() is
# kept, and the same the other way round at -05:00. --batch 1 and --batch 7 (and the
# 'database.table' form, --max-rate) give the result of a single batch. A missing table,
# a misnamed column, no reservations_table, a composite primary key: 78. With Redis down,
# the table is still cleaned and the run exits 69.
# lc-valgrind: yes
set -euo pipefail
. "$LC_SOURCE_DIR/tests/harness/lib.sh"

T=document_number_reservations
lc_start_mariadb
lc_seed_mariadb
# the backup user: SELECT on the database, no UPDATE
conf="$LC_TMP/lcbp3.conf"
lc_write_config "$conf" --redis none numbering.reservations_table=$T
# the GC's least-privilege user: exactly the GRANT its hint names
gc_pwf="$LC_TMP/secrets/mariadb-lcbp3_gc.password"
(umask 077 && head -c 18 /dev/urandom | base64 | tr -d '/+=\n' >"$gc_pwf")
for h in localhost 127.0.0.1; do
    lc_mysql -e "CREATE OR REPLACE USER 'lcbp3_gc'@'$h' IDENTIFIED BY '$(cat "$gc_pwf")';
        GRANT SELECT, UPDATE ON \`$LC_DB\`.\`$T\` TO 'lcbp3_gc'@'$h'" || lc_fail "cannot create lcbp3_gc"
done
gconf="$LC_TMP/gc.conf"
lc_write_config "$gconf" --redis none numbering.reservations_table=$T mariadb.user=lcbp3_gc \
    mariadb.password_file="$gc_pwf"

q() { lc_mysql_q "$1" "$LC_DB"; }
checksum() { q "CHECKSUM TABLE $T EXTENDED" | cut -f2; }
overdue_ids() { q "SELECT GROUP_CONCAT(id ORDER BY id) FROM $T WHERE status = 'RESERVED' AND expires_at < NOW(6)"; }
# every column but the two the GC writes, of every row
untouched_cols() {
    q "SELECT id, token, project_id, originator_id, correspondence_type_id, discipline_id, year,
       document_number, reserved_by, reserved_at, expires_at, confirmed_at FROM $T ORDER BY id"
}
# the outcome, without the cancellation times
state() { q "SELECT id, status, cancelled_at IS NULL FROM $T ORDER BY id"; }
# the row ids a dry run lists
listed_ids() { grep -oE '^overdue-row .* id=[0-9]+' "$LC_OUT" | grep -oE '[0-9]+$' | paste -sd, || true; }
ids_where() { q "SELECT GROUP_CONCAT(id ORDER BY id) FROM $T WHERE $1"; }
json_field() { # SECTION FIELD (of $LC_OUT)
    python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]][sys.argv[3]])' "$LC_OUT" "$@"
}

lc_log "dry run: lists and counts the 18, changes nothing"
overdue=$(overdue_ids)
lc_assert_eq 18 "$(q "SELECT COUNT(*) FROM $T WHERE id IN ($overdue)")" "the seed's overdue rows"
sum0=$(checksum)
lc_expect_exit 1 -- lc_tool reservations-gc --db-only --config "$conf" --dry-run
lc_assert_eq "$overdue" "$(listed_ids)" "the rows the dry run lists"
lc_assert_file_contains "$LC_OUT" "^overdue-row +$LC_DB\.$T id=9 +\(expires_at 2025-"
lc_assert_file_contains "$LC_ERR" "table '$LC_DB\.$T': 18 overdue reservations would be cancelled"
lc_assert_eq "$sum0" "$(checksum)" "a dry run changes nothing"

lc_log "a user without UPDATE: 77, the GRANT named, nothing changed"
lc_expect_exit 77 -- lc_tool reservations-gc --db-only --config "$conf"
lc_assert_file_contains "$LC_ERR" "UPDATE command denied"
lc_assert_file_contains "$LC_ERR" "hint: .*GRANT SELECT, UPDATE ON \`$LC_DB\`\.\`$T\` TO 'lcbp3_backup'@'"
lc_assert_eq "$sum0" "$(checksum)" "a refused run changes nothing"

lc_log "the real run cancels exactly those 18, deletes nothing, touches nothing else"
others0=$(q "SELECT * FROM $T WHERE id NOT IN ($overdue) ORDER BY id")
cols0=$(untouched_cols)
t0=$(q "SELECT NOW(6)")
lc_expect_exit 0 -- lc_tool reservations-gc --db-only --config "$gconf" --json
lc_assert_eq 18 "$(json_field mariadb rows_overdue)" "rows_overdue"
lc_assert_eq 18 "$(json_field mariadb rows_cancelled)" "rows_cancelled"
lc_assert_eq 0 "$(json_field mariadb rows_skipped)" "rows_skipped"
lc_assert_file_contains "$LC_ERR" "table '$LC_DB\.$T': 18 overdue reservations cancelled \(0 skipped"
lc_assert_eq "$overdue" "$(ids_where "status = 'CANCELLED' AND cancelled_at >= '$t0' AND cancelled_at <= NOW(6)")" \
    "the rows cancelled now, with cancelled_at set"
lc_assert_eq 120 "$(q "SELECT COUNT(*) FROM $T")" "no row deleted"
lc_assert_eq "$others0" "$(q "SELECT * FROM $T WHERE id NOT IN ($overdue) ORDER BY id")" "the other rows"
lc_assert_eq "$cols0" "$(untouched_cols)" "the columns the GC does not write"
single=$(state)
lc_expect_exit 0 -- lc_tool reservations-gc --db-only --config "$conf" --dry-run
lc_assert_file_contains "$LC_ERR" "table '$LC_DB\.$T': 0 overdue reservations would be cancelled"

# rows 1000+: expires_at given as SQL on the server, in its time zone
add_rows() { # "ID EXPR" ...
    local v="" r
    for r in "$@"; do
        v+="${v:+,}(${r%% *}, 'tz-${r%% *}', 1, 1, 1, 2026, 'TZ-${r%% *}', 'RESERVED', NOW(6), ${r#* })"
    done
    q "INSERT INTO $T (id, token, project_id, originator_id, correspondence_type_id, year,
       document_number, status, reserved_at, expires_at) VALUES $v"
}

lc_log "server at +07:00: the database clock decides, not the client's"
lc_mysql_q "SET GLOBAL time_zone = '+07:00'"
lc_assert_eq "+07:00" "$(q 'SELECT @@time_zone')" "a new session's time zone"
# 1001-1003 past by the server's NOW() but (1001, 1002) still ahead of UTC;
# 1004-1005 ahead of the server's NOW() but past in Kiritimati (UTC+14)
add_rows "1001 UTC_TIMESTAMP(6) + INTERVAL 1 HOUR" "1002 UTC_TIMESTAMP(6) + INTERVAL 6 HOUR" \
    "1003 NOW(6) - INTERVAL 1 MINUTE" "1004 NOW(6) + INTERVAL 1 HOUR" "1005 NOW(6) + INTERVAL 6 HOUR"
TZ=Pacific/Kiritimati lc_expect_exit 1 -- lc_tool reservations-gc --db-only --config "$gconf" --dry-run
lc_assert_eq "1001,1002,1003" "$(listed_ids)" "overdue by the server's clock (client in Kiritimati)"
TZ=America/Los_Angeles lc_expect_exit 0 -- lc_tool reservations-gc --db-only --config "$gconf"
lc_assert_eq "1001,1002,1003" "$(ids_where "id > 1000 AND status = 'CANCELLED'")" \
    "cancelled by the server's clock (client in Los Angeles)"

lc_log "server at -05:00: the other way round"
lc_mysql_q "SET GLOBAL time_zone = '-05:00'"
lc_assert_eq "-05:00" "$(q 'SELECT @@time_zone')" "a new session's time zone"
# 1011-1012 past by the server's NOW(); 1013-1014 ahead of it but already past in UTC
add_rows "1011 NOW(6) - INTERVAL 1 HOUR" "1012 NOW(6) - INTERVAL 1 MINUTE" \
    "1013 NOW(6) + INTERVAL 1 HOUR" "1014 UTC_TIMESTAMP(6) - INTERVAL 1 HOUR"
TZ=Pacific/Kiritimati lc_expect_exit 1 -- lc_tool reservations-gc --db-only --config "$gconf" --dry-run
lc_assert_eq "1011,1012" "$(listed_ids)" "overdue by the server's clock (client in Kiritimati)"
TZ=UTC lc_expect_exit 0 -- lc_tool reservations-gc --db-only --config "$gconf"
lc_assert_eq "1001,1002,1003,1011,1012" "$(ids_where "id > 1000 AND status = 'CANCELLED'")" \
    "cancelled by the server's clock (client in UTC)"
lc_assert_eq "1004,1005,1013,1014" "$(ids_where "id > 1000 AND status = 'RESERVED'")" "still reserved"
lc_mysql_q "SET GLOBAL time_zone = 'SYSTEM'"

lc_log "--batch 1 and --batch 7 give the single batch's result"
lc_seed_mariadb
lc_expect_exit 0 -- lc_tool reservations-gc --db-only --config "$gconf" --batch 1 -v
lc_assert_eq "$single" "$(state)" "--batch 1"
lc_assert_eq 18 "$(grep -c 'batch of 1 up to id=' "$LC_ERR")" "--batch 1: one UPDATE per row"
lc_seed_mariadb
lc_write_config "$LC_TMP/qualified.conf" --redis none numbering.reservations_table="$LC_DB.$T" \
    mariadb.user=lcbp3_gc mariadb.password_file="$gc_pwf"
lc_expect_exit 0 -- lc_tool reservations-gc --db-only --config "$LC_TMP/qualified.conf" --batch 7 --max-rate 1000 -v
lc_assert_eq "$single" "$(state)" "--batch 7 ('database.table', --max-rate)"
lc_assert_eq "7 7 4" "$(grep -oE 'batch of [0-9]+' "$LC_ERR" | cut -d' ' -f3 | paste -sd' ')" \
    "--batch 7: three UPDATEs"

lc_log "bad configuration: 78"
lc_write_config "$LC_TMP/bad.conf" --redis none numbering.reservations_table=no_such_table
lc_expect_exit 78 -- lc_tool reservations-gc --db-only --config "$LC_TMP/bad.conf" --dry-run
lc_assert_file_contains "$LC_ERR" "table '$LC_DB\.no_such_table' \(\[numbering\] reservations_table\) does not exist"
lc_write_config "$LC_TMP/bad.conf" --redis none numbering.reservations_table=$T \
    numbering.reservation_expires_column=expires_on
lc_expect_exit 78 -- lc_tool reservations-gc --db-only --config "$LC_TMP/bad.conf" --dry-run
lc_assert_file_contains "$LC_ERR" "column 'expires_on' \(\[numbering\] reservation_expires_column\) is not in table"
lc_write_config "$LC_TMP/bad.conf" --redis none
lc_expect_exit 78 -- lc_tool reservations-gc --db-only --config "$LC_TMP/bad.conf" --dry-run
lc_assert_file_contains "$LC_ERR" "reservations_table"
lc_write_config "$LC_TMP/bad.conf" --redis none numbering.reservations_table=document_number_counters \
    numbering.reservation_status_column=version numbering.reservation_expires_column=updated_at \
    numbering.reservation_cancelled_column=updated_at
lc_expect_exit 78 -- lc_tool reservations-gc --db-only --config "$LC_TMP/bad.conf" --dry-run
lc_assert_file_contains "$LC_ERR" "has a primary key of 5 columns"
lc_assert_eq "$single" "$(state)" "no failed run changed anything"

lc_log "Redis down: the table is still cleaned, the run exits 69 naming the node"
lc_seed_mariadb
dead=$(lc_free_port)
lc_write_config "$LC_TMP/noredis.conf" --redis none numbering.reservations_table=$T \
    mariadb.user=lcbp3_gc mariadb.password_file="$gc_pwf" "redis.nodes=127.0.0.1:$dead"
lc_expect_exit 69 -- lc_tool reservations-gc --config "$LC_TMP/noredis.conf"
lc_assert_file_contains "$LC_ERR" "127\.0\.0\.1:$dead"
lc_assert_eq "$single" "$(state)" "the rows were cancelled all the same"

lc_pass
