#!/usr/bin/env bash
# The systemd units in systemd/ and the schedules in cron/ are what an operator can enable
# as they are. The unit files themselves (byte for byte, copied into a temporary root that
# holds the distribution's units, the built programs at their ExecStart= paths and the
# man pages) pass `systemd-analyze verify` without a single warning; every service scores
# 2.0 or better in `systemd-analyze security --offline=true`, and docs/systemd.md shows that
# score; every timer is Persistent= and starts a service that exists; every service runs as
# lcbp3 with OnFailure= alerting; the sysusers file creates the user; and cron/lcbp3 and
# cron/qnap-crontab run every scheduled job at its timer's schedule (calendar expressions
# compared in systemd's normalized form). No systemd as PID 1 and no network are needed.
# lc-asan: no
set -euo pipefail
. "$LC_SOURCE_DIR/tests/harness/lib.sh"

for p in systemd-analyze systemd-sysusers man; do
    command -v "$p" >/dev/null ||
        lc_fail "$p is missing (Debian packages 'systemd' and 'man-db'; ./dev deps installs them)"
done

units_src="$LC_SOURCE_DIR/systemd"
cron_file="$LC_SOURCE_DIR/cron/lcbp3"
qnap_file="$LC_SOURCE_DIR/cron/qnap-crontab"
doc="$LC_SOURCE_DIR/docs/systemd.md"
alert_unit=lcbp3-alert@.service
threshold=2.0

# unit_values FILE SECTION KEY: every value of KEY in [SECTION], continuation lines joined
unit_values() {
    awk -v want_sec="$2" -v want_key="$3" '
        /^[ \t]*[#;]/ && !cont { next }
        {
            line = $0
            if (cont) { buf = buf " " line } else { buf = line }
            if (sub(/\\$/, "", buf)) { cont = 1; next }
            cont = 0
            if (buf ~ /^\[.*\]$/) { sec = substr(buf, 2, length(buf) - 2); next }
            if (sec != want_sec) next
            i = index(buf, "=")
            if (i == 0) next
            key = substr(buf, 1, i - 1); gsub(/[ \t]+$/, "", key)
            if (key == want_key) print substr(buf, i + 1)
        }' "$1"
}

# unit_value FILE SECTION KEY: the last value (systemd's rule for single-valued keys)
unit_value() {
    unit_values "$@" | tail -n 1
}

# exec_path COMMAND-LINE: the executable, without systemd's -@:+! prefixes
exec_path() {
    local first=${1%% *}
    while [[ $first == [-@:+!]* ]]; do first=${first:1}; done
    echo "$first"
}

shopt -s nullglob
units=("$units_src"/*.service "$units_src"/*.timer)
services=("$units_src"/*.service)
timers=("$units_src"/*.timer)
shopt -u nullglob
if [ ${#timers[@]} -eq 0 ] || [ ${#services[@]} -eq 0 ]; then
    lc_fail "no units in $units_src"
fi

# ---- static rules ----------------------------------------------------------------------
declare -A timer_of # service name -> timer name
for t in "${timers[@]}"; do
    name=$(basename "$t")
    [ "$(unit_value "$t" Timer Persistent)" = true ] ||
        lc_fail "$name: [Timer] Persistent=true is missing (a run missed while down is lost)"
    [ -n "$(unit_value "$t" Timer OnCalendar)" ] || lc_fail "$name: no OnCalendar="
    svc=$(unit_value "$t" Timer Unit)
    svc=${svc:-${name%.timer}.service}
    [ -f "$units_src/$svc" ] || lc_fail "$name starts '$svc', which is not in systemd/"
    [ "$(unit_value "$t" Install WantedBy)" = timers.target ] ||
        lc_fail "$name: [Install] WantedBy=timers.target is missing"
    timer_of[$svc]=$name
done

for s in "${services[@]}"; do
    name=$(basename "$s")
    [ "$(unit_value "$s" Service User)" = lcbp3 ] || lc_fail "$name: User=lcbp3 is missing"
    [ "$(unit_value "$s" Service Group)" = lcbp3 ] || lc_fail "$name: Group=lcbp3 is missing"
    [ -n "$(unit_value "$s" Service ExecStart)" ] || lc_fail "$name: no ExecStart="
    if [ "$name" = "$alert_unit" ]; then
        # a failing alert must not start another alert
        [ -z "$(unit_values "$s" Unit OnFailure)" ] || lc_fail "$name: OnFailure= would loop"
        continue
    fi
    [ "$(unit_value "$s" Unit OnFailure)" = "lcbp3-alert@%n.service" ] ||
        lc_fail "$name: OnFailure=lcbp3-alert@%n.service is missing"
    # a oneshot job that removed /run/lcbp3 on exit would pull the lock directory from
    # under the other jobs (binlog archiver, backup) that hold their locks in it
    if [ "$(unit_value "$s" Service RuntimeDirectory)" = lcbp3 ]; then
        [ "$(unit_value "$s" Service RuntimeDirectoryPreserve)" = yes ] ||
            lc_fail "$name: RuntimeDirectory=lcbp3 without RuntimeDirectoryPreserve=yes"
    fi
    if [ -n "${timer_of[$name]:-}" ]; then
        [ "$(unit_value "$s" Service Type)" = oneshot ] ||
            lc_fail "$name: a job started by ${timer_of[$name]} must be Type=oneshot"
    else
        [ "$(unit_value "$s" Service Restart)" = always ] ||
            lc_fail "$name: neither started by a timer nor a Restart=always service"
        [ -n "$(unit_values "$s" Install WantedBy)" ] || lc_fail "$name: no [Install] WantedBy="
    fi
done
[ -f "$units_src/$alert_unit" ] || lc_fail "$alert_unit (the OnFailure= hook) is missing"

# ---- a root for systemd-analyze: the distribution's units, ours, the programs, man pages --
root="$LC_TMP/root"
distro_units=
for d in /usr/lib/systemd/system /lib/systemd/system; do
    [ -f "$d/sysinit.target" ] && { distro_units=$d; break; }
done
[ -n "$distro_units" ] || lc_fail "no systemd unit directory with sysinit.target"
mkdir -p "$root/usr/lib/systemd" "$root/etc/systemd/system" "$root/usr/lib/sysusers.d" \
    "$root/man"
cp -a "$distro_units" "$root/usr/lib/systemd/"
cp -p "${units[@]}" "$root/etc/systemd/system/"
for s in "${services[@]}"; do
    while read -r cmd; do
        exe=$(exec_path "$cmd")
        [[ $exe == /* ]] || lc_fail "$(basename "$s"): '$exe' is not an absolute path"
        base=$(basename "$exe")
        if [[ $base == lcbp3-* ]]; then
            src="$LC_BUILD_DIR/tools/${base#lcbp3-}/$base"
            [ -x "$src" ] || lc_fail "$(basename "$s"): '$exe' is not a program this build makes"
        else
            src=$exe
            [ -x "$src" ] || lc_fail "$(basename "$s"): '$exe' does not exist on this host"
        fi
        mkdir -p "$root$(dirname "$exe")"
        cp -L "$src" "$root$exe"
    done < <(for k in ExecStartPre ExecStart ExecStartPost ExecStop ExecStopPost; do
        unit_values "$s" Service "$k"
    done)
done
# the man pages named by Documentation=man:..., from the source tree and the build
for page in "$LC_SOURCE_DIR"/docs/*.[1-8] "$LC_BUILD_DIR"/docs/*.[1-8]; do
    [ -f "$page" ] || continue
    sect=${page##*.}
    mkdir -p "$root/man/man$sect"
    cp "$page" "$root/man/man$sect/"
done

# verify_units ROOT OUT NAME...: systemd-analyze verify in ROOT; 0 only if clean and silent
# (it reports a misspelt key or a bad value as a warning, and still exits 0)
verify_units() {
    local r=$1 out=$2
    shift 2
    MANPATH="$r/man" timeout 120 systemd-analyze verify --root="$r" "$@" >"$out" 2>&1 &&
        [ ! -s "$out" ]
}

names=()
for u in "${units[@]}"; do
    n=$(basename "$u")
    case $n in
    *@.*) n="${n%@.*}@lcbp3-backup.service.${n##*.}" ;; # a template: one instance
    esac
    names+=("$n")
done

# the canary: this systemd-analyze reports a misspelt key in the way we catch below
canary="$LC_TMP/canary"
cp -a "$root" "$canary"
canary_timer=$(basename "${timers[0]}")
sed -i 's/^Persistent=/Persistant=/' "$canary/etc/systemd/system/$canary_timer"
if verify_units "$canary" "$LC_TMP/canary.out" "$canary_timer"; then
    lc_fail "systemd-analyze verify did not notice a misspelt key: the check below is blind"
fi
rm -rf "$canary"

if ! verify_units "$root" "$LC_TMP/verify.out" "${names[@]}"; then
    cat "$LC_TMP/verify.out" >&2
    lc_fail "systemd-analyze verify found problems in systemd/ (above)"
fi
lc_log "systemd-analyze verify: ${#names[@]} units clean"

# ---- systemd-analyze security ------------------------------------------------------------
for s in "${services[@]}"; do
    name=$(basename "$s")
    out="$LC_TMP/security-$name.out"
    rc=0
    timeout 120 systemd-analyze security --offline=true --threshold=20 --root="$root" \
        "$root/etc/systemd/system/$name" >"$out" 2>&1 || rc=$?
    score=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' "$out")
    if [ -z "$score" ]; then
        cat "$out" >&2
        lc_fail "$name: no exposure level in systemd-analyze security's output"
    fi
    if [ "$rc" -ne 0 ] || awk -v s="$score" -v t="$threshold" 'BEGIN { exit !(s > t) }'; then
        grep -E '^✗' "$out" >&2 || true
        lc_fail "$name: exposure $score is above $threshold (the ✗ lines above)"
    fi
    lc_log "$name: exposure $score"
    # docs/systemd.md's table carries the score: | `NAME` | ... | SCORE |
    grep -qE "^\| *\`$name\` *\|.*\| *$score *\|$" "$doc" ||
        lc_fail "docs/systemd.md has no table row for \`$name\` ending in its score $score"
done

# ---- the sysusers file -----------------------------------------------------------------
sysusers="$units_src/lcbp3-ops.sysusers.conf"
lc_assert_file_exists "$sysusers"
mkdir -p "$root/etc"
cp "$sysusers" "$root/usr/lib/sysusers.d/lcbp3-ops.conf"
lc_expect_exit 0 -- systemd-sysusers --root="$root"
lc_assert_file_contains "$root/etc/passwd" '^lcbp3:x:[0-9]+:[0-9]+:[^:]*:/var/lib/lcbp3:'
lc_assert_file_contains "$root/etc/group" '^lcbp3:x:[0-9]+:'

# ---- cron: every job, at its timer's schedule ------------------------------------------
# normalize CALENDAR: systemd's normalized form of a calendar expression
normalize() {
    systemd-analyze calendar "$1" 2>/dev/null | sed -n 's/^ *Normalized form: //p'
}

# cron_to_calendar "MIN HOUR DOM MON DOW": the same schedule as an OnCalendar= expression
cron_to_calendar() {
    local -a f
    local i dow=
    read -r -a f <<<"$1"
    [ ${#f[@]} -eq 5 ] || return 1
    # cron runs a job when either DOM or DOW matches if both are restricted: not expressible
    [ "${f[2]}" = '*' ] || [ "${f[4]}" = '*' ] || return 1
    for i in 0 1 2 3; do
        f[i]=${f[i]//-/..}
        case ${f[i]} in
        '*/'*) f[i]="$([ "$i" -lt 2 ] && echo 0 || echo 1)/${f[i]#*/}" ;;
        esac
    done
    if [ "${f[4]}" != '*' ]; then
        local -a names=(Sun Mon Tue Wed Thu Fri Sat Sun)
        dow=$(echo "${f[4]}" | sed -E 's/-/../g')
        for i in 7 6 5 4 3 2 1 0; do dow=${dow//$i/${names[i]}}; done
        dow="$dow "
    fi
    echo "${dow}*-${f[3]}-${f[2]} ${f[1]}:${f[0]}:00"
}

# canon_cmd COMMAND: COMMAND without --config FILE and with every absolute path reduced to
# its last part, so that the QNAP's /share/... paths compare equal to /var/lib/lcbp3/...
canon_cmd() {
    sed -E 's/ --config [^ ]+//; s#(^| )/([^ ]*/)?#\1#g' <<<"$1"
}

# cron_jobs FILE [USER]: "SCHEDULE|COMMAND" for every job line, COMMAND through canon_cmd
cron_jobs() {
    local file=$1 user=${2:-} line sched cmd prog
    local -a w
    while IFS= read -r line; do
        [[ $line =~ ^[[:space:]]*(#|$) ]] && continue
        [[ $line =~ ^[A-Z_]+= ]] && continue
        read -r -a w <<<"$line"
        [[ ${w[0]} == @* ]] && continue
        sched="${w[*]:0:5}"
        if [ -n "$user" ]; then
            [ "${w[5]}" = "$user" ] || continue
            w=("${w[@]:6}")
        else
            w=("${w[@]:5}")
        fi
        prog=$(basename "${w[0]}")
        [[ $prog == lcbp3-* ]] || continue
        cmd="${w[*]}"
        echo "$sched|$(canon_cmd "$cmd")"
    done <"$file"
}

lc_assert_file_exists "$cron_file"
lc_assert_file_exists "$qnap_file"
cron_jobs "$cron_file" lcbp3 >"$LC_TMP/cron.jobs"
cron_jobs "$qnap_file" >"$LC_TMP/qnap.jobs"
[ -s "$LC_TMP/cron.jobs" ] || lc_fail "cron/lcbp3 has no job lines for user lcbp3"

# job_schedule FILE COMMAND: the normalized schedule of COMMAND in FILE's jobs, if any
job_schedule() {
    local sched cmd cal
    while IFS='|' read -r sched cmd; do
        [ "$cmd" = "$2" ] || continue
        cal=$(cron_to_calendar "$sched") ||
            lc_fail "'$sched' ($cmd): not a schedule this test reads"
        normalize "$cal"
        return 0
    done <"$1"
}

for s in "${services[@]}"; do
    name=$(basename "$s")
    [ "$name" = "$alert_unit" ] && continue
    line=$(unit_value "$s" Service ExecStart)
    args=${line#* }
    [ "$args" != "$line" ] || args=
    cmd=$(canon_cmd "$(exec_path "$line")${args:+ $args}")
    if [ -n "${timer_of[$name]:-}" ]; then
        want=$(normalize "$(unit_value "$units_src/${timer_of[$name]}" Timer OnCalendar)")
    else
        # the long-running service: under cron, its one-shot form every 5 minutes
        cmd=$(sed -E 's/ --follow//' <<<"$cmd")
        want=$(normalize '*:0/5')
    fi
    [ -n "$want" ] || lc_fail "$name: its timer's OnCalendar= does not normalize"
    for jobs in "$LC_TMP/cron.jobs" "$LC_TMP/qnap.jobs"; do
        what=$([ "$jobs" = "$LC_TMP/cron.jobs" ] && echo cron/lcbp3 || echo cron/qnap-crontab)
        got=$(job_schedule "$jobs" "$cmd")
        [ -n "$got" ] || lc_fail "$what does not run '$cmd' (the job of $name)"
        lc_assert_eq "$want" "$got" "$what runs '$cmd' at another time than $name"
    done
done

lc_pass "${#units[@]} units verified, every service at exposure <= $threshold, cron in step"
