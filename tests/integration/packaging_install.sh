#!/usr/bin/env bash
# `meson install` lays out a working installation and never overwrites a config.
# 1. The test's own build is installed with --destdir into a temporary root (no rebuild,
#    whatever its prefix): the five programs are executable there and print the
#    project's version; the config is SYSCONFDIR/lcbp3/lcbp3.conf (0644); every man page,
#    unit, the sysusers.d file, the bash completion (one name per program) and the docs
#    and examples are in place; every unit's ExecStart= names an installed program.
# 2. The config is edited and the install repeated: the edit survives.
# 3. The bash completion completes commands, options (from --help), --kind values and
#    the [target.NAME] names of the config given with --config.
# 4. Configure-only checks (no compile, `meson introspect --installed`): --prefix=/usr
#    puts units in systemd.pc's directory, -Dsystemdunitdir overrides it, and without
#    systemd.pc and bash-completion.pc the build still configures, with fallbacks.
# lc-asan: no  (the same install under ASan proves nothing more)
set -euo pipefail
. "$LC_SOURCE_DIR/tests/harness/lib.sh"

command -v python3 >/dev/null || lc_fail "python3 is missing (meson needs it)"
root=$LC_TMP/root
progs=(lcbp3-backup lcbp3-restore lcbp3-integrity lcbp3-reservations-gc lcbp3-dr)

# the installation directories of a build dir, absolute: NAME=VALUE lines
build_dirs() { # BUILD_DIR
    meson introspect "$1" --buildoptions | python3 -c '
import json, os, sys
o = {x["name"]: x["value"] for x in json.load(sys.stdin)}
p = o["prefix"]
for k in ("bindir", "sysconfdir", "mandir", "datadir"):
    print("%s=%s" % (k, os.path.join(p, o[k])))
print("prefix=" + p)'
}
prefix='' bindir='' sysconfdir='' mandir='' datadir=''
eval "$(build_dirs "$LC_BUILD_DIR")"
version=$(meson introspect "$LC_BUILD_DIR" --projectinfo |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["version"])')
lc_log "build $LC_BUILD_DIR: prefix $prefix, sysconfdir $sysconfdir, version $version"

# ---------------------------------------------------------------------------------------
# 1. install into a temporary root

lc_expect_exit 0 -- meson install -C "$LC_BUILD_DIR" --destdir "$root" --no-rebuild

for p in "${progs[@]}"; do
    [ -x "$root$bindir/$p" ] || lc_fail "not installed or not executable: $bindir/$p"
    lc_expect_exit 0 -- "$root$bindir/$p" --version
    lc_assert_eq "$p $version" "$(cat "$LC_OUT")" "$p --version"
    lc_assert_file_exists "$root$mandir/man1/$p.1"
done
lc_assert_file_exists "$root$mandir/man5/lcbp3.conf.5"
for page in "$LC_SOURCE_DIR"/docs/*.[1-8]; do
    lc_assert_file_exists "$root$mandir/man${page##*.}/$(basename "$page")"
done

conf=$root$sysconfdir/lcbp3/lcbp3.conf
lc_assert_file_exists "$conf"
cmp -s "$conf" "$LC_SOURCE_DIR/conf/lcbp3.conf.example" || lc_fail "$conf is not the example"
mode=$(stat -c %a "$conf")
case $mode in 644 | 640) ;; *) lc_fail "$conf has mode $mode, expected 0644 or 0640" ;; esac

docdir=$root$datadir/doc/lcbp3-ops
lc_assert_file_exists "$docdir/README.md"
for f in "$LC_SOURCE_DIR"/docs/*.md "$LC_SOURCE_DIR"/docs/runbooks/*.md; do
    lc_assert_file_exists "$docdir/${f#"$LC_SOURCE_DIR/docs/"}"
done
for f in "$LC_SOURCE_DIR"/docs/monitoring/*; do
    [ -f "$f" ] && lc_assert_file_exists "$docdir/monitoring/$(basename "$f")"
done
for f in "$LC_SOURCE_DIR"/conf/*.example; do
    lc_assert_file_exists "$docdir/examples/$(basename "$f")"
done
for f in "$LC_SOURCE_DIR"/cron/*; do
    [ -f "$f" ] && lc_assert_file_exists "$docdir/examples/cron/$(basename "$f")"
done

# units: where the build says, each ExecStart= pointing at an installed program
unitdir=$(meson introspect "$LC_BUILD_DIR" --installed | python3 -c '
import json, os, sys
for dst in json.load(sys.stdin).values():
    if dst.endswith(".timer") or dst.endswith(".service"):
        print(os.path.dirname(dst)); break')
n=0
for unit in "$LC_SOURCE_DIR"/systemd/*.service "$LC_SOURCE_DIR"/systemd/*.timer; do
    [ -f "$unit" ] || continue
    [ -n "$unitdir" ] || lc_fail "meson introspect --installed lists no unit"
    installed=$root$unitdir/$(basename "$unit")
    lc_assert_file_exists "$installed"
    while read -r exe; do
        exe=${exe#[-@:+!]}
        case $exe in
        "$bindir"/lcbp3-*) [ -x "$root$exe" ] || lc_fail "$installed runs $exe, not installed" ;;
        */lcbp3-*) lc_fail "$installed runs $exe, outside bindir $bindir" ;;
        esac
    done < <(sed -n 's/^Exec[A-Za-z]*=[[:space:]]*\([^[:space:]]*\).*/\1/p' "$installed")
    n=$((n + 1))
done
[ "$n" -gt 0 ] || lc_fail "no unit in systemd/"
if [ -f "$LC_SOURCE_DIR/systemd/lcbp3-ops.sysusers.conf" ]; then
    find "$root" -path '*/sysusers.d/lcbp3-ops.conf' | grep -q . ||
        lc_fail "sysusers.d/lcbp3-ops.conf not installed"
fi

compdir=$(dirname "$(find "$root" -path '*/bash-completion/completions/lcbp3-backup')")
[ "$compdir" != . ] || lc_fail "no bash completion installed"
for p in "${progs[@]}"; do
    [ -f "$compdir/$p" ] || lc_fail "no bash completion for $p in $compdir"
done

# ---------------------------------------------------------------------------------------
# 2. an install over an edited config keeps it

printf '\n# edited by the operator\n' >>"$conf"
chmod 640 "$conf"
before=$(sha256sum <"$conf")
lc_expect_exit 0 -- meson install -C "$LC_BUILD_DIR" --destdir "$root" --no-rebuild
lc_assert_eq "$before" "$(sha256sum <"$conf")" "the edited config after a second install"
lc_assert_eq 640 "$(stat -c %a "$conf")" "the edited config's mode after a second install"

# ---------------------------------------------------------------------------------------
# 3. bash completion, with and without the bash-completion package loaded

cat >"$LC_TMP/comp.conf" <<'EOF'
[target.asustor]
url = file:///tmp/a
[target.offsite]
url = s3://b/p
EOF
# complete BASH_COMPLETION_OR_EMPTY WORDS...: the completions of the last word, sorted
complete_words() {
    local framework=$1
    shift
    PATH="$root$bindir:$PATH" bash --norc --noprofile -c '
        framework=$1 compfile=$2
        shift 2
        if [ -n "$framework" ]; then . "$framework"; fi
        . "$compfile"
        COMP_WORDS=("$@")
        COMP_CWORD=$(($# - 1))
        COMP_LINE="$*"
        COMP_POINT=${#COMP_LINE}
        _lcbp3 "$1" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
        printf "%s\n" "${COMPREPLY[@]}" | sort' _ "$framework" "$compdir/lcbp3-backup" "$@"
}
words() { tr '\n' ' ' <<<"$1" | sed 's/ $//'; } # one line, for comparing
frameworks=("")
bc=/usr/share/bash-completion/bash_completion
[ -f "$bc" ] && frameworks+=("$bc")
for fw in "${frameworks[@]}"; do
    lc_log "completion with framework '${fw:-none}'"
    got=$(complete_words "$fw" lcbp3-backup '')
    lc_assert_eq "archive-audit binlog list prune run ship verify" "$(words "$got")" "commands"
    got=$(complete_words "$fw" lcbp3-integrity b)
    lc_assert_eq "backups" "$got" "lcbp3-integrity b<TAB>"
    got=$(complete_words "$fw" lcbp3-backup --check-c)
    lc_assert_eq "--check-config" "$got" "lcbp3-backup --check-c<TAB>"
    got=$(complete_words "$fw" lcbp3-reservations-gc --dry)
    lc_assert_eq "--dry-run" "$got" "lcbp3-reservations-gc --dry<TAB> (from --help)"
    got=$(complete_words "$fw" lcbp3-backup run --kind '')
    lc_assert_eq "daily manual monthly weekly" "$(words "$got")" "--kind values"
    got=$(complete_words "$fw" lcbp3-backup --config "$LC_TMP/comp.conf" list --target '')
    lc_assert_eq "asustor offsite" "$(words "$got")" "--target names from --config"
    got=$(LCBP3_CONFIG=$LC_TMP/comp.conf complete_words "$fw" lcbp3-integrity backups \
        --target o)
    lc_assert_eq "offsite" "$got" "--target names from \$LCBP3_CONFIG"
    got=$(complete_words "$fw" lcbp3-dr runbook lock)
    lc_assert_eq "lock-wait" "$got" "lcbp3-dr runbook lock<TAB>"
    got=$(cd "$LC_TMP" && complete_words "$fw" lcbp3-restore db lat)
    lc_assert_eq "latest" "$got" "lcbp3-restore db lat<TAB>"
done
# every command the completion offers is one the program's --help names
for p in lcbp3-backup lcbp3-restore lcbp3-integrity lcbp3-dr; do
    "$root$bindir/$p" --help >"$LC_TMP/help.txt"
    for c in $(complete_words "" "$p" ''); do
        grep -qE "^  ([a-z-]+ .*, )?$c( |,|$)" "$LC_TMP/help.txt" ||
            lc_fail "the completion offers '$p $c', which '$p --help' does not list"
    done
done

# ---------------------------------------------------------------------------------------
# 4. configure-only: the /usr layout, the override and the fallbacks without .pc files

installed_of() { # BUILD_DIR NAME: installed paths ending in /NAME (NAME may hold a /)
    meson introspect "$1" --installed | python3 -c '
import json, sys
for dst in json.load(sys.stdin).values():
    if dst.endswith("/" + sys.argv[1]):
        print(dst)' "$2"
}
setup_only() { # DIR OPTIONS...
    local dir=$1
    shift
    lc_expect_exit 0 -- meson setup "$dir" "$LC_SOURCE_DIR" -Dtests=false "$@"
}
unit=$(basename "$(ls "$LC_SOURCE_DIR"/systemd/*.timer | head -n 1)")

setup_only "$LC_TMP/b-usr" --prefix=/usr --sysconfdir=/etc
want=$(pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null ||
    echo /usr/lib/systemd/system)
lc_assert_eq "$want/$unit" "$(installed_of "$LC_TMP/b-usr" "$unit")" "unit dir for --prefix=/usr"
lc_assert_eq /usr/bin/lcbp3-backup "$(installed_of "$LC_TMP/b-usr" bin/lcbp3-backup)" "bindir"
lc_assert_eq /usr/share/man/man5/lcbp3.conf.5 "$(installed_of "$LC_TMP/b-usr" lcbp3.conf.5)" \
    "mandir"
meson introspect "$LC_TMP/b-usr" --installed |
    grep -q '"/usr/share/bash-completion/completions/lcbp3-backup"' ||
    lc_fail "no completion at /usr/share/bash-completion/completions/lcbp3-backup"

setup_only "$LC_TMP/b-opt" --prefix=/opt/lcbp3 -Dsystemdunitdir=/etc/systemd/system
lc_assert_eq "/etc/systemd/system/$unit" "$(installed_of "$LC_TMP/b-opt" "$unit")" \
    "-Dsystemdunitdir"

# a pkg-config search path without systemd.pc and bash-completion.pc
pcdir=$LC_TMP/pc
mkdir -p "$pcdir"
for d in $(pkg-config --variable pc_path pkg-config | tr : ' '); do
    for pc in "$d"/*.pc; do
        case $(basename "$pc") in systemd.pc | bash-completion.pc) continue ;; esac
        [ -e "$pc" ] && [ ! -e "$pcdir/$(basename "$pc")" ] && ln -s "$pc" "$pcdir/"
    done
done
PKG_CONFIG_LIBDIR=$pcdir setup_only "$LC_TMP/b-nopc" --prefix=/usr
lc_assert_eq "/usr/lib/systemd/system/$unit" "$(installed_of "$LC_TMP/b-nopc" "$unit")" \
    "unit dir without systemd.pc"
meson introspect "$LC_TMP/b-nopc" --installed |
    grep -q '"/usr/share/bash-completion/completions/lcbp3-backup"' ||
    lc_fail "completion dir without bash-completion.pc"
lc_pass
