#!/usr/bin/env bash
# lcbp3-backup binlog against a real primary (log-bin on, ROW): the one-shot catch-up
# archives every binlog the server has, closed files byte-identical to the server's and
# the active one up to its end; --follow keeps up with writes, DDL and FLUSH BINARY
# LOGS rotations (the newest commit is on disk locally within binlog_flush_interval +
# 1 s), survives SIGKILL of itself and of the server (no gap, no duplicate: every
# closed segment equals the server's file), tells a systemd-style notify socket READY=1,
# its status (following, reconnecting) and feeds the watchdog, stops on SIGTERM with
# exit 0 and STOPPING=1; closed
# segments reach a file target with their sidecars, the active one as an open copy;
# lcbp3-restore --until-gtid from that target alone (after all the kills) gives the
# database's CHECKSUM TABLE figures at that transaction; RESET MASTER (numbering restarts) goes to generation 1 and leaves generation 0
# untouched; binlog off on the server, archiving off in the config, a second archiver:
# 78, 78, 75.
# lc-valgrind: yes
set -euo pipefail
. "$LC_SOURCE_DIR/tests/harness/lib.sh"

lc_start_mariadb
lc_seed_mariadb
target="$LC_TMP/nas"
mkdir -p "$target"
conf="$LC_TMP/lcbp3.conf"
lc_write_config "$conf" --redis none backup.binlog_client_id=4242 \
    backup.binlog_flush_interval=1s backup.binlog_ship_interval=2s \
    target.nas.url="file://$target"
datadir="$LC_TMP/mariadb/data"
sid=$(lc_mysql_q "SELECT @@server_id")
arch="$LC_SPOOL_DIR/binlogs/$sid"

# the server's binlog files, oldest first, and the active one
server_files() { lc_mysql_q "SHOW BINARY LOGS" | cut -f1; }
active_file() { lc_mysql_q "SHOW MASTER STATUS" | cut -f1; }

# every server file equals its archived copy in generation G, except the FDE's in-use
# flag (byte 22), which the server's copy keeps set while it writes the file or after a
# crash and the stream always sends clear; closed ones have a valid sidecar
check_archive() { # GEN
    local gen=$1 f active n=0 diffs
    active=$(active_file)
    for f in $(server_files); do
        [ -f "$arch/$gen/$f" ] || lc_fail "$f is not archived in generation $gen"
        diffs=$( (cmp -l "$datadir/$f" "$arch/$gen/$f" 2>&1 || true) | awk '$1 != 22' | wc -l)
        [ "$diffs" = 0 ] || lc_fail "$f differs from its archived copy in $diffs bytes"
        if [ "$f" != "$active" ]; then
            lc_assert_file_exists "$arch/$gen/$f.sha256"
            (cd "$arch/$gen" && sha256sum --quiet -c "$f.sha256") || lc_fail "sidecar of $f"
        fi
        n=$((n + 1))
    done
    [ "$n" -ge 1 ] || lc_fail "the server lists no binlog"
}

# whether the archive holds FILE up to byte POS
archived_upto() { [ "$(stat -c %s "$arch/${3:-0}/$1" 2>/dev/null || echo 0)" -ge "$2" ]; }
# whether the archive holds everything the server has written (generation G)
caught_up() { # [G]
    local st
    st=$(lc_mysql_q "SHOW MASTER STATUS") || return 1
    archived_upto "$(cut -f1 <<<"$st")" "$(cut -f2 <<<"$st")" "${1:-0}"
}

# writes: inserts, updates, deletes, DDL
writes() { # TAG
    lc_mysql "$LC_DB" -e "CREATE TABLE IF NOT EXISTS pitr_t (id INT AUTO_INCREMENT PRIMARY KEY,
            tag VARCHAR(20), v INT) ENGINE=InnoDB;
        INSERT INTO pitr_t (tag, v) SELECT '$1', seq FROM seq_1_to_200;
        UPDATE pitr_t SET v = v + 1 WHERE tag = '$1' AND v % 2 = 0;
        DELETE FROM pitr_t WHERE tag = '$1' AND v % 5 = 0;
        ALTER TABLE pitr_t ADD COLUMN IF NOT EXISTS note_$1 VARCHAR(10)"
}

# off in the config, a server without a binary log
lc_write_config "$LC_TMP/off.conf" --redis none
lc_expect_exit 78 -- lc_tool backup --config "$LC_TMP/off.conf" binlog
lc_assert_file_contains "$LC_ERR" "binlog archiving is off"
lc_assert_file_contains "$LC_ERR" "hint: set \[backup\] binlog_client_id"

# a set to recover from at the end, taken before every write below
lc_expect_exit 0 -- lc_tool backup --config "$conf" run --db-only --no-ship
set_name=$(basename "$(tail -n 1 "$LC_OUT")")

# one-shot catch-up of what the server has, with a rotation in the middle
writes a
lc_mysql -e "FLUSH BINARY LOGS"
writes b
lc_expect_exit 0 -- lc_tool backup --config "$conf" binlog
check_archive 0
lc_assert_file_contains "$LC_ERR" "binlog: closed mysql-bin\.[0-9]+"
# the closed ones shipped with sidecars, the active one as an open copy
for f in $(server_files); do
    if [ "$f" = "$(active_file)" ]; then
        ls "$target/binlogs/$sid/0/$f.open-"* >/dev/null 2>&1 || lc_fail "no open copy of $f on the target"
    else
        cmp -s "$arch/0/$f" "$target/binlogs/$sid/0/$f" || lc_fail "$f on the target"
        lc_assert_file_exists "$target/binlogs/$sid/0/$f.sha256"
        lc_assert_file_exists "$arch/0/$f.shipped-nas"
    fi
done
# a second catch-up with nothing new changes nothing
segment_sums() { (cd "$arch/$1" && sha256sum mysql-bin.[0-9][0-9][0-9][0-9][0-9][0-9]); }
before=$(segment_sums 0)
lc_expect_exit 0 -- lc_tool backup --config "$conf" binlog
lc_assert_eq "$before" "$(segment_sums 0)" "archive after an idle catch-up"

# --follow: writes and rotations are archived as they happen
lc_tool_bg backup --config "$conf" binlog --follow
follower=$LC_BG_PID
sleep 1
writes c
lc_mysql -e "FLUSH BINARY LOGS"
writes d
# RPO: the newest commit is in the local archive within flush interval (1 s) + 1 s
lc_mysql "$LC_DB" -e "INSERT INTO pitr_t (tag, v) VALUES ('rpo', 1)"
want=$(lc_mysql_q "SHOW MASTER STATUS" | cut -f1,2)
t0=$(date +%s.%N)
file=${want%%$'\t'*}
pos=${want##*$'\t'}
lc_wait_for 2 "the newest commit in the local archive" archived_upto "$file" "$pos"
rpo=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
lc_log "RPO: newest commit archived locally after ${rpo}s (flush interval 1 s)"
check_archive 0

# SIGKILL of the archiver mid-stream, writes while it is down, restart: no gap, no dup
kill -KILL "$follower"
wait "$follower" 2>/dev/null || true
writes e
lc_mysql -e "FLUSH BINARY LOGS"
writes f
# restarted as systemd would with Type=notify and WatchdogSec=2s: the manager's socket
# is a listener here that logs each datagram as a line ('|' for its newlines)
notify_sock="$LC_TMP/notify.sock"
notify_log="$LC_TMP/notify.log"
python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(0.5)
with open(sys.argv[2], "a") as log:
    for _ in range(1200):   # at most 10 minutes
        try:
            d = s.recv(4096)
        except socket.timeout:
            continue
        log.write(d.decode().replace("\n", "|") + "\n")
        log.flush()
' "$notify_sock" "$notify_log" &
notify_pid=$!
lc_at_exit kill "$notify_pid"
lc_wait_for 5 "the notify listener" test -S "$notify_sock"
NOTIFY_SOCKET=$notify_sock WATCHDOG_USEC=2000000 lc_tool_bg backup --config "$conf" binlog --follow
follower=$LC_BG_PID
lc_wait_for 10 "archiver caught up after SIGKILL" caught_up
check_archive 0
lc_wait_for 5 "READY=1 to the service manager" grep -q '^READY=1|STATUS=following mysql-bin' "$notify_log"
lc_assert_eq 1 "$(grep -c 'READY=1' "$notify_log")" "READY=1 notifications"
lc_wait_for 5 "the watchdog fed" grep -q '^WATCHDOG=1$' "$notify_log"

# a second archiver is refused while one runs
lc_expect_exit 75 -- lc_tool backup --config "$conf" binlog
# the server is killed and restarted: the follower reconnects and resumes
lc_kill_mariadb
sleep 1
lc_start_mariadb
writes g
lc_wait_for 30 "archiver resumed after the server restart" caught_up
check_archive 0
lc_assert_file_contains "$notify_log" '^STATUS=reconnecting in [0-9]+ s: '
lc_wait_for 10 "the open copy on the target" \
    sh -c "ls '$target/binlogs/$sid/0/$(active_file).open-'* >/dev/null 2>&1"

# SIGTERM: clean stop, exit 0, the metrics say it is down
kill -TERM "$follower"
LC_BG_PID=$follower
lc_bg_wait 20
lc_assert_eq 0 "$LC_RC" "exit status of the follower after SIGTERM"
lc_assert_file_contains "$notify_log" '^STOPPING=1\|STATUS=stopping'
lc_assert_eq 1 "$(grep -c 'READY=1' "$notify_log")" "READY=1 notifications after the reconnect"
pings=$(grep -c '^WATCHDOG=1$' "$notify_log")
[ "$pings" -ge 3 ] || lc_fail "the watchdog was fed $pings times over the run (WatchdogSec=2s)"
kill "$notify_pid"
lc_assert_file_contains "$LC_TMP/metrics/lcbp3-binlog.prom" "^lcbp3_binlog_up 0"
lc_assert_file_contains "$LC_TMP/metrics/lcbp3-binlog.prom" "^lcbp3_binlog_last_event_timestamp_seconds [0-9]"
lc_assert_file_contains "$LC_TMP/metrics/lcbp3-binlog.prom" 'lcbp3_binlog_target_last_success_timestamp_seconds\{target="nas"\}'
check_archive 0

# point-in-time recovery from the target alone (closed segments and the open copy of
# the active one), through every kill and restart above, to the last transaction
ref=$(lc_checksum_tables "$LC_DB")
last_gtid=$(lc_mysql_q "SELECT @@gtid_binlog_pos")
lc_expect_exit 0 -- lc_tool backup --config "$conf" binlog # ships the open copy as it is now
lc_create_admin_user
mv "$LC_SPOOL_DIR/binlogs" "$LC_TMP/spool-binlogs"
rconf="$LC_TMP/restore.conf"
lc_write_config "$rconf" --redis none mariadb.user="$LC_ADMIN_USER" \
    mariadb.password_file="$LC_ADMIN_PASSWORD_FILE" target.nas.url="file://$target"
lc_expect_exit 0 -- lc_tool restore --config "$rconf" db "$set_name" --until-gtid "$last_gtid" \
    --into pitr_nas --yes
lc_assert_file_contains "$LC_OUT" "target nas +active"
lc_assert_eq "$ref" "$(lc_checksum_tables pitr_nas)" "CHECKSUM TABLE after recovery from the target"
mv "$LC_TMP/spool-binlogs" "$LC_SPOOL_DIR/binlogs"

# the numbering restarts: a new generation, the old one untouched
gen0=$(segment_sums 0)
lc_mysql -e "RESET MASTER"
writes h
lc_expect_exit 0 -- lc_tool backup --config "$conf" binlog
lc_assert_file_contains "$LC_ERR" "numbering restarted"
lc_assert_eq "$gen0" "$(segment_sums 0)" "generation 0 after RESET MASTER"
check_archive 1
lc_assert_file_exists "$target/binlogs/$sid/1/$(active_file).open-"*

# a server without a binary log
lc_stop_mariadb
lc_start_mariadb --skip-log-bin
lc_expect_exit 78 -- lc_tool backup --config "$conf" binlog
lc_assert_file_contains "$LC_ERR" "does not write a binary log"
lc_assert_file_contains "$LC_ERR" "log_bin = mysql-bin"
lc_pass
