#!/usr/bin/env bash
# make demo: runs examples/csv-to-jsonl through singer-run twice in a scratch copy and
# shows what was loaded, the saved state, and the run log.
set -euo pipefail
bin=$(cd "${1:?usage: demo.sh BIN_DIR}" && pwd)
src=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/singer-demo.XXXXXX")
cp -R "$src/csv-to-jsonl/." "$work/"
cd "$work"
export PATH="$bin:$PATH"

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "discover: tap-csv --config tap.json --discover (streams found)"
tap-csv --config tap.json --discover | grep '"tap_stream_id"'

say "run 1: singer-run pipeline.json"
singer-run pipeline.json

say "loaded: output/*.jsonl"
for f in output/*.jsonl; do printf -- '-- %s (%s records)\n' "$f" "$(wc -l < "$f")"; cat "$f"; done

say "saved state: state.json"
cat state.json; echo

say "run 2: same command, resumes from the bookmark"
singer-run pipeline.json
printf -- '-- output/users.jsonl now has %s records (the bookmarked row is re-sent: Singer bookmarks are inclusive)\n' \
  "$(wc -l < output/users.jsonl)"

say "run log: runs.jsonl"
cat runs.jsonl

say "done; the files are in $work"
