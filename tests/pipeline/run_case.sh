#!/usr/bin/env bash
# Runs one pipeline case: a directory holding
#   cmd              shell command, run by bash in a fresh work dir (a copy of the case)
#   stdin            optional, fed to the command's stdin (else /dev/null)
#   expected_stdout  optional, compared byte for byte
#   expected_stderr  optional, compared byte for byte
#   expected_exit    optional exit code (default 0)
#   expected_files/  optional, each file compared with the same path in the work dir
#   requires_shared  optional: skip (exit 77) when the ../shared corpus is missing
# The command sees BIN (the build's binaries, also first on PATH), CASE (the case dir),
# SHARED (the shared corpus dir) and SRC (the source tree). UPDATE_GOLDEN=1 rewrites
# the expectations that exist from what the command did.
set -u
case_dir=$(cd "$1" && pwd)
bin_dir=$(cd "$2" && pwd)
src_dir=$(cd "$(dirname "$0")/../.." && pwd)
shared_dir=${SINGER_SHARED:-$src_dir/../shared}

if [ -e "$case_dir/requires_shared" ] && [ ! -d "$shared_dir/conformance" ]; then
  echo "skipped: the conformance corpus is looked for in $shared_dir/conformance (set SINGER_SHARED)"
  exit 77
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/singer-case.XXXXXX")
trap 'rm -rf "$work"' EXIT
cp -R "$case_dir/." "$work/"
rm -rf "$work/expected_files"

stdin_file=/dev/null
[ -f "$case_dir/stdin" ] && stdin_file="$case_dir/stdin"

(
  cd "$work" && BIN="$bin_dir" CASE="$case_dir" SHARED="$shared_dir" SRC="$src_dir" \
    PATH="$bin_dir:$PATH" TZ=UTC LC_ALL=C bash ./cmd <"$stdin_file" >"$work/.stdout" 2>"$work/.stderr"
)
code=$?

want_code=0
[ -f "$case_dir/expected_exit" ] && want_code=$(tr -d '[:space:]' <"$case_dir/expected_exit")

fail=0
report() { echo "FAIL: $*"; fail=1; }

if [ "${UPDATE_GOLDEN:-}" = 1 ]; then
  [ -f "$case_dir/expected_stdout" ] && cp "$work/.stdout" "$case_dir/expected_stdout"
  [ -f "$case_dir/expected_stderr" ] && cp "$work/.stderr" "$case_dir/expected_stderr"
  [ -f "$case_dir/expected_exit" ] && echo "$code" >"$case_dir/expected_exit"
  if [ -d "$case_dir/expected_files" ]; then
    (cd "$case_dir/expected_files" && find . -type f) | while read -r f; do
      cp "$work/$f" "$case_dir/expected_files/$f"
    done
  fi
  echo "updated $case_dir"
  exit 0
fi

[ "$code" = "$want_code" ] || report "exit code $code, expected $want_code"
if [ -f "$case_dir/expected_stdout" ] && ! cmp -s "$case_dir/expected_stdout" "$work/.stdout"; then
  report "stdout differs:"; diff "$case_dir/expected_stdout" "$work/.stdout" | head -20
fi
if [ -f "$case_dir/expected_stderr" ] && ! cmp -s "$case_dir/expected_stderr" "$work/.stderr"; then
  report "stderr differs:"; diff "$case_dir/expected_stderr" "$work/.stderr" | head -20
fi
if [ -d "$case_dir/expected_files" ]; then
  while read -r f; do
    if [ ! -f "$work/$f" ]; then
      report "missing file $f"
    elif ! cmp -s "$case_dir/expected_files/$f" "$work/$f"; then
      report "file $f differs:"; diff "$case_dir/expected_files/$f" "$work/$f" | head -20
    fi
  done < <(cd "$case_dir/expected_files" && find . -type f)
fi
if [ "$fail" = 1 ]; then
  # The start and the end: a long case's reason for failing is usually its last line.
  echo "--- stderr was:"
  if [ "$(wc -c <"$work/.stderr")" -le 6000 ]; then cat "$work/.stderr"
  else head -c 2000 "$work/.stderr"; echo; echo "[...]"; tail -c 4000 "$work/.stderr"; fi
  exit 1
fi
echo "ok"
