# shellcheck shell=bash
# Test harness for lcbp3-ops: sourced by every tests/integration/*.sh (and by ./dev demo and
# bench/run.sh in "persistent" mode). It starts REAL mariadbd and redis-server processes on
# free loopback ports inside a private directory, seeds them with the LCBP3 sample data,
# writes a config for them, runs the tools (through $LC_WRAPPER, e.g. valgrind) and offers
# small assertions. Every server it starts is stopped on exit; on failure the last lines of
# each server's log are printed. A test script exits 0 (pass) or 1 (fail), never 77 (which
# meson reads as SKIP): the EXIT trap folds every non-zero status into 1.
# Contracts of each function are in tests/harness/README.md.

if [ -n "${LC_HARNESS_LOADED:-}" ]; then
    return 0
fi
LC_HARNESS_LOADED=1

LC_SOURCE_DIR=${LC_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
LC_BUILD_DIR=${LC_BUILD_DIR:-$LC_SOURCE_DIR/build}
LC_WRAPPER=${LC_WRAPPER:-}
LC_DB=${LC_DB:-lcbp3_production}
LC_KEEP=${LC_KEEP:-0}
LC_CMD_TIMEOUT=${LC_CMD_TIMEOUT:-300}
LC_TEST_NAME=${LC_TEST_NAME:-$(basename "${0%.sh}")}
LC_RUN_N=0
LC_RC=0
LC_OUT=
LC_ERR=
export LC_SOURCE_DIR LC_BUILD_DIR LC_DB

# ---------------------------------------------------------------------------------------
# small utilities

lc_log() {
    printf '# %s\n' "$*" >&2
}

lc_fail() {
    printf 'FAIL: %s: %s\n' "$LC_TEST_NAME" "$*" >&2
    exit 1
}

lc_pass() {
    printf 'PASS: %s%s\n' "$LC_TEST_NAME" "${1:+: $1}"
    exit 0
}

# lc__alive PID: true while PID exists and is not a zombie
lc__alive() {
    local pid=${1:-} st
    [ -n "$pid" ] && [ -r "/proc/$pid/stat" ] || return 1
    st=$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | cut -c1) || return 1
    [ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

# lc__wait_dead PID SECONDS: wait (bounded) for PID to go away; reap it if it is our child
lc__wait_dead() {
    local pid=$1 secs=$2 i
    for ((i = 0; i < secs * 10; i++)); do
        lc__alive "$pid" || break
        sleep 0.1
    done
    wait "$pid" 2>/dev/null || true
    ! lc__alive "$pid"
}

# lc_wait_for SECONDS DESCRIPTION CMD...: run CMD every 0.1 s until it succeeds; fail after SECONDS
lc_wait_for() {
    local secs=$1 what=$2 i
    shift 2
    for ((i = 0; i < secs * 10; i++)); do
        if "$@" >/dev/null 2>&1; then
            return 0
        fi
        sleep 0.1
    done
    lc_fail "timed out after ${secs}s waiting for $what"
}

lc__random_secret() {
    head -c 24 /dev/urandom | base64 | tr -d '/+=\n' | cut -c1-24
}

# lc__secret_file PATH: create PATH (0600) with a random secret unless it exists
lc__secret_file() {
    local f=$1
    if [ ! -s "$f" ]; then
        mkdir -p "$(dirname "$f")"
        chmod 700 "$(dirname "$f")"
        (umask 077 && lc__random_secret >"$f")
    fi
    chmod 600 "$f"
}

# ---------------------------------------------------------------------------------------
# working directory, registry of servers, cleanup

# persistent mode (./dev demo, bench): LC_PERSIST_DIR is the home, servers outlive the
# script (setsid), nothing is stopped or removed on exit.
if [ -n "${LC_PERSIST_DIR:-}" ]; then
    LC_TMP=$LC_PERSIST_DIR
    mkdir -p "$LC_TMP"
    LC_PERSIST=1
else
    LC_TMP=$(mktemp -d "/tmp/lc-${LC_TEST_NAME}.XXXXXX")
    LC_PERSIST=0
fi
chmod 700 "$LC_TMP"
mkdir -p "$LC_TMP/run" "$LC_TMP/secrets"
chmod 700 "$LC_TMP/secrets"
touch "$LC_TMP/.servers" "$LC_TMP/.ports"
export LC_TMP

lc__register() { # NAME KIND
    grep -qx "$1 $2" "$LC_TMP/.servers" 2>/dev/null || echo "$1 $2" >>"$LC_TMP/.servers"
}

# lc__pid_of NAME: the pid of instance NAME from its pid file, empty if none. A pid whose
# process runs elsewhere (pid reused after a reboot) is not ours: the servers' working
# directory is inside the instance folder (redis: dir; mariadbd: datadir).
lc__pid_of() {
    local f="$LC_TMP/$1/server.pid" pid cwd d
    [ -s "$f" ] || return 0
    pid=$(head -n1 "$f")
    cwd=$(readlink "/proc/$pid/cwd" 2>/dev/null) || {
        echo "$pid" # gone or a zombie: harmless
        return 0
    }
    d=$(readlink -f "$LC_TMP/$1")
    case $cwd in
    "$d" | "$d"/*) echo "$pid" ;;
    esac
}

lc__stop_pid() { # PID SIGNAL SECONDS
    local pid=$1
    lc__alive "$pid" || return 0
    kill "-$2" "$pid" 2>/dev/null || true
    if ! lc__wait_dead "$pid" "$3"; then
        kill -KILL "$pid" 2>/dev/null || true
        lc__wait_dead "$pid" 10 || true
    fi
}

lc__stop_all() {
    local name pid
    while read -r name _; do
        [ -n "$name" ] || continue
        pid=$(lc__pid_of "$name")
        [ -n "$pid" ] && lc__stop_pid "$pid" TERM 60
    done <"$LC_TMP/.servers"
    lc__run_at_exit
}

# lc_at_exit CMD...: run CMD when the test ends, pass or fail (after the servers stop,
# before the directory goes), e.g. lc_at_exit umount -l "$dir" for a mount the test made
lc_at_exit() {
    printf '%q ' "$@" >>"$LC_TMP/.at_exit"
    printf '\n' >>"$LC_TMP/.at_exit"
}

lc__run_at_exit() {
    [ -s "$LC_TMP/.at_exit" ] || return 0
    local line
    while IFS= read -r line; do
        eval "$line" >/dev/null 2>&1 || true
    done <"$LC_TMP/.at_exit"
    : >"$LC_TMP/.at_exit"
}

lc__print_server_logs() {
    local name log
    while read -r name _; do
        [ -n "$name" ] || continue
        log="$LC_TMP/$name/server.log"
        [ -f "$log" ] || continue
        printf '==== last 50 lines of %s log (%s) ====\n' "$name" "$log" >&2
        tail -n 50 "$log" >&2
    done <"$LC_TMP/.servers"
}

lc__on_exit() {
    local rc=$?
    trap - EXIT
    set +e
    kill -TERM "${LC_WATCHDOG_PID:-}" 2>/dev/null
    if [ "$rc" -ne 0 ]; then
        lc__print_server_logs
    fi
    lc__stop_all
    if [ "$LC_KEEP" = 1 ]; then
        printf '# kept %s\n' "$LC_TMP" >&2
    else
        [ "$rc" -ne 0 ] && printf '# (set LC_KEEP=1 to keep the test directory)\n' >&2
        rm -rf "$LC_TMP"
    fi
    # meson reads 77 as SKIP: a test passes (0) or fails (1), nothing else
    [ "$rc" -ne 0 ] && rc=1
    exit "$rc"
}

if [ "$LC_PERSIST" = 0 ]; then
    trap lc__on_exit EXIT
    trap 'exit 1' INT TERM HUP
    # watchdog: when this script dies without running its EXIT trap (SIGKILL), stop its
    # servers and remove its directory; detached from stdout so meson does not wait for it
    LC_OWNER_PID=$$
    (
        set +e
        trap 'exit 0' TERM
        trap '' INT HUP
        while lc__alive "$LC_OWNER_PID"; do
            sleep 0.5
        done
        lc__stop_all
        [ "$LC_KEEP" = 1 ] || rm -rf "$LC_TMP"
    ) </dev/null >/dev/null 2>&1 &
    LC_WATCHDOG_PID=$!
fi

# lc__launch LOGFILE CMD...: start a server in the background; its pid goes to LC__PID.
# Tests: a child of the test script, in its process group (meson's timeout kill reaches
# it, and `wait` reaps it). Persistent mode: its own session, detached from our stdio.
lc__launch() {
    local log=$1
    shift
    if [ "$LC_PERSIST" = 1 ]; then
        setsid "$@" </dev/null >>"$log" 2>&1 &
    else
        "$@" </dev/null >>"$log" 2>&1 &
    fi
    LC__PID=$!
}

# ---------------------------------------------------------------------------------------
# ports

lc__port_in_use() {
    [ -n "$(ss -Htln "sport = :$1" 2>/dev/null)" ]
}

# lc_free_port: print a loopback TCP port (13000-29999) nobody listens on and that this
# harness has not handed out before
lc_free_port() {
    local i p
    for ((i = 0; i < 200; i++)); do
        p=$((13000 + (RANDOM * 32768 + RANDOM) % 17000))
        grep -qx "$p" "$LC_TMP/.ports" && continue
        lc__port_in_use "$p" && continue
        echo "$p" >>"$LC_TMP/.ports"
        echo "$p"
        return 0
    done
    lc_fail "no free loopback port found after 200 tries"
}

# ---------------------------------------------------------------------------------------
# servers

LC_HARNESS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/harness/mariadb.sh
source "$LC_HARNESS_DIR/mariadb.sh"
# shellcheck source=tests/harness/redis.sh
source "$LC_HARNESS_DIR/redis.sh"
# backup targets: an SFTP server (sshd), a WebDAV server (apache2 mod_dav), an S3 server
for lc__f in sshd webdav s3; do
    # shellcheck source=/dev/null
    [ -f "$LC_HARNESS_DIR/$lc__f.sh" ] && source "$LC_HARNESS_DIR/$lc__f.sh"
done
unset lc__f

# ---------------------------------------------------------------------------------------
# config

# lc_write_config FILE [--redis standalone|cluster|none] [--mariadb yes|none]
#                 [section.key=value ...] [raw INI lines ...]
# Writes a config for the running servers: [mariadb] (port, lcbp3_backup user, password
# file, $LC_DB), [redis] (standalone on $REDIS_PORT or the cluster nodes), [backup]
# (spool_dir, lock_dir under $LC_TMP), [metrics] (textfile). section.key=value sets or
# replaces a key in its section (section may contain dots: target.local.url=file:///x);
# section.key= with an empty value removes the key; any other argument is appended verbatim.
# Exports LC_SPOOL_DIR LC_LOCK_DIR LC_METRICS_FILE.
lc_write_config() {
    local file=$1 redis=auto mariadb=auto kv sec key raw=()
    local -a sets=()
    shift
    while [ $# -gt 0 ]; do
        case $1 in
        --redis) redis=$2; shift 2; continue ;;
        --mariadb) mariadb=$2; shift 2; continue ;;
        esac
        kv=$1
        if [[ $kv =~ ^([A-Za-z0-9_.-]+)\.([A-Za-z0-9_]+)=(.*)$ ]]; then
            sets+=("$kv")
        else
            raw+=("$kv")
        fi
        shift
    done
    if [ "$redis" = auto ]; then
        if [ -n "${REDIS_PORT:-}" ]; then redis=standalone
        elif [ -n "${REDIS_CLUSTER_NODES:-}" ]; then redis=cluster
        else redis=none; fi
    fi
    if [ "$mariadb" = auto ]; then
        if [ -n "${MDB_PORT:-}" ]; then mariadb=yes; else mariadb=none; fi
    fi
    LC_SPOOL_DIR="$LC_TMP/spool"
    LC_LOCK_DIR="$LC_TMP/lock"
    LC_METRICS_FILE="$LC_TMP/metrics/lcbp3.prom"
    mkdir -p "$LC_SPOOL_DIR" "$LC_LOCK_DIR" "$(dirname "$LC_METRICS_FILE")"
    chmod 700 "$LC_SPOOL_DIR" "$LC_LOCK_DIR"
    export LC_SPOOL_DIR LC_LOCK_DIR LC_METRICS_FILE
    if [ "$mariadb" = yes ] && [ -z "${LC_BACKUP_PASSWORD_FILE:-}" ]; then
        lc_create_backup_user
    fi
    {
        if [ "$mariadb" = yes ]; then
            echo "[mariadb]"
            echo "host=127.0.0.1"
            echo "port=$MDB_PORT"
            echo "user=$LC_BACKUP_USER"
            echo "password_file=$LC_BACKUP_PASSWORD_FILE"
            echo "database=$LC_DB"
        fi
        case $redis in
        standalone)
            echo "[redis]"
            echo "nodes=127.0.0.1:$REDIS_PORT"
            [ -n "${REDIS_PASSWORD_FILE:-}" ] && echo "password_file=$REDIS_PASSWORD_FILE"
            ;;
        cluster)
            echo "[redis]"
            echo "mode=cluster"
            echo "nodes=$REDIS_CLUSTER_NODES"
            echo "password_file=$LC_TMP/secrets/redis.password"
            ;;
        none) ;;
        *) lc_fail "lc_write_config: --redis $redis?" ;;
        esac
        echo "[backup]"
        echo "spool_dir=$LC_SPOOL_DIR"
        echo "lock_dir=$LC_LOCK_DIR"
        echo "[metrics]"
        echo "textfile=$LC_METRICS_FILE"
    } >"$file.tmp"
    for kv in ${sets[@]+"${sets[@]}"}; do
        [[ $kv =~ ^([A-Za-z0-9_.-]+)\.([A-Za-z0-9_]+)=(.*)$ ]]
        sec=${BASH_REMATCH[1]}
        key=${BASH_REMATCH[2]}
        awk -v sec="$sec" -v key="$key" -v val="${BASH_REMATCH[3]}" '
            function emit() { if (insec && !done && val != "") { print key "=" val }; done = 1 }
            /^\[/ { if (insec) emit(); insec = ($0 == "[" sec "]"); if (insec) found = 1; print; next }
            insec && index($0, key "=") == 1 { if (!done && val != "") print key "=" val; done = 1; next }
            { print }
            END { if (insec) emit(); if (!found && val != "") { print "[" sec "]"; print key "=" val } }
        ' "$file.tmp" >"$file.tmp2"
        mv "$file.tmp2" "$file.tmp"
    done
    for kv in ${raw[@]+"${raw[@]}"}; do
        printf '%s\n' "$kv" >>"$file.tmp"
    done
    chmod 600 "$file.tmp"
    mv "$file.tmp" "$file"
}

# ---------------------------------------------------------------------------------------
# running the tools

lc__tool_path() { # NAME
    local p="$LC_BUILD_DIR/tools/$1/lcbp3-$1"
    [ -x "$p" ] || lc_fail "tool '$1' is not built: $p"
    echo "$p"
}

# lc_tool NAME args...: run $LC_WRAPPER $LC_BUILD_DIR/tools/NAME/lcbp3-NAME args...
lc_tool() {
    local bin
    bin=$(lc__tool_path "$1") || exit 1
    shift
    # shellcheck disable=SC2086
    $LC_WRAPPER "$bin" "$@"
}

# lc_tool_bg NAME args...: start the tool in the background (stdout/stderr to
# $LC_BG_OUT/$LC_BG_ERR); LC_BG_PID is its pid (valgrind's if wrapped); collect with lc_bg_wait
lc_tool_bg() {
    local bin
    bin=$(lc__tool_path "$1") || exit 1
    shift
    LC_RUN_N=$((LC_RUN_N + 1))
    LC_BG_OUT="$LC_TMP/run/$LC_RUN_N.out"
    LC_BG_ERR="$LC_TMP/run/$LC_RUN_N.err"
    # shellcheck disable=SC2086
    $LC_WRAPPER "$bin" "$@" </dev/null >"$LC_BG_OUT" 2>"$LC_BG_ERR" &
    LC_BG_PID=$!
}

# lc_bg_wait [SECONDS]: wait (bounded, default $LC_CMD_TIMEOUT) for LC_BG_PID; sets LC_RC
# (137 etc. when killed); fails the test if it is still running
lc_bg_wait() {
    local secs=${1:-$LC_CMD_TIMEOUT} i
    for ((i = 0; i < secs * 10; i++)); do
        lc__alive "$LC_BG_PID" || break
        sleep 0.1
    done
    if lc__alive "$LC_BG_PID"; then
        kill -KILL "$LC_BG_PID" 2>/dev/null || true
        lc_fail "background command still running after ${secs}s"
    fi
    if wait "$LC_BG_PID"; then LC_RC=0; else LC_RC=$?; fi
}

lc__rc_matches() { # WANT RC ; WANT: N, N|M|..., !0 (any non-zero)
    local want=$1 rc=$2 w
    [ "$want" = '!0' ] && { [ "$rc" -ne 0 ]; return; }
    IFS='|' read -r -a w <<<"$want"
    for want in "${w[@]}"; do
        [ "$want" = "$rc" ] && return 0
    done
    return 1
}

# lc_run CMD...: run CMD (stdin from $LC_STDIN or /dev/null, bounded by $LC_CMD_TIMEOUT when
# CMD is lc_tool or a program); stdout/stderr to files $LC_OUT/$LC_ERR; sets LC_RC; never fails
lc_run() {
    local -a cmd=("$@")
    local bin
    LC_RUN_N=$((LC_RUN_N + 1))
    LC_OUT="$LC_TMP/run/$LC_RUN_N.out"
    LC_ERR="$LC_TMP/run/$LC_RUN_N.err"
    if [ "${cmd[0]}" = lc_tool ]; then
        bin=$(lc__tool_path "${cmd[1]}") || exit 1
        # shellcheck disable=SC2206
        cmd=($LC_WRAPPER "$bin" "${cmd[@]:2}")
    fi
    if [ "$(type -t "${cmd[0]}")" = file ]; then
        cmd=(timeout --foreground -k 10 "$LC_CMD_TIMEOUT" "${cmd[@]}")
    fi
    if "${cmd[@]}" <"${LC_STDIN:-/dev/null}" >"$LC_OUT" 2>"$LC_ERR"; then
        LC_RC=0
    else
        LC_RC=$?
    fi
    return 0
}

# lc_expect_exit CODE -- CMD...: lc_run CMD and assert its exit code (CODE: N, N|M, or !0);
# on mismatch print the command, both outputs, and fail
lc_expect_exit() {
    local want=$1
    shift
    [ "${1:-}" = -- ] && shift
    lc_run "$@"
    if ! lc__rc_matches "$want" "$LC_RC"; then
        {
            printf 'command: %s\n' "$*"
            printf 'expected exit %s, got %s%s\n' "$want" "$LC_RC" "$([ "$LC_RC" = 124 ] && echo ' (timed out)')"
            echo "---- stdout ($LC_OUT)"
            head -c 20000 "$LC_OUT"
            echo "---- stderr ($LC_ERR)"
            head -c 20000 "$LC_ERR"
            echo "----"
        } >&2
        lc_fail "exit status $LC_RC, expected $want: $*"
    fi
}

# ---------------------------------------------------------------------------------------
# assertions

lc_assert_eq() { # EXPECTED ACTUAL [WHAT]
    if [ "$1" != "$2" ]; then
        printf -- '--- expected\n%s\n--- actual\n%s\n' "$1" "$2" >&2
        lc_fail "${3:-values differ}"
    fi
}

lc_assert_file_contains() { # FILE REGEX (grep -E)
    [ -f "$1" ] || lc_fail "file not found: $1"
    if ! grep -qE -- "$2" "$1"; then
        printf -- '---- %s\n' "$1" >&2
        head -c 20000 "$1" >&2
        lc_fail "'$1' does not match /$2/"
    fi
}

lc_assert_file_not_contains() { # FILE REGEX
    [ -f "$1" ] || lc_fail "file not found: $1"
    if grep -qE -- "$2" "$1"; then
        grep -nE -- "$2" "$1" | head -n 20 >&2
        lc_fail "'$1' unexpectedly matches /$2/"
    fi
}

lc_assert_file_exists() { # FILE
    [ -e "$1" ] || lc_fail "missing: $1"
}
