#!/usr/bin/env bash
# lcbp3-integrity sequences against a real mariadbd. Seed-era tables with data relative to
# the database's current year: an exceeded sequence, one at 95 % and one at 85 %, one whose
# audit log issued 600 numbers over the last 30 days (20 a day: 4 999 left = 250 days), an
# orphan (its config row gone), a yearly config without a current-year sequence, a number
# issued twice, and a past year at 99 % that is history, not a finding. Statuses, exit code 2,
# the advice, --json fields and --prometheus lines are asserted; a healthy database exits 0.
# The live-era schema (document_number_counters, keyed by four scope columns, and a
# document_number_audit fixture made here, since seed_schema.sql has none) gives the same
# findings through [numbering] keys alone. A missing table, a missing column, mismatched
# column lists, an invalid name and an unreachable server are UNKNOWN (exit 3) with a
# message naming the table or column and the [numbering] key.
# lc-valgrind: yes
set -euo pipefail
. "$LC_SOURCE_DIR/tests/harness/lib.sh"

lc_start_mariadb
lc_seed_mariadb
conf="$LC_TMP/lcbp3.conf"
lc_write_config "$conf" --redis none
q() { lc_mysql_q "$1" "$LC_DB"; }
Y=$(q "SELECT YEAR(CURDATE())")
json() { # PYTHON EXPRESSION over d (the --json document of $LC_OUT)
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$LC_OUT" "$1"
}
jstatus() { json "[c['status'] for c in d['checks'] if c['check'] == '$1'][0]"; }
jfield() { json "[c['$2'] for c in d['checks'] if c['check'] == '$1'][0]"; }

lc_log "seed era: the findings of the issue, relative to the database's year $Y"
q "SET foreign_key_checks = 0;
   DELETE FROM document_numbering_audit_logs; DELETE FROM document_numbering_sequences;
   DELETE FROM document_numbering_configs;
   INSERT INTO document_numbering_configs (id, project_id, originator_id, correspondence_type_id,
       discipline_id, template, reset_scope, max_value, is_active, created_at, updated_at)
   VALUES (1, 1, 1, 1, 0, 'LCBP3-C1-RFA-{YEAR}-{SEQ:4}', 'YEARLY', 9999, 1, NOW(), NOW()),
          (2, 1, 1, 2, 0, 'LCBP3-C1-LTR-{YEAR}-{SEQ:4}', 'YEARLY', 9999, 1, NOW(), NOW()),
          (3, 1, 1, 3, 0, 'LCBP3-C1-MOM-{YEAR}-{SEQ:4}', 'YEARLY', 9999, 1, NOW(), NOW()),
          (4, 1, 1, 4, 0, 'LCBP3-C1-NCR-{YEAR}-{SEQ:4}', 'YEARLY', 9999, 1, NOW(), NOW()),
          (5, 1, 1, 5, 0, 'LCBP3-C1-RFI-{YEAR}-{SEQ:4}', 'YEARLY', 9999, 1, NOW(), NOW()),
          (6, 1, 1, 6, 0, 'LCBP3-C1-TRN-{SEQ:6}', 'NONE', 999999, 1, NOW(), NOW()),
          (7, 1, 1, 7, 0, 'LCBP3-C1-SDW-{YEAR}-{SEQ:4}', 'YEARLY', 9999, 0, NOW(), NOW());
   INSERT INTO document_numbering_sequences (id, config_id, year, current_value) VALUES
       (1, 1, $Y, 9500), (2, 2, $Y, 8500), (3, 3, $Y, 10005), (4, 4, $Y, 5000),
       (5, 5, $Y - 1, 300), (6, 6, 0, 100), (7, 1, $Y - 1, 9900), (8, 99, $Y, 10);
   INSERT INTO document_numbering_audit_logs (sequence_id, generated_number, action, created_at)
       SELECT 4, CONCAT('LCBP3-C1-NCR-$Y-', LPAD(4400 + seq, 4, '0')), 'GENERATE',
              NOW() - INTERVAL (seq * 4271) % (29 * 86400) SECOND FROM seq_1_to_600;
   INSERT INTO document_numbering_audit_logs (sequence_id, generated_number, action, created_at)
       SELECT 4, CONCAT('LCBP3-C1-NCR-$Y-', LPAD(seq, 4, '0')), ELT(1 + seq % 3, 'RESERVE', 'CONFIRM', 'CANCEL'),
              NOW() - INTERVAL seq MINUTE FROM seq_1_to_90;
   INSERT INTO document_numbering_audit_logs (sequence_id, generated_number, action, created_at)
       SELECT 4, CONCAT('OLD-', seq), 'GENERATE', NOW() - INTERVAL 40 DAY FROM seq_1_to_500;
   INSERT INTO document_numbering_audit_logs (sequence_id, generated_number, action, created_at)
       VALUES (6, 'LCBP3-C1-TRN-000100', 'GENERATE', NOW() - INTERVAL 2 DAY),
              (6, 'LCBP3-C1-TRN-000100', 'GENERATE', NOW() - INTERVAL 1 DAY),
              (6, 'LCBP3-C1-TRN-000100', 'CONFIRM', NOW() - INTERVAL 1 DAY)"

prom="$LC_TMP/seq.prom"
lc_expect_exit 2 -- lc_tool integrity --config "$conf" sequences --prometheus "$prom"
lc_assert_file_contains "$LC_OUT" "^CRITICAL +sequences\.sequence\.3\.$Y\.exceeded +100\.1 % \(10 005 of 9 999\)"
lc_assert_file_contains "$LC_OUT" "^CRITICAL +sequences\.sequence\.1\.$Y\.utilization +95\.0 % \(9 500 of 9 999\) +warn > 80 %, crit > 90 %"
lc_assert_file_contains "$LC_OUT" "^WARNING +sequences\.sequence\.2\.$Y\.utilization +85\.0 % \(8 500 of 9 999\)"
lc_assert_file_contains "$LC_OUT" "-> raise max_value of config 1 before it runs out: lcbp3-dr runbook high-utilization"
lc_assert_file_contains "$LC_OUT" "-> runbook: lcbp3-dr runbook high-utilization"
lc_assert_file_contains "$LC_OUT" "config 1 \(LCBP3-C1-RFA-\{YEAR\}-\{SEQ:4\}\), year $Y: 499 numbers left"
lc_assert_file_contains "$LC_OUT" "^CRITICAL +sequences\.sequence\.6\.none\.duplicates +1 "
lc_assert_file_contains "$LC_OUT" "^CRITICAL +sequences\.utilization +8 sequences, highest 100\.1 %"
lc_assert_file_contains "$LC_OUT" "1 exceeded, 1 over 90 %, 1 over 80 %; 2 of past years"
lc_assert_file_contains "$LC_OUT" "soonest exhaustion: sequence 4\.$Y in 250 days"
lc_assert_file_contains "$LC_OUT" "^WARNING +sequences\.orphans +1 sequences without a config"
lc_assert_file_contains "$LC_OUT" "sequence 99\.$Y: their utilization cannot be judged"
lc_assert_file_contains "$LC_OUT" "^CRITICAL +sequences\.duplicates +1 numbers issued twice in the last 30 days"
lc_assert_file_contains "$LC_OUT" "in 1 sequence: 6\.none \(1\)"
lc_assert_file_not_contains "$LC_OUT" "sequence\.1\.$((Y - 1))" # the past year at 99 %: history
lc_assert_file_not_contains "$LC_OUT" "sequence\.4\.$Y" # 50 %: OK, no line of its own
lc_assert_file_not_contains "$LC_OUT" "sequence\.7\." # inactive config
if [ "$(q "SELECT DAYOFYEAR(CURDATE())")" -gt 1 ]; then
    lc_assert_file_contains "$LC_OUT" "^WARNING +sequences\.yearly_scope +1 of 5 yearly configs without a $Y sequence"
    lc_assert_file_contains "$LC_OUT" "no $Y row in '$LC_DB\.document_numbering_sequences' for config 5$"
fi
lc_assert_file_contains "$prom" "^lcbp3_sequence_utilization_ratio\{type=\"1\",scope=\"$Y\"\} 0\.95"
lc_assert_file_contains "$prom" "^lcbp3_sequence_utilization_ratio\{type=\"4\",scope=\"$Y\"\} 0\.5"
lc_assert_file_contains "$prom" "^lcbp3_sequence_days_to_exhaustion\{type=\"4\",scope=\"$Y\"\} 249\.95"
lc_assert_file_contains "$prom" "^lcbp3_sequence_count\{state=\"all\"\} 8$"
lc_assert_file_contains "$prom" "^lcbp3_sequence_count\{state=\"exceeded\"\} 1$"
lc_assert_file_contains "$prom" "^lcbp3_sequence_orphans 1$"
lc_assert_file_contains "$prom" "^lcbp3_sequence_duplicate_numbers 1$"
lc_assert_file_contains "$prom" "^lcbp3_integrity_check_status\{group=\"sequences\",check=\"sequence\.3\.$Y\.exceeded\"\} 2$"
lc_assert_file_contains "$prom" "^lcbp3_integrity_status 2$"

lc_log "a run of another command into the same file keeps the sequences' figures"
lc_expect_exit 2 -- lc_tool integrity --config "$conf" backups --prometheus "$prom"
lc_assert_file_contains "$prom" "^lcbp3_integrity_check_status\{group=\"backups\",check=\"spool\.[a-z_.]+\"\} [0-3]$"
lc_assert_file_contains "$prom" "^lcbp3_integrity_check_status\{group=\"sequences\",check=\"sequence\.3\.$Y\.exceeded\"\} 2$"
lc_assert_file_contains "$prom" "^lcbp3_sequence_utilization_ratio\{type=\"1\",scope=\"$Y\"\} 0\.95"
lc_assert_file_contains "$prom" "^# HELP lcbp3_sequence_orphans [a-z]"
lc_assert_eq 1 "$(grep -c "^lcbp3_integrity_status " "$prom")" "one overall status"
lc_assert_eq 1 "$(grep -c "^lcbp3_sequence_orphans " "$prom")" "one sample per series"
lc_expect_exit 2 -- lc_tool integrity --config "$conf" sequences --prometheus "$prom"
lc_assert_file_contains "$prom" "^lcbp3_integrity_check_status\{group=\"backups\",check=\"spool\.[a-z_.]+\"\} [0-3]$"
lc_assert_eq 1 "$(grep -c "^lcbp3_integrity_check_status{group=\"sequences\",check=\"sequence\.3\.$Y\.exceeded\"}" "$prom")" \
    "the sequences' statuses are this run's, not twice"

lc_log "--json: the same findings, field by field"
lc_expect_exit 2 -- lc_tool integrity --config "$conf" sequences --json
lc_assert_eq 2 "$(json "d['exit_code']")" "exit_code"
lc_assert_eq CRITICAL "$(jstatus "sequence.3.$Y.exceeded")" "the exceeded sequence"
lc_assert_eq WARNING "$(jstatus "sequence.2.$Y.utilization")" "the sequence at 85 %"
lc_assert_eq "95.0 % (9 500 of 9 999)" "$(jfield "sequence.1.$Y.utilization" value)" "value"
lc_assert_eq "warn > 80 %, crit > 90 %" "$(jfield "sequence.1.$Y.utilization" threshold)" "threshold"
lc_assert_eq high-utilization "$(jfield "sequence.1.$Y.utilization" runbook)" "runbook"
lc_assert_eq sequences "$(jfield "sequence.1.$Y.utilization" group)" "group"
lc_assert_eq WARNING "$(jstatus orphans)" "orphans"
lc_assert_eq CRITICAL "$(jstatus duplicates)" "duplicates"
lc_assert_eq version-conflicts "$(jfield duplicates runbook)" "duplicates runbook"

lc_log "thresholds from [integrity]: warn 90, crit 96 turn 95 % into a warning, 85 % into OK"
tconf="$LC_TMP/thresholds.conf"
lc_write_config "$tconf" --redis none integrity.warn_utilization=90 integrity.crit_utilization=96
lc_expect_exit 2 -- lc_tool integrity --config "$tconf" sequences
lc_assert_file_contains "$LC_OUT" "^WARNING +sequences\.sequence\.1\.$Y\.utilization .* warn > 90 %, crit > 96 %"
lc_assert_file_not_contains "$LC_OUT" "sequence\.2\.$Y"

lc_log "-q: only the non-OK lines"
lc_expect_exit 2 -- lc_tool integrity --config "$conf" -q sequences
lc_assert_file_not_contains "$LC_OUT" "^OK "

lc_log "a healthy database: every summary OK, exit 0"
q "SET foreign_key_checks = 0;
   UPDATE document_numbering_sequences SET current_value = 100 WHERE id IN (1, 2, 3);
   DELETE FROM document_numbering_sequences WHERE id = 8;
   INSERT INTO document_numbering_sequences (id, config_id, year, current_value) VALUES (9, 5, $Y, 1);
   DELETE FROM document_numbering_audit_logs WHERE sequence_id = 6"
lc_expect_exit 0 -- lc_tool integrity --config "$conf" sequences
for c in utilization orphans yearly_scope duplicates; do
    lc_assert_file_contains "$LC_OUT" "^OK +sequences\.$c "
done
lc_assert_file_contains "$LC_OUT" "^OK +sequences\.utilization +8 sequences, highest 50\.0 %"
lc_assert_file_contains "$LC_OUT" "^OK: 4 checks"

lc_log "live era: document_number_counters and a document_number_audit, by [numbering] keys alone"
q "SET foreign_key_checks = 0;
   DELETE FROM document_number_counters;
   CREATE OR REPLACE TABLE document_number_audit (
       id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
       document_id BIGINT UNSIGNED NULL,
       generated_number VARCHAR(255) NOT NULL,
       counter_key VARCHAR(500) NOT NULL,
       project_id INT UNSIGNED NOT NULL, originator_id INT UNSIGNED NOT NULL,
       correspondence_type_id INT UNSIGNED NOT NULL, discipline_id INT UNSIGNED NOT NULL,
       year SMALLINT UNSIGNED NOT NULL,
       sequence_number INT UNSIGNED NOT NULL,
       operation ENUM('RESERVE','CONFIRM','CANCEL','MANUAL_OVERRIDE','VOID_REPLACE') NOT NULL,
       user_id INT UNSIGNED NULL,
       created_at DATETIME(6) NOT NULL,
       KEY idx_audit_number (generated_number),
       KEY idx_audit_counter (project_id, originator_id, correspondence_type_id, discipline_id, year, created_at),
       KEY idx_audit_created (created_at)
   ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
   INSERT INTO document_number_counters (project_id, originator_id, correspondence_type_id,
       discipline_id, year, last_number, updated_at)
   VALUES (1, 1, 1, 0, $Y, 9500, NOW()), (1, 1, 2, 0, $Y, 8500, NOW()), (1, 1, 3, 0, $Y, 10005, NOW()),
          (1, 1, 4, 0, $Y, 5000, NOW()), (1, 1, 6, 0, 0, 100, NOW()), (1, 1, 1, 0, $Y - 1, 9900, NOW()),
          (9, 9, 9, 9, $Y, 10, NOW());
   INSERT INTO document_number_audit (generated_number, counter_key, project_id, originator_id,
       correspondence_type_id, discipline_id, year, sequence_number, operation, created_at)
       SELECT CONCAT('LCBP3-C1-NCR-$Y-', LPAD(4400 + seq, 4, '0')), 'doc_num:1:4:0:0', 1, 1, 4, 0, $Y,
              4400 + seq, 'CONFIRM', NOW() - INTERVAL (seq * 4271) % (29 * 86400) SECOND FROM seq_1_to_600;
   INSERT INTO document_number_audit (generated_number, counter_key, project_id, originator_id,
       correspondence_type_id, discipline_id, year, sequence_number, operation, created_at)
       VALUES ('LCBP3-C1-TRN-000100', 'doc_num:1:6:0:0', 1, 1, 6, 0, 0, 100, 'CONFIRM', NOW() - INTERVAL 2 DAY),
              ('LCBP3-C1-TRN-000100', 'doc_num:1:6:0:0', 1, 1, 6, 0, 0, 100, 'CONFIRM', NOW() - INTERVAL 1 DAY),
              ('LCBP3-C1-TRN-000100', 'doc_num:1:6:0:0', 1, 1, 6, 0, 0, 100, 'RESERVE', NOW() - INTERVAL 1 DAY)"
scope=project_id,originator_id,correspondence_type_id,discipline_id
lconf="$LC_TMP/live.conf"
lc_write_config "$lconf" --redis none numbering.sequences_table=document_number_counters \
    numbering.audit_table=document_number_audit numbering.config_id_columns=$scope \
    numbering.sequence_config_columns=$scope numbering.sequence_value_column=last_number \
    numbering.sequence_id_columns=$scope,year numbering.audit_sequence_columns=$scope,year \
    numbering.audit_action_column=operation numbering.audit_issue_action=CONFIRM
lc_expect_exit 2 -- lc_tool integrity --config "$lconf" sequences --json
lc_assert_eq CRITICAL "$(jstatus "sequence.1-1-3-0.$Y.exceeded")" "live: exceeded"
lc_assert_eq CRITICAL "$(jstatus "sequence.1-1-1-0.$Y.utilization")" "live: 95 %"
lc_assert_eq WARNING "$(jstatus "sequence.1-1-2-0.$Y.utilization")" "live: 85 %"
lc_assert_eq CRITICAL "$(jstatus "sequence.1-1-6-0.none.duplicates")" "live: the number issued twice"
lc_assert_eq WARNING "$(jstatus orphans)" "live: the counter without a config"
lc_assert_eq "1 sequences without a config" "$(jfield orphans value)" "live: orphans value"
lc_assert_file_contains "$LC_OUT" "soonest exhaustion: sequence 1-1-4-0\.$Y in 250 days"

lc_log "live era without a configs table: default_max_value for every counter"
nconf="$LC_TMP/noconfigs.conf"
lc_write_config "$nconf" --redis none '[numbering]' 'configs_table =' 'audit_table =' \
    'sequences_table = document_number_counters' "sequence_config_columns = $scope" \
    'sequence_value_column = last_number' 'default_max_value = 20000'
lc_expect_exit 0 -- lc_tool integrity --config "$nconf" sequences
lc_assert_file_contains "$LC_OUT" "^OK +sequences\.utilization +7 sequences, highest 50\.0 %"
lc_assert_file_contains "$LC_OUT" "not checked: \[numbering\] configs_table is unset"
lc_assert_file_contains "$LC_OUT" "not checked: \[numbering\] audit_table is unset"

lc_log "a missing table: UNKNOWN, exit 3, naming the table and the key"
bconf="$LC_TMP/bad.conf"
lc_write_config "$bconf" --redis none numbering.audit_table=document_number_audit_typo
lc_expect_exit 3 -- lc_tool integrity --config "$bconf" sequences
lc_assert_file_contains "$LC_OUT" "^UNKNOWN +sequences\.schema"
lc_assert_file_contains "$LC_OUT" "table '$LC_DB\.document_number_audit_typo' \(\[numbering\] audit_table\) does not exist"
lc_assert_file_contains "$LC_OUT" "-> set \[numbering\] audit_table to the right table"

lc_log "a missing column: UNKNOWN, naming the column, the key and the columns there are"
lc_write_config "$bconf" --redis none numbering.sequences_table=document_number_counters
lc_expect_exit 3 -- lc_tool integrity --config "$bconf" sequences --json
lc_assert_eq UNKNOWN "$(jstatus schema)" "missing column"
lc_assert_file_contains "$LC_OUT" "column 'config_id' \(\[numbering\] sequence_config_columns\) is not in table '$LC_DB\.document_number_counters'"
lc_assert_file_contains "$LC_OUT" "set \[numbering\] sequence_config_columns to one of: project_id, originator_id"

lc_log "mismatched column lists, an invalid name: UNKNOWN before any query"
lc_write_config "$bconf" --redis none numbering.config_id_columns=id,project_id
lc_expect_exit 3 -- lc_tool integrity --config "$bconf" sequences
lc_assert_file_contains "$LC_OUT" "\[numbering\] config_id_columns names 2 columns but sequence_config_columns names 1"
lc_write_config "$bconf" --redis none "numbering.sequence_value_column=$(printf 'x%.0s' {1..70})"
lc_expect_exit 3 -- lc_tool integrity --config "$bconf" sequences
lc_assert_file_contains "$LC_OUT" "\[numbering\] sequence_value_column: 'x+' is not a valid column name"
lc_write_config "$bconf" --redis none "numbering.sequences_table=a.b.c"
lc_expect_exit 3 -- lc_tool integrity --config "$bconf" sequences
lc_assert_file_contains "$LC_OUT" "UNKNOWN +sequences\.schema"

lc_log "a user without SELECT on the tables: UNKNOWN, never OK"
for h in localhost 127.0.0.1; do
    lc_mysql -e "CREATE OR REPLACE USER 'lcbp3_nosel'@'$h' IDENTIFIED BY 'nosel-pw'"
done
printf 'nosel-pw' >"$LC_TMP/secrets/nosel" && chmod 600 "$LC_TMP/secrets/nosel"
lc_write_config "$bconf" --redis none mariadb.user=lcbp3_nosel mariadb.password_file="$LC_TMP/secrets/nosel"
lc_expect_exit 3 -- lc_tool integrity --config "$bconf" sequences
lc_assert_file_contains "$LC_OUT" "^UNKNOWN +sequences\.schema"
lc_assert_file_contains "$LC_OUT" "does not exist or the \[mariadb\] user may not read it"

lc_log "the server unreachable: UNKNOWN, exit 3"
lc_write_config "$bconf" --redis none mariadb.port="$(lc_free_port)"
lc_expect_exit 3 -- lc_tool integrity --config "$bconf" sequences
lc_assert_file_contains "$LC_OUT" "^UNKNOWN +sequences\.mariadb"
lc_assert_file_contains "$LC_OUT" "-> "

lc_pass
