# shellcheck shell=bash
# Redis part of the test harness (sourced by tests/harness/lib.sh, never on its own):
# hardened redis-server instances (password from a 0600 file, FLUSHALL/FLUSHDB/CONFIG
# renamed away), a 3-master Redis Cluster, the deterministic key seed and a key-by-key
# fingerprint for comparing two servers.

lc__redis_export() { # NAME
    local d="$LC_TMP/$1"
    REDIS_NAME=$1
    REDIS_DIR=$d
    REDIS_PORT=$(cat "$d/port")
    REDIS_PID=$(lc__pid_of "$1")
    REDIS_LOG=$d/server.log
    REDIS_PASSWORD_FILE=$(cat "$d/auth" 2>/dev/null || true)
    export REDIS_NAME REDIS_DIR REDIS_PORT REDIS_PID REDIS_LOG REDIS_PASSWORD_FILE
}

lc__redis_cli_port() { # PORT NAME args... (NAME: instance, for its password)
    local port=$1 name=$2 pwf
    shift 2
    pwf=$(cat "$LC_TMP/$name/auth" 2>/dev/null || true)
    if [ -n "$pwf" ]; then
        REDISCLI_AUTH=$(cat "$pwf") redis-cli --no-auth-warning -h 127.0.0.1 -p "$port" "$@"
    else
        redis-cli -h 127.0.0.1 -p "$port" "$@"
    fi
}

# lc__redis_start NAME [--no-auth] [--cluster] [redis-server args...]
lc__redis_start() {
    local name=$1 auth=1 cluster=0 d pwf port pid attempt i
    shift
    while [ $# -gt 0 ]; do
        case $1 in
        --no-auth) auth=0 ;;
        --cluster) cluster=1 ;;
        *) break ;;
        esac
        shift
    done
    d="$LC_TMP/$name"
    mkdir -p "$d"
    chmod 700 "$d"
    lc__register "$name" redis
    pwf="$LC_TMP/secrets/redis.password"
    if [ "$auth" = 1 ]; then
        lc__secret_file "$pwf"
        echo "$pwf" >"$d/auth"
    else
        : >"$d/auth"
    fi
    pid=$(lc__pid_of "$name")
    if [ -n "$pid" ] && lc__alive "$pid" && [ "$(lc__redis_cli_port "$(cat "$d/port")" "$name" PING 2>/dev/null)" = PONG ]; then
        lc__redis_export "$name"
        return 0
    fi
    rm -f "$d/server.pid"
    for ((attempt = 1; attempt <= 3; attempt++)); do
        port=
        if [ -s "$d/port" ] && ! lc__port_in_use "$(cat "$d/port")"; then
            port=$(cat "$d/port")
        fi
        [ -n "$port" ] || port=$(lc_free_port) || exit 1
        echo "$port" >"$d/port"
        (
            umask 077
            cat >"$d/redis.conf" <<EOF
bind 127.0.0.1
port $port
dir $d
daemonize no
pidfile $d/redis-server.pid
logfile $d/server.log
save ""
appendonly no
repl-diskless-sync-delay 0
rename-command FLUSHALL ""
rename-command FLUSHDB ""
rename-command CONFIG ""
EOF
            if [ "$auth" = 1 ]; then
                echo "requirepass $(cat "$pwf")"
                echo "masterauth $(cat "$pwf")"
            fi >>"$d/redis.conf"
            if [ "$cluster" = 1 ]; then
                printf 'cluster-enabled yes\ncluster-config-file nodes.conf\ncluster-node-timeout 3000\n' >>"$d/redis.conf"
            fi
        )
        echo "---- start $(date -u +%FT%TZ) attempt $attempt port $port" >>"$d/server.log"
        lc__launch "$d/server.log" redis-server "$d/redis.conf" "$@"
        pid=$LC__PID
        for ((i = 0; i < 300; i++)); do # 30 s
            if [ "$(lc__redis_cli_port "$port" "$name" PING 2>/dev/null)" = PONG ]; then
                echo "$pid" >"$d/server.pid"
                lc__redis_export "$name"
                return 0
            fi
            lc__alive "$pid" || break
            sleep 0.1
        done
        if lc__alive "$pid"; then
            lc__stop_pid "$pid" KILL 10
            tail -n 50 "$d/server.log" >&2
            lc_fail "redis-server '$name' did not answer PING within 30s (log above)"
        fi
        wait "$pid" 2>/dev/null || true
        if tail -n 20 "$d/server.log" | grep -qi 'address already in use'; then
            rm -f "$d/port"
            continue
        fi
        break
    done
    tail -n 50 "$d/server.log" >&2
    lc_fail "redis-server '$name' failed to start (log above)"
}

# lc_start_redis [--name NAME] [--no-auth] [redis-server args, e.g. --appendonly yes]
lc_start_redis() {
    local name=redis
    if [ "${1:-}" = --name ]; then
        name=$2
        shift 2
    fi
    lc__redis_start "$name" "$@"
}

lc_use_redis() { # NAME
    [ -s "$LC_TMP/$1/port" ] || lc_fail "no redis instance '$1'"
    lc__redis_export "$1"
}

lc_stop_redis() { # [NAME]
    local name=${1:-${REDIS_NAME:-redis}}
    lc__stop_pid "$(lc__pid_of "$name")" TERM 30
    rm -f "$LC_TMP/$name/server.pid"
}

lc_kill_redis() { # [NAME]
    local name=${1:-${REDIS_NAME:-redis}}
    lc__stop_pid "$(lc__pid_of "$name")" KILL 10
    rm -f "$LC_TMP/$name/server.pid"
}

# lc_start_sentinel [MASTER_NAME]: a Redis Sentinel (no password of its own) on a free
# port, monitoring the current standalone instance as MASTER_NAME (default lcbp3) with
# its password; returns once the sentinel names the master. Exports LC_SENTINEL_PORT.
# Stopped with the other servers when the test ends.
lc_start_sentinel() {
    local master=${1:-lcbp3} d="$LC_TMP/sentinel" port
    [ -n "${REDIS_PORT:-}" ] || lc_fail "lc_start_sentinel: no standalone redis started"
    mkdir -p "$d"
    port=$(lc_free_port)
    {
        echo "port $port"
        echo "bind 127.0.0.1"
        echo "dir $d"
        echo "pidfile $d/server.pid"
        echo "sentinel monitor $master 127.0.0.1 $REDIS_PORT 1"
        [ -n "${REDIS_PASSWORD_FILE:-}" ] && echo "sentinel auth-pass $master $(cat "$REDIS_PASSWORD_FILE")"
    } >"$d/sentinel.conf"
    lc__register sentinel redis
    lc__launch "$d/server.log" redis-server "$d/sentinel.conf" --sentinel --daemonize no
    LC_SENTINEL_PORT=$port
    export LC_SENTINEL_PORT
    lc__sentinel_knows() { redis-cli -p "$LC_SENTINEL_PORT" SENTINEL get-master-addr-by-name "$1" 2>/dev/null | grep -qx "$REDIS_PORT"; }
    lc_wait_for 20 "the sentinel to know master '$master'" lc__sentinel_knows "$master"
}

# lc_redis_cli [redis-cli args...]: redis-cli on the current instance, authenticated
lc_redis_cli() {
    [ -n "${REDIS_PORT:-}" ] || lc_fail "lc_redis_cli: no redis started"
    lc__redis_cli_port "$REDIS_PORT" "$REDIS_NAME" "$@"
}

# lc_start_redis_cluster [--name NAME] [redis-server args...]: three masters, no replicas,
# slots 0-16383 assigned; exports REDIS_CLUSTER_NODES (host:port,host:port,host:port),
# REDIS_CLUSTER_PORTS (space separated), REDIS_CLUSTER_NAMES, REDIS_CLUSTER_NAME
lc_start_redis_cluster() {
    local name=cluster n ports=() names=() nodes=() i ok
    if [ "${1:-}" = --name ]; then
        name=$2
        shift 2
    fi
    local saved=${REDIS_NAME:-}
    for n in 1 2 3; do
        lc__redis_start "$name$n" --cluster "$@"
        ports+=("$REDIS_PORT")
        names+=("$name$n")
        nodes+=("127.0.0.1:$REDIS_PORT")
    done
    # the cluster does not replace the current standalone instance (REDIS_*)
    if [ -n "$saved" ]; then
        lc__redis_export "$saved"
    else
        unset REDIS_NAME REDIS_DIR REDIS_PORT REDIS_PID REDIS_LOG REDIS_PASSWORD_FILE
    fi
    if [ "$(lc__redis_cli_port "${ports[0]}" "${names[0]}" CLUSTER INFO 2>/dev/null | tr -d '\r' | grep '^cluster_slots_assigned:')" != "cluster_slots_assigned:16384" ]; then
        lc__redis_cli_port "${ports[0]}" "${names[0]}" --cluster create "${nodes[@]}" \
            --cluster-replicas 0 --cluster-yes >"$LC_TMP/$name-create.log" 2>&1 || {
            cat "$LC_TMP/$name-create.log" >&2
            lc_fail "redis-cli --cluster create failed"
        }
    fi
    for ((i = 0; i < 300; i++)); do # 30 s
        ok=0
        for n in 0 1 2; do
            lc__redis_cli_port "${ports[$n]}" "${names[$n]}" CLUSTER INFO 2>/dev/null | tr -d '\r' | grep -qx 'cluster_state:ok' && ok=$((ok + 1))
        done
        [ "$ok" = 3 ] && break
        sleep 0.1
    done
    [ "$ok" = 3 ] || lc_fail "redis cluster did not reach cluster_state:ok within 30s"
    REDIS_CLUSTER_NAME=$name
    REDIS_CLUSTER_PORTS="${ports[*]}"
    REDIS_CLUSTER_NAMES="${names[*]}"
    REDIS_CLUSTER_NODES=$(
        IFS=,
        echo "${nodes[*]}"
    )
    export REDIS_CLUSTER_NAME REDIS_CLUSTER_PORTS REDIS_CLUSTER_NAMES REDIS_CLUSTER_NODES
}

# lc_redis_cluster_cli [args...]: redis-cli -c on the first cluster node
lc_redis_cluster_cli() {
    [ -n "${REDIS_CLUSTER_PORTS:-}" ] || lc_fail "no redis cluster started"
    lc__redis_cli_port "${REDIS_CLUSTER_PORTS%% *}" "${REDIS_CLUSTER_NAMES%% *}" -c "$@"
}

lc_stop_redis_cluster() {
    local n
    for n in ${REDIS_CLUSTER_NAMES:-}; do
        lc_stop_redis "$n"
    done
}

# lc__redis_seed_commands N: the seed, as redis-cli command lines (deterministic)
lc__redis_seed_commands() {
    awk -v n="$1" 'BEGIN {
        # reservation:* hashes: every 10th one is "leaked" (no TTL), the rest expire in 1 h
        for (i = 1; i <= n; i++) {
            key = sprintf("reservation:lcbp3:%d:%08d", 1 + i % 3, i)
            num = sprintf("LCBP3-C%d-RFA-%s-2025-%04d", 1 + i % 4, (i % 2 ? "CIV" : "ELE"), i)
            printf "HSET %s number %s owner user:%d token 00000000-0000-4000-8000-%012d reserved_at 2025-01-15T08:%02d:%02dZ note \"จองเลขเอกสาร %d\"\n",
                key, num, 100 + i % 17, i, int(i / 60) % 60, i % 60, i
            if (i % 10 != 0) printf "EXPIRE %s %d\n", key, 3600 + i
        }
        # lock:docnum:<config>:<year>: 3 stuck (no TTL), 7 held with a 10-minute PX
        for (i = 1; i <= 10; i++) {
            key = sprintf("lock:docnum:%d:2025", i)
            if (i <= 3) printf "SET %s owner-%d\n", key, i
            else printf "SET %s owner-%d PX 600000\n", key, i
        }
        print "SET \"cache:project:1:name\" \"โครงการพัฒนาท่าเรือแหลมฉบัง ระยะที่ 3\""
        print "SET \"cache:org:กทท\" \"การท่าเรือแห่งประเทศไทย\" EX 86400"
        print "HSET cache:user:42 name \"สมชาย ใจดี\" role \"ผู้ควบคุมงาน\" email somchai@example.invalid"
        print "DEL queue:notifications"
        print "DEL stream:docnum:events"
        print "RPUSH queue:notifications \"อนุมัติเอกสาร RFA-0001\" \"ส่งต่อหนังสือ LTR-0007\" plain-ascii"
        print "SADD set:online-users user:1 user:2 user:42 \"ผู้ใช้:ทดสอบ\""
        print "ZADD zset:docnum:usage 0.5 cfg:1 1.25 cfg:2 99.75 cfg:3 -3 \"cfg:ไทย\""
        print "XADD stream:docnum:events 1700000000000-1 action GENERATE number LCBP3-C1-RFA-CIV-2025-0001"
        print "XADD stream:docnum:events 1700000000000-2 action CANCEL number \"เลขที่ 0002\""
        print "SET bin:attachment:1 \"\\x00\\x01\\x02\\xff\\x00\\r\\n\\x1a end\""
        print "SET counter:docnum:total 123456"
        line = "HSET cache:big:hash"
        for (i = 1; i <= 600; i++) line = line sprintf(" f%04d \"ค่า %d\"", i, i)
        print line
    }'
}

# lc_seed_redis [--cluster] [N]: N reservation:* keys (default 200; every 10th has no TTL),
# 10 lock:docnum:* keys (3 without TTL) and one key of each type, some with Thai text.
# Idempotent. Exports the facts: LC_SEED_RESV_TOTAL LC_SEED_RESV_LEAKED LC_SEED_LOCKS
# LC_SEED_LOCKS_STUCK LC_SEED_OTHER_KEYS LC_SEED_REDIS_KEYS
lc_seed_redis() {
    local cluster=0 n out
    if [ "${1:-}" = --cluster ]; then
        cluster=1
        shift
    fi
    n=${1:-200}
    if [ "$cluster" = 1 ]; then
        out=$(lc__redis_seed_commands "$n" | lc_redis_cluster_cli 2>&1) || lc_fail "seeding the redis cluster failed: $out"
    else
        out=$(lc__redis_seed_commands "$n" | lc_redis_cli 2>&1) || lc_fail "seeding redis failed: $out"
    fi
    if grep -qE '^(\(error\) )?(ERR|WRONGTYPE|MOVED|ASK|CROSSSLOT|NOAUTH|NOPERM|READONLY|CLUSTERDOWN|LOADING)' <<<"$out"; then
        lc_fail "seeding redis: $(grep -E '^(\(error\) )?[A-Z]+ ' <<<"$out" | head -n 3)"
    fi
    LC_SEED_RESV_TOTAL=$n
    LC_SEED_RESV_LEAKED=$((n / 10))
    LC_SEED_LOCKS=10
    LC_SEED_LOCKS_STUCK=3
    LC_SEED_OTHER_KEYS=10
    LC_SEED_REDIS_KEYS=$((n + 10 + 10))
    export LC_SEED_RESV_TOTAL LC_SEED_RESV_LEAKED LC_SEED_LOCKS LC_SEED_LOCKS_STUCK LC_SEED_OTHER_KEYS LC_SEED_REDIS_KEYS
}

# lc_redis_fingerprint [--cluster]: one line per key, sorted:
#   "<key as hex> <type> <ttl|nottl> <sha1 of the logical value>"
# The value is canonical (hash fields and set members sorted, list and zset in order,
# stream entries with their ids and the last generated id), so it does not depend on the
# internal encoding or hash-table order: compare two servers key by key. TTL is reduced to
# whether there is one.
lc_redis_fingerprint() {
    local lua
    # shellcheck disable=SC2016
    lua='local function enc(t)
  local p = {}
  for i = 1, #t do p[i] = #t[i] .. ":" .. t[i] end
  return table.concat(p, ",")
end
local function value(k, ty)
  if ty == "string" then return redis.call("GET", k) end
  if ty == "list" then return enc(redis.call("LRANGE", k, 0, -1)) end
  if ty == "zset" then return enc(redis.call("ZRANGE", k, 0, -1, "WITHSCORES")) end
  if ty == "set" then
    local m = redis.call("SMEMBERS", k); table.sort(m); return enc(m)
  end
  if ty == "hash" then
    local h, p = redis.call("HGETALL", k), {}
    for i = 1, #h, 2 do p[#p + 1] = enc({h[i], h[i + 1]}) end
    table.sort(p); return enc(p)
  end
  if ty == "stream" then
    local p = {}
    for _, e in ipairs(redis.call("XRANGE", k, "-", "+")) do p[#p + 1] = enc({e[1], enc(e[2])}) end
    local info = redis.call("XINFO", "STREAM", k)
    for i = 1, #info, 2 do
      if info[i] == "last-generated-id" or info[i] == "groups" then p[#p + 1] = info[i] .. "=" .. tostring(info[i + 1]) end
    end
    return enc(p)
  end
  return redis.call("DUMP", k)
end
local out, cursor = {}, "0"
repeat
  local r = redis.call("SCAN", cursor, "COUNT", 1000)
  cursor = r[1]
  for _, k in ipairs(r[2]) do
    local ty = redis.call("TYPE", k)["ok"]
    if ty ~= "none" then
      local hex = string.gsub(k, ".", function(c) return string.format("%02x", string.byte(c)) end)
      out[#out + 1] = hex .. " " .. ty .. " " .. (redis.call("PTTL", k) >= 0 and "ttl" or "nottl") .. " " .. redis.sha1hex(value(k, ty))
    end
  end
until cursor == "0"
return out'
    lc__redis_eval "$lua" "$@" | LC_ALL=C sort -u
}

# lc__redis_eval LUA [--cluster | redis-cli args...]: runs a script without keys on the
# current instance (args such as -n 3 go to redis-cli) or on every cluster master.
lc__redis_eval() {
    local lua=$1 ports names i
    shift
    if [ "${1:-}" = --cluster ]; then
        read -r -a ports <<<"$REDIS_CLUSTER_PORTS"
        read -r -a names <<<"$REDIS_CLUSTER_NAMES"
        for i in "${!ports[@]}"; do
            lc__redis_cli_port "${ports[$i]}" "${names[$i]}" EVAL "$lua" 0
        done
    else
        lc_redis_cli "$@" EVAL "$lua" 0
    fi
}

# lc_redis_expiries [--cluster | redis-cli args...]: "<key as hex> <absolute expiry ms>"
# for every key with a TTL, sorted; the expiry is on the server's clock.
lc_redis_expiries() {
    # shellcheck disable=SC2016
    lc__redis_eval 'local out, cursor = {}, "0"
local t = redis.call("TIME")
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
repeat
  local r = redis.call("SCAN", cursor, "COUNT", 1000)
  cursor = r[1]
  for _, k in ipairs(r[2]) do
    local p = redis.call("PTTL", k)
    if p >= 0 then
      out[#out + 1] = string.gsub(k, ".", function(c) return string.format("%02x", string.byte(c)) end) .. " " .. string.format("%d", now + p)
    end
  end
until cursor == "0"
return out' "$@" | LC_ALL=C sort
}

# lc_assert_same_expiries BEFORE AFTER: every key of BEFORE (lc_redis_expiries output) is in
# AFTER with an expiry within 1 s.
lc_assert_same_expiries() {
    local bad
    bad=$(LC_ALL=C join -a 1 <(echo "$1") <(echo "$2") |
        awk 'NF != 3 || $2 - $3 > 1000 || $3 - $2 > 1000 { print }')
    [ -z "$bad" ] || lc_fail "expiries differ (key, before, after): $bad"
}
