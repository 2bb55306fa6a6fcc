#!/usr/bin/env bash
# lcbp3-restore redis against a real standalone redis-server (FLUSHALL, FLUSHDB and
# CONFIG renamed away, as in production): backup with --redis-only, change, delete and
# add keys, restore `latest --yes`, and every key of the backup is back key for key (type,
# value, TTL presence, absolute expiry within a second), in db 0 and db 3; a key created
# after the backup is left alone; a key whose expiry passed since the backup is not
# revived and does not delete the live key of that name. --rdb-to places a dump.rdb
# (from the set, from a legacy .rdb.gz) that a new server loads key for key, keeping the
# previous one. In Sentinel mode the master the sentinel names is restored. Bad inputs,
# each with its exit code and the server left as it was: a flipped byte in the set (65),
# no terminal and no --yes (64), a wrong password (69), an ACL user without +restore
# (69), a .rdb without --rdb-to (64), a cut .rdb (65), a set name that does not exist (66).
# lc-valgrind: yes
set -euo pipefail
. "$LC_SOURCE_DIR/tests/harness/lib.sh"


hex() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }

# drop the fingerprint lines of the keys given by name
without() {
    local fp=$1 k
    shift
    for k in "$@"; do
        fp=$(grep -v "^$(hex "$k") " <<<"$fp" || true)
    done
    echo "$fp"
}

lc_start_redis
lc_seed_redis
conf="$LC_TMP/lcbp3.conf"
lc_write_config "$conf" --mariadb none
short_px=2500
[ "${LC_VALGRIND:-0}" = 1 ] && short_px=8000
lc_redis_cli SET short:ttl "from the backup" PX "$short_px" >/dev/null
lc_redis_cli -n 3 SET db3:plain "ค่าในฐานข้อมูล 3" >/dev/null
lc_redis_cli -n 3 HSET db3:hash a 1 b 2 >/dev/null
lc_redis_cli -n 3 EXPIRE db3:hash 7200 >/dev/null

before=$(lc_redis_fingerprint)
before_exp=$(lc_redis_expiries)
before_db3=$(lc_redis_cli -n 3 DUMP db3:plain | sha1sum)
lc_expect_exit 0 -- lc_tool backup --config "$conf" run --redis-only
set_path=$(tail -n 1 "$LC_OUT")
lc_assert_file_exists "$set_path"
in_set=0
tar -xOf "$set_path" redis/keys.dump.gz | zcat | grep -aq short:ttl && in_set=1

# change, delete and add keys; let short:ttl expire, then create a live key of that name
lc_redis_cli SET cache:project:1:name "changed after the backup" >/dev/null
lc_redis_cli DEL counter:docnum:total reservation:lcbp3:1:00000003 >/dev/null
lc_redis_cli DEL set:online-users >/dev/null
lc_redis_cli RPUSH set:online-users "now a list" >/dev/null
lc_redis_cli PERSIST reservation:lcbp3:2:00000001 >/dev/null
lc_redis_cli EXPIRE lock:docnum:1:2025 5000 >/dev/null
lc_redis_cli HSET cache:big:hash f0001 "changed" >/dev/null
lc_redis_cli SET created:after:backup "keep me" >/dev/null
lc_redis_cli -n 3 SET db3:plain "changed" >/dev/null
lc_redis_cli -n 3 DEL db3:hash >/dev/null
short_gone() { [ "$(lc_redis_cli EXISTS short:ttl)" = 0 ]; }
lc_wait_for 30 "short:ttl to expire" short_gone
lc_redis_cli SET short:ttl "live value" >/dev/null
changed=$(lc_redis_fingerprint)
[ "$changed" != "$before" ] || lc_fail "the changes did not change the fingerprint"

# bad inputs first: each fails with its code and leaves the server as it is
lc_expect_exit 66 -- lc_tool restore --config "$conf" redis no-such-set --yes
lc_assert_file_contains "$LC_ERR" "lcbp3-restore list"
lc_expect_exit 64 -- lc_tool restore --config "$conf" redis latest
lc_assert_file_contains "$LC_ERR" "no terminal"
lc_assert_file_contains "$LC_ERR" "--yes"
lc_assert_file_contains "$LC_OUT" "restore plan"
lc_assert_file_contains "$LC_OUT" "keys that are not in the set"

bad_dir="$LC_TMP/bad"
mkdir -p "$bad_dir"
bad_set="$bad_dir/$(basename "$set_path")"
cp "$set_path" "$bad_set"
off=$(python3 -c 'import sys, tarfile
t = tarfile.open(sys.argv[1])
m = t.getmember("redis/keys.dump.gz")
print(m.offset_data + m.size // 2)' "$bad_set")
python3 -c 'import sys
p, off = sys.argv[1], int(sys.argv[2])
with open(p, "r+b") as f:
    f.seek(off); b = f.read(1); f.seek(off); f.write(bytes([b[0] ^ 0x20]))' "$bad_set" "$off"
lc_expect_exit 65 -- lc_tool restore --config "$conf" redis "$bad_set" --yes
lc_assert_file_contains "$LC_ERR" "redis/keys.dump.gz"

wrong="$LC_TMP/secrets/wrong.password"
(umask 077 && echo "not-the-password" >"$wrong")
lc_write_config "$LC_TMP/wrong.conf" --mariadb none "redis.password_file=$wrong"
lc_expect_exit 69 -- lc_tool restore --config "$LC_TMP/wrong.conf" redis latest --yes
lc_assert_file_contains "$LC_ERR" "WRONGPASS|invalid password"

# an ACL user without +restore: 77, naming the key and the missing right
acl="$LC_TMP/secrets/restorer.password"
(umask 077 && echo "restorer-secret" >"$acl")
lc_redis_cli ACL SETUSER restorer on '>restorer-secret' '~*' '&*' +@all -restore >/dev/null
lc_write_config "$LC_TMP/acl.conf" --mariadb none redis.user=restorer "redis.password_file=$acl"
lc_expect_exit 77 -- lc_tool restore --config "$LC_TMP/acl.conf" redis latest --yes
lc_assert_file_contains "$LC_ERR" "RESTORE of key '.*': NOPERM"
lc_assert_file_contains "$LC_ERR" "hint: .*\+restore"

tar -xOf "$set_path" redis/dump.rdb.gz >"$LC_TMP/legacy.rdb.gz"
zcat "$LC_TMP/legacy.rdb.gz" >"$LC_TMP/legacy.rdb"
lc_expect_exit 64 -- lc_tool restore --config "$conf" redis "$LC_TMP/legacy.rdb" --yes
lc_assert_file_contains "$LC_ERR" "--rdb-to"
lc_assert_eq "$changed" "$(lc_redis_fingerprint)" "server untouched by the failed restores"

# the restore
lc_expect_exit 0 -- lc_tool restore --config "$conf" redis latest --yes
lc_assert_file_contains "$LC_OUT" "target: +standalone server 127.0.0.1:$REDIS_PORT"
lc_assert_file_contains "$LC_ERR" "keys restored"
after=$(lc_redis_fingerprint)
lc_assert_eq "$(without "$before" short:ttl)" "$(without "$after" short:ttl created:after:backup)" \
    "keys after the restore vs at the backup"
lc_assert_same_expiries "$(without "$before_exp" short:ttl)" "$(lc_redis_expiries)"
lc_assert_eq "keep me" "$(lc_redis_cli GET created:after:backup)" "a key created after the backup"
lc_assert_eq "live value" "$(lc_redis_cli GET short:ttl)" "the live key of an expired one"
lc_assert_eq -1 "$(lc_redis_cli TTL short:ttl)" "TTL of the live key"
if [ "$in_set" = 1 ]; then
    lc_assert_file_contains "$LC_ERR" "keys restored, [1-9][0-9]* skipped as expired"
fi
lc_assert_eq "$before_db3" "$(lc_redis_cli -n 3 DUMP db3:plain | sha1sum)" "db 3 string"
lc_assert_eq 2 "$(lc_redis_cli -n 3 HGET db3:hash b)" "db 3 hash"
ttl=$(lc_redis_cli -n 3 TTL db3:hash)
[ "$ttl" -gt 7000 ] || lc_fail "db 3 hash lost its TTL ($ttl)"

# again: idempotent
lc_expect_exit 0 -- lc_tool restore --config "$conf" redis "$set_path" --yes
lc_assert_eq "$after" "$(lc_redis_fingerprint)" "a second restore"

# --rdb-to: the set's RDB for a new server; then a legacy .rdb.gz, keeping the first
rdb_dir="$LC_TMP/fromrdb"
lc_expect_exit 0 -- lc_tool restore --config "$conf" redis latest --rdb-to "$rdb_dir"
lc_assert_file_contains "$LC_OUT" "$rdb_dir/dump.rdb"
lc_assert_file_contains "$LC_OUT" "appendonly"
lc_assert_file_contains "$LC_OUT" "DBSIZE"
cmp -s "$rdb_dir/dump.rdb" "$LC_TMP/legacy.rdb" || lc_fail "the placed dump.rdb is not the set's RDB"
lc_assert_eq 600 "$(stat -c %a "$rdb_dir/dump.rdb")" "dump.rdb mode"
main=$REDIS_NAME
lc_start_redis --name fromrdb
lc_assert_eq "$(without "$before" short:ttl)" "$(without "$(lc_redis_fingerprint)" short:ttl)" \
    "keys of the server started on the placed dump.rdb"
lc_assert_same_expiries "$(without "$before_exp" short:ttl)" "$(lc_redis_expiries)"
lc_assert_eq "$before_db3" "$(lc_redis_cli -n 3 DUMP db3:plain | sha1sum)" "db 3 from the RDB"
lc_stop_redis fromrdb
lc_use_redis "$main"
lc_expect_exit 0 -- lc_tool restore --config "$conf" redis "$LC_TMP/legacy.rdb.gz" --rdb-to "$rdb_dir"
kept=$(find "$rdb_dir" -name 'dump.rdb.before-restore-*')
[ -n "$kept" ] || lc_fail "the previous dump.rdb was not kept"
[ -z "$(find "$rdb_dir" -name '*.partial')" ] || lc_fail "a .partial file was left"
cmp -s "$rdb_dir/dump.rdb" "$LC_TMP/legacy.rdb" || lc_fail "the dump.rdb placed from .rdb.gz differs"
# a corrupt RDB is refused and nothing is replaced
head -c 2000 "$LC_TMP/legacy.rdb" >"$LC_TMP/cut.rdb"
lc_expect_exit 65 -- lc_tool restore --config "$conf" redis "$LC_TMP/cut.rdb" --rdb-to "$rdb_dir"
cmp -s "$rdb_dir/dump.rdb" "$LC_TMP/legacy.rdb" || lc_fail "a refused RDB replaced dump.rdb"
[ -z "$(find "$rdb_dir" -name '*.partial')" ] || lc_fail "a .partial file was left after a refused RDB"

# Sentinel mode: the master the sentinel names gets the keys
lc_start_sentinel lcbp3
lc_write_config "$LC_TMP/sentinel.conf" --mariadb none redis.mode=sentinel \
    redis.master_name=lcbp3 "redis.nodes=127.0.0.1:$LC_SENTINEL_PORT"
lc_redis_cli SET cache:project:1:name "changed before the sentinel restore" >/dev/null
lc_expect_exit 0 -- lc_tool restore --config "$LC_TMP/sentinel.conf" redis "$set_path" --yes
lc_assert_file_contains "$LC_OUT" "target: +sentinel master 'lcbp3' at 127.0.0.1:$REDIS_PORT"
lc_assert_eq "$after" "$(lc_redis_fingerprint)" "restored through the sentinel"
lc_pass
