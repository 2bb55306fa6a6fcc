#!/usr/bin/env bash
# The man pages say what the programs do: for each program every long option of --help is
# in its page's OPTIONS and every option there is in --help; every command word of --help
# is in the page's SYNOPSIS and the other way round; every config key that --check-config
# prints is an entry of lcbp3.conf(5) and every entry there is a key; each page has the
# sections an operator looks for; and each page renders without a warning (groff -ww, and
# mandoc -Tlint when it is installed) from plain ASCII. No servers.
# lc-valgrind: yes
set -euo pipefail
. "$LC_SOURCE_DIR/tests/harness/lib.sh"

docs="$LC_SOURCE_DIR/docs"
tools=(backup restore integrity reservations-gc dr)
problems=0
problem() {
    printf 'docs_manpages: %s\n' "$*" >&2
    problems=$((problems + 1))
}

# man_section PAGE NAME...: the roff lines of the named .SH sections
man_section() {
    local page=$1
    shift
    awk -v names="$*" '
        BEGIN { n = split(names, a, " "); for (i = 1; i <= n; i++) want[a[i]] = 1 }
        /^\.SH / { s = substr($0, 5); gsub(/"/, "", s); on = (s in want); next }
        on' "$page"
}

# roff_options: the long options named in roff text on stdin (\- unescaped)
roff_options() {
    sed 's/\\-/-/g; s/\\f[BIRP]//g' | grep -oE -- '--[a-z][a-z0-9-]*' | LC_ALL=C sort -u
}

# compare WHAT LEFT-NAME LEFT RIGHT-NAME RIGHT: every line of LEFT is in RIGHT
compare() {
    local what=$1 ln=$2 left=$3 rn=$4 right=$5 x
    while IFS= read -r x; do
        [ -n "$x" ] || continue
        grep -qxF -- "$x" <<<"$right" || problem "$what '$x' is in $ln but not in $rn"
    done <<<"$left"
}

for t in "${tools[@]}"; do
    page="$docs/lcbp3-$t.1"
    [ -f "$page" ] || { problem "no man page $page"; continue; }
    lc_expect_exit 0 -- lc_tool "$t" --help
    help=$(cat "$LC_OUT")

    # options: --help both ways with SYNOPSIS + OPTIONS
    help_opts=$(roff_options <<<"$help")
    man_opts=$(man_section "$page" OPTIONS | roff_options)
    compare "lcbp3-$t: option" "--help" "$help_opts" "lcbp3-$t.1 OPTIONS" "$man_opts"
    compare "lcbp3-$t: option" "lcbp3-$t.1 OPTIONS" "$man_opts" "--help" "$help_opts"

    # command words: the Commands: block of --help, the .B words of SYNOPSIS
    help_cmds=$(awk '/^Commands:/ { on = 1; next } on && /^$/ { on = 0 } on && /^  [a-z]/' \
        <<<"$help" | sed 's/^  //; s/\], /]\n/g' | sed -E 's/^ *//; s/[ \[].*//' |
        grep -E '^[a-z][a-z-]*$' | LC_ALL=C sort -u || true)
    man_cmds=$(man_section "$page" SYNOPSIS | sed -n 's/^\.B \([a-z][a-z\\-]*\)$/\1/p' |
        sed 's/\\-/-/g' | grep -vx "lcbp3-$t" | LC_ALL=C sort -u || true)
    compare "lcbp3-$t: command" "--help" "$help_cmds" "lcbp3-$t.1 SYNOPSIS" "$man_cmds"
    compare "lcbp3-$t: command" "lcbp3-$t.1 SYNOPSIS" "$man_cmds" "--help" "$help_cmds"
done

# config keys: what --check-config prints (with one target, so that its keys show)
conf="$LC_TMP/keys.conf"
printf '[backup]\nspool_dir = %s/spool\nlock_dir = %s/lock\n[target.nas]\nurl = file://%s/nas\n' \
    "$LC_TMP" "$LC_TMP" "$LC_TMP" >"$conf"
lc_expect_exit 0 -- lc_tool backup --config "$conf" --check-config
printed=$(awk '/^\[/ { s = $0; sub(/^\[target\.[^]]*\]/, "[target.NAME]", s); next }
               /^[a-z0-9_]+ = / { print s " " $1 }' "$LC_OUT" | LC_ALL=C sort -u)
[ -n "$printed" ] || problem "--check-config printed no keys"
documented=$(awk '/^\.SH / { s = substr($0, 5); gsub(/"/, "", s); next }
                  /^\.TP/ { tp = 1; next }
                  tp && s ~ /^\[/ && match($0, /^\.BR? [a-z0-9_]+/) {
                      k = substr($0, RSTART, RLENGTH); sub(/^\.BR? /, "", k); print s " " k }
                  { tp = 0 }' "$docs/lcbp3.conf.5" | LC_ALL=C sort -u)
compare "config key" "--check-config" "$printed" "lcbp3.conf.5" "$documented"
compare "config key" "lcbp3.conf.5" "$documented" "--check-config" "$printed"

# sections, and rendering without warnings
for page in "$docs"/lcbp3-*.1 "$docs/lcbp3.conf.5"; do
    name=$(basename "$page")
    case $name in
    *.1) want=(NAME SYNOPSIS DESCRIPTION OPTIONS "EXIT STATUS" FILES EXAMPLES) ;;
    *) want=(NAME DESCRIPTION FILES EXAMPLES) ;;
    esac
    for s in "${want[@]}"; do
        grep -qxE "\.SH \"?$s\"?" "$page" || problem "$name has no $s section"
    done
    out=$(LC_ALL=C.UTF-8 groff -man -Tutf8 -ww -z "$page" 2>&1) || problem "$name: groff failed"
    [ -z "$out" ] || problem "$name: groff warns: $out"
    if command -v mandoc >/dev/null; then
        out=$(mandoc -Tlint -W warning "$page" 2>&1) || true
        [ -z "$out" ] || problem "$name: mandoc warns: $out"
    fi
    out=$(LC_ALL=C grep -nP '[^\x00-\x7f]' "$page" || true)
    [ -z "$out" ] || problem "$name: non-ASCII input (write \\(em, \\[u0E01] ...): $out"
done

[ "$problems" -eq 0 ] || lc_fail "$problems problem(s) between the man pages and the programs"
lc_pass
