# shellcheck shell=bash
# WebDAV part of the test harness (sourced by tests/harness/lib.sh, never on its own): a
# real Apache 2.4 (mod_dav + mod_dav_fs + mod_ssl, Debian's apache2 package) on a free
# loopback port, with its own minimal config, a private CA and a server certificate for
# 127.0.0.1, HTTP Basic (or Digest) authentication from a password file, and ways to
# break it for fault tests: SIGKILL, SIGSTOP, a full disk (a small tmpfs under the DAV
# root).
#
# Files of instance NAME (default webdav), all in $LC_TMP/NAME:
#   httpd.conf  port  server.log (the error log)  server.pid (the parent apache)
#   access.log  "METHOD /path STATUS te=Transfer-Encoding len=Content-Length" a request
#   tls/        ca.pem ca.key server.pem server.key (root only)
#   users       htpasswd (or htdigest) file, readable by the worker user
#   lock/       DAVLockDB
#   data/       the DAV root (WEBDAV_ROOT), served as https://127.0.0.1:PORT/dav/
#
# Apache started as root serves requests from worker processes running as www-data
# (it refuses `User root`). Those workers must reach users, lock/ and data/, but $LC_TMP
# is root's 0700 directory. Rather than opening it to every local user (o+x) or putting
# the data elsewhere, $LC_TMP and the instance directory get the worker's group with
# mode 0710: only root and the group www-data may traverse them, nobody may list them,
# and the secrets/ and other instance directories inside keep their own 0700. data/ and
# lock/ belong to www-data (0700); the rest stays root's.

LC_WEBDAV_USER=${LC_WEBDAV_USER:-www-data}
LC_WEBDAV_MODULES=${LC_WEBDAV_MODULES:-/usr/lib/apache2/modules}

lc__webdav_export() { # NAME
    local d="$LC_TMP/$1"
    WEBDAV_NAME=$1
    WEBDAV_DIR=$d
    WEBDAV_PORT=$(cat "$d/port")
    WEBDAV_ROOT=$d/data
    WEBDAV_URL="https://127.0.0.1:$WEBDAV_PORT/dav"
    WEBDAV_CA=$d/tls/ca.pem
    WEBDAV_USER=lcbp3
    WEBDAV_PASSWORD_FILE=$LC_TMP/secrets/webdav.password
    WEBDAV_PID=$(lc__pid_of "$1")
    WEBDAV_LOG=$d/server.log
    WEBDAV_ACCESS_LOG=$d/access.log
    export WEBDAV_NAME WEBDAV_DIR WEBDAV_PORT WEBDAV_ROOT WEBDAV_URL WEBDAV_CA WEBDAV_USER \
        WEBDAV_PASSWORD_FILE WEBDAV_PID WEBDAV_LOG WEBDAV_ACCESS_LOG
}

# lc__webdav_tls DIR: a private CA and a certificate for 127.0.0.1 signed by it (once)
lc__webdav_tls() {
    local t=$1/tls
    [ -s "$t/server.pem" ] && [ -s "$t/ca.pem" ] && return 0
    mkdir -p "$t"
    chmod 700 "$t"
    (
        set -e
        umask 077
        cd "$t"
        openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=lcbp3 test CA" \
            -keyout ca.key -out ca.pem \
            -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
        openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout server.key -out server.csr
        printf '%s\n' basicConstraints=CA:FALSE keyUsage=critical,digitalSignature,keyEncipherment \
            extendedKeyUsage=serverAuth subjectAltName=IP:127.0.0.1 >server.ext
        openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 \
            -extfile server.ext -out server.pem
        chmod 644 ca.pem
    ) >"$1/tls.log" 2>&1 || {
        cat "$1/tls.log" >&2
        lc_fail "cannot make the WebDAV test certificates (openssl output above)"
    }
}

# lc__webdav_users DIR AUTH: the password file apache checks, from the secret file
lc__webdav_users() {
    local d=$1 auth=$2 pw hash
    lc__secret_file "$LC_TMP/secrets/webdav.password"
    pw=$(cat "$LC_TMP/secrets/webdav.password")
    if [ "$auth" = digest ]; then
        hash=$(printf '%s' "lcbp3:lcbp3 backups:$pw" | md5sum | cut -d' ' -f1)
        printf 'lcbp3:lcbp3 backups:%s\n' "$hash" >"$d/users.tmp"
    else
        # -stdin: the password never appears on a command line
        hash=$(printf '%s\n' "$pw" | openssl passwd -apr1 -stdin) || lc_fail "openssl passwd failed"
        printf 'lcbp3:%s\n' "$hash" >"$d/users.tmp"
    fi
    chown "root:$LC_WEBDAV_USER" "$d/users.tmp"
    chmod 640 "$d/users.tmp"
    mv "$d/users.tmp" "$d/users"
}

lc__webdav_conf() { # DIR PORT AUTH
    local d=$1 port=$2 auth=$3 m
    {
        # (unixd, core and so are built into Debian's apache2)
        for m in mpm_event authz_core authz_user authn_core authn_file alias dav dav_fs ssl; do
            echo "LoadModule ${m}_module $LC_WEBDAV_MODULES/mod_$m.so"
        done
        if [ "$auth" = digest ]; then
            echo "LoadModule auth_digest_module $LC_WEBDAV_MODULES/mod_auth_digest.so"
        else
            echo "LoadModule auth_basic_module $LC_WEBDAV_MODULES/mod_auth_basic.so"
        fi
        cat <<EOF
ServerRoot "$d"
ServerName 127.0.0.1
Listen 127.0.0.1:$port
User $LC_WEBDAV_USER
Group $LC_WEBDAV_USER
PidFile "$d/httpd.pid"
DefaultRuntimeDir "$d"
ErrorLog "$d/server.log"
LogLevel warn
# method, path, status, how the body came: for tests that assert the request sequence
LogFormat "%m %U %>s te=%{Transfer-Encoding}i len=%{Content-Length}i" lc
CustomLog "$d/access.log" lc
Timeout 30
KeepAlive On
StartServers 1
ServerLimit 2
ThreadLimit 8
ThreadsPerChild 8
MaxRequestWorkers 16
MinSpareThreads 1
MaxSpareThreads 16
DocumentRoot "$d/data"
DAVLockDB "$d/lock/davlock"
SSLEngine on
SSLCertificateFile "$d/tls/server.pem"
SSLCertificateKeyFile "$d/tls/server.key"
SSLProtocol -all +TLSv1.2 +TLSv1.3
<Directory />
    Require all denied
    AllowOverride None
</Directory>
Alias /dav "$d/data"
<Directory "$d/data">
    Dav On
    Options None
    AuthType ${auth^}
    AuthName "lcbp3 backups"
    AuthUserFile "$d/users"
EOF
        [ "$auth" = digest ] && echo '    AuthDigestProvider file'
        cat <<EOF
    Require valid-user
</Directory>
EOF
    } >"$d/httpd.conf"
}

# lc__webdav_tree PID: PID and all its descendants (parent first), from /proc
lc__webdav_tree() {
    local root=$1 f rest ppid pid changed
    local -a tree=("$root")
    local -A seen=(["$root"]=1)
    for ((changed = 1; changed; )); do
        changed=0
        for f in /proc/[0-9]*/stat; do
            rest=$(sed 's/.*) //' "$f" 2>/dev/null) || continue
            ppid=$(echo "$rest" | cut -d' ' -f2)
            pid=${f#/proc/}
            pid=${pid%/stat}
            if [ -n "${seen[$ppid]:-}" ] && [ -z "${seen[$pid]:-}" ]; then
                seen[$pid]=1
                tree+=("$pid")
                changed=1
            fi
        done
    done
    echo "${tree[@]}"
}

# lc_start_webdav [--digest] [NAME]: starts (or reuses, when running) apache serving
# WebDAV over TLS at https://127.0.0.1:$WEBDAV_PORT/dav/ (Basic authentication, or Digest
# with --digest) for user lcbp3 with the password in $LC_TMP/secrets/webdav.password.
# Restarting a stopped or killed instance keeps its files, certificates and, if free,
# its port. Waits up to 30 s for the port; on failure prints the log and fails.
lc_start_webdav() {
    local auth=basic name d port pid attempt i
    if [ "${1:-}" = --digest ]; then
        auth=digest
        shift
    fi
    name=${1:-webdav}
    command -v apache2 >/dev/null || lc_fail "apache2 is not installed (./dev deps installs it)"
    id -u "$LC_WEBDAV_USER" >/dev/null 2>&1 || lc_fail "no user '$LC_WEBDAV_USER' for the apache workers"
    d="$LC_TMP/$name"
    mkdir -p "$d"
    lc__register "$name" webdav
    # the worker user's way in (see the head of this file)
    chgrp "$LC_WEBDAV_USER" "$LC_TMP" "$d"
    chmod 710 "$LC_TMP" "$d"
    mkdir -p "$d/data" "$d/lock"
    chown "$LC_WEBDAV_USER:$LC_WEBDAV_USER" "$d/data" "$d/lock"
    chmod 700 "$d/data" "$d/lock"
    lc__webdav_tls "$d"
    pid=$(lc__pid_of "$name")
    if [ -n "$pid" ] && lc__alive "$pid" && [ -s "$d/port" ] && lc__port_in_use "$(cat "$d/port")"; then
        lc__webdav_export "$name"
        return 0
    fi
    rm -f "$d/server.pid" "$d/httpd.pid"
    lc__webdav_users "$d" "$auth"
    for ((attempt = 1; attempt <= 3; attempt++)); do
        port=
        if [ -s "$d/port" ] && ! lc__port_in_use "$(cat "$d/port")"; then
            port=$(cat "$d/port")
        fi
        [ -n "$port" ] || port=$(lc_free_port) || exit 1
        echo "$port" >"$d/port"
        lc__webdav_conf "$d" "$port" "$auth"
        echo "---- start $(date -u +%FT%TZ) attempt $attempt port $port" >>"$d/server.log"
        # in the foreground (no detach, so no chdir to /): the working directory, which
        # lc__pid_of checks, stays the instance directory for the parent and its workers
        lc__launch "$d/server.log" env -C "$d" apache2 -d "$d" -f "$d/httpd.conf" -DFOREGROUND
        pid=$LC__PID
        for ((i = 0; i < 300; i++)); do # 30 s
            if lc__alive "$pid" && lc__port_in_use "$port"; then
                echo "$pid" >"$d/server.pid"
                lc__webdav_export "$name"
                return 0
            fi
            lc__alive "$pid" || break
            sleep 0.1
        done
        if lc__alive "$pid"; then
            lc__stop_pid "$pid" KILL 10
            tail -n 50 "$d/server.log" >&2
            lc_fail "apache '$name' did not listen on port $port within 30s (log above)"
        fi
        wait "$pid" 2>/dev/null || true
        if tail -n 20 "$d/server.log" | grep -qi 'address already in use'; then
            rm -f "$d/port"
            continue
        fi
        break
    done
    tail -n 50 "$d/server.log" >&2
    lc_fail "apache '$name' failed to start (log above)"
}

lc_use_webdav() { # NAME
    [ -s "$LC_TMP/$1/port" ] || lc_fail "no webdav instance '$1'"
    lc__webdav_export "$1"
}

# lc_stop_webdav [NAME]: SIGTERM (apache stops its workers), wait, SIGKILL if needed
lc_stop_webdav() {
    local name=${1:-${WEBDAV_NAME:-webdav}} pid p
    pid=$(lc__pid_of "$name")
    if [ -n "$pid" ]; then
        local -a tree
        read -r -a tree <<<"$(lc__webdav_tree "$pid")"
        lc__stop_pid "$pid" TERM 30
        for p in "${tree[@]:1}"; do
            lc__stop_pid "$p" KILL 10
        done
    fi
    rm -f "$LC_TMP/$name/server.pid"
}

# lc_kill_webdav [NAME]: SIGKILL to apache and every worker at once, wait until all gone
lc_kill_webdav() {
    local name=${1:-${WEBDAV_NAME:-webdav}} pid p
    local -a tree=()
    pid=$(lc__pid_of "$name")
    if [ -n "$pid" ]; then
        read -r -a tree <<<"$(lc__webdav_tree "$pid")"
        kill -KILL "${tree[@]}" 2>/dev/null || true
        # reap the parent (our child) quietly: no "Killed" line from bash in the test output
        { wait "$pid"; } 2>/dev/null || true
        for p in "${tree[@]}"; do
            lc__wait_dead "$p" 10 || lc_fail "apache process $p survived SIGKILL"
        done
    fi
    rm -f "$LC_TMP/$name/server.pid"
}

# lc_signal_webdav SIGNAL [NAME]: sends SIGNAL (STOP, CONT) to apache and its workers
lc_signal_webdav() {
    local sig=$1 name=${2:-${WEBDAV_NAME:-webdav}} pid
    local -a tree
    pid=$(lc__pid_of "$name")
    [ -n "$pid" ] || lc_fail "webdav instance '$name' is not running"
    read -r -a tree <<<"$(lc__webdav_tree "$pid")"
    kill "-$sig" "${tree[@]}" 2>/dev/null || true
}

# lc_webdav_full_disk SUBDIR SIZE: mounts a tmpfs of SIZE (e.g. 1m) at
# $WEBDAV_ROOT/SUBDIR, owned by the worker user, so that uploads there run out of space
# (apache answers 507). Unmounted when the test ends, passed or failed.
lc_webdav_full_disk() {
    local dir="$WEBDAV_ROOT/$1" size=$2 u g
    mkdir -p "$dir"
    u=$(id -u "$LC_WEBDAV_USER")
    g=$(id -g "$LC_WEBDAV_USER")
    mount -t tmpfs -o "size=$size,uid=$u,gid=$g,mode=0700" tmpfs "$dir" ||
        lc_fail "cannot mount a tmpfs at '$dir'"
    lc_at_exit umount -l "$dir"
}

# lc_webdav_target_args TARGET [SUBDIR]: prints, one a line, the lc_write_config
# arguments of [target.TARGET] for the running instance: url (…/dav/SUBDIR,
# percent-encoded), user, password_file, ca_file. E.g.
#   mapfile -t args < <(lc_webdav_target_args nas sets)
#   lc_write_config "$conf" --redis none --mariadb none "${args[@]}"
lc_webdav_target_args() {
    local t=$1 sub=${2:-} enc='' i c
    [ -n "${WEBDAV_PORT:-}" ] || lc_fail "lc_webdav_target_args: no webdav started"
    for ((i = 0; i < ${#sub}; i++)); do
        c=${sub:i:1}
        case $c in
        [A-Za-z0-9._~/-]) enc+=$c ;;
        *) enc+=$(printf '%%%02X' "'$c") ;;
        esac
    done
    echo "target.$t.url=$WEBDAV_URL${enc:+/$enc}"
    echo "target.$t.user=$WEBDAV_USER"
    echo "target.$t.password_file=$WEBDAV_PASSWORD_FILE"
    echo "target.$t.ca_file=$WEBDAV_CA"
}
