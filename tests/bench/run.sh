#!/usr/bin/env bash
# The harness behind `make bench`: deterministic data, every program and the limit it is
# judged against measured best-of-N on this machine in this run, one table on stdout.
set -euo pipefail

usage() {
    cat >&2 <<'EOF'
usage: tests/bench/run.sh BUILD_DIR

Runs the benchmarks against BUILD_DIR/bin (a Release build) and prints a markdown table.
Data goes to BUILD_DIR/bench-data and is reused while bench-gen is unchanged.

environment:
  BENCH_RECORDS=N        records in the main data set (default 1000000)
  BENCH_REPEATS=N        runs per measurement, best kept (default 3)
  BENCH_PAIR_REPEATS=N   runs of each side of singer-run vs shell pipe (default 5)
  BENCH_QUICK=1          skip the 10x-records peak RSS runs
  BENCH_STRICT=1         exit 1 when a target is missed, not only on failures
  BENCH_ONLY=G,G...      run only these groups of rows: jsonl, csv, sqlite, sqlite-read,
                         postgres, pipe, rest (the others print "not run")
EOF
    exit 2
}

[ $# -eq 1 ] || usage
build=$(cd "$1" && pwd)
records=${BENCH_RECORDS:-1000000}
repeats=${BENCH_REPEATS:-3}
pair_repeats=${BENCH_PAIR_REPEATS:-5}
quick=${BENCH_QUICK:-0}
strict=${BENCH_STRICT:-0}
only=${BENCH_ONLY:-}
big_records=$((records * 10))
bin=$build/bin
data=$build/bench-data
out=$data/out
logs=$data/logs
status=0

log() { printf 'bench: %s\n' "$*" >&2; }

# The helpers are part of every build (tests/bench is added outside SINGER_TESTS).
tools=$build/tests/bench
if [ ! -x "$tools/bench-run" ]; then
    log "error: $tools/bench-run not found; build $build first (make bench does)"
    exit 2
fi

mkdir -p "$data" "$logs"
load_at_start=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- data ------------------------------------------------------------------------------

stream=$data/stream-$records.jsonl
csv=$data/rows-$records.csv
gen() {  # gen FILE FORMAT N: regenerate when missing or older than the generator
    if [ ! -s "$1" ] || [ "$tools/bench-gen" -nt "$1" ]; then
        log "generating $(basename "$1")"
        "$tools/bench-gen" "$2" "$3" >"$1.part"
        mv "$1.part" "$1"
    fi
}
gen "$stream" singer "$records"
gen "$csv" csv "$records"
stream_bytes=$(stat -c %s "$stream")
csv_bytes=$(stat -c %s "$csv")
state_lines=$(( (records + 9999) / 10000 ))
stream_lines=$((records + state_lines + 1))

cat >"$data/target-off.json" <<EOF
{"destination_path": "$out", "validate_records": false}
EOF
cat >"$data/target-on.json" <<EOF
{"destination_path": "$out"}
EOF
cat >"$data/tap-strings.json" <<EOF
{"files": [{"entity": "bench", "path": "$csv", "keys": ["id"]}]}
EOF
cat >"$data/tap-infer.json" <<EOF
{"files": [{"entity": "bench", "path": "$csv", "keys": ["id"]}], "infer_types": true}
EOF
cat >"$data/tap-big.json" <<EOF
{"files": [{"entity": "bench", "path": "$data/rows-big.csv", "keys": ["id"]}]}
EOF
for m in append-only upsert; do
    cat >"$data/sqlite-$m.json" <<EOF
{"database": "$out/bench.db", "load_method": "$m", "synchronous": "full"}
EOF
done
for m in append-only upsert; do  # the server comes from libpq's environment (pg_server.sh)
    echo "{\"load_method\": \"$m\"}" >"$data/postgres-$m.json"
done

# ---- measuring -------------------------------------------------------------------------

declare -A SECS=() RSS=() FAILED=()

# Each run starts with an empty output dir and no dirty pages left by the one before,
# whose writeback would otherwise land in this run's time.
fresh_out() { rm -rf "$out"; mkdir -p "$out"; sync; }
# done_ok KEY: KEY ran and did not fail (ok, defined with the report, says the same).
done_ok() { [ -n "${SECS[$1]:-}" ] && [ -z "${FAILED[$1]:-}" ]; }

# selected KEY: is KEY's group of rows in BENCH_ONLY (every key is when it is unset)?
selected() {
    local g
    [ -n "$only" ] || return 0
    case $1 in
        lines | copy | parse | jsonl_*) g=jsonl ;;
        csv_*) g=csv ;;
        sqlite_read*) g=sqlite-read ;;
        sqlite_*) g=sqlite ;;
        pg_*) g=postgres ;;
        pipe | singer_run) g=pipe ;;
        rest_*) g=rest ;;
        *) g=$1 ;;
    esac
    [[ ",$only," == *",$g,"* ]]
}

# run_once KEY CMD [SETUP]: one run under bench-run; keeps the best time and the largest
# RSS. SETUP (untimed) prepares the fresh output dir. With SELF_TIMED=1 the time is the
# second word the command wrote to $out/count (a limit that times only its own part).
run_once() {
    local key=$1 cmd=$2 setup=${3:-} t r rc=0
    selected "$key" || return 1
    fresh_out
    if [ -n "$setup" ] && ! bash -c "$setup" 2>"$logs/$key.err"; then
        log "$key: setup failed: $setup"
        FAILED[$key]="setup failed"
        status=1
        return 1
    fi
    [ -z "$setup" ] || sync
    "$tools/bench-run" -o "$out/result" -- bash -c "$cmd" 2>"$logs/$key.err" || rc=$?
    if [ "$rc" -ne 0 ]; then
        log "$key: exit $rc: $cmd"
        tail -n 5 "$logs/$key.err" | sed 's/^/    /' >&2
        FAILED[$key]="exit $rc"
        status=1
        return 1
    fi
    read -r t r <"$out/result"
    if [ "${SELF_TIMED:-0}" = 1 ]; then t=$(cut -d' ' -f2 "$out/count"); fi
    if [ -z "${SECS[$key]:-}" ] || awk -v a="$t" -v b="${SECS[$key]}" 'BEGIN { exit !(a < b) }'; then
        SECS[$key]=$t
    fi
    if [ "$r" -gt "${RSS[$key]:-0}" ]; then RSS[$key]=$r; fi
}

# measure KEY CMD [SETUP]: best of $repeats runs (the machine is shared and noisy).
measure() {
    local key=$1 cmd=$2 setup=${3:-} i
    selected "$key" || return 0
    log "$key"
    for ((i = 1; i <= repeats; i++)); do
        run_once "$key" "$cmd" "$setup" || return 0
    done
}

# check KEY WHAT GOT WANT: a wrong count turns a fast run into a failure.
check() {
    selected "$1" || return 0
    if [ -z "${FAILED[$1]:-}" ] && [ "$3" != "$4" ]; then
        log "$1: $2: got $3, want $4"
        FAILED[$1]="wrong $2"
        status=1
    fi
}

have() { [ -x "$bin/$1" ]; }
lines_of() { if [ -f "$1" ]; then wc -l <"$1"; else echo "no file"; fi; }
first_word() { if [ -f "$1" ]; then cut -d' ' -f1 "$1"; else echo "no output"; fi; }

# ---- runs ------------------------------------------------------------------------------

measure lines "cat $stream | $tools/bench-lines >$out/count"
check lines lines "$(first_word "$out/count")" "$stream_lines"
measure copy "cat $stream | $tools/bench-copy $out/copy.jsonl >$out/count"
check copy records "$(first_word "$out/count")" "$records"
measure parse "cat $stream | $tools/bench-parse >$out/count"
check parse lines "$(first_word "$out/count")" "$stream_lines"

if have target-jsonl; then
    measure jsonl_off "cat $stream | $bin/target-jsonl --config $data/target-off.json >/dev/null"
    check jsonl_off "records written" "$(lines_of "$out/bench.jsonl")" "$records"
    measure jsonl_on "cat $stream | $bin/target-jsonl --config $data/target-on.json >/dev/null"
    check jsonl_on "records written" "$(lines_of "$out/bench.jsonl")" "$records"
fi

measure csv_lines "cat $csv | $tools/bench-lines >$out/count"
check csv_lines lines "$(first_word "$out/count")" "$((records + 1))"
if have tap-csv; then
    measure csv_strings "$bin/tap-csv --config $data/tap-strings.json >/dev/null"
    measure csv_infer "$bin/tap-csv --config $data/tap-infer.json >/dev/null"
fi

# SQLite: target-sqlite against bench-sqlite, which inserts the same typed values with one
# prepared statement in one transaction (WAL, synchronous=full) and counts only its time
# in SQLite. Three cases: append-only and upsert into an empty table, and upsert over a
# table already holding every key (each side over a copy of its own earlier result).
# sql DB QUERY: the sqlite3 shell's answer, or why there is none.
sql() { if [ ! -f "$1" ]; then echo "no database"; elif ! command -v sqlite3 >/dev/null; then echo "no sqlite3 shell"; else sqlite3 "$1" "$2" 2>&1; fi; }
# Totals over every column: the target must have stored the same values as the limit.
fingerprint="select count(*), count(distinct id), sum(views % 1000003), total(amount), total(ratio), count(score), sum(active), min(created_at), max(updated_at), sum(length(name) + length(email) + length(note) + length(tags) + length(address)) from bench"
db_copy() { local s; for s in "" -wal; do if [ -f "$1$s" ]; then cp "$1$s" "$2$s"; fi; done; }
declare -A PRINT=()
# sqlite_check KEY: every record there once; the limit's values kept, the target's compared.
sqlite_check() {
    local key=$1 got
    check "$key" "rows, distinct ids" "$(sql "$out/bench.db" "select count(*) || ' ' || count(distinct id) from bench")" "$records $records"
    [ -z "${FAILED[$key]:-}" ] || return 0
    got=$(sql "$out/bench.db" "$fingerprint")
    case $key in
        sqlite_limit_*) PRINT[limit]=$got ;;
        *) if [ -n "${PRINT[limit]:-}" ] && [ "$got" != "${PRINT[limit]}" ]; then
               log "warning: $key: the table's totals differ from the limit's: $got vs ${PRINT[limit]}"
           fi ;;
    esac
}
limit_sqlite() { SELF_TIMED=1 measure "$@"; }
limit_sqlite sqlite_limit_append "cat $stream | $tools/bench-sqlite append $out/bench.db >$out/count"
sqlite_check sqlite_limit_append
limit_sqlite sqlite_limit_upsert "cat $stream | $tools/bench-sqlite upsert $out/bench.db >$out/count"
sqlite_check sqlite_limit_upsert
db_copy "$out/bench.db" "$data/seed-limit.db"
limit_sqlite sqlite_limit_reupsert "cat $stream | $tools/bench-sqlite upsert $out/bench.db >$out/count" \
    "cp $data/seed-limit.db $out/bench.db; [ ! -f $data/seed-limit.db-wal ] || cp $data/seed-limit.db-wal $out/bench.db-wal"
sqlite_check sqlite_limit_reupsert
if have target-sqlite; then
    measure sqlite_append "cat $stream | $bin/target-sqlite --config $data/sqlite-append-only.json >/dev/null"
    sqlite_check sqlite_append
    measure sqlite_upsert "cat $stream | $bin/target-sqlite --config $data/sqlite-upsert.json >/dev/null"
    sqlite_check sqlite_upsert
    db_copy "$out/bench.db" "$data/seed-target.db"
    measure sqlite_reupsert "cat $stream | $bin/target-sqlite --config $data/sqlite-upsert.json >/dev/null" \
        "cp $data/seed-target.db $out/bench.db; [ ! -f $data/seed-target.db-wal ] || cp $data/seed-target.db-wal $out/bench.db-wal"
    sqlite_check sqlite_reupsert
    if done_ok sqlite_reupsert && selected sqlite_read; then db_copy "$out/bench.db" "$data/read-source.db"; fi
fi
rm -f "$data"/seed-*.db "$data"/seed-*.db-wal

# tap-sqlite against bench-sqlite-read, which steps through the same SELECT (every column,
# then the rowid) reading each value, no output. The source is the table target-sqlite
# loaded above (every record once), or, when that did not run, bench-sqlite's (untimed).
read_db=$data/read-source.db read_db_bytes=0 read_src="target-sqlite's table"
echo "{\"database\": \"$read_db\", \"tables\": [\"bench\"]}" >"$data/tap-sqlite.json"
if have tap-sqlite && [ -x "$tools/bench-sqlite-read" ] && selected sqlite_read; then
    if [ ! -f "$read_db" ]; then
        log "building the tap-sqlite source table (bench-sqlite append, untimed)"
        read_src="bench-sqlite's table"
        "$tools/bench-sqlite" append "$read_db" <"$stream" >/dev/null 2>"$logs/sqlite_read_source.err" ||
            { log "error: bench-sqlite could not build $read_db"; rm -f "$read_db"; }
    fi
    read_db_bytes=$(stat -c %s "$read_db" 2>/dev/null || echo 0)
    measure sqlite_read_limit "$tools/bench-sqlite-read $read_db >$out/count"
    check sqlite_read_limit rows "$(first_word "$out/count")" "$records"
    measure sqlite_read "$bin/tap-sqlite --config $data/tap-sqlite.json >/dev/null"
    if done_ok sqlite_read; then  # the count, from one more run (untimed)
        check sqlite_read records "$("$bin/tap-sqlite" --config "$data/tap-sqlite.json" 2>/dev/null | grep -c '"type":"RECORD"')" "$records"
    fi
fi
rm -f "$read_db" "$read_db"-wal "$read_db"-shm

# PostgreSQL: target-postgres against bench-postgres, which COPYs the same rows, already
# encoded, with libpq (its own clock: connect to commit). A throwaway server on loopback.
pg_ok=0
if have target-postgres && [ -x "$tools/bench-postgres" ] && selected pg_limit; then
    src_dir=$(cd "$(dirname "$0")/../.." && pwd)
    # shellcheck source=../pipeline/lib/pg_server.sh
    . "$src_dir/tests/pipeline/lib/pg_server.sh"
    if pg_server_start; then pg_ok=1; else log "postgres: no server; the PostgreSQL rows are skipped"; status=1; fi
fi
pgq() { psql -X -q -At -c "$1" 2>&1; }
pg_fresh="psql -X -q -c 'drop table if exists public.bench'"
if [ "$pg_ok" = 1 ]; then
    SELF_TIMED=1 measure pg_limit "cat $stream | $tools/bench-postgres >$out/count" "$pg_fresh"
    check pg_limit rows "$(pgq 'select count(*) from bench')" "$records"
    measure pg_append "cat $stream | $bin/target-postgres --config $data/postgres-append-only.json >/dev/null" "$pg_fresh"
    check pg_append rows "$(pgq 'select count(*) from bench')" "$records"
    measure pg_upsert "cat $stream | $bin/target-postgres --config $data/postgres-upsert.json >/dev/null" "$pg_fresh"
    check pg_upsert "rows, distinct ids" "$(pgq 'select count(*) || $$ $$ || count(distinct id) from bench')" "$records $records"
fi

# singer-run against the same pair in a plain pipe, interleaved so drift in the
# machine's load hits both sides alike.
if have tap-csv && have target-jsonl; then
    tap="$bin/tap-csv --config $data/tap-strings.json"
    target="$bin/target-jsonl --config $data/target-on.json"
    log "singer-run vs shell pipe"
    for ((i = 1; i <= pair_repeats; i++)); do
        run_once pipe "$tap | $target >/dev/null" || break
        check pipe "records written" "$(lines_of "$out/bench.jsonl")" "$records"
        have singer-run || continue
        run_once singer_run "$bin/singer-run --state $out/state.json '$tap' '$target' >/dev/null" || break
        check singer_run "records written" "$(lines_of "$out/bench.jsonl")" "$records"
    done
    if [ -n "${FAILED[pipe]:-}" ] && [ -z "${SECS[singer_run]:-}" ] && have singer-run; then
        FAILED[singer_run]="not run: the pipe failed"
    fi
fi

# tap-rest against bench-http (libcurl + simdjson On-Demand) over bench-http-server's pages
# of 1,000 on loopback, both measured by rest.sh (best of $repeats; unless BENCH_QUICK, also
# tap-rest's peak RSS at 10x the records, one run). Its own table goes to logs/rest.md.
rest_records=${BENCH_REST_RECORDS:-$records}
rest_bytes=0
if have tap-rest && [ -x "$tools/bench-http" ] && [ -x "$tools/bench-http-server" ] && selected rest_tap; then
    log "tap-rest at $rest_records records (rest.sh)"
    rest_rss=$((rest_records * 10))
    [ "$quick" != 1 ] || rest_rss=0
    if BENCH_RECORDS=$rest_records BENCH_REPEATS=$repeats BENCH_REST_RSS_RECORDS=$rest_rss \
        BENCH_REST_RESULTS=$data/rest.result "$(dirname "$0")/rest.sh" "$build" >"$logs/rest.md" 2>"$logs/rest.err"; then
        read -r _ rest_bytes lt lr tt tr _ br <"$data/rest.result"
        SECS[rest_limit]=$lt RSS[rest_limit]=$lr SECS[rest_tap]=$tt RSS[rest_tap]=$tr
        if [ "$rest_rss" -gt 0 ]; then SECS[rest_big]=0 RSS[rest_big]=$br; fi
    else
        log "rest.sh failed:"
        tail -n 5 "$logs/rest.err" | sed 's/^/    /' >&2
        FAILED[rest_limit]="rest.sh failed" FAILED[rest_tap]="rest.sh failed" FAILED[rest_big]="rest.sh failed"
        status=1
    fi
    rm -f "$data/rest.result"
fi

# Peak RSS at 10x the records. The target reads the generator's pipe directly (its RSS
# is all this run is for); tap-csv needs a file, removed afterwards: it is large.
if [ "$quick" != 1 ]; then
    if have target-jsonl; then
        log "target-jsonl at $big_records records"
        run_once jsonl_big "$tools/bench-gen singer $big_records | $bin/target-jsonl --config $data/target-on.json >/dev/null" &&
            check jsonl_big "records written" "$(lines_of "$out/bench.jsonl")" "$big_records"
        fresh_out
    fi
    if have target-sqlite; then
        log "target-sqlite at $big_records records"
        run_once sqlite_big "$tools/bench-gen singer $big_records | $bin/target-sqlite --config $data/sqlite-upsert.json >/dev/null" &&
            check sqlite_big "rows" "$(sql "$out/bench.db" "select count(*) from bench")" "$big_records"
        # tap-sqlite reading back that 10x table, once (moved out of $out, which each run empties).
        if have tap-sqlite && done_ok sqlite_big && selected sqlite_read_big; then
            log "tap-sqlite at $big_records records"
            for s in "" -wal; do [ ! -f "$out/bench.db$s" ] || mv "$out/bench.db$s" "$data/read-big.db$s"; done
            echo "{\"database\": \"$data/read-big.db\", \"tables\": [\"bench\"]}" >"$data/tap-sqlite-big.json"
            run_once sqlite_read_big "$bin/tap-sqlite --config $data/tap-sqlite-big.json >/dev/null" || true
            rm -f "$data"/read-big.db*
        fi
        if [ "$pg_ok" = 1 ]; then
            log "target-postgres at $big_records records"
            pgq 'drop table if exists public.bench' >/dev/null
            run_once pg_big "$tools/bench-gen singer $big_records | $bin/target-postgres --config $data/postgres-upsert.json >/dev/null" &&
                check pg_big "rows" "$(pgq 'select count(*) from bench')" "$big_records"
        fi
        fresh_out
    fi
    if have tap-csv && selected csv_big; then
        log "tap-csv at $big_records records"
        "$tools/bench-gen" csv "$big_records" >"$data/rows-big.csv"
        run_once csv_big "$bin/tap-csv --config $data/tap-big.json >/dev/null" || true
        rm -f "$data/rows-big.csv"
    fi
fi
rm -rf "$out"

# ---- report ----------------------------------------------------------------------------

# count N: 1000000 -> "1 M", 100000 -> "100 k"
count() { awk -v n="$1" 'BEGIN { if (n >= 1e6) printf "%g M", n / 1e6; else if (n >= 1e3) printf "%g k", n / 1e3; else printf "%d", n }'; }
rate() { awk -v n="$1" -v s="$2" 'BEGIN { r = n / s; if (r >= 1e6) printf "%.2f M", r / 1e6; else printf "%.0f k", r / 1e3 }'; }
mbs() { awk -v b="$1" -v s="$2" 'BEGIN { printf "%.0f", b / s / 1e6 }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }'; }
pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f%%", 100 * a / b }'; }
missed=0
# judge OK TEXT: sets CELL to TEXT plus PASS or MISS; a miss counts for BENCH_STRICT.
judge() {
    if [ "$1" = 1 ]; then CELL="$2 PASS"; else CELL="$2 MISS"; missed=1; fi
}

# row LABEL KEY BYTES VS_LIMIT TARGET [RECORDS]: RECORDS when the case read fewer than $records
row() {
    local label=$1 key=$2 bytes=$3 n=${6:-$records}
    if [ -n "${FAILED[$key]:-}" ]; then
        printf '| %s | FAILED (%s) | | | | %s |\n' "$label" "${FAILED[$key]}" "$5"
    elif [ -z "${SECS[$key]:-}" ]; then
        printf '| %s | %s | | | | %s |\n' "$label" "$(selected "$key" && echo "not built" || echo "not run")" "$5"
    else
        printf '| %s | %s | %s | %s | %s | %s |\n' "$label" "$(rate "$n" "${SECS[$key]}")" \
            "$(mbs "$bytes" "${SECS[$key]}")" "$(mib "${RSS[$key]}")" "$4" "$5"
    fi
}
ok() { [ -n "${SECS[$1]:-}" ] && [ -z "${FAILED[$1]:-}" ]; }
rss_cell() {
    if ok "$1"; then mib "${RSS[$1]}"; elif [ -n "${FAILED[$1]:-}" ]; then echo "FAILED (${FAILED[$1]})"; elif selected "$1"; then echo "not built"; else echo "not run"; fi
}
# share KEY LIMIT: KEY's throughput as a percentage of LIMIT's; share_ok: is it >= MIN?
share() { pct "${SECS[$2]}" "${SECS[$1]}"; }
share_ok() { awk -v a="${SECS[$2]}" -v b="${SECS[$1]}" -v m="$3" 'BEGIN { print (100 * a / b >= m) ? 1 : 0 }'; }
speed_ok() { awk -v n="$records" -v s="${SECS[$1]}" -v m="$2" 'BEGIN { print (n / s >= m) ? 1 : 0 }'; }
# target_cell KEY TEXT OK: the target column, judged only when KEY ran.
target_cell() {
    if ok "$1"; then judge "$3" "$2"; else CELL=$2; fi
}

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
echo
echo "## singer-cpp bench: $(count "$records") records, $((stream_bytes / records)) bytes a record"
echo
echo "$cpu, $(nproc) cores, load at start $load_at_start; $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "Best of $repeats runs (singer-run vs pipe: $pair_repeats each, interleaved). MB/s is"
echo "input bytes (10^6) per wall second; peak RSS is the largest single process of the run."
echo
echo "| case | records/s | MB/s | peak RSS | vs limit | target |"
echo "|---|---:|---:|---:|---:|---|"
row "limit: cat stream \| line reader" lines "$stream_bytes" — —
row "limit: raw copy (simdjson raw_json)" copy "$stream_bytes" — —
row "limit: simdjson On-Demand parse, all fields" parse "$stream_bytes" — —
for v in off on; do
    key=jsonl_$v
    min=$([ $v = off ] && echo 70 || echo 40)
    vs=""; flag=0
    if ok $key && ok copy; then vs="$(share $key copy) of raw copy"; flag=$(share_ok $key copy "$min"); fi
    target_cell $key "≥ $min% of raw copy" "$flag"
    row "target-jsonl, validation $v" $key "$stream_bytes" "$vs" "$CELL"
done
row "limit: SQLite insert, 1 statement, 1 transaction" sqlite_limit_append "$stream_bytes" — —
row "limit: SQLite upsert into an empty table" sqlite_limit_upsert "$stream_bytes" — —
row "limit: SQLite upsert, every key present" sqlite_limit_reupsert "$stream_bytes" — —
for c in "append:append-only, empty table:75" "upsert:upsert, empty table:75" "reupsert:upsert, every key present:60"; do
    IFS=: read -r v label min <<<"$c"
    key=sqlite_$v
    vs=""; flag=0
    if ok $key && ok sqlite_limit_$v; then vs="$(share $key sqlite_limit_$v) of limit"; flag=$(share_ok $key sqlite_limit_$v "$min"); fi
    target_cell $key "≥ $min% of limit" "$flag"
    row "target-sqlite, $label" $key "$stream_bytes" "$vs" "$CELL"
done
# MB/s of the tap-sqlite rows: the database file's bytes.
row "limit: SQLite SELECT of every column, stepped through" sqlite_read_limit "$read_db_bytes" — —
vs=""; flag=0
if ok sqlite_read && ok sqlite_read_limit; then vs="$(share sqlite_read sqlite_read_limit) of limit"; flag=$(share_ok sqlite_read sqlite_read_limit 50); fi
target_cell sqlite_read "≥ 50% of limit" "$flag"
row "tap-sqlite, FULL_TABLE of $read_src" sqlite_read "$read_db_bytes" "$vs" "$CELL"
row "limit: PostgreSQL COPY of encoded rows (libpq)" pg_limit "$stream_bytes" — —
for c in "append:append-only, empty table:70" "upsert:upsert, empty table:50"; do
    IFS=: read -r v label min <<<"$c"
    key=pg_$v
    vs=""; flag=0
    if ok $key && ok pg_limit; then vs="$(share $key pg_limit) of limit"; flag=$(share_ok $key pg_limit "$min"); fi
    target_cell $key "≥ $min% of limit" "$flag"
    row "target-postgres, $label" $key "$stream_bytes" "$vs" "$CELL"
done
row "limit: cat csv \| line reader" csv_lines "$csv_bytes" — —
for v in strings infer; do
    key=csv_$v
    min=$([ $v = strings ] && echo 1500000 || echo 1000000)
    vs=""; flag=0
    if ok $key && ok csv_lines; then vs="$(share $key csv_lines) of cat csv"; fi
    if ok $key; then flag=$(speed_ok $key "$min"); fi
    label=$([ $v = strings ] && echo "tap-csv, string columns" || echo "tap-csv, infer_types")
    target_cell $key "≥ $(count "$min") records/s" "$flag"
    row "$label" $key "$csv_bytes" "$vs" "$CELL"
done
# tap-rest: rest_records may be fewer than the records (BENCH_REST_RECORDS); MB/s of the
# response bodies.
rest_n=""
[ "$rest_records" = "$records" ] || rest_n=", $(count "$rest_records") records"
row "limit: libcurl + simdjson On-Demand, loopback pages of 1,000$rest_n" rest_limit "$rest_bytes" — — "$rest_records"
vs=""; flag=0
if ok rest_tap && ok rest_limit; then vs="$(share rest_tap rest_limit) of limit"; flag=$(share_ok rest_tap rest_limit 70); fi
target_cell rest_tap "≥ 70% of limit" "$flag"
row "tap-rest, loopback pages of 1,000$rest_n" rest_tap "$rest_bytes" "$vs" "$CELL" "$rest_records"
row "shell pipe: tap-csv \| target-jsonl" pipe "$csv_bytes" — —
vs=""; flag=0
if ok singer_run && ok pipe; then
    vs=$(awk -v a="${SECS[singer_run]}" -v b="${SECS[pipe]}" 'BEGIN { printf "%+.1f%% over pipe", 100 * (a / b - 1) }')
    flag=$(awk -v a="${SECS[singer_run]}" -v b="${SECS[pipe]}" 'BEGIN { print (a / b - 1 <= 0.03) ? 1 : 0 }')
fi
target_cell singer_run "≤ +3% over pipe" "$flag"
row "singer-run: tap-csv → target-jsonl" singer_run "$csv_bytes" "$vs" "$CELL"

if [ "$quick" != 1 ]; then
    echo
    echo "| peak RSS | $(count "$records") records | $(count "$big_records") records | target |"
    echo "|---|---:|---:|---|"
    # Flat means within 10% + 2 MiB: allocator noise, not growth with input.
    for pair in "target-jsonl, validation on:jsonl_on:jsonl_big" "target-sqlite, upsert:sqlite_upsert:sqlite_big" \
        "target-postgres, upsert:pg_upsert:pg_big" \
        "tap-csv, string columns:csv_strings:csv_big" "tap-sqlite, FULL_TABLE:sqlite_read:sqlite_read_big" \
        "tap-rest, pages of 1,000${rest_n:+$rest_n and 10x}:rest_tap:rest_big"; do
        IFS=: read -r label small big <<<"$pair"
        CELL=flat
        if ok "$small" && ok "$big"; then
            judge "$(awk -v a="${RSS[$small]}" -v b="${RSS[$big]}" 'BEGIN { print (b <= a * 1.1 + 2048) ? 1 : 0 }')" flat
        fi
        printf '| %s | %s | %s | %s |\n' "$label" "$(rss_cell "$small")" "$(rss_cell "$big")" "$CELL"
    done
fi
echo

for p in target-jsonl target-sqlite target-postgres tap-csv singer-run; do
    have "$p" || { log "$p is not built in $bin"; status=1; }
done
if [ "$strict" = 1 ] && [ "$missed" = 1 ]; then status=1; fi
exit "$status"
