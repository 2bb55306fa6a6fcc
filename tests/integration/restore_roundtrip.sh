#!/usr/bin/env bash
# The restore round trip against a real mariadbd with the LCBP3 seed (every type of
# DESIGN.md, triggers, routines, views, events, a FOREIGN KEY, partitions):
# lcbp3-backup run → lcbp3-restore db latest --into a copy gives identical CHECKSUM TABLE
# figures and identical SHOW CREATE for views, triggers, routines and events (definers
# aside); an in-place restore of production asks for the typed name (64 without a
# terminal), then with --yes puts back every changed, deleted and dropped table while
# keeping a table that is not in the set, and leaves the foreign key pointing at the
# right table; --tables restores only what it names; a legacy `mariadb-dump | gzip`
# file and a plain .sql restore; list shows the set as verified.
# lc-valgrind: yes
set -euo pipefail
. "$LC_SOURCE_DIR/tests/harness/lib.sh"

lc_start_mariadb
lc_seed_mariadb
lc_create_admin_user
conf="$LC_TMP/lcbp3.conf"
lc_write_config "$conf" --redis none
lc_expect_exit 0 -- lc_tool backup --config "$conf" run --db-only
set_path=$(tail -n 1 "$LC_OUT")
rconf="$LC_TMP/restore.conf"
lc_write_config "$rconf" --redis none mariadb.user="$LC_ADMIN_USER" \
    mariadb.password_file="$LC_ADMIN_PASSWORD_FILE"
orig=$(lc_checksum_tables "$LC_DB")

# DDL of an object with definers and the database name taken out, for comparison.
show_create() { # DB KIND NAME COLUMN
    lc_mysql -N -B -e "SHOW CREATE $2 \`$1\`.\`$3\`" |
        cut -f"$4" | sed -E "s/DEFINER=\`[^\`]*\`@\`[^\`]*\` ?//g; s/\`$1\`\.//g"
}
objects() { # DB
    lc_mysql_q "SELECT 'VIEW', TABLE_NAME, 2 FROM information_schema.VIEWS WHERE TABLE_SCHEMA='$1'
        UNION ALL SELECT 'TRIGGER', TRIGGER_NAME, 3 FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA='$1'
        UNION ALL SELECT ROUTINE_TYPE, ROUTINE_NAME, 3 FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA='$1'
        UNION ALL SELECT 'EVENT', EVENT_NAME, 4 FROM information_schema.EVENTS WHERE EVENT_SCHEMA='$1'
        ORDER BY 1, 2"
}
compare_objects() { # SRC COPY
    local kind name col n=0
    lc_assert_eq "$(objects "$1")" "$(objects "$2")" "objects of '$1' and '$2'"
    while read -r kind name col; do
        lc_assert_eq "$(show_create "$1" "$kind" "$name" "$col")" \
            "$(show_create "$2" "$kind" "$name" "$col")" "SHOW CREATE $kind $name"
        n=$((n + 1))
    done < <(objects "$1")
    [ "$n" -ge 6 ] || lc_fail "only $n views/triggers/routines/events compared"
}

# --into a new database: created, identical, definers and qualifiers rewritten
lc_expect_exit 0 -- lc_tool restore --config "$rconf" db latest --into lcbp3_copy
lc_assert_file_contains "$LC_OUT" "target: +database 'lcbp3_copy' .*does not exist: it will be created"
lc_assert_file_contains "$LC_ERR" "verified '.*': [0-9]+ members and the sidecar"
lc_assert_file_contains "$LC_ERR" "database 'lcbp3_copy' did not exist: created it"
lc_assert_file_contains "$LC_ERR" "restored database 'lcbp3_copy' from '.*': [0-9]+ tables, [0-9]+ rows in .*document_numbering_audit_logs [0-9]+"
lc_assert_eq "$orig" "$(lc_checksum_tables lcbp3_copy)" "CHECKSUM TABLE of the source and of the copy"
compare_objects "$LC_DB" lcbp3_copy
[ -z "$(lc_mysql_q "SELECT DEFINER FROM information_schema.VIEWS WHERE TABLE_SCHEMA='lcbp3_copy'
    AND DEFINER NOT LIKE '$LC_ADMIN_USER@%'")" ] || lc_fail "a view in the copy kept the original definer"
lc_mysql_q "SHOW CREATE TABLE lcbp3_copy.document_numbering_sequences" >"$LC_TMP/fk.ddl"
lc_assert_file_contains "$LC_TMP/fk.ddl" "REFERENCES \`document_numbering_configs\` \(\`id\`\)"
[ -z "$(lc_mysql_q "SHOW DATABASES LIKE 'lcbp3\\_restore\\_%'")" ] || lc_fail "a staging database was left"

# the trigger works in the copy (created after the data, so it did not double-count rows)
lc_mysql lcbp3_copy -e "INSERT INTO type_zoo (id, insert_count) VALUES (9001, 0)"
lc_assert_eq 1 "$(lc_mysql_q "SELECT insert_count FROM lcbp3_copy.type_zoo WHERE id = 9001")" "trigger in the copy"

# in place over production: change, delete, drop, add
lc_mysql "$LC_DB" -e "UPDATE document_numbering_sequences SET current_value = current_value + 7;
    DELETE FROM document_numbering_audit_logs WHERE id % 3 = 0;
    SET foreign_key_checks = 0; DROP TABLE correspondences; SET foreign_key_checks = 1;
    CREATE TABLE not_in_set (id INT PRIMARY KEY); INSERT INTO not_in_set VALUES (1)"
changed=$(lc_checksum_tables "$LC_DB")
lc_expect_exit 64 -- lc_tool restore --config "$rconf" db latest
lc_assert_file_contains "$LC_ERR" "no terminal"
lc_assert_file_contains "$LC_ERR" "hint: .*--yes"
lc_assert_eq "$changed" "$(lc_checksum_tables "$LC_DB")" "production after a refused restore"
lc_expect_exit 0 -- lc_tool restore --config "$rconf" db latest --yes
lc_assert_file_contains "$LC_OUT" "replaces: +[0-9]+ existing tables:.* document_numbering_sequences"
lc_assert_file_contains "$LC_OUT" "keeps: +tables not in the set: not_in_set"
lc_assert_eq "$orig" "$(lc_checksum_tables "$LC_DB" | grep -v '^not_in_set')" "production after the restore"
lc_assert_eq 1 "$(lc_mysql_q "SELECT COUNT(*) FROM not_in_set" "$LC_DB")" "table not in the set kept"
compare_objects "$LC_DB" lcbp3_copy
# the foreign key still guards the restored parent (not a dropped old copy of it)
fk=$(lc_mysql_q "SELECT REFERENCED_TABLE_NAME, UNIQUE_CONSTRAINT_SCHEMA FROM information_schema.REFERENTIAL_CONSTRAINTS
    WHERE CONSTRAINT_SCHEMA = '$LC_DB'")
lc_assert_eq "document_numbering_configs	$LC_DB" "$fk" "foreign key after the swap"
if lc_mysql "$LC_DB" -e "INSERT INTO document_numbering_sequences (config_id, year, current_value)
    VALUES (987654, 2030, 1)" 2>"$LC_TMP/fk.err"; then
    lc_fail "the foreign key no longer rejects a missing parent"
fi
lc_assert_file_contains "$LC_TMP/fk.err" "foreign key constraint fails .*REFERENCES \`document_numbering_configs\`"
[ -z "$(lc_mysql_q "SHOW DATABASES LIKE 'lcbp3\\_restore\\_%'")" ] || lc_fail "a staging database was left"

# --tables: only the named table comes back
lc_mysql "$LC_DB" -e "UPDATE document_numbering_configs SET max_value = max_value + 1;
    UPDATE document_numbering_sequences SET current_value = current_value + 1"
lc_expect_exit 0 -- lc_tool restore --config "$rconf" db latest --yes --tables document_numbering_sequences
lc_assert_file_contains "$LC_ERR" "1 tables"
lc_assert_eq "$(grep '^document_numbering_sequences' <<<"$orig")" \
    "$(lc_checksum_tables "$LC_DB" | grep '^document_numbering_sequences')" "restored table"
[ "$(grep '^document_numbering_configs' <<<"$orig")" != \
    "$(lc_checksum_tables "$LC_DB" | grep '^document_numbering_configs')" ] ||
    lc_fail "--tables restored a table it did not name"
lc_expect_exit 64 -- lc_tool restore --config "$rconf" db latest --yes --tables no_such_table
lc_assert_file_contains "$LC_ERR" "table 'no_such_table' is not in the set's database"

# legacy files from the old scripts: mariadb-dump | gzip, and plain .sql
mariadb-dump --no-defaults -uroot --socket="$MDB_SOCK" --single-transaction --routines --events \
    --triggers "$LC_DB" --ignore-table="$LC_DB.not_in_set" >"$LC_TMP/legacy.sql"
gzip -c "$LC_TMP/legacy.sql" >"$LC_TMP/legacy.sql.gz"
lc_expect_exit 0 -- lc_tool restore --config "$rconf" db "$LC_TMP/legacy.sql.gz" --into lcbp3_legacy
lc_assert_file_contains "$LC_ERR" "restored database 'lcbp3_legacy' from the legacy dump"
# the same file through the plain client is the reference (mariadb-dump's own round trip
# is not exact for every type in type_zoo)
lc_mysql -e "CREATE DATABASE lcbp3_legacy_client"
lc_mysql lcbp3_legacy_client <"$LC_TMP/legacy.sql"
lc_assert_eq "$(lc_checksum_tables lcbp3_legacy_client)" "$(lc_checksum_tables lcbp3_legacy)" \
    "CHECKSUM TABLE after the legacy .sql.gz, against the mariadb client's load"
lc_assert_eq "$(lc_checksum_tables "$LC_DB" | grep -v '^not_in_set\|^type_zoo ')" \
    "$(lc_checksum_tables lcbp3_legacy | grep -v '^type_zoo ')" "CHECKSUM TABLE of the legacy load against the source"
compare_objects "$LC_DB" lcbp3_legacy
lc_expect_exit 0 -- lc_tool restore --config "$rconf" db "$LC_TMP/legacy.sql" --into lcbp3_legacy_plain
lc_assert_eq "$(lc_checksum_tables lcbp3_legacy)" "$(lc_checksum_tables lcbp3_legacy_plain)" \
    "CHECKSUM TABLE after the legacy .sql"

# a dump made with --databases --add-drop-database names production; restoring it
# --into a drill database must neither drop nor touch production
prod_now=$(lc_checksum_tables "$LC_DB")
mariadb-dump --no-defaults -uroot --socket="$MDB_SOCK" --single-transaction --add-drop-database \
    --databases "$LC_DB" | gzip >"$LC_TMP/legacy-db.sql.gz"
zgrep -q "DROP DATABASE IF EXISTS \`$LC_DB\`" "$LC_TMP/legacy-db.sql.gz" || lc_fail "no DROP DATABASE in the dump"
lc_expect_exit 0 -- lc_tool restore --config "$rconf" db "$LC_TMP/legacy-db.sql.gz" --into lcbp3_drill
lc_assert_eq "$prod_now" "$(lc_checksum_tables "$LC_DB")" "production after restoring its --databases dump elsewhere"
lc_assert_eq "$(lc_checksum_tables lcbp3_legacy_client | grep -v '^type_zoo ')" \
    "$(lc_checksum_tables lcbp3_drill | grep -v '^type_zoo \|^not_in_set ')" "the --databases dump in the drill database"

# list shows the set, verified just now
lc_expect_exit 0 -- lc_tool restore --config "$rconf" list
lc_assert_file_contains "$LC_OUT" "$(basename "$set_path") +daily .* ago$"
lc_expect_exit 0 -- lc_tool restore --config "$rconf" list --json
lc_assert_file_contains "$LC_OUT" '"verified_at": "[0-9]{4}-'

lc_pass
