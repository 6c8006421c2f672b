#!/usr/bin/env bash
# wenming benchmarks: full build, no-change rebuild and edit→served latency
# on synthetic sites of 1,000 / 10,000 / 20,000 reports. See benches/README.md.
#
#   bash benches/bench.sh                     # all sizes
#   SIZES="1000 10000" bash benches/bench.sh  # some sizes
#
# Environment: SIZES, WORK (default /tmp/wenming-bench), SEED (default 1),
# REPEATS (default 3; sites of 20,000 reports and more always run once),
# LATENCY_SIZES (default 10000), ROUNDS (default 3), NO_GNU_TIME=1 (use bash's
# time even if /usr/bin/time exists). Results also go to $WORK/results.txt.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

SIZES=${SIZES:-"1000 10000 20000"}
WORK=${WORK:-/tmp/wenming-bench}
SEED=${SEED:-1}
REPEATS=${REPEATS:-3}
LATENCY_SIZES=${LATENCY_SIZES:-10000}
ROUNDS=${ROUNDS:-3}

BIN=target/release/wenming
SYNTH=target/release/examples/synth
LATENCY=target/release/examples/edit_latency

echo "== cargo build --release --examples --bins"
cargo build --release --examples --bins

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
mkdir -p "$WORK"
# Measure a private copy, so a rebuild in the working tree during the run
# cannot swap the binary under us.
cp "$BIN" "$WORK/wenming"
BIN=$WORK/wenming
export WENMING_BIN=$BIN   # used by edit_latency
BIN_ID="$(date -u -r target/release/wenming '+%Y-%m-%d %H:%M UTC'), sha256 $(sha256sum "$BIN" | cut -c1-12)"
LOG=$WORK/last-command.log

if [[ -x /usr/bin/time && ${NO_GNU_TIME:-0} != 1 ]]; then
    GNU_TIME=1
else
    GNU_TIME=0
    echo "note: /usr/bin/time not found (Debian/Ubuntu: apt-get install time);"
    echo "      falling back to bash's time, without peak memory"
fi

# measure CMD... : run CMD once, print "wall user sys rss_kb" (rss NA without GNU time).
measure() {
    local out=$WORK/time.out
    if ((GNU_TIME)); then
        if ! /usr/bin/time -f '%e %U %S %M' -o "$out" "$@" >"$LOG" 2>&1; then
            echo "command failed: $*" >&2
            tail -n 20 "$LOG" >&2
            exit 1
        fi
        tail -n 1 "$out"
    else
        local TIMEFORMAT='%R %U %S'
        if ! { time "$@" >"$LOG" 2>&1; } 2>"$out"; then
            echo "command failed: $*" >&2
            tail -n 20 "$LOG" >&2
            exit 1
        fi
        echo "$(tail -n 1 "$out") NA"
    fi
}

# median_row LINES : of "wall user sys rss" lines, the one with the median wall time.
median_row() {
    local n
    n=$(printf '%s\n' "$1" | wc -l)
    printf '%s\n' "$1" | sort -n -k1,1 | sed -n "$(((n + 1) / 2))p"
}

ROWS=()
# add_row SIZE CASE "wall user sys rss_kb" [RUNS]
add_row() {
    local size=$1 case=$2 wall user sys rss
    read -r wall user sys rss <<<"$3"
    local cpu mb
    cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
    if [[ $rss == NA ]]; then mb=NA; else mb=$(awk -v k="$rss" 'BEGIN { printf "%.0f", k / 1024 }'); fi
    ROWS+=("$(printf '%7s  %-26s %8s %8s %9s %5s' "$size" "$case" "$wall" "$cpu" "$mb" "${4:-}")")
    echo "   $case: wall ${wall}s, cpu ${cpu}s, peak RSS ${mb} MB"
}

LATENCY_NOTES=()
for size in $SIZES; do
    site=$WORK/site-$size
    stamp=$WORK/site-$size.done
    if [[ -f $stamp && $(cat "$stamp") == "reports=$size seed=$SEED" ]]; then
        echo "== site of $size reports: reusing $site"
    else
        echo "== site of $size reports: generating $site"
        rm -rf "$site" "$stamp"
        "$SYNTH" --reports "$size" --out "$site" --seed "$SEED"
        echo "reports=$size seed=$SEED" >"$stamp"
    fi
    runs=$REPEATS
    ((size >= 20000)) && runs=1

    echo "== $size: full build (x$runs)"
    results=""
    for ((i = 0; i < runs; i++)); do
        rm -rf "$site/public"
        results+="$(measure "$BIN" build --root "$site" --output "$site/public")"$'\n'
    done
    add_row "$size" "full build" "$(median_row "${results%$'\n'}")" "$runs"
    tail -n 1 "$LOG" | sed 's/^/   wenming: /'

    echo "== $size: no-change rebuild (x$runs)"
    results=""
    for ((i = 0; i < runs; i++)); do
        results+="$(measure "$BIN" build --root "$site" --output "$site/public")"$'\n'
    done
    add_row "$size" "no-change rebuild" "$(median_row "${results%$'\n'}")" "$runs"
    du -sh "$site/public" | awk '{ print "   output: " $1 }'

    if [[ " $LATENCY_SIZES " == *" $size "* ]]; then
        echo "== $size: edit→served latency ($ROUNDS rounds)"
        "$LATENCY" --root "$site" --rounds "$ROUNDS" | tee "$WORK/latency-$size.txt" | sed 's/^/   /'
        line=$(grep '^edit_latency: rounds=' "$WORK/latency-$size.txt")
        get() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$line"; }
        median_s=$(awk -v m="$(get median_ms)" 'BEGIN { printf "%.3f", m / 1000 }')
        rss_mb=$(get serve_peak_rss_mb)
        ROWS+=("$(printf '%7s  %-26s %8s %8s %9s %5s' "$size" "serve: first build" "$(get startup_s)" "-" "-" 1)")
        ROWS+=("$(printf '%7s  %-26s %8s %8s %9s %5s' "$size" "serve: edit->served" "$median_s" "-" "$rss_mb" "$ROUNDS")")
        LATENCY_NOTES+=("$size reports: edit→served min $(get min_ms) ms, median $(get median_ms) ms, max $(get max_ms) ms over $ROUNDS rounds; serve ready after $(get startup_s) s; serve rebuilt $(get rebuilds) times for $(get edits) edits")
    fi
done

{
    echo
    echo "wenming benchmark — $(date -u '+%Y-%m-%d %H:%M UTC'), nproc $(nproc), $(uname -sr)"
    echo "CPU: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
    echo "wenming binary: built $BIN_ID"
    echo "load average (1/5/15 min): at start $LOAD_START, at end $(cut -d' ' -f1-3 /proc/loadavg)"
    echo
    printf '%7s  %-26s %8s %8s %9s %5s\n' size case "wall s" "CPU s" "RSS MB" runs
    for row in "${ROWS[@]}"; do echo "$row"; done
    for note in "${LATENCY_NOTES[@]+"${LATENCY_NOTES[@]}"}"; do echo "$note"; done
    echo
    echo "wall, CPU (user+sys) and peak RSS: the run with the median wall time."
    echo "serve rows: wall = seconds until the first page answered / median edit→served;"
    echo "RSS = the serve process's peak (VmHWM) after the edits."
} | tee "$WORK/results.txt"
