#!/usr/bin/env bash
# Two wenming binaries on one site, side by side in one run: cold builds
# (no output folder, no photo cache) and no-change rebuilds, alternating A
# and B so that the machine's drift hits both alike. Prints each run and the
# medians of wall time, CPU time (user + system: steadier than wall time
# on a busy machine) and peak memory.
#
#   bash benches/compare.sh OLD_BIN NEW_BIN SITE_DIR [ROUNDS]
#
# Everything is written under a temporary folder it makes (the site is
# copied there); ROUNDS defaults to 5. Needs GNU time (/usr/bin/time).
set -euo pipefail
[[ $# -ge 3 ]] || { sed -n 2,10p "$0"; exit 2; }
A=$(realpath "$1"); B=$(realpath "$2"); SITE=$(realpath "$3"); ROUNDS=${4:-5}
WORK=$(mktemp -d /tmp/wenming-compare.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
cp -r "$SITE" "$WORK/site"
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1670000000}

# run NAME BIN CASE: one build, appends "NAME CASE wall_s peak_mb" to results.
run() {
    local name=$1 bin=$2 case=$3 out="$WORK/out-$1"
    if [[ $case == cold ]]; then
        rm -rf "$out" "$WORK/site/.wenming-cache"
    fi
    (cd "$WORK/site" && /usr/bin/time -f "%e %U %S %M" -o "$WORK/t" "$bin" build --output "$out" >/dev/null 2>"$WORK/log") \
        || { cat "$WORK/log"; exit 1; }
    read -r wall user sys kb <"$WORK/t"
    cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
    echo "$name $case $wall $cpu $((kb / 1024))" | tee -a "$WORK/results"
}

for round in $(seq "$ROUNDS"); do
    # Alternate who goes first, so neither always meets a warm page cache.
    if (( round % 2 )); then order="A B"; else order="B A"; fi
    for who in $order; do
        bin=$A; [[ $who == B ]] && bin=$B
        run "$who" "$bin" cold
        run "$who" "$bin" nochange
    done
done

echo
echo "medians over $ROUNDS rounds (A = $1, B = $2):"
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
for case in cold nochange; do
    for who in A B; do
        rows=$(awk -v w="$who" -v c="$case" '$1 == w && $2 == c' "$WORK/results")
        wall=$(cut -d' ' -f3 <<<"$rows" | median)
        cpu=$(cut -d' ' -f4 <<<"$rows" | median)
        peak=$(cut -d' ' -f5 <<<"$rows" | median)
        printf "  %-8s %s  wall %s s  cpu %s s  peak %s MB\n" "$case" "$who" "$wall" "$cpu" "$peak"
    done
done
