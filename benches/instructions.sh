#!/usr/bin/env bash
# Instructions (valgrind --tool=callgrind, whole process) of two wenming
# binaries on one site: a cold build, a no-change rebuild, and a rebuild
# after one new report (a copy of the first report under a new name and
# title). Repeatable whatever else the machine does. Then whether the two
# outputs are byte for byte the same.
#
#   bash benches/instructions.sh OLD_BIN NEW_BIN SITE_DIR
set -euo pipefail
[[ $# -eq 3 ]] || { sed -n 2,8p "$0"; exit 2; }
command -v valgrind >/dev/null || { echo "needs valgrind" >&2; exit 2; }
WORK=$(mktemp -d /tmp/wenming-instructions.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1670000000}
count() {
    valgrind --tool=callgrind --callgrind-out-file="$WORK/cg.out" "$@" >/dev/null 2>"$WORK/cg.err"
    grep -E '^(summary|totals):' "$WORK/cg.out" | head -1 | awk '{print $2}'
}
for who in old new; do
    bin=$(realpath "$1"); [[ $who == new ]] && bin=$(realpath "$2")
    cp -r "$3" "$WORK/site-$who"
    cd "$WORK/site-$who"
    cold=$(count "$bin" build --output "$WORK/out-$who")
    nochange=$(count "$bin" build --output "$WORK/out-$who")
    first=$(ls content/reports | head -1)
    if [[ -d content/reports/$first ]]; then
        cp -r "content/reports/$first" content/reports/zz-new-report
        file=content/reports/zz-new-report/index.md
    else
        cp "content/reports/$first" content/reports/zz-new-report.md
        file=content/reports/zz-new-report.md
    fi
    sed -i '0,/^title:.*/s//title: 新的一篇报道/' "$file"
    onenew=$(count "$bin" build --output "$WORK/out-$who")
    cd - >/dev/null
    echo "$who  cold $cold  no-change $nochange  one-new $onenew"
done
diff -r -x '.wenming-*' "$WORK/out-old" "$WORK/out-new" >/dev/null && echo "outputs: the same" || echo "outputs: differ"
