#!/usr/bin/env bash
# The same data-refresh step for any CI: restore the state from STATE_STORE (a
# directory your CI persists: a cache, a mounted volume), run, and save it back even
# when the run failed. Usage: refresh.sh STATE_STORE [singer-run options...]
set -uo pipefail
store=${1:?usage: refresh.sh STATE_STORE [singer-run options...]}
shift
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Restore: no state yet means a first, full run.
[ -f "$store/orders.json" ] && cp "$store/orders.json" "$work/orders.json"

singer-run --state "$work/orders.json" --log-runs "$work/runs.jsonl" "$@" \
  "$here/../cron/orders.json"
status=$?

# Save whatever the target committed, success or not; never save a missing state.
mkdir -p "$store"
[ -f "$work/orders.json" ] && cp "$work/orders.json" "$store/orders.json.new" &&
  mv "$store/orders.json.new" "$store/orders.json"
[ -f "$work/runs.jsonl" ] && cat "$work/runs.jsonl" >>"$store/runs.jsonl"
exit "$status"
