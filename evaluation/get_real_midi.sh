#!/usr/bin/env bash
# Unpack the Debian packages whose MIDI music the evaluation uses into evaluation/real/
# (nothing is installed system-wide; `apt-get download` needs no root). The files are GPL
# (see README.md) and are not kept in the repository; make_set.py also finds them when the
# packages are installed. Needs apt (Debian/Ubuntu); elsewhere the real songs are skipped.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dest="$here/real"
command -v apt-get >/dev/null 2>&1 || { echo "no apt-get: real songs skipped"; exit 0; }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
apt-get download openttd-openmsx planetblupi-music-midi >/dev/null 2>&1 || {
  apt-get update -qq >/dev/null 2>&1 || true
  apt-get download openttd-openmsx planetblupi-music-midi >/dev/null 2>&1 || {
    echo "could not download the packages: real songs skipped"; exit 0; }
}
mkdir -p "$dest"
for deb in ./*.deb; do dpkg-deb -x "$deb" "$dest"; done
ls "$dest"/usr/share/doc/*/copyright >/dev/null
echo "unpacked $(find "$dest" -name '*.mid' | wc -l) MIDI files into $dest"
