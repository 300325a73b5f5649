#!/usr/bin/env bash
# tap-rest against its limit: bench-http-server serves the records on loopback (pages of
# 1,000), bench-http fetches the same pages with libcurl and visits them with simdjson
# On-Demand (no output), tap-rest reads them into RECORD messages (to /dev/null). Best
# of N wall times, peak RSS of the program; prints one markdown table.
#
#   tests/bench/rest.sh BUILD_DIR      (BENCH_RECORDS, BENCH_REPEATS as for run.sh)
#
# run.sh calls it with two more knobs: BENCH_REST_RSS_RECORDS=N, the records of the peak
# RSS comparison run (default a tenth of BENCH_RECORDS, one run when N > BENCH_RECORDS;
# 0 skips it), and BENCH_REST_RESULTS=FILE, where one line goes for run.sh to read:
# "records bytes limit_secs limit_rss_kib tap_secs tap_rss_kib rss_records rss_kib".
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: tests/bench/rest.sh BUILD_DIR" >&2; exit 2; }
build=$(cd "$1" && pwd)
records=${BENCH_RECORDS:-1000000}
repeats=${BENCH_REPEATS:-3}
rss_records=${BENCH_REST_RSS_RECORDS:-$((records / 10))}
results=${BENCH_REST_RESULTS:-}
tools=$build/tests/bench
work=$(mktemp -d "${TMPDIR:-/tmp}/bench-rest.XXXXXX")
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy

servers=()
trap 'kill "${servers[@]}" 2>/dev/null; rm -rf "$work"' EXIT
serve() {  # serve N: a server of N records; sets URL
    rm -f "$work/port"
    "$tools/bench-http-server" "$work/port" "$1" 1000 &
    servers+=($!)
    for _ in $(seq 1 200); do [ -s "$work/port" ] && break; sleep 0.05; done
    URL="http://127.0.0.1:$(cat "$work/port")"
}

best() {  # best KEY CMD: sets T (best seconds) and R (largest peak RSS KiB)
    local t r i
    T="" R=0
    for ((i = 1; i <= repeats; i++)); do
        "$tools/bench-run" -o "$work/result" -- bash -c "$2" 2>"$work/$1.err" ||
            { echo "bench-rest: $1 failed:" >&2; tail -n 5 "$work/$1.err" >&2; exit 1; }
        read -r t r <"$work/result"
        if [ -z "$T" ] || awk -v a="$t" -v b="$T" 'BEGIN { exit !(a < b) }'; then T=$t; fi
        if [ "$r" -gt "$R" ]; then R=$r; fi
    done
}

config() {  # config URL FILE
    cat >"$2" <<JSON
{"api_url": "$1", "pagination_style": "page_number",
 "streams": [{"name": "records", "path": "/records", "records_path": "\$.data[*]", "primary_keys": ["id"]}]}
JSON
}

serve "$records"
config "$URL" "$work/tap.json"
read -r got bytes < <("$tools/bench-http" "$URL/records")
[ "$got" = "$records" ] || { echo "bench-rest: limit read $got records, want $records" >&2; exit 1; }
got=$("$build/bin/tap-rest" --config "$work/tap.json" 2>/dev/null | grep -c '"type":"RECORD"')
[ "$got" = "$records" ] || { echo "bench-rest: tap-rest wrote $got records, want $records" >&2; exit 1; }

# The limit and tap-rest take turns (limit, tap, limit, tap, ...), so that a machine that
# slows down for a while slows both alike; the best of each is kept.
limit_t="" limit_r=0 tap_t="" tap_r=0
all_repeats=$repeats
for ((round = 1; round <= all_repeats; round++)); do
    repeats=1 best limit "$tools/bench-http $URL/records >/dev/null"
    if [ -z "$limit_t" ] || awk -v a="$T" -v b="$limit_t" 'BEGIN { exit !(a < b) }'; then limit_t=$T; fi
    if [ "$R" -gt "$limit_r" ]; then limit_r=$R; fi
    repeats=1 best tap "$build/bin/tap-rest --config $work/tap.json >/dev/null 2>/dev/null"
    if [ -z "$tap_t" ] || awk -v a="$T" -v b="$tap_t" 'BEGIN { exit !(a < b) }'; then tap_t=$T; fi
    if [ "$R" -gt "$tap_r" ]; then tap_r=$R; fi
done
repeats=$all_repeats

# Peak RSS must not grow with the records read: the same run at a tenth of them (or at
# BENCH_REST_RSS_RECORDS, once when that is more than the records measured).
small=$rss_records small_r=0
if [ "$small" -gt 0 ]; then
    serve "$small"
    config "$URL" "$work/small.json"
    rss_repeats=$repeats
    [ "$small" -le "$records" ] || rss_repeats=1
    repeats=$rss_repeats best tap_small "$build/bin/tap-rest --config $work/small.json >/dev/null 2>/dev/null"
    small_r=$R
fi
[ -z "$results" ] || echo "$records $bytes $limit_t $limit_r $tap_t $tap_r $small $small_r" >"$results"

awk -v n="$records" -v lt="$limit_t" -v tt="$tap_t" -v lr="$limit_r" -v tr="$tap_r" -v sr="$small_r" -v sn="$small" 'BEGIN {
    printf "| program | records/s | peak RSS | vs limit | target |\n|---|---:|---:|---:|---|\n"
    printf "| limit: libcurl + simdjson On-Demand | %.0f | %.1f MiB | | |\n", n / lt, lr / 1024
    share = lt / tt
    printf "| tap-rest, %d records, pages of 1,000 | %.0f | %.1f MiB | %.0f%% | %s |\n", n, n / tt, tr / 1024, 100 * share, (share >= 0.7 ? "≥ 70%: met" : "≥ 70%: **missed**")
    if (sn == 0) exit
    flat = (sn < n) ? (tr <= sr * 1.1 + 2048) : (sr <= tr * 1.1 + 2048)
    printf "| tap-rest peak RSS, %d vs %d records | | %.1f vs %.1f MiB | | %s |\n", sn, n, sr / 1024, tr / 1024, (flat ? "flat: met" : "flat: **missed**")
}'
