#!/usr/bin/env bash
# Check the release packages as a user gets them (dist/release.sh runs it
# last):
#   1. SHA256SUMS matches the packages (sha256sum -c);
#   2. the zip is a real zip (what Windows' Explorer opens, not a renamed
#      tarball), its entries are the expected ones, and every name that is
#      not ASCII carries the UTF-8 flag (else Explorer on a Chinese Windows
#      reads the names as GBK and shows 站点 garbled);
#   3. both unpack to the same folders: the program, 站点/ with exactly the
#      repository's site files, 使用说明/ whose links between pages and to
#      headings all resolve;
#   4. the Linux binary from the tar.gz builds the example site in 站点/;
#      so does the exe from the zip under Wine, when tests/windows/run.sh
#      has made its Wine prefix.
#
#   bash dist/check-release.sh [DIR [VERSION]]   (default target/dist, Cargo.toml's)
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
dist=$(cd "${1:-target/dist}" && pwd)
version=${2:-$(awk -F'"' '/^\[/ { p = ($0 == "[package]") } p && /^version *=/ { print $2; exit }' Cargo.toml)}
zip=wenming-$version-windows-x64.zip
tgz=wenming-$version-linux-x64.tar.gz
passed=0 failed=0
pass() { echo "ok: $1"; passed=$((passed + 1)); }
fail() { echo "FAILED: $1"; failed=$((failed + 1)); }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# ---- 1. checksums ----
if (cd "$dist" && sha256sum -c SHA256SUMS >"$work/sums.out" 2>&1) &&
   [ "$(wc -l <"$dist/SHA256SUMS")" = 2 ]; then
  pass "SHA256SUMS: $(tr '\n' ' ' <"$work/sums.out")"
else
  fail "SHA256SUMS"; cat "$work/sums.out"
fi

# ---- 2. the zip ----
if unzip -tq "$dist/$zip" >"$work/unzip.out" 2>&1 && python3 -m zipfile -t "$dist/$zip" >/dev/null; then
  pass "$zip is a zip: $(cat "$work/unzip.out")"
else
  fail "$zip is not a sound zip"; cat "$work/unzip.out"
fi
python3 -m zipfile -l "$dist/$zip" | sed -n 's/^/  /; 1,8p'
python3 - "$dist/$zip" >"$work/flags.out" <<'EOF' && pass "zip names: $(cat "$work/flags.out")" || { fail "zip names"; cat "$work/flags.out"; }
import sys, zipfile
entries = zipfile.ZipFile(sys.argv[1]).infolist()
unflagged = [e.filename for e in entries if not e.filename.isascii() and not e.flag_bits & 0x800]
if unflagged:
    print("no UTF-8 flag on", unflagged[:5]); sys.exit(1)
print(len(entries), "entries,", sum(not e.filename.isascii() for e in entries), "with Chinese names, all flagged UTF-8")
EOF

# ---- 3. unpacked ----
mkdir -p "$work/win" "$work/linux"
python3 -m zipfile -e "$dist/$zip" "$work/win"
tar -xzf "$dist/$tgz" -C "$work/linux"
win=$work/win/wenming-$version-windows-x64
linux=$work/linux/wenming-$version-linux-x64
git ls-files -z -- site.yaml content data static | tr "\0" "\n" | sort >"$work/site.expected"
# The pages release.sh's list of docs makes (README.md is 简介.html), and
# the screenshots' folder.
expected_docs=$(sed -n 's/^docs=(\(.*\))$/\1/p' dist/release.sh | tr ' ' '\n' |
  sed -e 's|^README\.md$|简介.md|' -e 's|^docs/||' -e 's|\.md$|.html|' -e 's|^|使用说明/|')
[ -n "$expected_docs" ] || fail "no docs list in dist/release.sh"
[ -d docs/images ] && expected_docs="$expected_docs 使用说明/images"
for pkg in "$win:wenming.exe" "$linux:wenming"; do
  dir=${pkg%:*} program=${pkg##*:}
  what=$(basename "$dir")
  [ "$(ls "$(dirname "$dir")")" = "$what" ] || fail "$what: not one folder at the top"
  (cd "$dir/站点" && find . -type f | sed 's|^\./||' | sort) >"$work/site.got"
  docs_got=$(cd "$dir" && ls -d 使用说明/* | sort | tr '\n' ' ')
  top=$(cd "$dir" && ls | sort | tr '\n' ' ')
  if [ "$top" = "$(printf '%s\n' "$program" 站点 使用说明 | sort | tr '\n' ' ')" ] &&
     diff "$work/site.expected" "$work/site.got" >"$work/site.diff" &&
     [ "$docs_got" = "$(printf '%s\n' $expected_docs | sort | tr '\n' ' ')" ]; then
    pass "$what: $program, 站点/ ($(wc -l <"$work/site.got") files, the repository's), 使用说明/ ($(echo $docs_got | wc -w) pages)"
  else
    fail "$what: holds $top; docs $docs_got"; head -20 "$work/site.diff"
  fi
done
python3 - "$win/使用说明" >"$work/links.out" <<'EOF' && pass "使用说明: $(cat "$work/links.out")" || { fail "使用说明 links"; cat "$work/links.out"; }
import html.parser, os, sys, urllib.parse
folder = sys.argv[1]
class Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(); self.ids = set(); self.hrefs = []
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a: self.ids.add(a["id"])
        if tag == "a" and "href" in a: self.hrefs.append(a["href"])
        if tag == "img" and "src" in a: self.srcs.append(a["src"])
pages = {}
for name in os.listdir(folder):
    if not name.endswith(".html"):
        continue
    p = Page(); p.srcs = []; p.feed(open(os.path.join(folder, name), encoding="utf-8").read()); pages[name] = p
broken, local, pictures = [], 0, 0
for name, p in pages.items():
    for src in p.srcs:
        pictures += 1
        if not os.path.isfile(os.path.join(folder, urllib.parse.unquote(src))):
            broken.append(f"{name}: picture {src}")
    for href in p.hrefs:
        if urllib.parse.urlsplit(href).scheme:
            continue
        local += 1
        path, _, frag = urllib.parse.unquote(href).partition("#")
        target = pages.get(path or name)
        if target is None or (frag and frag not in target.ids):
            broken.append(f"{name}: {href}")
if broken:
    print("broken:", *broken, sep="\n  "); sys.exit(1)
print(f"{len(pages)} pages, {local} links between and within them and {pictures} pictures, all resolve")
EOF

# ---- 4. the programs build the example site ----
# One "today" for both builds, so that their pages can be compared.
export SOURCE_DATE_EPOCH=1670000000
# 麒麟 V10 and 统信 UOS 20 have glibc 2.28; NeoKylin 7 has 2.17.
glibc=$(objdump -T "$linux/wenming" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -1)
if [ "$(printf '%s\n2.17\n' "$glibc" | sort -V | tail -1)" = 2.17 ]; then
  pass "linux binary needs glibc $glibc or newer (runs on 麒麟 V10, 统信 UOS 20: 2.28)"
else
  fail "linux binary needs glibc $glibc, newer than 2.17 (麒麟 and 统信 desktops have 2.28)"
fi
if (cd "$linux/站点" && ../wenming build) >"$work/build.out" 2>&1 && [ -f "$linux/站点/public/index.html" ]; then
  pass "linux package: wenming build in 站点 ($(tail -1 "$work/build.out"))"
else
  fail "linux package: wenming build"; cat "$work/build.out"
fi
prefix=${WENMING_WINDOWS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/wenming-windows}/wine-prefix
if [ -x /usr/lib/wine/wine64 ] && [ -f "$prefix/drive_c/windows/system32/bcryptprimitives.dll" ]; then
  if (cd "$win/站点" && WINEPREFIX=$prefix WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml=" DISPLAY= \
        /usr/lib/wine/wine64 ../wenming.exe build) >"$work/wine.out" 2>&1 &&
     diff -r --exclude='.wenming-*' "$linux/站点/public" "$win/站点/public" >"$work/wine.diff"; then
    pass "windows package under Wine: wenming.exe build in 站点, the same site as Linux's"
  else
    fail "windows package under Wine"; cat "$work/wine.out"; head -20 "$work/wine.diff"
  fi
else
  echo "  (no Wine prefix from tests/windows/run.sh: the exe is not run here)"
fi

for f in "$zip" "$tgz"; do echo "  $f: $(stat -c %s "$dist/$f") bytes"; done
echo "release check: $passed passed, $failed failed"
[ "$failed" = 0 ]
