# shellcheck shell=bash
# SFTP part of the test harness (sourced by tests/harness/lib.sh, never on its own): an
# OpenSSH sshd on a free loopback port that serves only chrooted SFTP (internal-sftp), with
# its own ed25519 host key, key-only login as root, a client key pair and a known_hosts file
# with the "[127.0.0.1]:PORT" entry. Needs root (ChrootDirectory, mount namespace).
#
# How the chroot stays inside $LC_TMP: ChrootDirectory wants every component of its path
# owned by root and not group/world-writable, which /tmp (1777) is not. So each instance
# runs in its own mount namespace (unshare -m) where its folder $LC_TMP/NAME/root is
# bind-mounted on the fixed, empty, root-owned directory $LC_SSHD_CHROOT, and sshd chroots
# there. The bind (and the tmpfs of lc_sshd_fill_disk) exist only in that namespace: they
# vanish with its last process, so nothing is left mounted on the host even when the test
# script is SIGKILLed, and the files are plain files under $LC_TMP (removed on exit).
# The instance's server.pid is a small bash supervisor (cwd: the instance folder, as
# lc__pid_of wants) that runs sshd -D and, on SIGTERM, stops sshd and its session children.

LC_SSHD_CHROOT=/run/lcbp3-test-sftp
LC_SSHD_USER=root

lc__sshd_export() { # NAME
    local d="$LC_TMP/$1"
    SSHD_NAME=$1
    SSHD_DIR=$d
    SSHD_PORT=$(cat "$d/port")
    SSHD_KEY=$d/client_key
    SSHD_KNOWN_HOSTS=$d/known_hosts
    SSHD_ROOT=$d/root
    SSHD_LOG=$d/server.log
    SSHD_USER=$LC_SSHD_USER
    SSHD_SUPERVISOR_PID=$(lc__pid_of "$1")
    SSHD_PID=$(cat "$d/sshd.pid" 2>/dev/null || true)
    export SSHD_NAME SSHD_DIR SSHD_PORT SSHD_KEY SSHD_KNOWN_HOSTS SSHD_ROOT SSHD_LOG SSHD_USER \
        SSHD_SUPERVISOR_PID SSHD_PID
}

# lc__sshd_tree PID: PID and all its descendants (children before they can be reparented)
lc__sshd_tree() {
    local pid=$1 kid
    [ -n "$pid" ] || return 0
    echo "$pid"
    for kid in $(ps -o pid= --ppid "$pid" 2>/dev/null); do
        lc__sshd_tree "$kid"
    done
}

lc__sshd_write_files() { # NAME PORT
    local name=$1 port=$2 d="$LC_TMP/$1"
    [ -f "$d/ssh_host_ed25519_key" ] ||
        ssh-keygen -q -t ed25519 -N '' -C "lcbp3-test-host-$name" -f "$d/ssh_host_ed25519_key" ||
        lc_fail "ssh-keygen (host key) failed"
    [ -f "$d/client_key" ] ||
        ssh-keygen -q -t ed25519 -N '' -C "lcbp3-test-client-$name" -f "$d/client_key" ||
        lc_fail "ssh-keygen (client key) failed"
    cp "$d/client_key.pub" "$d/authorized_keys"
    # written once: lc_sshd_change_host_key must leave the old key here
    [ -s "$d/known_hosts" ] ||
        echo "[127.0.0.1]:$port $(cut -d' ' -f1,2 "$d/ssh_host_ed25519_key.pub")" >"$d/known_hosts"
    mkdir -p "$d/root/root"
    chmod 755 "$d/root"  # a chroot: root-owned, not group/world-writable
    chmod 700 "$d/root/root" # the login directory inside the chroot ("/~/")
    cat >"$d/sshd_config" <<EOF
ListenAddress 127.0.0.1:$port
HostKey $d/ssh_host_ed25519_key
PidFile none
UseDNS no
UsePAM no
LogLevel VERBOSE
PermitRootLogin prohibit-password
AllowUsers $LC_SSHD_USER
AuthenticationMethods publickey
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
AuthorizedKeysFile $d/authorized_keys
StrictModes no
MaxStartups 50
LoginGraceTime 30
AllowTcpForwarding no
AllowAgentForwarding no
X11Forwarding no
PermitTTY no
PrintMotd no
Subsystem sftp internal-sftp
ChrootDirectory $LC_SSHD_CHROOT
ForceCommand internal-sftp
EOF
    # the supervisor: runs in the instance's own mount namespace (see the head of this file)
    cat >"$d/supervise.sh" <<'EOF'
# usage: unshare -m --propagation private bash supervise.sh DIR CHROOT
d=$1 chroot=$2
cd "$d" || exit 1
mount --bind "$d/root" "$chroot" || { echo "supervise: bind mount on $chroot failed"; exit 1; }
tree() {
    local kid
    echo "$1"
    for kid in $(ps -o pid= --ppid "$1" 2>/dev/null); do tree "$kid"; done
}
stop() {
    local pids i
    pids=$(tree "$child")
    kill -TERM $pids 2>/dev/null
    kill -CONT $pids 2>/dev/null # a SIGSTOPped sshd (stall tests) must see the TERM
    for ((i = 0; i < 50; i++)); do
        kill -0 "$child" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL $(tree "$child") 2>/dev/null
    wait "$child" 2>/dev/null
    exit 0
}
/usr/sbin/sshd -D -e -f "$d/sshd_config" &
child=$!
echo "$child" >"$d/sshd.pid"
trap stop TERM INT HUP
while kill -0 "$child" 2>/dev/null; do
    wait "$child" # returns early when a trapped signal arrives
done
echo "supervise: sshd $child ended"
EOF
}

# lc_start_sshd [NAME]: start (or reuse, when running) the SFTP server NAME (default sshd);
# a restart keeps its port, host key, client key and files. Exports SSHD_NAME SSHD_PORT
# SSHD_KEY SSHD_KNOWN_HOSTS SSHD_ROOT SSHD_LOG SSHD_USER SSHD_PID (sshd itself)
# SSHD_SUPERVISOR_PID SSHD_DIR. Files uploaded to sftp://root@127.0.0.1:PORT/X land in
# $SSHD_ROOT/X.
lc_start_sshd() {
    local name=${1:-sshd} d port pid attempt i
    d="$LC_TMP/$name"
    [ "$(id -u)" = 0 ] || lc_fail "lc_start_sshd needs root (ChrootDirectory, unshare -m)"
    [ -x /usr/sbin/sshd ] || lc_fail "/usr/sbin/sshd is missing (apt-get install openssh-server)"
    mkdir -p "$d"
    chmod 700 "$d"
    lc__register "$name" sshd
    pid=$(lc__pid_of "$name")
    if [ -n "$pid" ] && lc__alive "$pid" && lc__port_in_use "$(cat "$d/port")"; then
        lc__sshd_export "$name"
        return 0
    fi
    # sshd's privilege separation directory, and the empty mount point of the chroots
    mkdir -p /run/sshd "$LC_SSHD_CHROOT"
    chmod 755 /run/sshd "$LC_SSHD_CHROOT"
    rm -f "$d/server.pid" "$d/sshd.pid"
    for ((attempt = 1; attempt <= 3; attempt++)); do
        if [ -s "$d/port" ]; then
            port=$(cat "$d/port") # a restart: the clients' URLs and known_hosts name it
            lc__port_in_use "$port" && lc_fail "sshd '$name': its port $port is taken by another process"
        else
            port=$(lc_free_port) || exit 1
        fi
        echo "$port" >"$d/port"
        lc__sshd_write_files "$name" "$port"
        /usr/sbin/sshd -t -f "$d/sshd_config" >>"$d/server.log" 2>&1 ||
            { tail -n 20 "$d/server.log" >&2; lc_fail "sshd '$name': bad config (log above)"; }
        echo "---- start $(date -u +%FT%TZ) attempt $attempt port $port" >>"$d/server.log"
        lc__launch "$d/server.log" unshare --mount --propagation private \
            bash "$d/supervise.sh" "$d" "$LC_SSHD_CHROOT"
        pid=$LC__PID
        for ((i = 0; i < 300; i++)); do # 30 s
            if [ -s "$d/sshd.pid" ] && lc__port_in_use "$port"; then
                echo "$pid" >"$d/server.pid"
                lc__sshd_export "$name"
                return 0
            fi
            lc__alive "$pid" || break
            sleep 0.1
        done
        if lc__alive "$pid"; then
            lc__stop_pid "$pid" TERM 10
            tail -n 50 "$d/server.log" >&2
            lc_fail "sshd '$name' did not listen on port $port within 30s (log above)"
        fi
        wait "$pid" 2>/dev/null || true
        if tail -n 5 "$d/server.log" | grep -qi 'address already in use'; then
            rm -f "$d/port" "$d/known_hosts"
            continue
        fi
        break
    done
    tail -n 50 "$d/server.log" >&2
    lc_fail "sshd '$name' failed to start (log above)"
}

lc_use_sshd() { # NAME
    [ -s "$LC_TMP/$1/port" ] || lc_fail "no sshd instance '$1'"
    lc__sshd_export "$1"
}

# lc_stop_sshd [NAME]: SIGTERM to the supervisor, which stops sshd and its sessions
lc_stop_sshd() {
    local name=${1:-${SSHD_NAME:-sshd}}
    lc__stop_pid "$(lc__pid_of "$name")" TERM 30
    rm -f "$LC_TMP/$name/server.pid" "$LC_TMP/$name/sshd.pid"
}

# lc_kill_sshd [NAME]: SIGKILL to sshd and all its session processes at once (an upload in
# flight dies with them); the supervisor then exits by itself
lc_kill_sshd() {
    local name=${1:-${SSHD_NAME:-sshd}} d sup pids
    d="$LC_TMP/$name"
    sup=$(lc__pid_of "$name")
    pids=$(lc__sshd_tree "$(cat "$d/sshd.pid" 2>/dev/null || true)")
    # shellcheck disable=SC2086
    [ -n "$pids" ] && kill -KILL $pids 2>/dev/null
    [ -n "$sup" ] && { lc__wait_dead "$sup" 10 || lc__stop_pid "$sup" KILL 10; }
    rm -f "$d/server.pid" "$d/sshd.pid"
}

# lc_restart_sshd [NAME]: stop and start again (same port, host key and files)
lc_restart_sshd() {
    local name=${1:-${SSHD_NAME:-sshd}}
    lc_stop_sshd "$name"
    lc_start_sshd "$name"
}

# lc_sshd_change_host_key [NAME]: a new host key and a restart; known_hosts keeps the old
# key (as a client that trusted the old server would)
lc_sshd_change_host_key() {
    local name=${1:-${SSHD_NAME:-sshd}} d
    d="$LC_TMP/$name"
    lc_stop_sshd "$name"
    rm -f "$d/ssh_host_ed25519_key" "$d/ssh_host_ed25519_key.pub"
    lc_start_sshd "$name"
}

# lc_sshd_pids [NAME]: sshd's pid and those of its session processes (for SIGSTOP/SIGCONT)
lc_sshd_pids() {
    local name=${1:-${SSHD_NAME:-sshd}}
    lc__sshd_tree "$(cat "$LC_TMP/$name/sshd.pid" 2>/dev/null || true)"
}

# lc_sshd_fill_disk [NAME] [SIZE] [DIR]: mount a tmpfs of SIZE (default 1m) on DIR (default
# "full") of the chroot, inside the server's mount namespace only: uploads to
# sftp://...:PORT/DIR/... then run out of space. Exports SSHD_FULL_DIR, the path through
# which the test sees that tmpfs (/proc/PID/root/...). It vanishes when the server stops.
lc_sshd_fill_disk() {
    local name=${1:-${SSHD_NAME:-sshd}} size=${2:-1m} dir=${3:-full} sup
    sup=$(lc__pid_of "$name")
    if [ -z "$sup" ] || ! lc__alive "$sup"; then
        lc_fail "lc_sshd_fill_disk: sshd '$name' is not running"
    fi
    mkdir -p "$LC_TMP/$name/root/$dir"
    nsenter --target "$sup" --mount mount -t tmpfs -o "size=$size,mode=755" lcbp3-test-full \
        "$LC_SSHD_CHROOT/$dir" || lc_fail "lc_sshd_fill_disk: mount of a tmpfs failed"
    SSHD_FULL_DIR=/proc/$sup/root$LC_SSHD_CHROOT/$dir
    export SSHD_FULL_DIR
}

# lc_sftp_target_args TARGET [SUBDIR]: the lc_write_config arguments of [target.TARGET] for
# the current instance, one per line (url sftp://root@127.0.0.1:PORT/SUBDIR, default
# lcbp3, i.e. $SSHD_ROOT/SUBDIR on disk; ssh_key; known_hosts)
lc_sftp_target_args() {
    local t=$1 sub=${2-lcbp3}
    [ -n "${SSHD_PORT:-}" ] || lc_fail "lc_sftp_target_args: no sshd started"
    echo "target.$t.url=sftp://$SSHD_USER@127.0.0.1:$SSHD_PORT/$sub"
    echo "target.$t.ssh_key=$SSHD_KEY"
    echo "target.$t.known_hosts=$SSHD_KNOWN_HOSTS"
}
