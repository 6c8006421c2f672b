#!/usr/bin/env bash
# Make the release packages from a clean clone, then check them:
#
#   bash dist/release.sh
#
#   target/dist/wenming-<version>-windows-x64.zip     wenming.exe (dist/windows.sh)
#   target/dist/wenming-<version>-linux-x64.tar.gz    wenming (dist/linux.sh: glibc 2.17 or newer)
#   target/dist/SHA256SUMS
#
# Each package is one folder, wenming-<version>-<system>/, holding the
# program, 站点/ (the example site: the repository root's site.yaml,
# content/, data/, static/; a double-click on the program serves it) and
# 使用说明/ (README.md and docs/*.md as HTML pages that open from disk,
# made by examples/docs_html.rs). The version is Cargo.toml's. Every file
# carries the commit's time and the entries are sorted, so one commit
# gives the same packages byte for byte.
#
# A release is a commit: a tree with uncommitted changes is refused
# (WENMING_RELEASE_DIRTY=1 packages it anyway, for trying the script out).
# Progress goes to stderr; the packages' paths to stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
say() { echo "release.sh: $*" >&2; }

version=$(awk -F'"' '/^\[/ { p = ($0 == "[package]") } p && /^version *=/ { print $2; exit }' Cargo.toml)
[ -n "$version" ] || { say "no version in Cargo.toml's [package]"; exit 1; }
if [ -n "$(git status --porcelain)" ] && [ "${WENMING_RELEASE_DIRTY:-}" != 1 ]; then
  say "the tree has uncommitted changes (git status): commit them first, or set WENMING_RELEASE_DIRTY=1"
  exit 1
fi
epoch=$(git log -1 --format=%ct)
say "wenming $version, commit $(git rev-parse --short HEAD)"

# The user docs, in the order of README's table of documents; a doc
# added to docs/ must be placed here (or it would be left out unseen).
docs=(README.md docs/快速上手.md docs/工作台.md docs/导入Word.md docs/发布.md docs/写报道.md docs/数据文件.md docs/命令.md docs/错误信息.md docs/模板.md)
# docs/templates.md only says that the page moved to 模板.md.
for f in docs/*.md; do
  case " ${docs[*]} docs/templates.md " in
    *" $f "*) ;;
    *) say "$f is not in the packages' docs: add it to the list in dist/release.sh"; exit 1 ;;
  esac
done

# ---- the programs ----
start=$(date +%s)
# In its own cache folder, whatever CARGO_TARGET_DIR says: Debian's rustc
# and the usual one sharing one target folder would rebuild each other's
# build scripts and macros every time.
exe=$(env -u CARGO_TARGET_DIR bash dist/windows.sh)
say "windows exe: $(( $(date +%s) - start )) s"
start=$(date +%s)
# Linked against glibc 2.17's symbols, for the older glibc of 麒麟/统信.
linux_bin=$(env -u CARGO_TARGET_DIR bash dist/linux.sh)
say "linux binary: $(( $(date +%s) - start )) s"

# ---- the folders ----
mkdir -p target/dist
stage=$(mktemp -d "$repo/target/dist-stage.XXXXXX")
trap 'rm -rf "$stage"' EXIT
cargo run --release --locked --quiet --example docs_html -- "$stage/使用说明" "$version" "${docs[@]}"
git ls-files -z -- site.yaml content data static | tar --null -T - -cf "$stage/site.tar"
names=()
for system in windows-x64 linux-x64; do
  name=wenming-$version-$system
  names+=("$name")
  mkdir -p "$stage/$name/站点"
  tar -xf "$stage/site.tar" -C "$stage/$name/站点"
  cp -r "$stage/使用说明" "$stage/$name/"
done
cp "$exe" "$stage/wenming-$version-windows-x64/wenming.exe"
cp "$linux_bin" "$stage/wenming-$version-linux-x64/wenming"
chmod 755 "$stage/wenming-$version-linux-x64/wenming"
find "$stage" -exec touch -h -d "@$epoch" {} +

# ---- the packages ----
dist=$repo/target/dist
zip=wenming-$version-windows-x64.zip
tgz=wenming-$version-linux-x64.tar.gz
rm -f "$dist/$zip" "$dist/$tgz" "$dist/SHA256SUMS"
# A real zip, with every non-ASCII name flagged UTF-8 (Python's zipfile
# sets the flag), which Windows' Explorer needs to show 站点 and 使用说明
# instead of garbled names.
python3 - "$stage" "${names[0]}" "$dist/$zip" "$epoch" <<'EOF'
import os, sys, time, zipfile
stage, top, out, epoch = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
when = time.gmtime(epoch)[:6]
with zipfile.ZipFile(out, "w") as z:
    for folder, subfolders, files in os.walk(os.path.join(stage, top)):
        subfolders.sort()
        rel = os.path.relpath(folder, stage).replace(os.sep, "/")
        entry = zipfile.ZipInfo(rel + "/", when)
        entry.external_attr = (0o40755 << 16) | 0x10  # a folder, for Unix and for Windows
        z.writestr(entry, b"")
        for f in sorted(files):
            entry = zipfile.ZipInfo(rel + "/" + f, when)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o100644 << 16
            with open(os.path.join(folder, f), "rb") as fh:
                z.writestr(entry, fh.read(), compresslevel=9)
EOF
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$epoch" \
  -C "$stage" -cf - "${names[1]}" | gzip -9n >"$dist/$tgz"
(cd "$dist" && sha256sum "$zip" "$tgz" >SHA256SUMS)

for f in "$zip" "$tgz"; do say "$f: $(stat -c %s "$dist/$f") bytes"; done
bash dist/check-release.sh "$dist" "$version" >&2
echo "$dist/$zip"
echo "$dist/$tgz"
echo "$dist/SHA256SUMS"
