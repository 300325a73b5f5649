# Helpers for target-sqlite's conformance cases: run a corpus stream from ../shared into a
# database and check the exit code, the state lines, the error line, and the tables with
# the sqlite3 shell (sqlite_tables.pl compares every table with the stream it came from).
# Sourced by tests/pipeline/target-sqlite/conformance/*/cmd.

corpus="$SHARED/conformance/meltano-target-streams"
db=out.db
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

if ! command -v sqlite3 >/dev/null; then
  echo "FAIL: the sqlite3 shell is needed (scripts/install-deps installs it)" >&2
  exit 1
fi

# run_target FILE [extra config json members] -> sets $exit_code and $input; .out, .err
run_target() {
  input="$corpus/$1"
  printf '{"database": "%s"%s}\n' "$db" "${2:-}" > target.json
  target-sqlite --config target.json < "$input" > .out 2> .err
  exit_code=$?
}

expect_exit() { [ "$exit_code" = "$1" ] || fail "exit code $exit_code, expected $1: $(grep -m1 error .err)"; }

# The last state line, compared with spaces outside strings ignored.
expect_last_state() {
  got=$(tail -n 1 .out | tr -d ' ')
  want=$(printf '%s' "$1" | tr -d ' ')
  [ "$got" = "$want" ] || fail "last state '$got', expected '$want'"
}

expect_no_state() { [ ! -s .out ] || fail "expected no state, got: $(head -c 200 .out)"; }

# Every state line printed is one of the input's STATE values, in input order.
expect_states_in_order() {
  perl -MJSON::PP -e '
    my ($input, $out) = @ARGV; my $j = JSON::PP->new->canonical; my @want;
    open my $i, "<", $input or die; while (<$i>) { my $m = eval { $j->decode($_) } or next; push @want, $j->encode($m->{value}) if ($m->{type} // "") eq "STATE" }
    open my $o, "<", $out or die; my $at = 0;
    while (<$o>) { my $v = eval { $j->encode($j->decode($_)) } // "not JSON: $_";
      $at++ while $at < @want && $want[$at] ne $v;
      die "state line $. is not a later STATE of the input: $v\n" if $at == @want; $at++ }' "$input" .out || fail "states out of order"
}

# q SQL: the sqlite3 shell's answer (list mode, '|' between columns).
q() { sqlite3 "$db" "$1" 2>&1; }

# expect_sql SQL WANT: the answer, lines joined by ';'.
expect_sql() {
  got=$(q "$1" | paste -sd ';' -)
  [ "$got" = "$2" ] || fail "'$1' gave '$got', expected '$2'"
}

quote_ident() { printf '"%s"' "$(printf '%s' "$1" | sed 's/"/""/g')"; }

# expect_rows TABLE N
expect_rows() { expect_sql "select count(*) from $(quote_ident "$1")" "$2"; }

# expect_columns TABLE "a b c": the table's columns other than _sdc_*, sorted (LC_ALL=C).
expect_columns() {
  got=$(q "select name from pragma_table_info('$(printf '%s' "$1" | sed "s/'/''/g")') where name not like '\\_sdc\\_%' escape '\\' order by name" | paste -sd ' ' -)
  want=$(printf '%s\n' $2 | sort | paste -sd ' ' -)
  [ "$got" = "$want" ] || fail "table '$1' has columns '$got', expected '$want'"
}

# expect_tables_match [--append]: every table equals what the input stream says (see
# sqlite_tables.pl); --append when records with keys were appended, not upserted.
expect_tables_match() {
  perl "$SRC/tests/pipeline/lib/sqlite_tables.pl" "$@" "$db" "$input" > .tables || fail "tables differ from $(basename "$input"): $(head -n 8 .tables)"
}

# Nothing committed: no database, or no rows in any table.
expect_nothing_loaded() {
  [ -f "$db" ] || return 0
  for t in $(q "select name from sqlite_master where type = 'table'"); do
    n=$(q "select count(*) from $(quote_ident "$t")")
    [ "$n" = 0 ] || fail "table '$t' has $n rows after a rejected stream"
  done
}

expect_integrity() { expect_sql "pragma integrity_check" "ok"; }

# The stderr error line (exact).
expect_error() {
  grep -qxF -- "$1" .err || fail "stderr lacks '$1'; it was: $(head -c 400 .err)"
}

finish() {
  if [ "$failures" -ne 0 ]; then
    echo "--- stderr:" >&2; head -c 2000 .err >&2
    exit 1
  fi
  echo ok
}
