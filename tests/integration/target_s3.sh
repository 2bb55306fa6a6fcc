#!/usr/bin/env bash
# The S3 target driver against a real s3rver with an independent SigV4 check in front
# (tests/harness/s3.sh), through lc-target-probe. Every request the driver makes must
# pass that check (sorted, AWS-encoded queries, "uploads=", a signed
# x-amz-content-sha256). Round trips: one PUT, multipart (parts forced small with
# LC_S3_PART_SIZE), stdin of unknown size (multipart, or one PUT when it fits a part),
# a name with a space and '+', a re-put that replaces; list across pages (LC_S3_MAX_KEYS)
# with exact names and sizes, deeper keys left out; stat present/missing (66); rm
# present/missing; TLS with ca_file and without (77). Faults: a wrong secret (77,
# SignatureDoesNotMatch), an unknown access key (77), a missing bucket (78), a wrong
# region (78), bad urls and missing keys (78), injected SlowDown (retried), an injected
# InternalError on a part and one in a 200 answer to the completion (the upload aborted,
# retried, done), RequestTimeTooSkewed
# (77, clock hint), a server that is down (69 after the retry), s3rver SIGKILLed
# mid-multipart (non-zero, no object after restart), a stalled (SIGSTOPped) server
# (69 in bounded time), SIGTERM mid-multipart (75, the upload aborted).
# lc-valgrind: yes
set -euo pipefail
. "$LC_SOURCE_DIR/tests/harness/lib.sh"

probe_bin="$LC_BUILD_DIR/tests/lc-target-probe"
[ -x "$probe_bin" ] || lc_fail "lc-target-probe is not built: $probe_bin"
read -r -a probe <<<"${LC_WRAPPER:-}"
probe+=("$probe_bin")
conf="$LC_TMP/lcbp3.conf"
data="$LC_TMP/data"
mkdir -p "$data"
MIB=$((1024 * 1024))

lc_start_s3
(umask 077 && echo not-the-secret >"$LC_TMP/secrets/wrong.secret_key")
(umask 077 && echo UNKNOWNKEY0000000000 >"$LC_TMP/secrets/unknown.access_key")

# every target of this test, for the instance running now (its port may change on restart)
write_conf() {
    local -a args=()
    local t
    for t in s3 slow stall bad badkey nobucket region; do
        mapfile -t -O "${#args[@]}" args < <(lc_s3_target_args "$t" sets)
    done
    lc_write_config "$conf" --redis none --mariadb none "${args[@]}" \
        target.s3.retries=1 target.s3.timeout=10s \
        target.slow.retries=1 target.slow.timeout=10s target.slow.bwlimit=2M \
        target.stall.retries=1 target.stall.timeout=2s \
        target.bad.retries=1 target.bad.secret_key_file="$LC_TMP/secrets/wrong.secret_key" \
        target.badkey.retries=1 target.badkey.access_key_file="$LC_TMP/secrets/unknown.access_key" \
        target.nobucket.retries=1 target.nobucket.url=s3://no-such-bucket/sets \
        target.region.retries=1 target.region.s3_region=eu-central-1 \
        "${extra[@]}"
}
extra=()
write_conf

# p CODE TARGET ARGS...: the probe on TARGET, exit code asserted
p() {
    local want=$1 target=$2
    shift 2
    lc_expect_exit "$want" -- "${probe[@]}" "$conf" "$target" "$@"
}
# count REGEX: how many lines of the access log match
count() { grep -cE -- "$1" "$S3_ACCESS_LOG" || true; }
mark_log() { : >"$S3_ACCESS_LOG"; }
no_uploads() {
    local u
    u=$(lc_s3_uploads)
    [ -z "$u" ] || lc_fail "multipart uploads left on the server: $u"
}
now() { date +%s; }

# --- one PUT ----------------------------------------------------------------------------
head -c $((MIB + 17)) /dev/urandom >"$data/one"
mark_log
p 0 s3 put one.bin "$data/one"
cmp "$data/one" "$(lc_s3_object_path sets/one.bin)" || lc_fail "the stored object differs"
lc_assert_eq 1 "$(count '^PUT /lcbp3/sets/one\.bin 200$')" "one PUT"
lc_assert_eq 0 "$(count 'uploads')" "no multipart for 1 MiB"
p 0 s3 get one.bin "$data/one.back"
cmp "$data/one" "$data/one.back" || lc_fail "the download differs from the source"

# --- multipart: 12 MiB + 5 in parts of 5 MiB -------------------------------------------
head -c $((12 * MIB + 5)) /dev/urandom >"$data/big"
mark_log
LC_S3_PART_SIZE=$((5 * MIB)) p 0 s3 put big.bin "$data/big"
lc_assert_eq 1 "$(count '^POST /lcbp3/sets/big\.bin\?uploads= 200$')" "initiate"
for n in 1 2 3; do
    lc_assert_eq 1 "$(count "^PUT /lcbp3/sets/big\.bin\?partNumber=$n&uploadId=[0-9a-f]+ 200$")" "part $n"
done
lc_assert_eq 0 "$(count 'partNumber=4')" "three parts only"
lc_assert_eq 1 "$(count '^POST /lcbp3/sets/big\.bin\?uploadId=[0-9a-f]+ 200$')" "complete"
cmp "$data/big" "$(lc_s3_object_path sets/big.bin)" || lc_fail "the multipart object differs"
p 0 s3 get big.bin "$data/big.back"
cmp "$data/big" "$data/big.back" || lc_fail "the multipart download differs"
no_uploads
# the same size without the test knob is one PUT (below the 64 MiB limit)
mark_log
p 0 s3 put big2.bin "$data/big"
lc_assert_eq 1 "$(count '^PUT /lcbp3/sets/big2\.bin 200$')" "one PUT for 12 MiB by default"

# --- stdin: unknown size ----------------------------------------------------------------
mark_log
LC_STDIN="$data/big" LC_S3_PART_SIZE=$((5 * MIB)) p 0 s3 put piped.bin -
lc_assert_eq 1 "$(count '^POST /lcbp3/sets/piped\.bin\?uploads= 200$')" "stdin goes multipart"
lc_assert_eq 3 "$(count '^PUT /lcbp3/sets/piped\.bin\?partNumber=')" "stdin parts"
cmp "$data/big" "$(lc_s3_object_path sets/piped.bin)" || lc_fail "the piped object differs"
mark_log
LC_STDIN="$data/one" p 0 s3 put piped-small.bin -
lc_assert_eq 1 "$(count '^PUT /lcbp3/sets/piped-small\.bin 200$')" "a small stream is one PUT"
cmp "$data/one" "$(lc_s3_object_path sets/piped-small.bin)" || lc_fail "the small piped object differs"
: >"$data/empty"
LC_STDIN="$data/empty" p 0 s3 put piped-empty.bin -
p 0 s3 stat piped-empty.bin
lc_assert_file_contains "$LC_OUT" '^0 [0-9]+$'

# --- a name with a space and '+', nested ------------------------------------------------
printf 'small object\n' >"$data/small"
p 0 s3 put "a b+c/x+y z.bin" "$data/small"
lc_assert_file_contains "$S3_ACCESS_LOG" '^PUT /lcbp3/sets/a%20b%2Bc/x%2By%20z\.bin 200$'
cmp "$data/small" "$(lc_s3_object_path "sets/a b+c/x+y z.bin")" || lc_fail "odd name stored wrong"
p 0 s3 get "a b+c/x+y z.bin" "$data/small.back"
cmp "$data/small" "$data/small.back" || lc_fail "odd name read back wrong"
p 0 s3 list "a b+c"
lc_assert_eq "x+y z.bin 13" "$(cut -d' ' -f1-3 "$LC_OUT")" "listing of 'a b+c'"

# --- list: pages, exact names and sizes, deeper keys and other directories left out -----
expected=
for i in 1 2 3 4 5 6 7; do
    head -c $((i * 100 + i)) /dev/urandom >"$data/set$i"
    p 0 s3 put "p/set-0$i.tar" "$data/set$i"
    expected+="set-0$i.tar $((i * 100 + i))"$'\n'
done
p 0 s3 put "p/sub/deeper.tar" "$data/small"
p 0 s3 put "pq.tar" "$data/small" # shares the prefix "p" but is not in p/
mark_log
LC_S3_MAX_KEYS=2 p 0 s3 list p
lc_assert_eq "${expected%$'\n'}" "$(cut -d' ' -f1,2 "$LC_OUT")" "paged listing of p"
lc_assert_eq 4 "$(count '^GET /lcbp3\?.*list-type=2&max-keys=2&prefix=sets%2Fp%2F 200$')" "4 pages"
lc_assert_eq 3 "$(count '^GET /lcbp3\?continuation-token=[^&]+&delimiter=%2F&')" "3 continuation tokens"
t=$(now)
while read -r name size mtime; do
    [ "$mtime" -gt $((t - 600)) ] && [ "$mtime" -le $((t + 60)) ] ||
        lc_fail "'$name' has mtime $mtime, now is $t"
done <"$LC_OUT"
p 0 s3 list p
lc_assert_eq "${expected%$'\n'}" "$(cut -d' ' -f1,2 "$LC_OUT")" "one-page listing of p"
p 0 s3 list ""
lc_assert_eq "big.bin
big2.bin
one.bin
piped-empty.bin
piped-small.bin
piped.bin
pq.tar" "$(cut -d' ' -f1 "$LC_OUT")" "listing of the base"
p 0 s3 list no/such/dir
lc_assert_eq "" "$(cat "$LC_OUT")" "a missing directory lists empty"

# --- stat, rm, re-put -------------------------------------------------------------------
p 0 s3 stat big.bin
read -r size mtime <"$LC_OUT"
lc_assert_eq $((12 * MIB + 5)) "$size" "stat size"
t=$(now)
[ "$mtime" -gt $((t - 600)) ] && [ "$mtime" -le $((t + 60)) ] || lc_fail "stat mtime $mtime, now $t"
p 66 s3 stat nope.bin
lc_assert_file_contains "$LC_ERR" "'nope\.bin' is not there"
p 66 s3 get nope.bin "$data/nope"
lc_assert_file_contains "$LC_ERR" "download of 'nope\.bin': HTTP 404: NoSuchKey"
p 0 s3 rm big2.bin
[ ! -e "$(lc_s3_object_path sets/big2.bin)" ] || lc_fail "rm left the object"
p 66 s3 stat big2.bin
p 0 s3 rm big2.bin
p 0 s3 rm never-there.bin
p 0 s3 put one.bin "$data/small"
p 0 s3 get one.bin "$data/re.back"
cmp "$data/small" "$data/re.back" || lc_fail "a re-put did not replace the object"
p 0 s3 df
lc_assert_eq unknown "$(cat "$LC_OUT")" "S3 tells no free space"
p 64 s3 put "a//b" "$data/small"
p 64 s3 put "../x" "$data/small"
# everything so far was signed right
lc_assert_file_not_contains "$S3_ACCESS_LOG" ' (400|403)$'

# --- keys, bucket, region, urls ---------------------------------------------------------
p 77 bad put w.bin "$data/small"
lc_assert_file_contains "$LC_ERR" "upload of 'w\.bin': HTTP 403: SignatureDoesNotMatch"
lc_assert_file_contains "$LC_ERR" "hint: the secret key in secret_key_file of \[target\.bad\]"
lc_assert_file_not_contains "$LC_ERR" 'retrying'
p 77 bad list
lc_assert_file_contains "$LC_ERR" 'SignatureDoesNotMatch'
p 77 bad stat one.bin
lc_assert_file_contains "$LC_ERR" 'SignatureDoesNotMatch'
p 77 badkey get one.bin "$data/x"
lc_assert_file_contains "$LC_ERR" 'HTTP 403: InvalidAccessKeyId'
p 78 nobucket put w.bin "$data/small"
lc_assert_file_contains "$LC_ERR" "HTTP 404: NoSuchBucket"
lc_assert_file_contains "$LC_ERR" "hint: create bucket 'no-such-bucket'"
p 78 nobucket list
p 78 nobucket stat w.bin
lc_assert_file_contains "$LC_ERR" "NoSuchBucket"
p 78 nobucket rm w.bin
p 78 region list
lc_assert_file_contains "$LC_ERR" "AuthorizationHeaderMalformed: .*the region 'eu-central-1' is wrong"
lc_assert_file_contains "$LC_ERR" "hint: check s3_region \('eu-central-1'\)"
for bad_url in "s3://AB/x" "s3://lcbp3/a//b" "s3://key:secret@lcbp3/x" "s3://lcbp3/x?y" "s3:///x" "s3://lcbp3/../x"; do
    extra=("target.badurl.url=$bad_url" "target.badurl.access_key_file=$S3_ACCESS_KEY_FILE"
        "target.badurl.secret_key_file=$S3_SECRET_KEY_FILE")
    write_conf
    p 78 badurl list
done
extra=("target.nokeys.url=s3://lcbp3/sets" "target.nokeys.s3_endpoint=$S3_ENDPOINT")
write_conf
p 78 nokeys list
lc_assert_file_contains "$LC_ERR" 'needs an access key and a secret key'
extra=("target.badep.url=s3://lcbp3/sets" "target.badep.s3_endpoint=ftp://127.0.0.1"
    "target.badep.access_key_file=$S3_ACCESS_KEY_FILE" "target.badep.secret_key_file=$S3_SECRET_KEY_FILE")
write_conf
p 78 badep list
extra=()
write_conf

# --- injected S3 errors -----------------------------------------------------------------
mark_log
lc_s3_fault SlowDown 1 PUT /sets/slow.bin
p 0 s3 put slow.bin "$data/small"
lc_assert_file_contains "$LC_ERR" "upload 'slow\.bin' failed \(try 1 of 2\): .*HTTP 503: SlowDown.*retrying"
lc_assert_eq 2 "$(count '^PUT /lcbp3/sets/slow\.bin ')" "SlowDown retried once"
mark_log
lc_s3_fault InternalError 1 PUT partNumber=2
LC_S3_PART_SIZE=$((5 * MIB)) p 0 s3 put retried.bin "$data/big"
lc_assert_file_contains "$LC_ERR" "upload of 'retried\.bin', part 2: HTTP 500: InternalError.*retrying"
lc_assert_eq 1 "$(count '^DELETE /lcbp3/sets/retried\.bin\?uploadId=[0-9a-f]+ 204$')" "failed upload aborted"
lc_assert_eq 2 "$(count '^POST /lcbp3/sets/retried\.bin\?uploads= 200$')" "a new upload on retry"
cmp "$data/big" "$(lc_s3_object_path sets/retried.bin)" || lc_fail "the retried upload differs"
no_uploads
mark_log
lc_s3_fault InternalError@200 1 POST 'retried2.bin?uploadId='
LC_S3_PART_SIZE=$((5 * MIB)) p 0 s3 put retried2.bin "$data/big"
lc_assert_file_contains "$LC_ERR" "upload of 'retried2\.bin': HTTP 200 with an error: InternalError.*retrying"
lc_assert_eq 1 "$(count '^DELETE /lcbp3/sets/retried2\.bin\?uploadId=[0-9a-f]+ 204$')" "aborted after a 200 error"
cmp "$data/big" "$(lc_s3_object_path sets/retried2.bin)" || lc_fail "the upload retried after a 200 error differs"
no_uploads
lc_s3_fault InternalError 2 PUT partNumber=1
LC_S3_PART_SIZE=$((5 * MIB)) p 69 s3 put failed.bin "$data/big"
p 66 s3 stat failed.bin
no_uploads
lc_s3_fault RequestTimeTooSkewed 1 GET
p 77 s3 get one.bin "$data/x"
lc_assert_file_contains "$LC_ERR" 'RequestTimeTooSkewed'
lc_assert_file_contains "$LC_ERR" "hint: this host's clock and the server's differ"
: >"$S3_DIR/faults"

# --- TLS --------------------------------------------------------------------------------
lc_start_s3 --tls s3tls
extra=()
mapfile -t extra < <(lc_s3_target_args tls sets)
mapfile -t -O "${#extra[@]}" extra < <(lc_s3_target_args tlsnoca sets | grep -v '\.ca_file=')
extra+=(target.tls.retries=0 target.tlsnoca.retries=0)
lc_use_s3 s3
write_conf
p 0 tls put tls.bin "$data/one"
p 0 tls get tls.bin "$data/tls.back"
cmp "$data/one" "$data/tls.back" || lc_fail "TLS round trip differs"
p 77 tlsnoca list
lc_assert_file_contains "$LC_ERR" 'hint: set ca_file in \[target\.tlsnoca\]'
lc_stop_s3 s3tls
extra=()
write_conf

# --- server down ------------------------------------------------------------------------
lc_stop_s3
p 69 s3 stat one.bin
lc_assert_file_contains "$LC_ERR" 'retrying'
lc_assert_file_contains "$LC_ERR" "stat of 'one\.bin'.*(Connection refused|Failed to connect|Couldn't connect)"
lc_start_s3
write_conf

# --- s3rver SIGKILLed during a multipart upload -----------------------------------------
mark_log
export LC_S3_PART_SIZE=$((5 * MIB))
started=$(now)
bg_err="$LC_TMP/run/killed.err"
"${probe[@]}" "$conf" slow put killed.bin "$data/big" >/dev/null 2>"$bg_err" &
bg=$!
lc_wait_for 10 "the first part to start" grep -q 'killed\.bin?uploads= 200' "$S3_ACCESS_LOG"
sleep 1
lc_kill_s3
rc=0
for ((i = 0; i < 600; i++)); do lc__alive "$bg" || break; sleep 0.1; done
lc__alive "$bg" && { kill -KILL "$bg"; lc_fail "the upload did not end within 60 s of the kill"; }
wait "$bg" || rc=$?
unset LC_S3_PART_SIZE
[ "$rc" -ne 0 ] || lc_fail "the upload to a killed server exited 0"
lc_assert_eq 69 "$rc" "exit status after the server was killed"
lc_log "killed mid-upload: exit $rc after $(($(now) - started)) s"
lc_start_s3
write_conf
p 66 s3 stat killed.bin
[ ! -e "$(lc_s3_object_path sets/killed.bin)" ] || lc_fail "a half object under the final name"
p 0 s3 list
lc_assert_file_not_contains "$LC_OUT" '^killed\.bin '
# the abort could not reach a dead server: the upload's parts stay until a lifecycle
# rule (AbortIncompleteMultipartUpload) removes them; here the test does it
[ -n "$(lc_s3_uploads)" ] || lc_fail "expected the killed upload to be left on the server"
rm -rf "$S3_DATA/$S3_BUCKET/._S3rver_uploads"

# --- a stalled server -------------------------------------------------------------------
lc_signal_s3 STOP
started=$(now)
p 69 stall put stalled.bin "$data/small"
elapsed=$(($(now) - started))
lc_signal_s3 CONT
[ "$elapsed" -le 30 ] || lc_fail "a stalled server held the upload for $elapsed s"
lc_assert_file_contains "$LC_ERR" '(timed out|Timeout|too slow)'
lc_log "stalled server: exit 69 after $elapsed s"
p 0 s3 stat one.bin

# --- SIGTERM during a multipart upload: 75, the upload aborted --------------------------
mark_log
export LC_S3_PART_SIZE=$((5 * MIB))
"${probe[@]}" "$conf" slow put termed.bin "$data/big" >/dev/null 2>"$LC_TMP/run/termed.err" &
bg=$!
lc_wait_for 20 "the upload to start" grep -q 'termed\.bin?uploads= 200' "$S3_ACCESS_LOG"
sleep 1
kill -TERM "$bg"
rc=0
for ((i = 0; i < 600; i++)); do lc__alive "$bg" || break; sleep 0.1; done
lc__alive "$bg" && { kill -KILL "$bg"; lc_fail "the upload did not end within 60 s of SIGTERM"; }
wait "$bg" || rc=$?
unset LC_S3_PART_SIZE
lc_assert_eq 75 "$rc" "exit status after SIGTERM"
lc_assert_file_contains "$LC_TMP/run/termed.err" 'interrupted'
lc_assert_eq 1 "$(count '^DELETE /lcbp3/sets/termed\.bin\?uploadId=[0-9a-f]+ 204$')" "aborted on SIGTERM"
no_uploads
p 66 s3 stat termed.bin

# no key ever reached a message
for f in "$S3_ACCESS_KEY_FILE" "$S3_SECRET_KEY_FILE"; do
    if grep -rqF -- "$(cat "$f")" "$LC_TMP/run"; then
        lc_fail "a key from '$f' appears in the tools' output"
    fi
done

lc_pass
