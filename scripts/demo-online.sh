#!/usr/bin/env bash
# The main job end to end, with no network and no real key: start the local stand-in of the
# API (python -m midi_export.testing), fetch a task from it with fetch-mid, stop it.
set -euo pipefail
bin=${1:-.venv/bin}
out=${2:-demo-out}
mkdir -p "$out"
url_file=$(mktemp)
"$bin/python" -m midi_export.testing --record fixtures/demo-song.json --task-id demo-song \
    --api-key demo-key --pending-polls 2 >"$url_file" &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -f "$url_file"' EXIT
for _ in $(seq 50); do [ -s "$url_file" ] && break; sleep 0.1; done
url=$(head -n 1 "$url_file")
echo "\$ fetch-mid demo-song --base-url $url --poll-interval 1 --bpm auto -o $out/online/ --save-json $out/online/ --force"
APIKLEY_API_KEY=demo-key "$bin/fetch-mid" demo-song --base-url "$url" --poll-interval 1 --bpm auto \
    -o "$out/online/" --save-json "$out/online/" --force
echo "\$ fetch-mid demo-song --base-url $url --api-key wrong-key -o -   # a bad key: exit 3"
"$bin/fetch-mid" demo-song --base-url "$url" --api-key wrong-key -o - >/dev/null && exit 1 || code=$?
echo "(exit code $code)"
[ "$code" -eq 3 ]
