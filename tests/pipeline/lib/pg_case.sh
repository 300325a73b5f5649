# Helpers for target-postgres's cases: a throwaway server (pg_server.sh), a fresh database
# per run_target, and checks of the tables with psql. Sourced by
# tests/pipeline/target-postgres/*/cmd.
. "$SRC/tests/pipeline/lib/pg_server.sh"
pg_server_start || exit 1

corpus="$SHARED/conformance/meltano-target-streams"
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# use_database NAME: a new empty database, used by run_target and q from now on.
use_database() {
  psql -q -d postgres -c "CREATE DATABASE \"$1\"" >/dev/null || fail "cannot create database $1"
  export PGDATABASE=$1
}

# run_target FILE [extra config json members] -> $exit_code; .out, .err. No connection keys
# in the config: libpq's environment from pg_server.sh is enough.
run_target() {
  input=$1
  printf '{"validate_records": true%s}\n' "${2:-}" > target.json
  target-postgres --config target.json < "$input" > .out 2> .err
  exit_code=$?
}

expect_exit() { [ "$exit_code" = "$1" ] || fail "exit code $exit_code, expected $1: $(grep -m1 error .err)"; }

expect_last_state() {
  got=$(tail -n 1 .out | tr -d ' ')
  want=$(printf '%s' "$1" | tr -d ' ')
  [ "$got" = "$want" ] || fail "last state '$got', expected '$want'"
}

expect_no_state() { [ ! -s .out ] || fail "expected no state, got: $(head -c 200 .out)"; }

# q SQL: psql's answer, unaligned ('|' between columns), no headers.
q() { psql -X -q -At -v ON_ERROR_STOP=1 -c "$1" 2>&1; }

# expect_sql SQL WANT: the answer, lines joined by ';'.
expect_sql() {
  got=$(q "$1" | paste -sd ';' -)
  [ "$got" = "$2" ] || fail "'$1' gave '$got', expected '$2'"
}

# expect_rows TABLE N (TABLE as SQL: quote it yourself when needed)
expect_rows() { expect_sql "select count(*) from $1" "$2"; }

# expect_columns SCHEMA.TABLE "a b c": the columns other than _sdc_*, sorted (LC_ALL=C).
expect_columns() {
  got=$(q "select attname from pg_attribute where attrelid = '$1'::regclass and attnum > 0 and not attisdropped and attname not like '\\_sdc\\_%' order by attname collate \"C\"" | paste -sd ' ' -)
  want=$(printf '%s\n' $2 | LC_ALL=C sort | paste -sd ' ' -)
  [ "$got" = "$want" ] || fail "table '$1' has columns '$got', expected '$want'"
}

# expect_type SCHEMA.TABLE COLUMN TYPE (format_type's words)
expect_type() {
  expect_sql "select format_type(atttypid, atttypmod) from pg_attribute where attrelid = '$1'::regclass and attname = '$2'" "$3"
}

# No table in the public schema holds a row.
expect_nothing_loaded() {
  for t in $(q "select quote_ident(schemaname) || '.' || quote_ident(tablename) from pg_tables where schemaname not in ('pg_catalog', 'information_schema')"); do
    n=$(q "select count(*) from $t")
    [ "$n" = 0 ] || fail "table $t has $n rows after a rejected stream"
  done
}

expect_error() { grep -qxF -- "$1" .err || fail "stderr lacks '$1'; it was: $(head -c 400 .err)"; }
expect_error_like() { grep -qE -- "$1" .err || fail "stderr does not match '$1'; it was: $(head -c 400 .err)"; }

finish() {
  if [ "$failures" -ne 0 ]; then
    echo "--- stderr of the last run:" >&2; head -c 2000 .err >&2
    exit 1
  fi
  echo ok
}
