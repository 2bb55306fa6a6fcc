#!/usr/bin/env bash
# The WebDAV target driver against a real Apache mod_dav over TLS (tests/harness/webdav.sh),
# through lc-target-probe: put/get round trip, collections made on the way, list (names
# with a space and '+', sizes, times; the collection itself and sub-collections left
# out), stat, rm, df, an upload of unknown size (chunked), a re-put over an existing
# name (MOVE 412, DELETE, MOVE), no temporary object left; Digest login with a source
# that cannot be rewound. Faults: a wrong password (77), no ca_file against the private
# CA (77, naming the certificate), a server that is down (69 after the retry), a full
# DAV disk (74, nothing under the final name), apache SIGKILLed mid-upload and a stalled
# (SIGSTOPped) apache: nothing under the final name, a bounded end with 69; SIGTERM
# mid-upload: 75, the temporary object removed.
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

lc_start_webdav
sets="$WEBDAV_ROOT/sets"

(umask 077 && echo not-the-password >"$LC_TMP/secrets/wrong.password")
# a CA that did not sign the server's certificate
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=another CA" \
    -keyout "$LC_TMP/other-ca.key" -out "$LC_TMP/other-ca.pem" >/dev/null 2>&1 ||
    lc_fail "cannot make a second CA"

# every target of this test, for the instance running now (its port may change on restart)
write_conf() {
    local -a args=()
    mapfile -t -O "${#args[@]}" args < <(lc_webdav_target_args dav sets)
    mapfile -t -O "${#args[@]}" args < <(lc_webdav_target_args full full)
    mapfile -t -O "${#args[@]}" args < <(lc_webdav_target_args slow sets)
    mapfile -t -O "${#args[@]}" args < <(lc_webdav_target_args stall sets)
    mapfile -t -O "${#args[@]}" args < <(lc_webdav_target_args bad sets)
    mapfile -t -O "${#args[@]}" args < <(lc_webdav_target_args noca sets | grep -v '\.ca_file=')
    mapfile -t -O "${#args[@]}" args < <(lc_webdav_target_args otherca sets)
    mapfile -t -O "${#args[@]}" args < <(lc_webdav_target_args nopw sets | grep -v '\.password_file=')
    lc_write_config "$conf" --redis none --mariadb none "${args[@]}" \
        target.dav.retries=1 target.dav.timeout=10s \
        target.full.retries=1 target.full.timeout=10s \
        target.slow.retries=1 target.slow.timeout=10s target.slow.bwlimit=256K \
        target.stall.retries=1 target.stall.timeout=2s \
        target.bad.retries=1 target.bad.password_file="$LC_TMP/secrets/wrong.password" \
        target.noca.retries=1 target.otherca.ca_file="$LC_TMP/other-ca.pem" \
        target.inurl.url="https://lcbp3:secret@127.0.0.1:$WEBDAV_PORT/dav"
}
write_conf

# p CODE TARGET ARGS...: the probe on TARGET, exit code asserted
p() {
    local want=$1 target=$2
    shift 2
    lc_expect_exit "$want" -- "${probe[@]}" "$conf" "$target" "$@"
}
temps() { find "$WEBDAV_ROOT" -name '.*.partial-*' 2>/dev/null; }

# --- round trip of a few MB ------------------------------------------------------------
head -c $((4 * 1024 * 1024 + 17)) /dev/urandom >"$data/big"
p 0 dav put big.bin "$data/big"
cmp "$data/big" "$sets/big.bin" || lc_fail "the object on the server differs from the source"
p 0 dav get big.bin "$data/big.back"
cmp "$data/big" "$data/big.back" || lc_fail "the download differs from the source"
lc_assert_file_contains "$WEBDAV_ACCESS_LOG" "^MKCOL /dav/sets/ 201"
lc_assert_file_contains "$WEBDAV_ACCESS_LOG" "^PUT /dav/sets/\.big\.bin\.partial-[0-9]+-[0-9a-f]{8} 201 te=- len=4194321$"
lc_assert_file_contains "$WEBDAV_ACCESS_LOG" "^MOVE /dav/sets/\.big\.bin\.partial-[0-9]+-[0-9a-f]{8} 201"
lc_assert_file_not_contains "$WEBDAV_ACCESS_LOG" "^PUT .* 401"  # credentials sent at once

# --- missing collections, names with a space and '+' -----------------------------------
printf 'small object\n' >"$data/small"
p 0 dav put "a/b c/x+y z.bin" "$data/small"
cmp "$data/small" "$sets/a/b c/x+y z.bin" || lc_fail "nested object differs"
lc_assert_file_contains "$WEBDAV_ACCESS_LOG" "^MKCOL /dav/sets/a/b c/ 409"
lc_assert_file_contains "$WEBDAV_ACCESS_LOG" "^MKCOL /dav/sets/a/ 201"
lc_assert_file_contains "$WEBDAV_ACCESS_LOG" "^MKCOL /dav/sets/a/b c/ 201"
p 0 dav put "a/b c/second.bin" "$data/big"
p 0 dav put "a/b c/ชุด&<'%41>.bin" "$data/small"  # UTF-8, XML and URL specials
cmp "$data/small" "$sets/a/b c/ชุด&<'%41>.bin" || lc_fail "object with special characters differs"
now=$(date +%s)
p 0 dav list "a/b c"
lc_assert_eq "second.bin $(stat -c %s "$data/big")
x+y z.bin 13
ชุด&<'%41>.bin 13" "$(sed 's/ [0-9]*$//' "$LC_OUT" | LC_ALL=C sort)" "listing of 'a/b c'"
while read -r line; do
    mt=${line##* }
    [ $((now - mt)) -ge -5 ] && [ $((now - mt)) -le 300 ] || lc_fail "listed time $mt is not about now ($now): $line"
done <"$LC_OUT"
p 0 dav list
lc_assert_eq "big.bin $(stat -c %s "$data/big")" "$(awk '{ print $1, $2 }' "$LC_OUT")" \
    "listing of the base (collection 'a' left out)"
p 0 dav list "a"
lc_assert_eq "" "$(cat "$LC_OUT")" "listing of 'a' (only a sub-collection)"
p 0 dav list "no/such dir"
lc_assert_eq "" "$(cat "$LC_OUT")" "listing of a missing collection"

p 66 dav get missing.bin "$data/missing"
lc_assert_file_contains "$LC_ERR" "error: target 'dav': download of 'missing.bin': HTTP 404"
lc_assert_eq 0 "$(stat -c %s "$data/missing")" "bytes of an error page written to the sink"

# --- stat, df -------------------------------------------------------------------------
p 0 dav stat "a/b c/x+y z.bin"
lc_assert_file_contains "$LC_OUT" "^13 [0-9]{10}$"
p 66 dav stat "a/b c/missing"
lc_assert_file_contains "$LC_ERR" "'a/b c/missing' is not there"
p 65 dav stat a
lc_assert_file_contains "$LC_ERR" "error: target 'dav': stat of 'a': 'a' is a collection, not an object"
# Debian's Apache 2.4 mod_dav_fs does not answer RFC 4331 quota-available-bytes
p 0 dav df
lc_assert_eq unknown "$(cat "$LC_OUT")" "free space from apache"

# --- unknown size (stdin, chunked), re-put over an existing name ----------------------
head -c 300000 /dev/urandom >"$data/stream"
LC_STDIN="$data/stream" p 0 dav put stream.bin -
cmp "$data/stream" "$sets/stream.bin" || lc_fail "the streamed object differs"
lc_assert_file_contains "$WEBDAV_ACCESS_LOG" "^PUT /dav/sets/\.stream\.bin\.partial-[^ ]* 201 te=chunked"
head -c 1000 /dev/urandom >"$data/new"
p 0 dav put big.bin "$data/new"
cmp "$data/new" "$sets/big.bin" || lc_fail "re-put did not replace the object"
lc_assert_file_contains "$WEBDAV_ACCESS_LOG" "^MOVE /dav/sets/\.big\.bin\.partial-[^ ]* 412"
lc_assert_file_contains "$WEBDAV_ACCESS_LOG" "^DELETE /dav/sets/big\.bin 204"
p 0 dav stat big.bin
lc_assert_file_contains "$LC_OUT" "^1000 "
lc_assert_eq "" "$(temps)" "temporary objects left"

# --- rm ---------------------------------------------------------------------------------
p 0 dav rm stream.bin
[ ! -e "$sets/stream.bin" ] || lc_fail "rm left the object"
p 0 dav rm stream.bin
p 65 dav rm a
lc_assert_file_contains "$LC_ERR" "removal of 'a': 'a' is a collection, not an object"
[ -d "$sets/a/b c" ] || lc_fail "rm of a collection removed it"

# --- a wrong password, no ca_file: 77 ---------------------------------------------------
p 77 bad put refused.bin "$data/small"
lc_assert_file_contains "$LC_ERR" "error: target 'bad': creating collection '/dav/sets': HTTP 401"
lc_assert_file_contains "$LC_ERR" "hint: the server refused user 'lcbp3': check user and password_file of \[target\.bad\]"
lc_assert_file_not_contains "$LC_ERR" "retrying"
p 77 bad list
p 77 noca stat big.bin
lc_assert_file_contains "$LC_ERR" "error: target 'noca': stat of 'big.bin': .*certificate"
lc_assert_file_contains "$LC_ERR" "hint: set ca_file in \[target\.noca\]"
p 77 otherca list
lc_assert_file_contains "$LC_ERR" "error: target 'otherca': listing of '/dav/sets': .*certificate"
lc_assert_file_contains "$LC_ERR" "hint: the server's certificate is not signed by the CA in ca_file '.*other-ca.pem' of \[target\.otherca\]"
[ ! -e "$sets/refused.bin" ] || lc_fail "a refused upload landed"
# keys the driver refuses when it opens the target: 78
p 78 inurl list
lc_assert_file_contains "$LC_ERR" "error: \[target\.inurl\]: url must not hold a user or password"
lc_assert_file_not_contains "$LC_ERR" "secret"
p 78 nopw list
lc_assert_file_contains "$LC_ERR" "error: \[target\.nopw\]: user 'lcbp3' is set but password_file is not"

# --- a full DAV disk: 74, nothing under the final name ---------------------------------
lc_webdav_full_disk full 1m
p 74 full put big.bin "$data/big"
lc_assert_file_contains "$LC_ERR" "error: target 'full': upload of 'big.bin': HTTP 507: insufficient storage: the target is full"
lc_assert_file_contains "$LC_ERR" "hint: free space on the WebDAV server"
lc_assert_file_not_contains "$LC_ERR" "retrying"
LC_STDIN="$data/big" p 74 full put stream.bin -
lc_assert_eq "" "$(find "$WEBDAV_ROOT/full" -mindepth 1)" "objects on the full disk"
p 0 full put small.bin "$data/small"
cmp "$data/small" "$WEBDAV_ROOT/full/small.bin" || lc_fail "small object on the nearly full disk differs"

# --- the server down: 69 after the retry ----------------------------------------------
lc_stop_webdav
p 69 dav put down.bin "$data/small"
lc_assert_file_contains "$LC_ERR" "warning: target 'dav': upload 'down.bin' failed \(try 1 of 2\): .*; retrying"
lc_assert_file_contains "$LC_ERR" "error: target 'dav': creating collection '/dav/sets': .*(onnect|refused)"
p 69 dav list

# --- apache SIGKILLed mid-upload: non-zero, nothing under the final name ----------------
lc_start_webdav
write_conf
head -c $((8 * 1024 * 1024)) /dev/urandom >"$data/slow"
read -r -a bg <<<"${LC_WRAPPER:-}"
"${bg[@]}" "$probe_bin" "$conf" slow put slow.bin "$data/slow" </dev/null >"$LC_TMP/run/slow.out" 2>"$LC_TMP/run/slow.err" &
LC_BG_PID=$!
for ((i = 0; i < 300; i++)); do  # 30 s: the body is arriving
    [ -n "$(find "$sets" -maxdepth 1 -name '.davfs.tmp*' -size +64k 2>/dev/null)" ] && break
    lc__alive "$LC_BG_PID" || break
    sleep 0.1
done
lc__alive "$LC_BG_PID" || { cat "$LC_TMP/run/slow.err" >&2; lc_fail "the slow upload ended before the kill"; }
sleep 1
lc_kill_webdav
lc_bg_wait 120
[ "$LC_RC" -ne 0 ] || lc_fail "an upload to a killed server exited 0"
lc_assert_eq 69 "$LC_RC" "exit of the killed upload"
lc_assert_file_contains "$LC_TMP/run/slow.err" "upload of 'slow.bin'"
[ ! -e "$sets/slow.bin" ] || lc_fail "a killed upload left an object under the final name"
lc_assert_eq "" "$(temps)" "temporary objects left after the kill"
# what a killed apache leaves is its own spool file (mod_dav_fs writes a PUT body to
# .davfs.tmpXXXXXX and renames it at the end): never a name the driver or a reader uses
find "$sets" -maxdepth 1 -name '.davfs.tmp*' -delete

# --- SIGTERM mid-upload: 75, nothing under the final name, the temporary object gone ---
lc_start_webdav
write_conf
"${bg[@]}" "$probe_bin" "$conf" slow put term.bin "$data/slow" </dev/null >"$LC_TMP/run/term.out" 2>"$LC_TMP/run/term.err" &
LC_BG_PID=$!
for ((i = 0; i < 300; i++)); do
    [ -n "$(find "$sets" -maxdepth 1 -name '.davfs.tmp*' -size +64k 2>/dev/null)" ] && break
    lc__alive "$LC_BG_PID" || break
    sleep 0.1
done
lc__alive "$LC_BG_PID" || { cat "$LC_TMP/run/term.err" >&2; lc_fail "the slow upload ended before SIGTERM"; }
kill -TERM "$LC_BG_PID"
lc_bg_wait 60
lc_assert_eq 75 "$LC_RC" "exit of an upload interrupted by SIGTERM"
lc_assert_file_contains "$LC_TMP/run/term.err" "upload of 'term.bin': interrupted by signal 15"
[ ! -e "$sets/term.bin" ] || lc_fail "an interrupted upload left an object under the final name"
lc_assert_file_contains "$WEBDAV_ACCESS_LOG" "^DELETE /dav/sets/\.term\.bin\.partial-[^ ]* 404"
lc_assert_eq "" "$(temps)" "temporary objects left after SIGTERM"

# --- a stalled server: a bounded end with 69 -----------------------------------------------
lc_signal_webdav STOP
start=$SECONDS
p '!0' stall put stalled.bin "$data/small"
took=$((SECONDS - start))
lc_signal_webdav CONT
lc_assert_eq 69 "$LC_RC" "exit against a stalled server"
lc_assert_file_contains "$LC_ERR" "(imed out|timeout)"
[ "$took" -le 60 ] || lc_fail "against a stalled server the probe took ${took}s"
lc_log "stalled server: gave up after ${took}s (timeout=2s, one retry)"
[ ! -e "$sets/stalled.bin" ] || lc_fail "a stalled upload left an object"
p 0 dav stat big.bin  # the server is serving again

# --- Digest login, a source that cannot be rewound --------------------------------------
lc_start_webdav --digest webdav-digest
write_conf
LC_STDIN="$data/stream" p 0 dav put digest/stream.bin -
cmp "$data/stream" "$WEBDAV_ROOT/sets/digest/stream.bin" || lc_fail "the Digest upload differs"
p 0 dav get digest/stream.bin "$data/stream.back"
cmp "$data/stream" "$data/stream.back" || lc_fail "the Digest download differs"
p 77 bad list
lc_assert_eq "" "$(temps)" "temporary objects left"

lc_pass
