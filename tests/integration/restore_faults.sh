#!/usr/bin/env bash
# Bad input for lcbp3-restore db, each with its exit code and message, and production
# unchanged afterwards: a flipped byte in a member (with and without the sidecar), a
# truncated set, a manifest that lies about a size, a missing member, a legacy dump cut
# off mid-statement, the wrong password, an unknown set, an invalid --into; then the
# server killed in the middle of an in-place restore: exit 69, production as it was
# after a restart, and the next restore names the staging database left behind.
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
lc_mysql "$LC_DB" -e "UPDATE document_numbering_sequences SET current_value = current_value + 1"
prod=$(lc_checksum_tables "$LC_DB")
bad="$LC_TMP/bad"
mkdir -p "$bad"

# The byte offset of a member's content in a set (GNU tar prints header block numbers).
member_offset() { # SET MEMBER
    local block
    block=$(tar --block-number -tvf "$1" | grep " $2\$" | sed -E 's/^block ([0-9]+):.*/\1/')
    [ -n "$block" ] || lc_fail "no member '$2' in '$1'"
    echo $(((block + 1) * 512))
}
flip_byte() { # FILE OFFSET
    local old
    old=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
    printf "$(printf '\\%03o' $(((old + 1) % 256)))" |
        dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
expect_bad_set() { # FILE CODE REGEX
    lc_expect_exit "$2" -- lc_tool restore --config "$rconf" db "$1" --yes
    lc_assert_file_contains "$LC_ERR" "$3"
    lc_assert_file_not_contains "$LC_OUT" "restore plan"
    lc_assert_eq "$prod" "$(lc_checksum_tables "$LC_DB")" "production after '$(basename "$1")'"
}
member="mariadb/$LC_DB/document_numbering_audit_logs.data.sql.gz"

# a flipped byte inside a member: without the sidecar the member's SHA-256 catches it,
# with it the whole-file digest does
cp "$set_path" "$bad/flipped.tar"
flip_byte "$bad/flipped.tar" $(($(member_offset "$bad/flipped.tar" "$member") + 100))
expect_bad_set "$bad/flipped.tar" 65 "member '$member': SHA-256 mismatch"
lc_assert_file_contains "$LC_ERR" "hint: nothing was restored"
cp "$bad/flipped.tar" "$bad/flipped2.tar"
cp "$set_path.sha256" "$bad/flipped2.tar.sha256"
expect_bad_set "$bad/flipped2.tar" 65 "SHA-256 of the file does not match"

# truncated in the middle
head -c $(($(stat -c %s "$set_path") / 2)) "$set_path" >"$bad/truncated.tar"
expect_bad_set "$bad/truncated.tar" 65 "truncated"

# rebuilt sets (GNU tar, members in the original order): one whose manifest lies about a
# member's size, one without a member
x="$bad/x"
mkdir -p "$x"
tar -xf "$set_path" -C "$x"
mapfile -t order < <(tar -tf "$set_path")
size=$(stat -c %s "$x/$member")
sed -i "/\"path\": \"${member//\//\\/}\"/,/\"size\"/ s/\"size\": $size,/\"size\": $((size + 1)),/" \
    "$x/manifest.json"
grep -q "\"size\": $((size + 1))," "$x/manifest.json" || lc_fail "could not edit the manifest"
tar -cf "$bad/lying.tar" -C "$x" "${order[@]}"
expect_bad_set "$bad/lying.tar" 65 "member '$member' is $size bytes, the manifest says $((size + 1))"
tar -xf "$set_path" -C "$x" manifest.json
tar -cf "$bad/missing.tar" -C "$x" $(printf '%s\n' "${order[@]}" | grep -vx "$member")
expect_bad_set "$bad/missing.tar" 65 "member '$member' listed in the manifest is missing"
# a manifest that names itself as a member (manifest.json is never one)
sed -i "0,/\"path\": \"mariadb\/$LC_DB\/database.sql.gz\"/ s//\"path\": \"manifest.json\"/" "$x/manifest.json"
grep -q '"path": "manifest.json"' "$x/manifest.json" || lc_fail "could not edit the manifest"
tar -cf "$bad/self.tar" -C "$x" "${order[@]}"
expect_bad_set "$bad/self.tar" 65 "member 'manifest.json' listed in the manifest is missing"

# not a set at all
head -c 100000 /dev/urandom >"$bad/random.tar"
expect_bad_set "$bad/random.tar" 65 "damaged or truncated tar"

# a legacy dump cut off in the middle of an INSERT: the statements before it ran, the
# error names the file and says where
mariadb-dump --no-defaults -uroot --socket="$MDB_SOCK" --single-transaction "$LC_DB" >"$bad/full.sql"
cut_at=$(grep -b -m1 "^INSERT INTO \`document_numbering_audit_logs\`" "$bad/full.sql" | cut -d: -f1)
head -c $((cut_at + 300)) "$bad/full.sql" | gzip >"$bad/cut.sql.gz"
lc_expect_exit 65 -- lc_tool restore --config "$rconf" db "$bad/cut.sql.gz" --into lcbp3_cut
lc_assert_file_contains "$LC_ERR" "cut.sql.gz' ends in the middle of a statement starting at line [0-9]+"
lc_assert_eq "$prod" "$(lc_checksum_tables "$LC_DB")" "production after the cut legacy dump"

# wrong password, unknown set, invalid --into
printf 'wrong\n' >"$LC_TMP/secrets/wrong.password"
chmod 600 "$LC_TMP/secrets/wrong.password"
wconf="$LC_TMP/wrong.conf"
lc_write_config "$wconf" --redis none mariadb.user="$LC_ADMIN_USER" \
    mariadb.password_file="$LC_TMP/secrets/wrong.password"
lc_expect_exit 69 -- lc_tool restore --config "$wconf" db latest --into lcbp3_wrong
lc_assert_file_contains "$LC_ERR" "Access denied"
lc_expect_exit 66 -- lc_tool restore --config "$rconf" db lcbp3-nohost-20200101T000000Z-daily.tar
lc_assert_file_contains "$LC_ERR" "hint: 'lcbp3-restore list'"
lc_expect_exit 64 -- lc_tool restore --config "$rconf" db latest --into 'bad name '
[ -z "$(lc_mysql_q "SHOW DATABASES LIKE 'lcbp3\\_wrong'")" ] || lc_fail "a failed restore created its database"

# the server killed while an in-place restore loads: a dataset big enough to be caught
lc_seed_mariadb lcbp3_big $(bash "$LC_SOURCE_DIR/bench/gen.sh" --vars small)
bconf="$LC_TMP/big.conf"
lc_write_config "$bconf" --redis none mariadb.database=lcbp3_big mariadb.user="$LC_ADMIN_USER" \
    mariadb.password_file="$LC_ADMIN_PASSWORD_FILE"
lc_expect_exit 0 -- lc_tool backup --config "$bconf" run --db-only
lc_mysql lcbp3_big -e "UPDATE document_numbering_sequences SET current_value = current_value + 1"
big=$(lc_checksum_tables lcbp3_big)
lc_tool_bg restore --config "$bconf" db latest --yes
staged() { [ "$(lc_mysql_q "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA LIKE 'lcbp3\\_restore\\_%' AND TABLE_ROWS > 0")" -gt 0 ]; }
lc_wait_for 120 "the restore to load rows into its staging database" staged
lc_kill_mariadb
lc_bg_wait 120
lc_assert_eq 69 "$LC_RC" "exit status when the server dies mid-restore"
lc_assert_file_contains "$LC_BG_ERR" "lost connection|server has gone away|Lost connection"
lc_assert_file_contains "$LC_BG_ERR" "hint: nothing in 'lcbp3_big' was changed"
lc_start_mariadb
lc_assert_eq "$big" "$(lc_checksum_tables lcbp3_big)" "production after the killed restore"
lc_expect_exit 0 -- lc_tool restore --config "$bconf" db latest --yes --tables document_numbering_configs
lc_assert_file_contains "$LC_ERR" "database 'lcbp3_restore_[0-9_]+' was left by an interrupted restore"

# the whole in-place restore then completes: the audit table's data member comes in
# parts loaded in parallel, its secondary indexes are built after its rows, and the
# result is the set's content with the same DDL
big_set=$(ls -t "$LC_SPOOL_DIR"/*.tar | head -n 1)
tar -xOf "$big_set" manifest.json | grep -A12 '"table": "document_numbering_audit_logs"' |
    grep -q '"parts"' || lc_fail "the audit table's data member was not written in parts"
ddl() { lc_mysql_q "SHOW CREATE TABLE document_numbering_audit_logs" "$1" | cut -f2; }
audit_ddl=$(ddl lcbp3_big)
lc_mysql lcbp3_big -e "DELETE FROM document_numbering_audit_logs WHERE id % 2 = 0"
lc_expect_exit 0 -- lc_tool restore --config "$bconf" db latest --yes
lc_mysql lcbp3_big -e "UPDATE document_numbering_sequences SET current_value = current_value + 1"
lc_assert_eq "$big" "$(lc_checksum_tables lcbp3_big)" "lcbp3_big after the full restore"
lc_assert_eq "$audit_ddl" "$(ddl lcbp3_big)" "DDL of the audit table (indexes built after the rows)"

lc_pass
