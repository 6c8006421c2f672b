#!/usr/bin/env bash
# wenming benchmarks on synthetic sites of 1,000 / 10,000 / 20,000 reports:
# full build without and with the search index, no-change rebuild,
# edit→served latency under `wenming serve` (with and without search), Hugo
# on the same content in the same run (benches/hugo/run.sh), and a site with
# two phone photos per report against the same site with them taken out.
# See benches/README.md.
#
#   bash benches/bench.sh                     # all sizes
#   SIZES="1000 10000" bash benches/bench.sh  # some sizes
#
# Environment: SIZES, WORK (default /tmp/wenming-bench), SEED (default 1),
# REPEATS (default 3; sites of 20,000 reports and more run once), LATENCY_SIZES (default 10000),
# WORKBENCH_SIZES (default 1000: save in the 工作台 → served), ROUNDS
# (default 3), HUGO_SIZES (default "1000 10000"), PHOTO_SIZES (default
# 1000), PHOTO_REPEATS (default 9), PHOTO_INSTRUCTIONS (default 1: count
# instructions with valgrind, if installed), PHOTO_CONTROL (default 1: the
# site without photos against itself, the noise floor of the pairs); an empty SIZES, LATENCY_SIZES, WORKBENCH_SIZES,
# HUGO_SIZES or PHOTO_SIZES skips that part,
# NO_GNU_TIME=1 (use bash's time even if /usr/bin/time exists). Results also
# go to $WORK/results.txt.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

SIZES=${SIZES-"1000 10000 20000"}
WORK=${WORK:-/tmp/wenming-bench}
SEED=${SEED:-1}
REPEATS=${REPEATS:-3}
LATENCY_SIZES=${LATENCY_SIZES-10000}
WORKBENCH_SIZES=${WORKBENCH_SIZES-1000}
HUGO_SIZES=${HUGO_SIZES-"1000 10000"}
PHOTO_SIZES=${PHOTO_SIZES-1000}
PHOTO_REPEATS=${PHOTO_REPEATS:-9}
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
# Wall time in milliseconds from the clock around the command: GNU time
# gives only hundredths, too coarse for builds of 0.2 s.
measure() {
    local out=$WORK/time.out start end
    if ((GNU_TIME)); then
        start=$(date +%s%N)
        if ! /usr/bin/time -f '%e %U %S %M' -o "$out" "$@" >"$LOG" 2>&1; then
            echo "command failed: $*" >&2
            tail -n 20 "$LOG" >&2
            exit 1
        fi
        end=$(date +%s%N)
        tail -n 1 "$out" | awk -v ns=$((end - start)) '{ printf "%.3f %s %s %s\n", ns / 1e9, $2, $3, $4 }'
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
    ROWS+=("$(printf '%7s  %-30s %8s %8s %9s %5s' "$size" "$case" "$wall" "$cpu" "$mb" "${4:-}")")
    echo "   $case: wall ${wall}s, cpu ${cpu}s, peak RSS ${mb} MB"
}

NOTES=()

# instructions SITE OUT: user-space instructions of one `wenming build`
# (valgrind --tool=callgrind), with the two threads the timed runs have.
instructions() {
    RAYON_NUM_THREADS=2 valgrind --tool=callgrind --callgrind-out-file=/dev/null \
        "$BIN" build --root "$1" --output "$2" --no-search 2>&1 >/dev/null |
        sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
# A fresh output folder that was never used: deleting 10,000 files just
# before creating as many makes ext4 slow to find free inodes (it avoids
# recently freed ones), which would measure the disk, not the build. They
# all live under $WORK/fresh, removed at the end (fresh_dir runs in a
# subshell, so it cannot keep a list).
rm -rf "$WORK/fresh"
mkdir -p "$WORK/fresh"
fresh_dir() {
    local d
    d=$(mktemp -d "$WORK/fresh/out-XXXXXX")
    rmdir "$d"
    echo "$d"
}

# time_builds SIZE CASE RUNS SITE new|reuse BUILD-ARGS...: time `wenming
# build` RUNS times, each into a new folder (new) or into $out (reuse), and
# add the median row. $out is left at the last output folder.
time_builds() {
    local size=$1 case=$2 n=$3 site=$4 into=$5 results="" i
    shift 5
    for ((i = 0; i < n; i++)); do
        [[ $into == new ]] && out=$(fresh_dir)
        results+="$(measure "$BIN" build --root "$site" --output "$out" "$@")"$'\n'
    done
    add_row "$size" "$case" "$(median_row "${results%$'\n'}")" "$n"
}

# ensure_site SIZE [--photos | --photos-removed]: generate (or reuse) a
# synthetic site, print its path.
ensure_site() {
    local size=$1 photos=${2:-} site stamp want suffix=""
    case $photos in
        --photos) suffix=p ;;
        --photos-removed) suffix=n ;;
    esac
    site=$WORK/site-$size$suffix
    stamp=$site.done
    want="reports=$size seed=$SEED${photos:+ $photos}"
    if [[ -f $stamp && $(cat "$stamp") == "$want" ]]; then
        echo "== site of $size reports${photos:+ $photos}: reusing $site" >&2
    else
        echo "== site of $size reports${photos:+ $photos}: generating $site" >&2
        rm -rf "$site" "$stamp"
        "$SYNTH" --reports "$size" --out "$site" --seed "$SEED" $photos >&2
        echo "$want" >"$stamp"
    fi
    echo "$site"
}

for size in $SIZES; do
    site=$(ensure_site "$size")
    runs=$REPEATS
    ((size >= 20000)) && runs=1

    echo "== $size: full build without search, into a new folder (x$runs)"
    time_builds "$size" "full build --no-search" "$runs" "$site" new --no-search
    tail -n 1 "$LOG" | sed 's/^/   wenming: /'
    du -sh "$out" | awk '{ print "   output: " $1 }'

    echo "== $size: no-change rebuild without search (x$runs)"
    time_builds "$size" "no-change rebuild --no-search" "$runs" "$site" reuse --no-search

    echo "== $size: full build with the search index (x$runs)"
    time_builds "$size" "full build with search" "$runs" "$site" new

    if [[ " $LATENCY_SIZES " == *" $size "* ]]; then
        for variant in search no-search; do
            echo "== $size: edit→served latency, serve with $variant ($ROUNDS rounds)"
            if [[ $variant == no-search ]]; then
                printf '#!/bin/sh\nexec "%s" "$@" --no-search\n' "$BIN" >"$WORK/wenming-no-search"
                chmod +x "$WORK/wenming-no-search"
                export WENMING_BIN=$WORK/wenming-no-search
            else
                export WENMING_BIN=$BIN
            fi
            "$LATENCY" --root "$site" --rounds "$ROUNDS" | tee "$WORK/latency-$size-$variant.txt" | sed 's/^/   /'
            line=$(grep '^edit_latency: rounds=' "$WORK/latency-$size-$variant.txt")
            get() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$line"; }
            median_s=$(awk -v m="$(get median_ms)" 'BEGIN { printf "%.3f", m / 1000 }')
            rss_mb=$(get serve_peak_rss_mb)
            ROWS+=("$(printf '%7s  %-30s %8s %8s %9s %5s' "$size" "serve ($variant): first page" "$(get startup_s)" "-" "-" 1)")
            ROWS+=("$(printf '%7s  %-30s %8s %8s %9s %5s' "$size" "serve ($variant): edit->served" "$median_s" "-" "$rss_mb" "$ROUNDS")")
            NOTES+=("$size reports, serve with $variant: edit→served min $(get min_ms) ms, median $(get median_ms) ms, max $(get max_ms) ms over $ROUNDS rounds; first page after $(get startup_s) s; $(get rebuilds) rebuilds for $(get edits) edits")
        done
        export WENMING_BIN=$BIN
    fi

    if [[ " $HUGO_SIZES " == *" $size "* ]]; then
        echo "== $size: Hugo on the same content (benches/hugo/run.sh)"
        REPEATS=$runs bash benches/hugo/run.sh "$site" "$WORK" | tee "$WORK/hugo-$size.txt" | sed 's/^/   /'
        while read -r _ _ kind _ wall _ _ cpu _ _ peak _; do
            ROWS+=("$(printf '%7s  %-30s %8s %8s %9s %5s' "$size" "hugo: ${kind%:}" "$wall" "$cpu" "$peak" "$runs")")
        done < <(grep -E '^hugo [0-9]+ (full|rebuild):' "$WORK/hugo-$size.txt")
    fi
done

# The 工作台's save → the preview page carries it (the issue's bar: 200 ms on
# a site of 1,000 reports), serve with its search index as the office runs it.
for size in $WORKBENCH_SIZES; do
    site=$(ensure_site "$size")
    echo "== $size: workbench save→served latency ($ROUNDS rounds)"
    "$LATENCY" --root "$site" --rounds "$ROUNDS" --via-workbench | tee "$WORK/workbench-$size.txt" | sed 's/^/   /'
    line=$(grep '^edit_latency: rounds=' "$WORK/workbench-$size.txt")
    get() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$line"; }
    median_s=$(awk -v m="$(get median_ms)" 'BEGIN { printf "%.3f", m / 1000 }')
    ROWS+=("$(printf '%7s  %-30s %8s %8s %9s %5s' "$size" "workbench: save->served" "$median_s" "-" "$(get serve_peak_rss_mb)" "$ROUNDS")")
    NOTES+=("$size reports, workbench: save→served min $(get min_ms) ms, median $(get median_ms) ms, max $(get max_ms) ms over $ROUNDS rounds")
done

# photo_pairs SIZE LABEL WHAT "ROW_A|SITE_A|OUT_A" "ROW_B|SITE_B|OUT_B" BUILD-ARGS...:
# no-change rebuilds of site A (the photo site) and of site B (the same site
# without its photos), alternating ($PHOTO_REPEATS each); a row for each
# and a note comparing A with B, saying WHAT is compared. (Paths with a
# "|" would not do.)
photo_pairs() {
    local size=$1 label=$2 what=$3 with="" without="" i
    local row_with site_with out_with row_without site_without out_without
    IFS='|' read -r row_with site_with out_with <<<"$4"
    IFS='|' read -r row_without site_without out_without <<<"$5"
    shift 5
    measure "$BIN" build --root "$site_with" --output "$out_with" "$@" >/dev/null
    measure "$BIN" build --root "$site_without" --output "$out_without" "$@" >/dev/null
    # The first builds' files are still being written to disk for half a
    # minute; the office's next rebuild comes later than that.
    sync
    echo "== $size, $what, $label: no-change rebuilds, alternating (x$PHOTO_REPEATS)"
    # Which of a pair runs first alternates too: on this VM the second build
    # of a pair ran a few percent faster than the first (100 pairs in random
    # order: photos first +11.5 %, photos second +6.8 %), which a fixed order
    # would charge to one site.
    for ((i = 0; i < PHOTO_REPEATS; i++)); do
        if ((i % 2 == 0)); then
            with+="$(measure "$BIN" build --root "$site_with" --output "$out_with" "$@")"$'\n'
            without+="$(measure "$BIN" build --root "$site_without" --output "$out_without" "$@")"$'\n'
        else
            without+="$(measure "$BIN" build --root "$site_without" --output "$out_without" "$@")"$'\n'
            with+="$(measure "$BIN" build --root "$site_with" --output "$out_with" "$@")"$'\n'
        fi
    done
    add_row "$size" "$row_with, $label" "$(median_row "${with%$'\n'}")" "$PHOTO_REPEATS"
    add_row "$size" "$row_without, $label" "$(median_row "${without%$'\n'}")" "$PHOTO_REPEATS"
    # Medians of wall and of CPU time, each over its own column, and the
    # median of the ratios of runs made one right after the other: this VM
    # has slow and fast spells of seconds to minutes, which pairs cancel.
    NOTES+=("$(printf '%s\n' "${with%$'\n'}" | awk -v other="${without%$'\n'}" -v size="$size" -v label="$label" -v what="$what" '
        function median(a, n,   i, j, t) {
            for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
            return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
        }
        { w[NR] = $1; c[NR] = $2 + $3 }
        END {
            n = split(other, lines, "\n")
            for (i = 1; i <= n; i++) { split(lines[i], f, " "); ow[i] = f[1]; oc[i] = f[2] + f[3] }
            for (i = 1; i <= NR && i <= n; i++) { pw[i] = w[i] / ow[i]; pc[i] = oc[i] > 0 ? c[i] / oc[i] : 1 }
            pairs = i - 1
            fw = w[1]; fo = ow[1]
            for (i = 2; i <= NR; i++) if (w[i] < fw) fw = w[i]
            for (i = 2; i <= n; i++) if (ow[i] < fo) fo = ow[i]
            mw = median(w, NR); mc = median(c, NR); nw = median(ow, n); nc = median(oc, n)
            # (median() sorts its array: pw is in order from here on.)
            rw = median(pw, pairs)
            # 95 % confidence interval of the median paired ratio, from the
            # order statistics (sign test; no assumption about the noise).
            lo = int((pairs - 1.96 * sqrt(pairs)) / 2); if (lo < 1) lo = 1
            hi = pairs + 1 - lo
            over = 0
            for (i = 1; i <= pairs; i++) if (pw[i] > 1.10) over++
            printf "%7s  %s: %s, medians of %d runs each: wall %.3f / %.3f s (%+.1f %%), CPU %.2f / %.2f s (%+.1f %%); fastest run of each: wall %.3f / %.3f s (%+.1f %%); median of the %d paired ratios: wall %+.1f %% (95 %% interval %+.1f to %+.1f %%), CPU %+.1f %%; pairs over +10 %%: %d",
                size, label, what, NR, mw, nw, (mw / nw - 1) * 100, mc, nc, (mc / nc - 1) * 100,
                fw, fo, (fw / fo - 1) * 100,
                pairs, (rw - 1) * 100, (pw[lo] - 1) * 100, (pw[hi] - 1) * 100, (median(pc, pairs) - 1) * 100, over
        }')")
}

# Photos (issue: a no-change rebuild with photos within 10 % of one without):
# the synthetic site with two distinct phone photos per report, against
# that site with its photos taken out (`synth --photos-removed`: the same
# bundles and text, no photo files, image lines or covers). The site
# without `--photos` is not the baseline: its text and layout differ too.
for size in $PHOTO_SIZES; do
    plain=$(ensure_site "$size" --photos-removed)
    photos=$(ensure_site "$size" --photos)
    out_plain=$(fresh_dir)
    out_photos=$(fresh_dir)
    if [[ -d $photos/.wenming-cache ]]; then
        # Processing 2,000 photos takes minutes; delete the cache to time it.
        echo "== $size with photos: cache present, first build not timed (rm -rf $photos/.wenming-cache to time it)"
        measure "$BIN" build --root "$photos" --output "$out_photos" --no-search >/dev/null
    else
        echo "== $size with photos: first build (processes $((size * 2)) photos into .wenming-cache)"
        add_row "$size" "photos: first build" "$(measure "$BIN" build --root "$photos" --output "$out_photos" --no-search)" 1
    fi
    # As the office runs it (with the search index), and without the
    # search index, where the photos' share of the work is largest.
    pair_with="photos: no-change|$photos|$out_photos"
    pair_without="photos removed: same|$plain|$out_plain"
    versus="photos against the same site without them"
    photo_pairs "$size" "with search" "$versus" "$pair_with" "$pair_without"
    photo_pairs "$size" "--no-search" "$versus" "$pair_with" "$pair_without" --no-search
    # Control: the site without photos against itself, the same way. Its
    # paired median should be 0, and its pairs over +10 % are what this
    # machine's noise alone gives a single pair (201 such pairs: 17 %).
    if [[ ${PHOTO_CONTROL:-1} != 0 ]]; then
        photo_pairs "$size" "--no-search" "the same site against itself" \
            "control: no photos (A)|$plain|$(fresh_dir)" "control: no photos (B)|$plain|$out_plain" --no-search
    fi
    # Wall and CPU times of sub-second builds vary by ±15 % on a shared VM;
    # instructions executed (valgrind) repeat to within a fraction of a percent.
    if [[ ${PHOTO_INSTRUCTIONS:-1} != 0 ]] && command -v valgrind >/dev/null; then
        echo "== $size with and without photos: instructions of one no-change rebuild --no-search (valgrind)"
        ir_with=$(instructions "$photos" "$out_photos")
        ir_without=$(instructions "$plain" "$out_plain")
        NOTES+=("$(printf '%7s  instructions of a no-change rebuild --no-search: with photos %s, without %s (%+.1f %%)' \
            "$size" "$ir_with" "$ir_without" "$(awk -v a="$ir_with" -v b="$ir_without" 'BEGIN { print (a / b - 1) * 100 }')")")
    fi
done

rm -rf "$WORK/fresh"

{
    echo
    echo "wenming benchmark — $(date -u '+%Y-%m-%d %H:%M UTC'), nproc $(nproc), $(uname -sr)"
    echo "CPU: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
    echo "wenming binary: built $BIN_ID"
    echo "load average (1/5/15 min): at start $LOAD_START, at end $(cut -d' ' -f1-3 /proc/loadavg)"
    echo
    printf '%7s  %-30s %8s %8s %9s %5s\n' size case "wall s" "CPU s" "RSS MB" runs
    for row in "${ROWS[@]}"; do echo "$row"; done
    for note in "${NOTES[@]+"${NOTES[@]}"}"; do echo "$note"; done
    echo
    echo "wall, CPU (user+sys) and peak RSS: the run with the median wall time."
    echo "serve rows: wall = seconds until the first page answered / median edit→served;"
    echo "RSS = the serve process's peak (VmHWM) after the edits."
} | tee "$WORK/results.txt"
