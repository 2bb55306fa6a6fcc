#!/usr/bin/env bash
# lcbp3-dr runbook audit-archive (and lcbp3-backup archive-audit, the same code) against a
# real mariadbd with the LCBP3 seed's audit log (rows from 2021 to 2025): a dry run counts
# the rows older than the cutoff (from the database clock), exits 1 and changes nothing;
# a user without the archive's privileges gets 77 and the GRANT; --apply with exactly
# those GRANTs creates the archive table, moves exactly the old rows (count and a hash of
# every row of both tables together unchanged, the archive all old, the audit table all
# new) and exports them as gzip CSV to the spool and a file:// target with a sidecar that
# sha256sum accepts, the CSV holding a header and exactly the archived rows, value for
# value (Thai text, JSON, INET6, NULLs). A run SIGKILLed while copying, then one killed
# while deleting, then a rerun: no row lost or doubled, every deleted row in an export
# on the target. A second run finds nothing (0). Bad options and config: 64, 78.
# lc-valgrind: yes
set -euo pipefail
. "$LC_SOURCE_DIR/tests/harness/lib.sh"

A=document_numbering_audit_logs
B=${A}_archive
ROWS=3000
lc_start_mariadb
lc_seed_mariadb "$LC_DB" audit_rows=$ROWS
nas="$LC_TMP/nas"
mkdir -p "$nas"

# the archive's least-privilege user: exactly the GRANTs its hint names
ar_pwf="$LC_TMP/secrets/mariadb-lcbp3_archive.password"
(umask 077 && head -c 18 /dev/urandom | base64 | tr -d '/+=\n' >"$ar_pwf")
for h in localhost 127.0.0.1; do
    lc_mysql -e "CREATE OR REPLACE USER 'lcbp3_archive'@'$h' IDENTIFIED BY '$(cat "$ar_pwf")';
        GRANT SELECT, DELETE ON \`$LC_DB\`.\`$A\` TO 'lcbp3_archive'@'$h';
        GRANT SELECT, INSERT, CREATE ON \`$LC_DB\`.\`$B\` TO 'lcbp3_archive'@'$h'" ||
        lc_fail "cannot create lcbp3_archive"
done
conf="$LC_TMP/archive.conf"
lc_write_config "$conf" --redis none mariadb.user=lcbp3_archive mariadb.password_file="$ar_pwf" \
    numbering.audit_archive_batch=100 "target.nas.url=file://$nas"
# the backup user: SELECT only
bconf="$LC_TMP/backup.conf"
lc_write_config "$bconf" --redis none "target.nas.url=file://$nas"

q() { lc_mysql_q "$1" "$LC_DB"; }
# every stored value of a row, NULLs marked, then the count and an XOR of the rows' hashes
ROWHASH="CONV(LEFT(SHA2(CONCAT_WS('|', id, sequence_id, generated_number, action,
    IFNULL(user_id, '~'), IFNULL(metadata, '~'), IFNULL(ip_address, '~'), created_at), 256), 15), 16, 10)"
agg() { q "SELECT COUNT(*), BIT_XOR($ROWHASH) FROM $1"; }
both() { agg "(SELECT * FROM $A UNION ALL SELECT * FROM $B) t"; }
json() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$LC_OUT" "$1"; }
copied_some() { [ "$(has_table $B)" = 1 ] && [ "$(q "SELECT COUNT(*) FROM $B")" -gt 0 ]; }
deleted_some() { [ "$(q "SELECT COUNT(*) FROM $A")" -lt $ROWS ]; }
has_table() { q "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '$LC_DB' AND TABLE_NAME = '$1'"; }

lc_log "dry run: counts the old rows by the database clock, exits 1, changes nothing"
all0=$(agg $A)
sum0=$(q "CHECKSUM TABLE $A EXTENDED" | cut -f2)
lc_expect_exit 1 -- lc_tool dr --config "$conf" --json runbook audit-archive
cutoff=$(json cutoff)
old=$(q "SELECT COUNT(*) FROM $A WHERE created_at < '$cutoff'")
[ "$old" -gt 100 ] && [ "$old" -lt $ROWS ] || lc_fail "the seed should have old and new rows (old: $old)"
lc_assert_eq "$old" "$(json rows_older)" "rows older than the cutoff"
lc_assert_eq "$(q "SELECT MIN(created_at) FROM $A")" "$(json oldest)" "oldest"
lc_assert_eq "$(( (old + 99) / 100 ))" "$(json batches)" "batches of 100"
lc_assert_eq "$(q "SELECT NOW(6) - INTERVAL 2 YEAR < '$cutoff' + INTERVAL 1 MINUTE AND NOW(6) - INTERVAL 2 YEAR >= '$cutoff'")" 1 "cutoff = NOW - 2y"
lc_expect_exit 1 -- lc_tool dr --config "$conf" runbook audit-archive
lc_assert_file_contains "$LC_OUT" "^rows older +$old \(oldest "
lc_assert_file_contains "$LC_OUT" "^to archive them: lcbp3-dr runbook audit-archive --apply$"
lc_expect_exit 1 -- lc_tool backup --config "$conf" archive-audit --dry-run --older-than 3y
lc_assert_file_contains "$LC_OUT" "^to archive them: lcbp3-backup archive-audit$"
lc_assert_eq "$sum0" "$(q "CHECKSUM TABLE $A EXTENDED" | cut -f2)" "a dry run changes nothing"
lc_assert_eq 0 "$(has_table $B)" "a dry run creates no archive table"
[ -z "$(ls -A "$nas")" ] || lc_fail "a dry run shipped something"

lc_log "bad options and config"
lc_expect_exit 64 -- lc_tool dr --config "$conf" runbook audit-archive --older-than soon
lc_assert_file_contains "$LC_ERR" "older-than 'soon'"
lc_expect_exit 64 -- lc_tool dr --config "$conf" runbook audit-archive --older-than 1h
lc_expect_exit 64 -- lc_tool dr --config "$conf" runbook audit-archive --kill 5
lc_expect_exit 64 -- lc_tool dr --config "$conf" plan --older-than 2y
lc_write_config "$LC_TMP/bad.conf" --redis none "numbering.audit_archive_table=$(printf 'x%.0s' {1..70})"
lc_expect_exit 78 -- lc_tool dr --config "$LC_TMP/bad.conf" runbook audit-archive
lc_write_config "$LC_TMP/bad.conf" --redis none 'numbering.audit_table=no_such_table'
lc_expect_exit 78 -- lc_tool dr --config "$LC_TMP/bad.conf" runbook audit-archive
lc_write_config "$LC_TMP/bad.conf" --redis none 'numbering.audit_time_column=nope'
lc_expect_exit 78 -- lc_tool dr --config "$LC_TMP/bad.conf" runbook audit-archive
lc_assert_file_contains "$LC_ERR" "column 'nope'"
lc_write_config "$LC_TMP/bad.conf" --redis none 'numbering.audit_archive_batch=0'
lc_expect_exit 78 -- lc_tool dr --config "$LC_TMP/bad.conf" runbook audit-archive

lc_log "a user without the privileges: 77, the GRANTs named, nothing changed"
lc_expect_exit 77 -- lc_tool dr --config "$bconf" runbook audit-archive --apply
lc_assert_file_contains "$LC_ERR" "GRANT SELECT, DELETE ON \`$LC_DB\`\.\`$A\` TO 'lcbp3_backup'@"
lc_assert_file_contains "$LC_ERR" "GRANT SELECT, INSERT, CREATE ON \`$LC_DB\`\.\`$B\`"
lc_assert_eq "$sum0" "$(q "CHECKSUM TABLE $A EXTENDED" | cut -f2)" "refused: nothing changed"

lc_log "--apply: exactly the old rows move, exported to the spool and the target"
lc_expect_exit 0 -- lc_tool dr --config "$conf" --json runbook audit-archive --apply
cutoff=$(json cutoff)
moved=$(json deleted)
lc_assert_eq "$old" "$(json rows_older)" "rows older (the same cutoff, minutes later)"
lc_assert_eq "$moved" "$(json copied)" "copied = deleted"
lc_assert_eq "$moved" "$(json exported)" "exported = deleted"
lc_assert_eq "$moved" "$(q "SELECT COUNT(*) FROM $B")" "archive rows"
lc_assert_eq "$all0" "$(both)" "every row once, in one table or the other, unchanged"
lc_assert_eq 0 "$(q "SELECT COUNT(*) FROM $A WHERE created_at < '$cutoff'")" "no old row left"
lc_assert_eq 0 "$(q "SELECT COUNT(*) FROM $B WHERE created_at >= '$cutoff'")" "no new row archived"
lc_assert_eq "$((ROWS - moved))" "$(q "SELECT COUNT(*) FROM $A")" "new rows kept"
name=$(json export)
[[ $name =~ ^audit-archive/${A}-[0-9]{8}-[0-9]{8}-[0-9]{8}T[0-9]{6}Z\.csv\.gz$ ]] || lc_fail "export name '$name'"
lc_assert_file_exists "$LC_SPOOL_DIR/$name"
lc_assert_file_exists "$nas/$name"
lc_assert_file_exists "$nas/$name.sha256"
cmp "$LC_SPOOL_DIR/$name" "$nas/$name" || lc_fail "the target's copy differs from the spool's"
(cd "$nas" && sha256sum -c --quiet "$name.sha256") || lc_fail "sidecar on the target"
(cd "$LC_SPOOL_DIR" && sha256sum -c --quiet "$name.sha256") || lc_fail "sidecar in the spool"
lc_assert_eq "$(stat -c %s "$nas/$name")" "$(json export_bytes)" "export bytes"
lc_assert_file_exists "$LC_SPOOL_DIR/$name.shipped-nas"

# the CSV: header, then exactly the archive's rows, value for value (NULL: empty field)
lc_mysql -N -B --raw -e "SELECT id, sequence_id, generated_number, action, user_id, metadata,
    ip_address, created_at FROM $B ORDER BY id" "$LC_DB" >"$LC_TMP/archive.tsv"
python3 - "$nas/$name" "$LC_TMP/archive.tsv" <<'PY' || lc_fail "the CSV does not match the archive table"
import csv, gzip, io, sys
with gzip.open(sys.argv[1], 'rb') as f:
    raw = f.read()
text = raw.decode('utf-8')
rows = list(csv.reader(io.StringIO(text, newline='')))
want_header = ['id', 'sequence_id', 'generated_number', 'action', 'user_id', 'metadata', 'ip_address', 'created_at']
assert rows[0] == want_header, rows[0]
with open(sys.argv[2], encoding='utf-8') as f:
    want = [['' if v == 'NULL' else v for v in line.rstrip('\n').split('\t')] for line in f]
got = rows[1:]
assert len(got) == len(want), (len(got), len(want))
for g, w in zip(got, want):
    assert g == w, (g, w)
assert any('ด่วน' in r[5] for r in got), 'no Thai text in the export'
assert any(r[4] == '' for r in got) and any(r[6] == '' for r in got), 'no NULLs'
assert b',,' in raw or b',\r\n' in raw, 'NULL is not an empty unquoted field'
print(len(got), 'rows match')
PY

lc_log "a second run finds nothing (0) and exports nothing"
lc_expect_exit 0 -- lc_tool dr --config "$conf" runbook audit-archive --apply
lc_assert_file_contains "$LC_OUT" "^rows older +0$"
lc_expect_exit 0 -- lc_tool backup --config "$conf" archive-audit
lc_expect_exit 0 -- lc_tool dr --config "$conf" runbook audit-archive
lc_assert_eq 1 "$(find "$nas/audit-archive" -name '*.csv.gz' | wc -l)" "one export on the target"

lc_log "SIGKILL while copying, then while deleting, then a rerun: nothing lost or doubled"
q "DROP TABLE $B"
rm -rf "$nas/audit-archive" "$LC_SPOOL_DIR/audit-archive"
lc_seed_mariadb "$LC_DB" audit_rows=$ROWS
all0=$(agg $A)
kconf="$LC_TMP/kill.conf"
lc_write_config "$kconf" --redis none mariadb.user=lcbp3_archive mariadb.password_file="$ar_pwf" \
    numbering.audit_archive_batch=10 numbering.audit_archive_max_rate=300 "target.nas.url=file://$nas"
lc_tool_bg dr --config "$kconf" runbook audit-archive --apply
lc_wait_for 60 "the first batches copied" copied_some
kill -KILL "$LC_BG_PID"
lc_bg_wait 30
copied=$(q "SELECT COUNT(*) FROM $B")
[ "$copied" -gt 0 ] && [ "$copied" -lt "$old" ] || lc_fail "the kill was not mid-copy ($copied of $old copied)"
lc_assert_eq "$ROWS" "$(q "SELECT COUNT(*) FROM $A")" "killed while copying: nothing deleted"
lc_assert_eq "$copied" "$(q "SELECT COUNT(*) FROM $B b JOIN $A a USING (id) WHERE a.created_at = b.created_at AND a.generated_number = b.generated_number")" "what was copied is identical"
lc_log "killed after $copied of $old rows copied"
lc_tool_bg dr --config "$kconf" runbook audit-archive --apply
lc_wait_for 120 "the first batches deleted" deleted_some
kill -KILL "$LC_BG_PID"
lc_bg_wait 30
left=$(q "SELECT COUNT(*) FROM $A")
[ "$left" -gt "$((ROWS - old))" ] || lc_fail "the kill was not mid-delete ($left rows left)"
lc_log "killed after $((ROWS - left)) of $old rows deleted"
lc_assert_eq "$ROWS" "$(q "SELECT COUNT(*) FROM (SELECT id FROM $A UNION SELECT id FROM $B) t")" "no row lost"
# every deleted row is in an export on the target
find "$nas/audit-archive" -name '*.csv.gz' -exec zcat {} + | python3 -c '
import csv, sys
print("\n".join(sorted({r[0] for r in csv.reader(sys.stdin) if r and r[0] != "id"}, key=int)))' >"$LC_TMP/exported.ids"
q "SELECT b.id FROM $B b LEFT JOIN $A a USING (id) WHERE a.id IS NULL ORDER BY b.id" >"$LC_TMP/deleted.ids"
[ -s "$LC_TMP/deleted.ids" ] || lc_fail "nothing was deleted before the kill"
missing=$(LC_ALL=C comm -23 <(LC_ALL=C sort "$LC_TMP/deleted.ids") <(LC_ALL=C sort "$LC_TMP/exported.ids") | wc -l)
lc_assert_eq 0 "$missing" "deleted rows missing from the exports"
lc_expect_exit 0 -- lc_tool dr --config "$conf" --json runbook audit-archive --apply
lc_assert_eq "$old" "$(q "SELECT COUNT(*) FROM $B")" "after the rerun: every old row archived once"
lc_assert_eq "$all0" "$(both)" "after the rerun: every row once, unchanged"
lc_assert_eq 0 "$(q "SELECT COUNT(*) FROM $A WHERE created_at < '$(json cutoff)'")" "no old row left"
lc_expect_exit 0 -- lc_tool dr --config "$conf" runbook audit-archive --apply
lc_assert_file_contains "$LC_OUT" "^rows older +0$"
[ -z "$(find "$LC_SPOOL_DIR/audit-archive" "$nas/audit-archive" -name '.*partial*')" ] || lc_fail "partial files left"
lc_pass
