#!/usr/bin/env bash
# Unpack the Debian packages whose music the evaluation uses into evaluation/real/ (nothing is
# installed system-wide; `apt-get download` needs no root): openttd-openmsx and
# planetblupi-music-midi (real General MIDI songs, GPL), freedoom (its WADs hold MIDI music,
# BSD-3-Clause) and mma (Musical MIDI Accompaniment, GPL-2: its groove library makes the
# 3/4, 6/8 and 12/8 songs). The files are not kept in the repository (see README.md);
# make_set.py also finds the first two when the packages are installed. Needs apt
# (Debian/Ubuntu); elsewhere those songs are skipped.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dest="$here/real"
packages=(openttd-openmsx planetblupi-music-midi freedoom mma)
command -v apt-get >/dev/null 2>&1 || { echo "no apt-get: real songs skipped"; exit 0; }
missing=()
for p in "${packages[@]}"; do
  ls "$dest"/usr/share/doc/"$p"/copyright >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "already unpacked in $dest: ${packages[*]}"; exit 0
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
apt-get download "${missing[@]}" >/dev/null 2>&1 || {
  apt-get update -qq >/dev/null 2>&1 || true
  apt-get download "${missing[@]}" >/dev/null 2>&1 || {
    echo "could not download ${missing[*]}: those songs are skipped"; exit 0; }
}
mkdir -p "$dest"
for deb in ./*.deb; do dpkg-deb -x "$deb" "$dest"; done
echo "unpacked ${missing[*]} into $dest ($(find "$dest" -name '*.mid' | wc -l) MIDI files)"
