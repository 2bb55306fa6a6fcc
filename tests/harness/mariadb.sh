# shellcheck shell=bash
# MariaDB part of the test harness (sourced by tests/harness/lib.sh, never on its own):
# an initialised datadir template cached per build dir, mariadbd instances on free loopback
# ports with binlog on, the root client over the socket, the least-privilege backup user,
# seeding with tests/data/*.sql and CHECKSUM TABLE figures for comparing two databases.

LC_MDB_BUFFER_POOL=${LC_MDB_BUFFER_POOL:-128M}

lc__mariadb_common_cnf() { # options shared by the template and the servers
    cat <<EOF
bind-address=127.0.0.1
skip-name-resolve
character-set-server=utf8mb4
collation-server=utf8mb4_general_ci
innodb-log-file-size=16M
innodb-flush-log-at-trx-commit=2
max-allowed-packet=256M
event-scheduler=OFF
EOF
    if [ "$(id -u)" = 0 ]; then
        echo "user=root"
    fi
}

# lc__mariadb_template: print the path of a pristine initialised datadir, creating it once
# per build dir (keyed by the server version), under a lock
lc__mariadb_template() {
    local cache="${LC_CACHE_DIR:-$LC_BUILD_DIR/test-cache}" ver key tpl tmp as_root
    ver=$(mariadbd --version 2>/dev/null | cksum | cut -d' ' -f1)
    key=$( (
        echo "$ver"
        lc__mariadb_common_cnf
        echo v2
    ) | cksum | cut -d' ' -f1)
    tpl="$cache/mariadb-template-$key"
    mkdir -p "$cache"
    (
        flock -w 300 9 || exit 1
        if [ ! -d "$tpl/mysql" ]; then
            tmp=$(mktemp -d "$cache/.tpl.XXXXXX")
            {
                echo "[mariadbd]"
                echo "datadir=$tmp/data"
                echo "socket=$tmp/s.sock"
                echo "skip-log-bin"
                lc__mariadb_common_cnf
            } >"$tmp/my.cnf"
            as_root=()
            [ "$(id -u)" = 0 ] && as_root=(--user=root)
            if ! mariadb-install-db --defaults-file="$tmp/my.cnf" --auth-root-authentication-method=socket \
                --auth-root-socket-user="$(id -un)" --skip-test-db ${as_root[@]+"${as_root[@]}"} \
                >"$tmp/install.log" 2>&1; then
                tail -n 50 "$tmp/install.log" >&2
                rm -rf "$tmp"
                exit 1
            fi
            rm -f "$tmp/data"/*.pid
            mv "$tmp/data" "$tpl"
            rm -rf "$tmp"
        fi
    ) 9>"$cache/.mariadb-template.lock" || lc_fail "mariadb-install-db failed (log above)"
    echo "$tpl"
}

lc__mariadb_ping() { # SOCKET
    mariadb-admin --no-defaults --protocol=socket -uroot --socket="$1" --connect-timeout=2 ping >/dev/null 2>&1
}

lc__mariadb_export() { # NAME
    local d="$LC_TMP/$1"
    MDB_NAME=$1
    MDB_DIR=$d
    MDB_DATADIR=$d/data
    MDB_SOCK=$(cat "$d/socket.path")
    MDB_PORT=$(cat "$d/port")
    MDB_PID=$(lc__pid_of "$1")
    MDB_LOG=$d/server.log
    MDB_CNF=$d/my.cnf
    export MDB_NAME MDB_DIR MDB_DATADIR MDB_SOCK MDB_PORT MDB_PID MDB_LOG MDB_CNF
}

# lc_start_mariadb [--name NAME] [mariadbd options...]
lc_start_mariadb() {
    local name=mariadb d sock port pid attempt i tpl
    if [ "${1:-}" = --name ]; then
        name=$2
        shift 2
    fi
    d="$LC_TMP/$name"
    mkdir -p "$d"
    lc__register "$name" mariadb
    # already running (persistent mode, or a second call)?
    pid=$(lc__pid_of "$name")
    if [ -n "$pid" ] && lc__alive "$pid" && [ -s "$d/socket.path" ] && lc__mariadb_ping "$(cat "$d/socket.path")"; then
        lc__mariadb_export "$name"
        return 0
    fi
    rm -f "$d/server.pid"
    if [ ! -d "$d/data/mysql" ]; then
        tpl=$(lc__mariadb_template) || exit 1
        rm -rf "$d/data"
        cp -a "$tpl" "$d/data" || lc_fail "cannot copy the datadir template $tpl"
    fi
    sock="$d/mysql.sock"
    if [ ${#sock} -gt 100 ]; then
        sock="/tmp/lc-sock-$(echo "$d" | cksum | cut -d' ' -f1)-$name.sock"
    fi
    echo "$sock" >"$d/socket.path"
    for ((attempt = 1; attempt <= 3; attempt++)); do
        port=
        if [ -s "$d/port" ] && ! lc__port_in_use "$(cat "$d/port")"; then
            port=$(cat "$d/port")
        fi
        [ -n "$port" ] || port=$(lc_free_port) || exit 1
        echo "$port" >"$d/port"
        {
            echo "[mariadbd]"
            echo "datadir=$d/data"
            echo "socket=$sock"
            echo "port=$port"
            echo "pid-file=$d/server.pid"
            echo "log-error=$d/server.log"
            echo "log-bin=mysql-bin"
            echo "server-id=1"
            echo "binlog-format=ROW"
            echo "sync-binlog=0"
            echo "innodb-buffer-pool-size=$LC_MDB_BUFFER_POOL"
            lc__mariadb_common_cnf
        } >"$d/my.cnf"
        echo "---- start $(date -u +%FT%TZ) attempt $attempt port $port" >>"$d/server.log"
        lc__launch "$d/server.log" mariadbd --defaults-file="$d/my.cnf" "$@"
        pid=$LC__PID
        for ((i = 0; i < 600; i++)); do # 60 s
            if lc__mariadb_ping "$sock"; then
                # mariadbd writes its pid file; ours is the authoritative process id
                echo "$pid" >"$d/server.pid"
                lc__mariadb_export "$name"
                return 0
            fi
            lc__alive "$pid" || break
            sleep 0.1
        done
        if lc__alive "$pid"; then
            lc__stop_pid "$pid" KILL 10
            tail -n 50 "$d/server.log" >&2
            lc_fail "mariadbd '$name' did not answer within 60s (log above)"
        fi
        wait "$pid" 2>/dev/null || true
        if tail -n 30 "$d/server.log" | grep -qiE 'address already in use|bind on tcp/ip port'; then
            rm -f "$d/port"
            continue
        fi
        break
    done
    tail -n 50 "$d/server.log" >&2
    lc_fail "mariadbd '$name' failed to start (log above)"
}

# lc_use_mariadb NAME: point MDB_* (and lc_mysql) at another started instance
lc_use_mariadb() {
    [ -s "$LC_TMP/$1/port" ] || lc_fail "no mariadb instance '$1'"
    lc__mariadb_export "$1"
}

lc_stop_mariadb() { # [NAME]
    local name=${1:-${MDB_NAME:-mariadb}}
    lc__stop_pid "$(lc__pid_of "$name")" TERM 60
    rm -f "$LC_TMP/$name/server.pid"
}

lc_kill_mariadb() { # [NAME]
    local name=${1:-${MDB_NAME:-mariadb}}
    lc__stop_pid "$(lc__pid_of "$name")" KILL 10
    rm -f "$LC_TMP/$name/server.pid"
}

# lc_mysql [client args...]: the mariadb client, as root over the socket, utf8mb4
lc_mysql() {
    [ -n "${MDB_SOCK:-}" ] || lc_fail "lc_mysql: no mariadb started"
    mariadb --no-defaults --protocol=socket -uroot --socket="$MDB_SOCK" \
        --default-character-set=utf8mb4 "$@"
}

# lc_mysql_q SQL [DB]: run one statement batch, tab-separated output without headers
lc_mysql_q() {
    lc_mysql -N -B -e "$1" ${2:+"$2"}
}

# lc_create_backup_user [DB...]: (re)create 'lcbp3_backup'@'localhost' and @'127.0.0.1'
# with a random password kept in $LC_TMP/secrets/mariadb-backup.password (0600) and the
# least privileges a consistent logical dump needs. Exports LC_BACKUP_USER and
# LC_BACKUP_PASSWORD_FILE. The password is kept if the file already exists.
#   per database:  SELECT       rows, SHOW CREATE TABLE, information_schema
#                  SHOW VIEW    SHOW CREATE VIEW
#                  TRIGGER      SHOW TRIGGERS / SHOW CREATE TRIGGER
#                  EVENT        SHOW EVENTS / SHOW CREATE EVENT
#   global:        BINLOG MONITOR  SHOW MASTER STATUS / SHOW BINARY LOGS (binlog coordinates;
#                  REPLICATION SLAVE  lcbp3-backup binlog reads the binary logs as a replica;
#                               SHOW STATUS LIKE 'binlog_snapshot_%' and BINLOG_GTID_POS()
#                               need no privilege)
#   mysql.proc:    SELECT       SHOW CREATE PROCEDURE/FUNCTION of routines the user does not
#                               own (10.11; from 11.3 the SHOW CREATE ROUTINE privilege on
#                               the database is used instead when the server knows it)
# Not granted: RELOAD (no FLUSH TABLES WITH READ LOCK), LOCK TABLES, PROCESS, SUPER.
lc_create_backup_user() {
    local user=lcbp3_backup pwf="$LC_TMP/secrets/mariadb-backup.password" pw db h sql=
    local dbs=("$@")
    [ ${#dbs[@]} -gt 0 ] || dbs=("$LC_DB")
    lc__secret_file "$pwf"
    pw=$(cat "$pwf")
    for h in localhost 127.0.0.1; do
        sql+="CREATE OR REPLACE USER '$user'@'$h' IDENTIFIED BY '$pw';"
        sql+="GRANT BINLOG MONITOR, REPLICATION SLAVE ON *.* TO '$user'@'$h';"
        for db in "${dbs[@]}"; do
            sql+="GRANT SELECT, SHOW VIEW, TRIGGER, EVENT ON \`${db//\`/\`\`}\`.* TO '$user'@'$h';"
        done
    done
    lc_mysql -e "$sql" || lc_fail "cannot create user $user"
    for h in localhost 127.0.0.1; do
        for db in "${dbs[@]}"; do
            if ! lc_mysql -e "GRANT SHOW CREATE ROUTINE ON \`${db//\`/\`\`}\`.* TO '$user'@'$h'" 2>/dev/null; then
                lc_mysql -e "GRANT SELECT ON mysql.proc TO '$user'@'$h'" || lc_fail "cannot grant on mysql.proc"
            fi
        done
    done
    LC_BACKUP_USER=$user
    LC_BACKUP_PASSWORD_FILE=$pwf
    export LC_BACKUP_USER LC_BACKUP_PASSWORD_FILE
}

# lc_create_integrity_user [DB]: the least-privilege account of lcbp3-integrity
# (docs/lcbp3-integrity.1, PRIVILEGES): SELECT on DB (the numbering tables), PROCESS
# (innodb_trx, lock waits) and SLAVE MONITOR (replication status). Exports
# LC_INTEGRITY_USER, LC_INTEGRITY_PASSWORD_FILE.
lc_create_integrity_user() {
    local user=lcbp3_integrity db=${1:-$LC_DB} pwf pw h sql=
    pwf="$LC_TMP/secrets/mariadb-integrity.password"
    lc__secret_file "$pwf"
    pw=$(cat "$pwf")
    for h in localhost 127.0.0.1; do
        sql+="CREATE OR REPLACE USER '$user'@'$h' IDENTIFIED BY '$pw';"
        sql+="GRANT SELECT ON \`${db//\`/\`\`}\`.* TO '$user'@'$h';"
        sql+="GRANT PROCESS, SLAVE MONITOR ON *.* TO '$user'@'$h';"
    done
    lc_mysql -e "$sql" || lc_fail "cannot create user $user"
    LC_INTEGRITY_USER=$user
    LC_INTEGRITY_PASSWORD_FILE=$pwf
    export LC_INTEGRITY_USER LC_INTEGRITY_PASSWORD_FILE
}

# lc_create_admin_user [USER]: a password user with ALL PRIVILEGES (for restore/dr tests
# that need to create databases over TCP). Exports LC_ADMIN_USER, LC_ADMIN_PASSWORD_FILE.
lc_create_admin_user() {
    local user=${1:-lcbp3_admin} pwf pw h
    pwf="$LC_TMP/secrets/mariadb-$user.password"
    lc__secret_file "$pwf"
    pw=$(cat "$pwf")
    for h in localhost 127.0.0.1; do
        lc_mysql -e "CREATE OR REPLACE USER '$user'@'$h' IDENTIFIED BY '$pw'; GRANT ALL PRIVILEGES ON *.* TO '$user'@'$h' WITH GRANT OPTION;" ||
            lc_fail "cannot create user $user"
    done
    LC_ADMIN_USER=$user
    LC_ADMIN_PASSWORD_FILE=$pwf
    export LC_ADMIN_USER LC_ADMIN_PASSWORD_FILE
}

# lc_seed_mariadb [DB] [name=value ...]: create DB (utf8mb4) and load tests/data/seed_schema.sql
# and seed_data.sql; name=value pairs set the generator's @lc_<name> variables first
# (e.g. audit_rows=5000; see seed_data.sql)
lc_seed_mariadb() {
    local db=${1:-$LC_DB} kv pre=
    [ $# -gt 0 ] && shift
    for kv in "$@"; do
        case $kv in
        [a-z]*=[0-9]*) [[ $kv =~ ^[a-z_]+=[0-9]+$ ]] || lc_fail "lc_seed_mariadb: bad setting '$kv'"; pre+="SET @lc_${kv%%=*} = ${kv#*=};" ;;
        *) lc_fail "lc_seed_mariadb: bad setting '$kv' (want name=number)" ;;
        esac
    done
    lc_mysql -e "CREATE DATABASE IF NOT EXISTS \`${db//\`/\`\`}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci" ||
        lc_fail "cannot create database $db"
    {
        echo "$pre"
        cat "$LC_SOURCE_DIR/tests/data/seed_schema.sql" "$LC_SOURCE_DIR/tests/data/seed_data.sql"
    } | lc_mysql "$db" || lc_fail "seeding database $db failed"
}

# lc_checksum_tables DB: "table checksum" for every base table, sorted by name
lc_checksum_tables() {
    local db=$1 list t stmt=
    list=$(lc_mysql_q "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = '${db//\'/\'\'}' AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME") ||
        lc_fail "cannot list tables of $db"
    [ -n "$list" ] || return 0
    while IFS= read -r t; do
        stmt+="${stmt:+, }\`${db//\`/\`\`}\`.\`${t//\`/\`\`}\`"
    done <<<"$list"
    lc_mysql_q "CHECKSUM TABLE $stmt EXTENDED" | awk -F'\t' -v db="$db." '{ n = $1; if (index(n, db) == 1) n = substr(n, length(db) + 1); print n " " $2 }' |
        LC_ALL=C sort
}

lc__mariadb_caught_up() { # REPLICA PRIMARY: both threads run and the GTID positions match
    local want got status
    lc_use_mariadb "$2"
    want=$(lc_mysql_q "SELECT @@gtid_binlog_pos") || return 1
    lc_use_mariadb "$1"
    status=$(lc_mysql_q "SHOW SLAVE STATUS" 2>/dev/null | awk -F'\t' '{ print $11 " " $12 }') || return 1
    got=$(lc_mysql_q "SELECT @@gtid_slave_pos") || return 1
    [ "$status" = "Yes Yes" ] && [ "$got" = "$want" ]
}

# lc_start_mariadb_replica [--name NAME] [--of PRIMARY] [mariadbd options...]: a second
# mariadbd (own datadir and port, like lc_start_mariadb, default name 'replica') that
# replicates from PRIMARY (default: the current instance) with GTID (MASTER_USE_GTID=
# slave_pos) as 'lc_repl'@'127.0.0.1' (REPLICATION SLAVE; password in
# $LC_TMP/secrets/mariadb-repl.password). Its server_id comes from its name. Returns
# once it has caught up (60 s bound). Afterwards MDB_* point at the primary again (use
# lc_use_mariadb NAME for the replica); exports LC_REPLICA_NAME and LC_REPLICA_PORT.
lc_start_mariadb_replica() {
    local name=replica primary=${MDB_NAME:-mariadb} pwf pw pport sid
    while [ $# -gt 0 ]; do
        case $1 in
        --name) name=$2; shift 2 ;;
        --of) primary=$2; shift 2 ;;
        *) break ;;
        esac
    done
    lc_use_mariadb "$primary"
    pport=$MDB_PORT
    pwf="$LC_TMP/secrets/mariadb-repl.password"
    lc__secret_file "$pwf"
    pw=$(cat "$pwf")
    lc_mysql -e "CREATE OR REPLACE USER 'lc_repl'@'127.0.0.1' IDENTIFIED BY '$pw'; GRANT REPLICATION SLAVE ON *.* TO 'lc_repl'@'127.0.0.1'" ||
        lc_fail "cannot create the replication user on '$primary'"
    sid=$(($(echo "$name" | cksum | cut -d' ' -f1) % 1000000 + 2))
    lc_start_mariadb --name "$name" --server-id="$sid" "$@"
    lc_mysql -e "STOP SLAVE; CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=$pport, MASTER_USER='lc_repl', MASTER_PASSWORD='$pw', MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1; START SLAVE" ||
        lc_fail "cannot start replication on '$name'"
    lc_wait_for 60 "replica '$name' to catch up with '$primary'" lc__mariadb_caught_up "$name" "$primary"
    LC_REPLICA_NAME=$name
    LC_REPLICA_PORT=$(cat "$LC_TMP/$name/port")
    export LC_REPLICA_NAME LC_REPLICA_PORT
    lc_use_mariadb "$primary"
}
