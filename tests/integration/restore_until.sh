#!/usr/bin/env bash
# Point-in-time recovery against a real mariadbd (binlog-format=ROW): a set, then writes
# (inserts, updates, deletes, DDL, a FLUSH BINARY LOGS rotation), a reference captured at
# a moment T and at a GTID, more writes; then lcbp3-restore db SET --until T --into a
# scratch database equals the reference at T, --until-gtid equals the reference at that
# GTID, an in-place restore to T (production) equals it too, and the same from a file://
# target when the spool holds no archive. Refusals, each with production and the scratch
# databases untouched: a gap in the chain (65), a corrupted segment (65, before anything
# is touched), --until before the set (64), --until with --tables (64), a target beyond
# the archive (66), a set without binlog coordinates (66).
# lc-valgrind: yes
set -euo pipefail
. "$LC_SOURCE_DIR/tests/harness/lib.sh"

# archive_binlogs DIR: the real archiver (`lcbp3-backup binlog`, one-shot catch-up) with
# its spool in DIR: the server's files byte for byte under binlogs/<server_id>/<gen>/,
# a sidecar for each closed one
archive_binlogs() {
    local aconf="$LC_TMP/archiver.conf"
    lc_write_config "$aconf" --redis none backup.spool_dir="$1" backup.binlog_client_id=4242
    lc_expect_exit 0 -- lc_tool backup --config "$aconf" binlog
}

sum_of() { lc_checksum_tables "$1"; }

lc_start_mariadb
lc_seed_mariadb
lc_create_admin_user
conf="$LC_TMP/lcbp3.conf"
lc_write_config "$conf" --redis none
rconf="$LC_TMP/restore.conf"
lc_write_config "$rconf" --redis none mariadb.user="$LC_ADMIN_USER" \
    mariadb.password_file="$LC_ADMIN_PASSWORD_FILE"
lc_mysql -e "FLUSH BINARY LOGS"
lc_expect_exit 0 -- lc_tool backup --config "$conf" run --db-only --no-ship
set_path=$(tail -n 1 "$LC_OUT")
set_name=$(basename "$set_path")

# writes after the set: rows, DDL, a rotation; a GTID reference half way
lc_mysql "$LC_DB" -e "CREATE TABLE pitr_t (id INT PRIMARY KEY, v VARCHAR(40), n INT);
    INSERT INTO pitr_t VALUES (1, 'one', 1), (2, 'two', 2), (3, 'three', 3);
    UPDATE document_numbering_sequences SET current_value = current_value + 5;
    DELETE FROM document_numbering_audit_logs WHERE id % 7 = 0"
gtid=$(lc_mysql_q "SELECT @@gtid_binlog_pos")
ref_gtid=$(sum_of "$LC_DB")
lc_mysql "$LC_DB" -e "BEGIN; INSERT INTO pitr_t VALUES (4, 'four', 4);
    UPDATE pitr_t SET n = n * 10; COMMIT"
lc_mysql -e "FLUSH BINARY LOGS"
lc_mysql "$LC_DB" -e "ALTER TABLE pitr_t ADD COLUMN w INT NOT NULL DEFAULT 7;
    UPDATE pitr_t SET w = id + 100 WHERE id <= 2; DELETE FROM pitr_t WHERE id = 3;
    UPDATE document_numbering_sequences SET current_value = current_value + 1"
sleep 1.1
until_t=$(date '+%Y-%m-%d %H:%M:%S')
until_utc=$(date -u -d "$until_t" '+%Y-%m-%d %H:%M:%SZ')
ref_t=$(sum_of "$LC_DB")
sleep 1.1
# after T: must not come back
lc_mysql "$LC_DB" -e "INSERT INTO pitr_t (id, v, n) VALUES (5, 'five', 5);
    DROP TABLE IF EXISTS nope;
    UPDATE document_numbering_sequences SET current_value = current_value + 100"
lc_mysql -e "FLUSH BINARY LOGS"
lc_mysql "$LC_DB" -e "DELETE FROM pitr_t WHERE id = 1; ALTER TABLE pitr_t DROP COLUMN v"
archive_binlogs "$LC_SPOOL_DIR"
arch="$LC_SPOOL_DIR/binlogs/1/0"
set_file=$(tar -xOf "$set_path" manifest.json | grep -o '"binlog_file": *"[^"]*"' |
    sed 's/.*: *"//; s/"$//')
[ -n "$set_file" ] || lc_fail "no binlog_file in the set's manifest"
after_set=$(ls "$arch" | grep -v sha256 | sort | awk -v f="$set_file" '$0 > f' | head -n 1)
lc_log "set at $set_file; T = $until_t; GTID $gtid; next segment $after_set"

# --until T into a scratch database: equal to the reference at T
t0=$(date +%s.%N)
lc_expect_exit 0 -- lc_tool restore --config "$rconf" db "$set_name" --until "$until_t" \
    --into pitr_scratch --yes
t1=$(date +%s.%N)
lc_log "restore to time: $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') s"
lc_assert_file_contains "$LC_OUT" "point-in-time recovery plan"
lc_assert_file_contains "$LC_OUT" "set: +$set_name, snapshot at $set_file:[0-9]+"
lc_assert_file_contains "$LC_OUT" "$set_file +[0-9.]+ [KMG]?i?B +spool +closed, from [0-9]+"
lc_assert_file_contains "$LC_OUT" "last: +.* of GTID 0-1-[0-9]+ at mysql-bin"
lc_assert_file_contains "$LC_OUT" "stops: +.* Gtid of GTID 0-1-[0-9]+ at mysql-bin"
lc_assert_file_contains "$LC_OUT" "replays: +[0-9]+ transactions"
lc_assert_file_contains "$LC_ERR" "point-in-time recovery done: pitr_scratch restored to"
lc_assert_eq "$ref_t" "$(sum_of pitr_scratch)" "CHECKSUM TABLE of the copy --until T and at T"
[ -z "$(ls -A "$LC_SPOOL_DIR" | grep '^\.work-restore')" ] || lc_fail "a work directory was left"

# --until-gtid: equal to the reference taken at that GTID
lc_expect_exit 0 -- lc_tool restore --config "$rconf" db "$set_name" --until-gtid "$gtid" \
    --into pitr_gtid --yes
lc_assert_file_contains "$LC_OUT" "until: +GTID $gtid"
lc_assert_file_contains "$LC_OUT" "last: +.* Xid of GTID $gtid at mysql-bin"
lc_assert_eq "$ref_gtid" "$(sum_of pitr_gtid)" "CHECKSUM TABLE of the copy --until-gtid, at the GTID"

# from a file:// target, the spool without an archive; --until in UTC
mv "$LC_SPOOL_DIR/binlogs" "$LC_TMP/moved-binlogs"
mkdir -p "$LC_TMP/nas"
cp -a "$LC_TMP/moved-binlogs" "$LC_TMP/nas/binlogs"
tconf="$LC_TMP/target.conf"
lc_write_config "$tconf" --redis none mariadb.user="$LC_ADMIN_USER" \
    mariadb.password_file="$LC_ADMIN_PASSWORD_FILE" target.nas.url="file://$LC_TMP/nas"
lc_expect_exit 0 -- lc_tool restore --config "$tconf" db "$set_name" --until "$until_utc" \
    --into pitr_target --yes
lc_assert_file_contains "$LC_OUT" "$set_file .* +target nas +closed"
lc_assert_file_contains "$LC_OUT" "until: +.* UTC"
lc_assert_eq "$ref_t" "$(sum_of pitr_target)" "CHECKSUM TABLE of the copy from the target"
rm -rf "$LC_TMP/nas/binlogs"
mv "$LC_TMP/moved-binlogs" "$LC_SPOOL_DIR/binlogs"

# refusals: nothing touched
prod=$(sum_of "$LC_DB")
scratch=$(sum_of pitr_scratch)
untouched() {
    lc_assert_eq "$prod" "$(sum_of "$LC_DB")" "production after a refused restore ($1)"
    lc_assert_eq "$scratch" "$(sum_of pitr_scratch)" "the scratch copy after a refused restore ($1)"
}
lc_expect_exit 64 -- lc_tool restore --config "$rconf" db "$set_name" --until "$until_t" \
    --tables pitr_t --into pitr_scratch --yes
lc_assert_file_contains "$LC_ERR" "cannot be combined with --tables"
lc_expect_exit 64 -- lc_tool restore --config "$rconf" db "$set_name" \
    --until "2001-01-01 00:00:00" --into pitr_scratch --yes
lc_assert_file_contains "$LC_ERR" "is not after the set's snapshot"
lc_expect_exit 64 -- lc_tool restore --config "$rconf" db "$set_name" --until-gtid 0-1-1 \
    --into pitr_scratch --yes
lc_assert_file_contains "$LC_ERR" "is already in the set"
lc_expect_exit 66 -- lc_tool restore --config "$rconf" db "$set_name" \
    --until "$(date -d '+1 hour' '+%Y-%m-%d %H:%M:%S')" --into pitr_scratch --yes
lc_assert_file_contains "$LC_ERR" "do not reach --until .*: the newest archived event is at"
lc_expect_exit 66 -- lc_tool restore --config "$rconf" db "$set_name" --until-gtid 0-1-999999 \
    --into pitr_scratch --yes
lc_assert_file_contains "$LC_ERR" "GTID 0-1-999999 is not in the archived binlogs"
untouched "target beyond the archive"

# a corrupted closed segment: 65 before anything is touched
cp "$arch/$set_file" "$LC_TMP/good-segment"
printf '\x5a' | dd of="$arch/$set_file" bs=1 seek=$(($(stat -c %s "$arch/$set_file") / 2)) \
    conv=notrunc status=none
lc_expect_exit 65 -- lc_tool restore --config "$rconf" db "$set_name" --until "$until_t" --yes
lc_assert_file_contains "$LC_ERR" "binlog segment '$set_file' \(spool\) does not match its sidecar"
lc_assert_file_not_contains "$LC_OUT" "restore plan"
untouched "corrupt segment"
cp "$LC_TMP/good-segment" "$arch/$set_file"

# a gap: the segment after the set's file is gone
mv "$arch/$after_set" "$LC_TMP/gap-segment"
lc_expect_exit 65 -- lc_tool restore --config "$rconf" db "$set_name" --until "$until_t" --yes
lc_assert_file_contains "$LC_ERR" "gap: '$after_set' is not archived anywhere"
untouched "gap"
mv "$LC_TMP/gap-segment" "$arch/$after_set"

# in place, production: back to T (restore + replay over the live database)
lc_expect_exit 64 -- lc_tool restore --config "$rconf" db "$set_name" --until "$until_t"
lc_assert_file_contains "$LC_ERR" "no terminal"
untouched "not confirmed"
lc_expect_exit 0 -- lc_tool restore --config "$rconf" db "$set_name" --until "$until_t" --yes
lc_assert_file_contains "$LC_OUT" "replaces: +[0-9]+ existing tables"
lc_assert_file_contains "$LC_OUT" \
    "aside: +tables not in the set, moved to database 'lcbp3_pitr_aside_[0-9]+' .*: pitr_t$"
lc_assert_eq "$ref_t" "$(sum_of "$LC_DB")" "CHECKSUM TABLE of production restored to T"

# a set without binlog coordinates (a server with the binary log off)
lc_start_mariadb --name nobin --skip-log-bin
lc_mysql -e "CREATE DATABASE $LC_DB; CREATE TABLE $LC_DB.t (id INT PRIMARY KEY);
    INSERT INTO $LC_DB.t VALUES (1)"
lc_create_backup_user
nconf="$LC_TMP/nobin.conf"
lc_write_config "$nconf" --redis none backup.spool_dir="$LC_TMP/spool-nobin"
mkdir -p "$LC_TMP/spool-nobin" && chmod 700 "$LC_TMP/spool-nobin"
lc_expect_exit 0 -- lc_tool backup --config "$nconf" run --db-only --no-ship
lc_expect_exit 66 -- lc_tool restore --config "$nconf" db latest --until "$until_t" \
    --into pitr_nobin --yes
lc_assert_file_contains "$LC_ERR" "has no binlog coordinates"
lc_use_mariadb mariadb

lc_pass
