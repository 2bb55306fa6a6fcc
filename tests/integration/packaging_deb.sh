#!/usr/bin/env bash
# The Debian package: `dpkg-buildpackage -us -uc -b` builds lcbp3-ops_<version>_*.deb from
# a copy of the tree (the source tree stays clean), lintian finds no error, and the
# package installs as it should:
# - its control fields (version = the project's, Depends with adduser and the libraries)
#   and conffile /etc/lcbp3/lcbp3.conf;
# - its files, extracted with dpkg -x into a temporary root: the five programs run from
#   there (--version, the host's libraries), man pages, units, completion, docs;
# - its maintainer scripts, run for real in a private mount namespace whose /etc, /var
#   and /lib/systemd/system are overlays and /run an empty tmpfs (nothing reaches the
#   host), with a stand-in systemctl that logs what deb-systemd-invoke asks of it:
#   postinst configure creates the system user and group lcbp3 (home /var/lib/lcbp3
#   0700, no login shell), makes the config root:lcbp3 0640 through dpkg-statoverride
#   (readable by lcbp3, not by others), enables and starts no unit; on an upgrade it
#   changes nothing and restarts only the timer the admin had enabled (never a one-shot
#   service a timer starts); postrm purge drops the overrides, keeps the user and
#   /var/lib/lcbp3 (the spool may hold the only copy of a backup).
# dpkg --root= needs a whole base system in the root, so the package is not registered
# in a dpkg database here; what dpkg itself would do with the files is what dpkg -x does.
# lc-asan: no  (builds its own package; the ASan stage would only repeat it)
set -euo pipefail
. "$LC_SOURCE_DIR/tests/harness/lib.sh"

for c in dpkg-buildpackage dh lintian unshare mount python3 setpriv; do
    command -v "$c" >/dev/null ||
        lc_fail "'$c' is missing (packages debhelper, dpkg-dev, lintian; ./dev deps installs them)"
done
version=$(meson introspect "$LC_BUILD_DIR" --projectinfo |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["version"])')
progs=(lcbp3-backup lcbp3-restore lcbp3-integrity lcbp3-reservations-gc lcbp3-dr)

# ---------------------------------------------------------------------------------------
# build from a copy: the tracked and new (not ignored) files, without build directories

pkg=$LC_TMP/pkg
mkdir -p "$pkg/src"
if git -C "$LC_SOURCE_DIR" rev-parse --git-dir >/dev/null 2>&1; then
    (cd "$LC_SOURCE_DIR" && git ls-files -z -co --exclude-standard) |
        while IFS= read -r -d '' f; do
            [ -f "$LC_SOURCE_DIR/$f" ] && [ ! -L "$LC_SOURCE_DIR/$f" ] && printf '%s\0' "$f"
        done | tar -C "$LC_SOURCE_DIR" --null -T - -cf - | tar -x -C "$pkg/src"
else
    tar -C "$LC_SOURCE_DIR" --exclude='./build*' --exclude=./.sandbox --exclude=./.bench \
        --exclude=./.deps --exclude=./.git -cf - . | tar -x -C "$pkg/src"
fi
lc_log "dpkg-buildpackage in $pkg/src"
start=$SECONDS
if ! (cd "$pkg/src" && DEB_BUILD_OPTIONS="parallel=2 nocheck" \
    timeout -k 10 420 dpkg-buildpackage -us -uc -b) </dev/null >"$pkg/build.log" 2>&1; then
    tail -n 60 "$pkg/build.log" >&2
    lc_fail "dpkg-buildpackage failed (log above)"
fi
lc_log "built in $((SECONDS - start)) s"
arch=$(dpkg --print-architecture)
deb=$pkg/lcbp3-ops_${version}_$arch.deb
lc_assert_file_exists "$deb"
for junk in debian/lcbp3-ops debian/.debhelper debian/files obj-*; do
    if compgen -G "$LC_SOURCE_DIR/$junk" >/dev/null; then
        lc_fail "the build left $junk in the source tree"
    fi
done

# ---------------------------------------------------------------------------------------
# lintian: no error (warnings are listed, not fatal)

lintian --pedantic "$pkg/lcbp3-ops_${version}_$arch.changes" >"$pkg/lintian.txt" 2>&1 || true
lc_log "lintian: $(grep -c '^E:' "$pkg/lintian.txt") errors," \
    "$(grep -c '^W:' "$pkg/lintian.txt") warnings, $(grep -c '^[IP]:' "$pkg/lintian.txt") notes"
grep '^[EWIP]:' "$pkg/lintian.txt" >&2 || true
if grep -q '^E:' "$pkg/lintian.txt"; then
    lc_fail "lintian reports errors"
fi
grep -q '^[EWIPNX]: \|^running with root' "$pkg/lintian.txt" || [ ! -s "$pkg/lintian.txt" ] || {
    cat "$pkg/lintian.txt" >&2
    lc_fail "lintian did not run"
}

# ---------------------------------------------------------------------------------------
# control fields and files

field() { dpkg-deb -f "$deb" "$1"; }
lc_assert_eq lcbp3-ops "$(field Package)" "Package"
lc_assert_eq "$version" "$(field Version)" "Version (debian/changelog against meson.build)"
lc_assert_eq "$arch" "$(field Architecture)" "Architecture"
for dep in adduser libmariadb3 libhiredis libarchive13 libcurl4 libinih1 libjson-c5; do
    grep -q "\b$dep" <<<"$(field Depends)" || lc_fail "Depends lacks $dep: $(field Depends)"
done
ctl=$pkg/control
dpkg-deb -e "$deb" "$ctl"
lc_assert_eq /etc/lcbp3/lcbp3.conf "$(cat "$ctl/conffiles")" "conffiles"
# units are enabled by nothing: deb-systemd-helper enables one only if the admin had
# (was-enabled); no systemctl start or enable of its own
if grep -nE 'systemctl +(--[a-z]+ +)*(start|enable|restart)' "$ctl"/postinst; then
    lc_fail "the postinst starts or enables units with systemctl"
fi
lc_assert_eq "$(grep -c 'was-enabled' "$ctl/postinst")" \
    "$(grep -c 'deb-systemd-helper enable' "$ctl/postinst")" \
    "every 'deb-systemd-helper enable' guarded by was-enabled"

root=$pkg/root
dpkg -x "$deb" "$root"
for p in "${progs[@]}"; do
    [ -x "$root/usr/bin/$p" ] || lc_fail "/usr/bin/$p missing or not executable"
    lc_expect_exit 0 -- "$root/usr/bin/$p" --version
    lc_assert_eq "$p $version" "$(cat "$LC_OUT")" "$p --version"
    lc_assert_file_exists "$root/usr/share/man/man1/$p.1.gz"
    [ -e "$root/usr/share/bash-completion/completions/$p" ] || lc_fail "no completion for $p"
done
lc_assert_file_exists "$root/usr/share/man/man5/lcbp3.conf.5.gz"
cmp -s "$root/etc/lcbp3/lcbp3.conf" "$LC_SOURCE_DIR/conf/lcbp3.conf.example" ||
    lc_fail "/etc/lcbp3/lcbp3.conf is not conf/lcbp3.conf.example"
unitdir=$(pkg-config --variable=systemdsystemunitdir systemd)
n=0
for unit in "$LC_SOURCE_DIR"/systemd/*.service "$LC_SOURCE_DIR"/systemd/*.timer; do
    [ -f "$unit" ] || continue
    lc_assert_file_exists "$root$unitdir/$(basename "$unit")"
    n=$((n + 1))
done
[ "$n" -gt 0 ] || lc_fail "no unit in systemd/"
# the one-shot services the timers start are never (re)started by an upgrade
for u in $(grep -ho "deb-systemd-invoke .*" "$ctl"/postinst "$ctl"/prerm | grep -o "'[^']*'" |
    tr -d "'" | sort -u); do
    grep -q '^\[Install\]' "$root$unitdir/$u" ||
        lc_fail "the maintainer scripts start or stop $u, which has no [Install] section"
done
lc_assert_file_exists "$root/usr/share/doc/lcbp3-ops/copyright"
for f in "$LC_SOURCE_DIR"/docs/monitoring/*.yml; do
    [ -f "$f" ] && lc_assert_file_exists "$root/usr/share/doc/lcbp3-ops/monitoring/$(basename "$f")"
done

# ---------------------------------------------------------------------------------------
# the maintainer scripts, in a private mount namespace over overlays

ns=$pkg/ns
mkdir -p "$ns"
host_state() {
    getent passwd lcbp3 || true
    sha256sum /etc/passwd /etc/group /var/lib/dpkg/statoverride 2>/dev/null || true
    ls -la /etc/lcbp3 /var/lib/lcbp3 2>/dev/null || true
}
host_before=$(host_state)
cat >"$ns/run.sh" <<'EOF'
#!/bin/bash
# inside the namespace: overlay /etc, /var and the unit directory, hide /run/systemd,
# put the package's files where dpkg would, then run the steps given as arguments
set -euo pipefail
ns=$1 root=$2 ctl=$3 unitdir=$4
shift 4
overlay() { # DIR NAME
    mkdir -p "$ns/$2.upper" "$ns/$2.work"
    mount -t overlay "lcbp3-test-$2" \
        -o "lowerdir=$1,upperdir=$ns/$2.upper,workdir=$ns/$2.work" "$1"
}
overlay /etc etc
overlay /var var
overlay "$(readlink -f "$unitdir")" units
# a private /run that says systemd runs, and a systemctl that logs what it is asked and
# answers is-enabled / is-active from the links in /etc/systemd/system and $ns/active
mount -t tmpfs lcbp3-test-run /run
mkdir -p /run/systemd/system
export PATH=$ns/bin:$PATH LC_FAKE_UNITDIR=$unitdir LC_FAKE_NS=$ns
# a host's policy-rc.d (containers have one saying "never start") would hide what the
# scripts ask for: here it allows everything
if [ -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 0\n' >/run/policy-rc.d && chmod 755 /run/policy-rc.d
    mount --bind /run/policy-rc.d /usr/sbin/policy-rc.d
fi
# unpack as dpkg does: the files, then the recorded overrides applied to them
cp -a "$root/etc/lcbp3" /etc/
cp -a "$root$unitdir"/. "$unitdir"/
{ dpkg-statoverride --list "/etc/lcbp3*" || true; } | while read -r owner group mode path; do
    chown "$owner:$group" "$path" && chmod "$mode" "$path"
done
export DPKG_MAINTSCRIPT_PACKAGE=lcbp3-ops DPKG_MAINTSCRIPT_ARCH=any DPKG_ROOT=
for step in "$@"; do
    eval "$step"
done
EOF
mkdir -p "$ns/bin" "$ns/active"
cat >"$ns/bin/systemctl" <<'EOF'
#!/bin/sh
# a stand-in for systemctl in the test's namespace (see run.sh)
echo "systemctl $*" >>"$LC_FAKE_NS/systemctl.log"
verb=
for a in "$@"; do
    case $a in -*) ;; *) [ -n "$verb" ] || verb=$a ;; esac
    unit=$a
done
case $verb in
is-enabled)
    if ls /etc/systemd/system/*.wants/"$unit" >/dev/null 2>&1; then echo enabled; exit 0; fi
    if grep -q '^\[Install\]' "$LC_FAKE_UNITDIR/$unit" 2>/dev/null; then echo disabled
    else echo static; fi
    exit 1
    ;;
is-active) [ -e "$LC_FAKE_NS/active/$unit" ] ;;
*) exit 0 ;;
esac
EOF
chmod +x "$ns/bin/systemctl"
# the units that deb-systemd-invoke started or restarted, one per line
started() {
    sed -n 's/^systemctl .*--system \(start\|restart\|try-restart\) //p' "$ns/systemctl.log" |
        tr ' ' '\n' | sort
}
in_ns() { # STEP...: run the steps in one fresh namespace (the overlays keep their state)
    lc_expect_exit 0 -- unshare --mount --propagation private \
        bash "$ns/run.sh" "$ns" "$root" "$ctl" "$unitdir" "$@"
}
report='
    getent passwd lcbp3; getent group lcbp3
    stat -c "%n %U:%G %a" /var/lib/lcbp3 /etc/lcbp3 /etc/lcbp3/lcbp3.conf
    dpkg-statoverride --list "/etc/lcbp3*" || true
    find /etc/systemd -name "lcbp3*" -printf "enabled: %p\n"
    if setpriv --reuid=lcbp3 --regid=lcbp3 --init-groups head -c0 /etc/lcbp3/lcbp3.conf
        then echo "lcbp3 reads the config"; fi
    if setpriv --reuid=nobody --regid=nogroup --clear-groups head -c0 \
        /etc/lcbp3/lcbp3.conf 2>/dev/null; then echo "nobody reads the config"; fi'

check_installed() { # WHAT
    lc_assert_file_contains "$LC_OUT" \
        '^lcbp3:x:[0-9]+:[0-9]+:[^:]*:/var/lib/lcbp3:/usr/sbin/nologin$'
    lc_assert_file_contains "$LC_OUT" '^lcbp3:x:[0-9]+:$'
    uid=$(awk -F: '$1 == "lcbp3" && NF == 7 { print $3 }' "$LC_OUT")
    [ "$uid" -lt 1000 ] || lc_fail "$1: lcbp3 is not a system user (uid $uid)"
    lc_assert_file_contains "$LC_OUT" '^/var/lib/lcbp3 lcbp3:lcbp3 700$'
    lc_assert_file_contains "$LC_OUT" '^/etc/lcbp3 root:lcbp3 750$'
    lc_assert_file_contains "$LC_OUT" '^/etc/lcbp3/lcbp3.conf root:lcbp3 640$'
    lc_assert_file_contains "$LC_OUT" '^root lcbp3 640 /etc/lcbp3/lcbp3.conf$'
    lc_assert_file_contains "$LC_OUT" '^lcbp3 reads the config$'
    lc_assert_file_not_contains "$LC_OUT" 'nobody reads the config'
    # no unit enabled but the one the admin enabled ($2)
    if grep '^enabled: ' "$LC_OUT" | grep -v "/${2:-no unit}\$" | grep .; then
        lc_fail "$1: units enabled"
    fi
    [ "$(grep -c '^lcbp3:' "$LC_OUT")" = 2 ] ||
        lc_fail "$1: lcbp3 is not exactly one user and one group"
}

# the steps are expanded inside the namespace's script (its $ctl)
# shellcheck disable=SC2016
lc_log "postinst configure (first install)"
in_ns 'bash -e "$ctl/postinst" configure ""' "$report"
check_installed "first install"
# the systemd part ran, and deb-systemd-invoke asked which units are enabled
lc_assert_file_contains "$ns/systemctl.log" 'daemon-reload'
lc_assert_file_contains "$ns/systemctl.log" 'is-enabled'
lc_assert_eq "" "$(started)" "units started by a first install"

# the admin enables one timer (and it runs); an upgrade restarts that one and no other
timer=$(basename "$(ls "$root$unitdir"/*.timer | head -n 1)")
lc_log "postinst configure $version (upgrade, $timer enabled: restarted, nothing else)"
: >"$ns/systemctl.log"
touch "$ns/active/$timer"
mkdir -p "$ns/etc.upper/systemd/system/timers.target.wants"
ln -sf "$unitdir/$timer" "$ns/etc.upper/systemd/system/timers.target.wants/$timer"
in_ns 'bash -e "$ctl/postinst" configure "'"$version"'"' "$report"
check_installed "upgrade" "$timer"
lc_assert_eq "$timer" "$(started)" "units restarted by an upgrade"
lc_log "postrm purge"
in_ns 'bash -e "$ctl/postrm" purge' \
    'dpkg-statoverride --list "/etc/lcbp3*" | sed "s/^/override: /" || true' "$report"
lc_assert_file_not_contains "$LC_OUT" '^override: '
lc_assert_file_contains "$LC_OUT" '^lcbp3:x:.*:/var/lib/lcbp3:'
lc_assert_file_contains "$LC_OUT" '^/var/lib/lcbp3 lcbp3:lcbp3 700$'
# nothing of this reached the host
lc_assert_eq "$host_before" "$(host_state)" "the host's users, overrides and /etc/lcbp3"
lc_pass
