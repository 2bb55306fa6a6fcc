#!/usr/bin/env bash
# lcbp3-reservations-gc against a real standalone Redis (and one behind a real Sentinel):
# a dry run lists and counts exactly the leaked reservations and changes nothing; the
# real run on the same data deletes exactly those, leaves every other key as it was,
# reports stuck locks and deletes them only with --fix-locks; --older-than removes
# reservations whose recorded time is old although they have a TTL; a writer that sets
# EXPIRE on leaked keys while the GC runs never loses one of them; an ACL user without
# EVALSHA gets 77 and nothing deleted unless --no-atomic; the metrics accumulate; bad
# options are usage errors.
# lc-valgrind: yes
set -euo pipefail
. "$LC_SOURCE_DIR/tests/harness/lib.sh"

lc_start_redis
conf="$LC_TMP/lcbp3.conf"
lc_write_config "$conf" --mariadb none

# the fingerprint of every key except the leaked reservations (hex "reservation:", no TTL)
survivors() { lc_redis_fingerprint | grep -v '^7265736572766174696f6e3a[0-9a-f]* [a-z]* nottl ' || true; }
count() { lc_redis_cli --scan --pattern "$1" | wc -l; }
json_field() { # FILE SECTION FIELD
    python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]][sys.argv[3]])' "$@"
}

lc_log "dry run, then the real run on the same data"
lc_seed_redis 1000
before=$(lc_redis_fingerprint)
expected=$(survivors)
lc_expect_exit 1 -- lc_tool reservations-gc --config "$conf" --dry-run --limit 5
lc_assert_eq 5 "$(grep -cE '^leaked +127\.0\.0\.1' "$LC_OUT")" "leaked keys listed up to --limit"
lc_assert_file_contains "$LC_OUT" '^leaked +\.\.\. and 95 more'
lc_assert_eq 3 "$(grep -c '^stuck-lock .*lock:docnum:[123]:2025' "$LC_OUT")" "stuck locks listed"
lc_assert_eq "$before" "$(lc_redis_fingerprint)" "a dry run changes nothing"
lc_expect_exit 1 -- lc_tool reservations-gc --config "$conf" --dry-run --json
cp "$LC_OUT" "$LC_TMP/dry.json"
lc_assert_eq "$LC_SEED_RESV_LEAKED" "$(json_field "$LC_TMP/dry.json" redis leaked)" "dry run: leaked"
lc_assert_eq "$LC_SEED_RESV_TOTAL" "$(json_field "$LC_TMP/dry.json" redis scanned)" "dry run: scanned"
lc_assert_eq "$LC_SEED_LOCKS_STUCK" "$(json_field "$LC_TMP/dry.json" redis locks_stuck)" "dry run: stuck locks"
lc_expect_exit 0 -- lc_tool reservations-gc --config "$conf" --json --batch 7
cp "$LC_OUT" "$LC_TMP/run.json"
lc_assert_eq "$(json_field "$LC_TMP/dry.json" redis leaked)" "$(json_field "$LC_TMP/run.json" redis deleted)" \
    "the real run deletes what the dry run counted"
lc_assert_eq "$expected" "$(survivors)" "every other key (values, TTLs) is untouched"
lc_assert_eq $((LC_SEED_RESV_TOTAL - LC_SEED_RESV_LEAKED)) "$(count 'reservation:*')" "reservations left"
lc_assert_eq "$LC_SEED_LOCKS" "$(count 'lock:docnum:*')" "locks are only reported without --fix-locks"
lc_assert_file_contains "$LC_ERR" 'numbering locks without TTL'
lc_expect_exit 0 -- lc_tool reservations-gc --config "$conf" --dry-run
lc_assert_file_contains "$LC_TMP/metrics/lcbp3-gc.prom" "^lcbp3_gc_deleted_total $LC_SEED_RESV_LEAKED\$"
lc_assert_file_contains "$LC_TMP/metrics/lcbp3-gc.prom" '^# TYPE lcbp3_gc_scanned_total counter'
lc_assert_file_contains "$LC_TMP/metrics/lcbp3-gc.prom" '^lcbp3_gc_last_success_timestamp_seconds [0-9]+'
lc_assert_file_contains "$LC_TMP/metrics/lcbp3-gc.prom" '^lcbp3_gc_locks_stuck 3$'

lc_log "--fix-locks deletes only the locks without TTL"
lc_expect_exit 0 -- lc_tool reservations-gc --config "$conf" --fix-locks
lc_assert_eq $((LC_SEED_LOCKS - LC_SEED_LOCKS_STUCK)) "$(count 'lock:docnum:*')" "held locks kept"
for i in 4 5 6 7 8 9 10; do
    [ "$(lc_redis_cli PTTL "lock:docnum:$i:2025")" -gt 0 ] || lc_fail "held lock $i lost"
done

lc_log "the metrics counters add up over runs"
lc_redis_cli SET reservation:extra:1 x >/dev/null
lc_redis_cli SET reservation:extra:2 x >/dev/null
lc_expect_exit 0 -- lc_tool reservations-gc --config "$conf"
lc_assert_file_contains "$LC_TMP/metrics/lcbp3-gc.prom" "^lcbp3_gc_deleted_total $((LC_SEED_RESV_LEAKED + 2))\$"

lc_log "--older-than: a TTL, but the value says the reservation is long gone"
# (the seed's hashes were reserved in 2025 with a 1-hour TTL: stale too, so a pattern of their own)
old='{"number":"LCBP3-0001","expires_at":"2020-01-01T00:00:00Z"}'
fresh="{\"number\":\"LCBP3-0002\",\"expiresAt\":$(($(date +%s) + 600))000}"
lc_redis_cli SET reservation:v:json:old "$old" EX 86400 >/dev/null
lc_redis_cli SET reservation:v:json:fresh "$fresh" EX 86400 >/dev/null
lc_redis_cli SET reservation:v:json:plain not-json EX 86400 >/dev/null
lc_redis_cli HSET reservation:v:hash:old number LCBP3-0003 reserved_at 2020-01-01T07:00:00+07:00 >/dev/null
lc_redis_cli EXPIRE reservation:v:hash:old 86400 >/dev/null
lc_expect_exit 1 -- lc_tool reservations-gc --config "$conf" --dry-run --older-than 1h --pattern "reservation:v:*"
lc_assert_eq 2 "$(grep -cE '^stale +127\.0\.0\.1' "$LC_OUT")" "two stale reservations listed"
lc_expect_exit 0 -- lc_tool reservations-gc --config "$conf" --older-than 1h --pattern "reservation:v:*"
lc_assert_eq 0 "$(lc_redis_cli EXISTS reservation:v:json:old reservation:v:hash:old)" "stale ones deleted"
lc_assert_eq 2 "$(lc_redis_cli EXISTS reservation:v:json:fresh reservation:v:json:plain)" "the others kept"

lc_log "a writer sets EXPIRE on leaked keys while the GC runs: none of those is deleted"
# big pages (the script runs after all PTTLs of a page are read) widen the window in
# which a key is seen without TTL but gets one before the script checks it again
n=20000
awk -v n="$n" 'BEGIN { for (i = 1; i <= n; i++) printf "SET reservation:race:%05d v\n", i }' |
    lc_redis_cli >/dev/null
# the writer refreshes every other key, three times over, from the last one backwards;
# the GC starts once the writer is under way
awk -v n="$n" 'BEGIN { for (r = 1; r <= 3; r++) for (i = 1; i <= n; i += 2)
                           printf "EXPIRE reservation:race:%05d 3600\n", n + 1 - i }' >"$LC_TMP/expire.cmds"
REDISCLI_AUTH=$(cat "$REDIS_PASSWORD_FILE") timeout 120 redis-cli --no-auth-warning -h 127.0.0.1 \
    -p "$REDIS_PORT" <"$LC_TMP/expire.cmds" >"$LC_TMP/expire.out" &
writer=$!
writer_started() { [ -s "$LC_TMP/expire.out" ]; }
lc_wait_for 30 "the writer to start" writer_started
lc_tool_bg reservations-gc --config "$conf" --batch 10000
lc_bg_wait
[ "$LC_RC" = 0 ] || lc_fail "the GC failed during the race (exit $LC_RC): $(cat "$LC_BG_ERR")"
wait "$writer" || lc_fail "the writer failed"
lc_log "during the race: $(grep -o '[0-9]* skipped (a TTL appeared)' "$LC_BG_ERR")"
# the keys whose EXPIRE succeeded (reply 1) must all still exist
paste -d ' ' "$LC_TMP/expire.cmds" "$LC_TMP/expire.out" | awk '$4 == 1 { print "EXISTS " $2 }' >"$LC_TMP/exists.cmds"
refreshed=$(wc -l <"$LC_TMP/exists.cmds")
[ "$refreshed" -gt 0 ] || lc_fail "the writer refreshed no key: the race was not exercised"
lc_assert_eq "$refreshed" "$(lc_redis_cli <"$LC_TMP/exists.cmds" | grep -c '^1$')" \
    "every key that got its TTL while the GC ran survived"
lc_assert_eq 0 "$(lc_redis_cli --scan --pattern 'reservation:race:*' | sed 's/^/PTTL /' | lc_redis_cli | grep -c '^-1$' || true)" \
    "no race key without TTL is left"

lc_log "an ACL user without EVALSHA: 77 and nothing deleted, unless --no-atomic"
pwf="$LC_TMP/secrets/gc-noeval.password"
printf 'noeval-%s\n' "$RANDOM$RANDOM" >"$pwf"
chmod 600 "$pwf"
lc_redis_cli ACL SETUSER gcnoeval on ">$(cat "$pwf")" '~*' '+@all' -evalsha -eval >/dev/null
lc_redis_cli SET reservation:acl:1 x >/dev/null
lc_write_config "$LC_TMP/noeval.conf" --mariadb none redis.user=gcnoeval "redis.password_file=$pwf"
lc_expect_exit 77 -- lc_tool reservations-gc --config "$LC_TMP/noeval.conf"
lc_assert_file_contains "$LC_ERR" 'refuses the unlink-if-no-ttl script'
lc_assert_file_contains "$LC_ERR" '\+evalsha'
lc_assert_eq 1 "$(lc_redis_cli EXISTS reservation:acl:1)" "nothing deleted without the atomic script"
lc_expect_exit 0 -- lc_tool reservations-gc --config "$LC_TMP/noeval.conf" --no-atomic
lc_assert_eq 0 "$(lc_redis_cli EXISTS reservation:acl:1)" "--no-atomic deletes with UNLINK"

lc_redis_cli ACL SETUSER gcnoscan on ">$(cat "$pwf")" '~*' '+@all' -scan >/dev/null
lc_write_config "$LC_TMP/noscan.conf" --mariadb none redis.user=gcnoscan "redis.password_file=$pwf"
lc_expect_exit 77 -- lc_tool reservations-gc --config "$LC_TMP/noscan.conf"
lc_assert_file_contains "$LC_ERR" 'SCAN: NOPERM'

lc_log "the script cache flushed between runs: EVALSHA's NOSCRIPT falls back to EVAL"
lc_redis_cli SCRIPT FLUSH >/dev/null
lc_redis_cli SET reservation:noscript:1 x >/dev/null
lc_expect_exit 0 -- lc_tool reservations-gc --config "$conf"
lc_assert_eq 0 "$(lc_redis_cli EXISTS reservation:noscript:1)" "deleted through EVAL"

lc_log "Sentinel: the master it names is cleaned"
lc_start_sentinel lcbp3
lc_redis_cli SET reservation:sentinel:1 x >/dev/null
lc_write_config "$LC_TMP/sentinel.conf" --mariadb none redis.mode=sentinel redis.master_name=lcbp3 \
    "redis.nodes=127.0.0.1:$LC_SENTINEL_PORT"
lc_expect_exit 0 -- lc_tool reservations-gc --config "$LC_TMP/sentinel.conf"
lc_assert_eq 0 "$(lc_redis_cli EXISTS reservation:sentinel:1)" "the sentinel's master was cleaned"

lc_log "bad input"
lc_expect_exit 64 -- lc_tool reservations-gc --config "$conf" --pattern '*'
lc_assert_file_contains "$LC_ERR" 'literal prefix'
lc_expect_exit 64 -- lc_tool reservations-gc --config "$conf" --pattern 'reservation:*' --db-only
lc_expect_exit 64 -- lc_tool reservations-gc --config "$conf" --batch 0
lc_expect_exit 64 -- lc_tool reservations-gc --config "$conf" --batch 20000
lc_expect_exit 64 -- lc_tool reservations-gc --config "$conf" --older-than soon
lc_expect_exit 64 -- lc_tool reservations-gc --config "$conf" --redis-only --db-only
lc_expect_exit 64 -- lc_tool reservations-gc --config "$conf" --no-atomic --older-than 1h
lc_assert_file_contains "$LC_ERR" 'exclude each other'
lc_expect_exit 64 -- lc_tool reservations-gc --config "$conf" run
lc_write_config "$LC_TMP/wild.conf" --mariadb none 'numbering.reservation_pattern=*'
lc_expect_exit 78 -- lc_tool reservations-gc --config "$LC_TMP/wild.conf"
lc_write_config "$LC_TMP/dead.conf" --mariadb none "redis.nodes=127.0.0.1:$(lc_free_port)"
lc_expect_exit 69 -- lc_tool reservations-gc --config "$LC_TMP/dead.conf"
lc_assert_file_contains "$LC_ERR" '127\.0\.0\.1'
lc_pass
