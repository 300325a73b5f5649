#!/usr/bin/env bash
# make demo: runs examples/csv-to-sqlite through singer-run in a scratch copy, shows the
# tables with the sqlite3 shell, then loads a changed copy of the CSV files and shows that
# upsert kept one row per key.
set -euo pipefail
bin=$(cd "${1:?usage: demo.sh BIN_DIR}" && pwd)
src=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/singer-demo.XXXXXX")
cp -R "$src/csv-to-sqlite/." "$work/"
cd "$work"
export PATH="$bin:$PATH"

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
query() { sqlite3 -header -column warehouse.db "$1"; }
# singer-run, without the METRIC lines the tap and target log (all of it on failure).
run() {
  local log
  log=$(singer-run pipeline.json 2>&1) || { printf '%s\n' "$log" >&2; return 1; }
  printf '%s\n' "$log" | grep -v ' METRIC: ' || true
}

say "run 1: singer-run pipeline.json  (tap-csv -> target-sqlite, upsert into warehouse.db)"
run

say "sqlite3 warehouse.db 'select * from users; select * from orders'"
query 'select * from users'
echo
query 'select * from orders'

say "saved state: state.json"
printf '%s\n' "$(cat state.json)"

say "new data: cp updates/*.csv data/  (user 2's email changed, user 4 and order 1004 added, order 1002 paid)"
cp updates/*.csv data/

say "run 2: same command; users from the bookmark on (inclusive), orders whole again"
run

say "upsert kept one row per key"
query 'select * from users'
echo
query 'select * from orders'
echo
query "select 'users' as \"table\", count(*) as \"rows\", count(distinct id) as keys from users
       union all select 'orders', count(*), count(distinct order_id) from orders"

say "done; the files are in $work"
