#!/usr/bin/env bash
# The real wenming.exe under Wine (Debian's wine64), against the Linux
# binary built from the same tree:
#   1. build: the default site (the repository root) gives the same tree,
#      byte for byte, as the Linux binary (the .wenming-* markers aside:
#      they hold modification times and the lock); so does a rebuild after
#      edits (the publish of a changed site), and a publish that a file
#      held open (as Word, WPS or Excel hold one) stopped, with a Chinese
#      message, then finished by the next build;
#   2. check: a report whose date is impossible gives a located Chinese
#      message and exit 1, the same text as on Linux; publish writes the
#      same package (names, sizes, SHA-256) as the Linux binary, and
#      import the same report bundle from a .docx;
#   3. serve: the preview answers on 127.0.0.1, and an edit reaches it;
#   4. no arguments (a double-click): in the release package's layout
#      the exe finds the site beside it, serves it and has the default
#      browser open it (cmd's start, winebrowser); elsewhere it asks
#      for the folder (a pasted path in quotes) and serves that; with no
#      answer it exits 1 with a Chinese message, without hanging.
# Builds the exe (dist/windows.sh) if needed. Exits non-zero on any failure;
# prints the time of each step.
#
#   WENMING_WINDOWS_CACHE  the cache of dist/windows.sh; the Wine prefix
#                          lives there too (default ~/.cache/wenming-windows)
#   WENMING_EXE            an exe to test instead of building one
#   WENMING_LINUX          a Linux binary to compare with (default: cargo
#                          build's target/debug/wenming)
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
cache=${WENMING_WINDOWS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/wenming-windows}
mkdir -p "$cache"

t0=$(date +%s)
step_start=$t0
lap() { local now; now=$(date +%s); echo "time: $1 $(( now - step_start )) s"; step_start=$now; }
passed=0 failed=0
pass() { echo "ok: $1"; passed=$((passed + 1)); }
fail() { echo "FAILED: $1"; failed=$((failed + 1)); }

# ---- the two binaries ----
exe=${WENMING_EXE:-$(bash dist/windows.sh)}
lap "windows exe (dist/windows.sh)"
if [ -z "${WENMING_LINUX:-}" ]; then
  cargo build --locked --quiet --bin wenming
  linux=${CARGO_TARGET_DIR:-$repo/target}/debug/wenming
else
  linux=$WENMING_LINUX
fi
lap "linux binary (cargo build)"

# ---- Wine ----
if ! command -v wine >/dev/null 2>&1 || [ ! -x /usr/lib/wine/wine64 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends wine64=8.0~repack-4 wine=8.0~repack-4 \
    || apt-get install -y -qq --no-install-recommends wine64 wine
fi
export WINEPREFIX=$cache/wine-prefix WINEARCH=win64 WINEDEBUG=-all
# No display here: Wine must not look for one (nor install Mono or Gecko).
export WINEDLLOVERRIDES="mscoree,mshtml=" DISPLAY=
unset WAYLAND_DISPLAY
wine=/usr/lib/wine/wine64
if [ ! -f "$WINEPREFIX/system.reg" ]; then
  "$wine" wineboot --init >/dev/null 2>&1
  wineserver -w
fi
# Wine 8.0 has no bcryptprimitives.dll (Windows 10 and 11 do); the test
# prefix gets a shim, see bcryptprimitives.c.
shim=$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll
if [ ! -f "$shim" ] || [ tests/windows/bcryptprimitives.c -nt "$shim" ]; then
  x86_64-w64-mingw32-gcc-win32 -shared -O2 -s -o "$shim" tests/windows/bcryptprimitives.c -ladvapi32
fi
hold=$cache/hold.exe
if [ ! -f "$hold" ] || [ tests/windows/hold.c -nt "$hold" ]; then
  x86_64-w64-mingw32-gcc-win32 -municode -O2 -s -o "$hold" tests/windows/hold.c
fi
# One server for the whole run (not one started and stopped per program).
wineserver -p >/dev/null 2>&1
lap "wine prefix"

work=$(mktemp -d)
serve_pid=
cleanup() {
  [ -n "$serve_pid" ] && kill "$serve_pid" 2>/dev/null || true
  WINEPREFIX=$WINEPREFIX wineserver -k 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

copy_site() {
  mkdir -p "$1"
  cp -r "$repo/site.yaml" "$repo/data" "$repo/content" "$repo/static" "$1/"
}
# Run the exe in folder $1 (its current folder, as from Explorer or cmd).
win() { local dir=$1; shift; (cd "$dir" && "$wine" "$exe" "$@"); }

# ---- 1. build: same tree as Linux ----
export SOURCE_DATE_EPOCH=1670000000
copy_site "$work/linux"
copy_site "$work/win"
(cd "$work/linux" && "$linux" build) >"$work/linux.out" 2>&1 || true
lap "linux build"
if win "$work/win" build >"$work/win.out" 2>&1; then
  if [ -n "$(find "$work/win/public" -type f | head -1)" ] &&
     diff -r --exclude='.wenming-*' "$work/linux/public" "$work/win/public" >"$work/build.diff"; then
    pass "build: $(find "$work/win/public" -type f ! -name '.wenming-*' | wc -l) files, same bytes as Linux"
  else
    fail "build: the tree differs from Linux's"; head -40 "$work/build.diff"
  fi
  # The report differs in the timing only.
  if ! diff <(sed 's/用时 [0-9.]* 秒/用时 … 秒/' "$work/linux.out") \
            <(sed 's/用时 [0-9.]* 秒/用时 … 秒/' "$work/win.out"); then
    fail "build: messages differ from Linux's"
  fi
else
  fail "build: exit $?"; cat "$work/win.out"
fi
tail -4 "$work/win.out" | sed 's/^/  wine> /'
lap "wine build"

# ---- 1b. rebuild after edits: the publish of a changed site (staged
# files flushed one by one, journal, renames, removals; a new file named
# in Chinese with a space), same tree ----
for side in linux win; do
  site=$work/$side
  echo "新增的一段（Windows 测试）。" >>"$site/content/reports/2022-09-02-kickoff-meeting.md"
  rm "$site/content/reports/2022-10-14-fire-safety.md"
  sed 's/^title: .*/title: 新增的报道/' "$site/content/reports/2022-11-03-xuefa.md" \
    >"$site/content/reports/2022-11-30-新增 报道.md"
  sed -i 's/^title: .*/title: 改过的标题/' "$site/content/reports/2022-09-08-zhongxinzu-study.md"
done
(cd "$work/linux" && "$linux" build) >"$work/linux2.out" 2>&1 || true
if win "$work/win" build >"$work/win2.out" 2>&1; then
  if diff -r --exclude='.wenming-*' "$work/linux/public" "$work/win/public" >"$work/build2.diff" &&
     [ ! -e "$work/win/public/reports/fire-safety" ] &&
     grep -rq '新增的报道' "$work/win/public" --include='*.html'; then
    pass "rebuild after edits: same bytes as Linux"
  else
    fail "rebuild after edits: the tree differs from Linux's"; head -40 "$work/build2.diff"
  fi
else
  fail "rebuild after edits: exit $?"; cat "$work/win2.out"
fi
tail -1 "$work/win2.out" | sed 's/^/  wine> /'
lap "wine rebuild"

# ---- 1c. published files held open, as Word, WPS, Excel or a PDF reader
# hold them (no sharing): the build names the file in Chinese and exits 1;
# once it is closed, the next build finishes the publish, and the tree is
# Linux's again. Replacing a held file fails with ERROR_ACCESS_DENIED,
# deleting one with ERROR_SHARING_VIOLATION. ----
# held FILE WHAT REASON: edit both sites (edit_sites, set before), hold FILE
# (below public) in the Windows one and build there.
held() {
  local file=$1 what=$2 reason=$3 code
  edit_sites
  (cd "$work/linux" && "$linux" build) >"$work/linux-held.out" 2>&1 || true
  rm -f "$work/.hold-release"
  : >"$work/hold.out"
  (cd "$work/win" && exec "$wine" "$hold" "public\\$file" '..\.hold-release') \
    >"$work/hold.out" 2>&1 &
  local hold_pid=$!
  for _ in $(seq 1 100); do grep -q held "$work/hold.out" && break; sleep 0.1; done
  grep -q held "$work/hold.out" || fail "held $file: the helper could not hold it"
  win "$work/win" build >"$work/win-held.out" 2>&1 && code=0 || code=$?
  touch "$work/.hold-release"
  wait "$hold_pid" || true
  local shown=${file//\\/\\\\}
  if [ "$code" = 1 ] && grep -q "无法${what} \.\\\\public\\\\${shown}：${reason}" "$work/win-held.out"; then
    pass "held $file: exit 1, says 无法${what} …：${reason}"
  else
    fail "held $file: exit $code, not 无法${what} …${file}：${reason}"; cat "$work/hold.out" "$work/win-held.out"
  fi
  grep -m1 '^错误' "$work/win-held.out" | sed 's/^/  wine> /' || true
  if win "$work/win" build >"$work/win-held2.out" 2>&1 &&
     diff -r --exclude='.wenming-*' "$work/linux/public" "$work/win/public" >"$work/held.diff"; then
    pass "held $file closed: the next build publishes, same bytes as Linux"
  else
    fail "held $file closed: the next build"; cat "$work/win-held2.out"; head -40 "$work/held.diff"
  fi
}
edit_sites() {
  for side in linux win; do
    sed -i 's/中心组专题学习精神文明建设重要论述并交流研讨/中心组专题学习（已改）/' "$work/$side/data/ledger.yaml"
  done
}
held ledger.csv 替换 '没有权限（文件可能正被其他程序打开'
edit_sites() {
  for side in linux win; do rm -r "$work/$side/content/reports/2022-10-12-badminton"; done
}
held 'reports\badminton\photo1.jpg' 删除 '文件正被其他程序打开（如 Word、WPS、Excel）'
lap "wine held files"

# ---- 2. check: a broken report, located, in Chinese, exit 1 ----
copy_site "$work/broken"
report=content/reports/2022-09-02-kickoff-meeting.md
sed -i 's/^date: .*/date: 2024-13-45/' "$work/broken/$report"
(cd "$work/broken" && "$linux" check) >"$work/check-linux.out" 2>&1 && code=0 || code=$?
[ "$code" = 1 ] || fail "check on Linux: exit $code, expected 1"
win "$work/broken" check >"$work/check-win.out" 2>&1 && code=0 || code=$?
if [ "$code" = 1 ] && grep -q "^$report:[0-9]*:[0-9]*: 错误：" "$work/check-win.out"; then
  pass "check: exit 1, $(grep -m1 "^$report" "$work/check-win.out")"
else
  fail "check: exit $code, no located message for $report"; cat "$work/check-win.out"
fi
if ! diff <(sed 's/用时 [0-9.]* 秒/用时 … 秒/' "$work/check-linux.out") \
          <(sed 's/用时 [0-9.]* 秒/用时 … 秒/' "$work/check-win.out"); then
  fail "check: messages differ from Linux's"
fi
grep -m2 -A1 "^$report" "$work/check-win.out" | sed 's/^/  wine> /'
lap "wine check"

# ---- 2b. publish: the package of the column, the same files as Linux's
# (names with /, UTF-8), a real zip ----
copy_site "$work/pub-linux"
copy_site "$work/pub-win"
(cd "$work/pub-linux" && "$linux" publish) >"$work/publish-linux.out" 2>&1 || fail "publish on Linux: exit $?"
if win "$work/pub-win" publish >"$work/publish-win.out" 2>&1; then
  if python3 - "$work/pub-linux/发布包" "$work/pub-win/发布包" >"$work/publish.diff" 2>&1 <<'PY'
import sys, zipfile, pathlib
def package(d):
    (z,) = [p for p in pathlib.Path(d).glob("*.zip")]
    zf = zipfile.ZipFile(z)
    assert zf.testzip() is None, "a damaged entry"
    names = zf.namelist()
    assert all("\\" not in n for n in names), "a backslash in a name"
    return z.name, zf.read("清单.csv")
linux, windows = package(sys.argv[1]), package(sys.argv[2])
assert linux == windows, (linux[0], windows[0])
print(linux[0], len(linux[1].splitlines()) - 1, "files")
PY
  then
    pass "publish: $(cat "$work/publish.diff"), the same 清单 as Linux's"
  else
    fail "publish: the package differs from Linux's"; cat "$work/publish.diff"
  fi
else
  fail "publish: exit $?"; cat "$work/publish-win.out"
fi
grep -E '^(全量包|交给信息中心)' "$work/publish-win.out" | sed 's/^/  wine> /'
lap "wine publish"

# ---- 2c. import: a Word report (with a Chinese name and a space in its
# path) gives the same bundle as on Linux ----
copy_site "$work/imp-linux"
copy_site "$work/imp-win"
mkdir -p "$work/文档 夹"
cp "$repo/tests/fixtures/docx/python-docx.docx" "$work/文档 夹/活动 报道.docx"
(cd "$work/imp-linux" && "$linux" import "$work/文档 夹/活动 报道.docx" --kind volunteer) >"$work/import-linux.out" 2>&1 ||
  fail "import on Linux: exit $?"
if win "$work/imp-win" import "$work/文档 夹/活动 报道.docx" --kind volunteer >"$work/import-win.out" 2>&1; then
  if diff -r "$work/imp-linux/content" "$work/imp-win/content" >"$work/import.diff"; then
    pass "import: $(grep -m1 '^已导入' "$work/import-win.out" | tr -d '\r' | sed 's/^已导入 .* → //'), the same bundle as Linux's"
  else
    fail "import: the bundle differs from Linux's"; head -20 "$work/import.diff"
  fi
else
  fail "import: exit $?"; cat "$work/import-win.out"
fi
grep -m1 '^已导入' "$work/import-win.out" | sed 's/^/  wine> /'
lap "wine import"

# ---- 3. serve: answers on loopback ----
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
copy_site "$work/serve"
(cd "$work/serve" && exec "$wine" "$exe" serve --port "$port") >"$work/serve.out" 2>&1 &
serve_pid=$!
status=
for _ in $(seq 1 120); do
  status=$(curl -s -o "$work/page.html" -w '%{http_code}' -H "Host: 127.0.0.1:$port" \
    "http://127.0.0.1:$port/wmcj/" 2>/dev/null) || true
  [ "$status" = 200 ] && break
  kill -0 "$serve_pid" 2>/dev/null || break
  sleep 0.5
done
if [ "$status" = 200 ] && grep -q '文明创建专题专栏' "$work/page.html"; then
  pass "serve: http://127.0.0.1:$port/wmcj/ answers 200 ($(wc -c <"$work/page.html") bytes)"
else
  fail "serve: no page on port $port (last status ${status:-none})"; cat "$work/serve.out"
fi
# An edit reaches the page (the file watcher: ReadDirectoryChangesW).
sed -i 's/^title: .*/title: 改过的标题（预览）/' "$work/serve/content/reports/2022-09-02-kickoff-meeting.md"
seen=
for _ in $(seq 1 60); do
  curl -s -H "Host: 127.0.0.1:$port" "http://127.0.0.1:$port/wmcj/reports/kickoff-meeting/" 2>/dev/null |
    grep -q '改过的标题（预览）' && { seen=1; break; }
  sleep 0.5
done
if [ -n "$seen" ]; then
  pass "serve: an edited report shows on its page ($(grep -m1 '^已更新' "$work/serve.out" || true))"
else
  fail "serve: the edit did not reach the page"; cat "$work/serve.out"
fi
kill "$serve_pid" 2>/dev/null || true
wait "$serve_pid" 2>/dev/null || true
serve_pid=
grep -m1 预览地址 "$work/serve.out" | sed 's/^/  wine> /' || true
lap "wine serve"

# ---- 4. no arguments, as a double-click starts it ----
# The default browser of this Wine: `start URL` reaches xdg-open through
# winebrowser; this one only notes the URL it was given.
mkdir -p "$work/bin"
printf '#!/bin/sh\necho "$1" >>"%s/opened"\n' "$work" >"$work/bin/xdg-open"
chmod +x "$work/bin/xdg-open"
# launched NAME DIR EXE [browser]: run EXE with no arguments in DIR
# (Explorer makes the exe's own folder the current one), its input from
# $work/NAME.in, with no browser unless asked, and wait for the preview's
# address; sets url.
launched() {
  local name=$1 dir=$2 exe_path=$3 no_browser=1
  [ "${4:-}" = browser ] && no_browser=0
  (cd "$dir" && PATH="$work/bin:$PATH" WENMING_NO_BROWSER=$no_browser \
     exec "$wine" "$exe_path" <"$work/$name.in") >"$work/$name.out" 2>&1 &
  serve_pid=$!
  url=
  for _ in $(seq 1 120); do
    url=$(sed -n 's/^预览地址：\(http[^ ]*\).*/\1/p' "$work/$name.out" | tr -d '\r')
    [ -n "$url" ] && break
    kill -0 "$serve_pid" 2>/dev/null || break
    sleep 0.5
  done
}
# fetched NAME WHAT: the page at $url answers; says so and stops the exe.
fetched() {
  local name=$1 what=$2 hostport status=
  hostport=${url#http://}; hostport=${hostport%%/*}
  [ -n "$url" ] && status=$(curl -s -o "$work/$name.html" -w '%{http_code}' \
    -H "Host: $hostport" "$url" 2>/dev/null) || true
  if [ "$status" = 200 ] && grep -q '文明创建专题专栏' "$work/$name.html" &&
     grep -q '要停止，关闭这个窗口或按 Ctrl+C' "$work/$name.out"; then
    pass "no arguments, $what: $url answers 200"
  else
    fail "no arguments, $what: no page (url ${url:-none}, status ${status:-none})"; cat "$work/$name.out"
  fi
  kill "$serve_pid" 2>/dev/null || true
  wait "$serve_pid" 2>/dev/null || true
  serve_pid=
}
# 4a. The release package: wenming.exe with the site in 站点 beside it,
# no input at all, and the browser opened on the workbench (token and all).
pkg="$work/wenming 包"
mkdir -p "$pkg"
cp "$exe" "$pkg/wenming.exe"
copy_site "$pkg/站点"
: >"$work/launch.in"
launched launch "$pkg" "$pkg/wenming.exe" browser
for _ in $(seq 1 40); do [ -s "$work/opened" ] && break; sleep 0.25; done
workbench=$(sed -n 's/^工作台：\(http[^ ]*token=[^ ]*\).*/\1/p' "$work/launch.out" | tr -d '\r')
if [ -n "$workbench" ] && [ "$(tr -d '\r' <"$work/opened" 2>/dev/null)" = "$workbench" ] &&
   grep -q '已在浏览器中打开工作台' "$work/launch.out"; then
  pass "no arguments: the default browser was asked to open the workbench ($workbench)"
else
  fail "no arguments: the browser got '$(cat "$work/opened" 2>/dev/null)', not the workbench '${workbench:-none}'"
fi
fetched launch "the site in 站点 beside the exe"
grep -E '^(站点文件夹|预览地址|wenming 正在运行)' "$work/launch.out" | sed 's/^/  wine> /'
# 4b. No site anywhere near: a wrong folder, then the site's path as
# Explorer's 复制文件地址 pastes it (in quotes, Windows separators).
mkdir -p "$work/empty"
winpath() { printf 'Z:%s' "${1//\//\\}"; }
printf '%s\r\n"%s"\r\n' 'D:\没有\站点' "$(winpath "$work/serve")" >"$work/ask.in"
launched ask "$work/empty" "$exe"
if grep -q '请输入站点文件夹的位置' "$work/ask.out" && grep -q '没有这个文件夹。请重新输入' "$work/ask.out"; then
  pass "no arguments, no site: asks for the folder, refuses a wrong one"
else
  fail "no arguments, no site: no question"; cat "$work/ask.out"
fi
fetched ask "the pasted folder"
grep -m1 '^站点文件夹：Z' "$work/ask.out" | sed 's/^/  wine> /' || true
# 4c. No answer at all (the input ends): exit 1 and a Chinese message,
# not a hang.
printf 'D:\\没有\\站点\r\n' >"$work/none.in"
(cd "$work/empty" && WENMING_NO_BROWSER=1 timeout 60 "$wine" "$exe" <"$work/none.in") \
  >"$work/none.out" 2>&1 && code=0 || code=$?
if [ "$code" = 1 ] && grep -q '错误：没有得到站点文件夹，预览没有启动' "$work/none.out"; then
  pass "no arguments, no answer: exit 1, $(grep -m1 '^错误' "$work/none.out" | tr -d '\r')"
else
  fail "no arguments, no answer: exit $code"; cat "$work/none.out"
fi
lap "wine no arguments"

echo "time: total $(( $(date +%s) - t0 )) s"
echo "windows: $passed passed, $failed failed"
[ "$failed" = 0 ]
