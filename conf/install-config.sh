#!/bin/sh
# meson install script: install-config.sh SRC DEST MODE
# Installs SRC as DEST (an absolute path, under $DESTDIR when set) with MODE, unless DEST
# already exists: a reinstall or an upgrade never overwrites the operator's config.
set -eu
src=$1
dest=${DESTDIR:-}$2
mode=$3

if [ -e "$dest" ] || [ -L "$dest" ]; then
    echo "Keeping existing $dest (the new example is in the doc directory's examples/)"
    exit 0
fi
if [ -n "${MESON_INSTALL_DRY_RUN:-}" ]; then
    echo "Would install $src to $dest"
    exit 0
fi
[ -n "${MESON_INSTALL_QUIET:-}" ] || echo "Installing $src to $dest"
mkdir -p "$(dirname "$dest")"
# a temporary name, then rename: an interrupted install leaves no half config behind
cp "$src" "$dest.tmp.$$"
chmod "$mode" "$dest.tmp.$$"
mv "$dest.tmp.$$" "$dest"
