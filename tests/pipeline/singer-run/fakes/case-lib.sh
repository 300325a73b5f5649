# Sourced by singer-run's case scripts: the fakes on PATH and small checks that fail
# the case with a message saying what was expected.
PATH="$CASE/../fakes:$PATH"

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# wait_until SECONDS COMMAND...: polls every 0.05 s.
wait_until() {
  local limit=$1
  shift
  local end=$((SECONDS + limit))
  until "$@"; do
    [ "$SECONDS" -ge "$end" ] && return 1
    sleep 0.05
  done
}

alive() { kill -0 "$1" 2>/dev/null; }
dead() { ! kill -0 "$1" 2>/dev/null; }

# json_valid FILE: the file holds exactly one JSON value (perl's JSON::PP, part of perl).
json_valid() {
  perl -MJSON::PP -e 'local $/; open my $f, "<", $ARGV[0] or exit 1; my $t = <$f>;
    eval { JSON::PP->new->allow_nonref->decode($t); 1 } or exit 1' "$1"
}

# json_get FILE PATH...: prints the value at the path (keys; numbers index arrays).
json_get() {
  perl -MJSON::PP -e 'local $/; open my $f, "<", shift @ARGV or die; my $v = JSON::PP->new->decode(<$f>);
    for my $k (@ARGV) { $v = ref $v eq "ARRAY" ? $v->[$k] : $v->{$k} }
    print ref $v ? JSON::PP->new->canonical->encode($v) : (defined $v ? (JSON::PP::is_bool($v) ? ($v ? "true" : "false") : $v) : "null"), "\n"' "$@"
}

# Replaces what varies: the run time in singer-run's summary line, and the parser's
# wording after "invalid JSON:" (the library's to choose; the cases pin the rest).
normalize() { sed -E 's/ran [0-9]+\.[0-9]s/ran Ns/; s/invalid JSON: [^:;]*(:|;|$)/invalid JSON: <detail>\1/'; }
