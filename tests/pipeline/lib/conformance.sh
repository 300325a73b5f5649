# Helpers for the conformance cases: run a corpus stream from ../shared through
# target-jsonl and check the exit code, the last state line, the rows per stream, that
# every written line is the record's own bytes from the input, and the error line.
# Sourced by tests/pipeline/target-jsonl/conformance/*/cmd.

corpus="$SHARED/conformance/meltano-target-streams"
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# run_target FILE [extra config json members] -> sets $exit_code, files out/, .out, .err
run_target() {
  input="$corpus/$1"
  printf '{"destination_path": "out"%s}\n' "${2:-}" > target.json
  target-jsonl --config target.json < "$input" > .out 2> .err
  exit_code=$?
}

expect_exit() { [ "$exit_code" = "$1" ] || fail "exit code $exit_code, expected $1"; }

# The last state line, compared with spaces outside strings ignored.
expect_last_state() {
  got=$(tail -n 1 .out | tr -d ' ')
  want=$(printf '%s' "$1" | tr -d ' ')
  [ "$got" = "$want" ] || fail "last state '$got', expected '$want'"
}

expect_no_state() { [ ! -s .out ] || fail "expected no state, got: $(head -c 200 .out)"; }

# expect_rows STREAM_FILE_STEM N
expect_rows() {
  n=$(wc -l < "out/$1.jsonl" 2>/dev/null || echo missing)
  [ "$n" = "$2" ] || fail "out/$1.jsonl has $n rows, expected $2"
}

# Every written line must occur verbatim in the input (the record's own bytes).
expect_verbatim() {
  for f in out/*.jsonl; do
    [ -e "$f" ] || continue
    while IFS= read -r line; do
      grep -qF -- "$line" "$input" || fail "$f: line not verbatim from input: $(printf '%s' "$line" | head -c 120)"
    done < "$f"
  done
}

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
