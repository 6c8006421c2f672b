#!/usr/bin/env bash
# Build the Linux program for the release package so that it runs on the
# 麒麟 (Kylin) and 统信 (UOS) desktops offices have, whose glibc is older
# than this machine's (Kylin V10 and UOS 20 have 2.28; NeoKylin 7 has
# 2.17): linked against glibc 2.17's symbol versions with cargo-zigbuild
# (zig's linker and its glibc stubs, from PyPI), with the usual Rust
# toolchain and its prebuilt x86_64-unknown-linux-gnu std.
#
#   bash dist/linux.sh        -> target/linux/wenming (stripped)
#
# Idempotent: cargo-zigbuild and ziglang go into a Python venv in the
# cache folder, which also holds the cargo target folder, so that a fresh
# clone on the same machine builds warm:
#   WENMING_LINUX_CACHE  (default ~/.cache/wenming-linux)
# Prints the program's path on stdout; everything else goes to stderr.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

glibc=2.17
target=x86_64-unknown-linux-gnu
cache=${WENMING_LINUX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/wenming-linux}
venv=$cache/venv
out_dir=$repo/target/linux
mkdir -p "$cache" "$out_dir"
say() { echo "linux.sh: $*" >&2; }

if ! "$venv/bin/cargo-zigbuild" --version >/dev/null 2>&1 || ! "$venv/bin/python-zig" version >/dev/null 2>&1; then
  say "installing cargo-zigbuild and ziglang into $venv"
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install -q cargo-zigbuild==0.24.0 ziglang==0.17.0 >&2
fi

start=$(date +%s)
env -u CARGO_BUILD_TARGET PATH="$venv/bin:$PATH" CARGO_TARGET_DIR="$cache/target" \
  cargo zigbuild --locked --release --bin wenming --target "$target.$glibc" -j "${WENMING_JOBS:-2}" >&2
say "cargo zigbuild: $(( $(date +%s) - start )) s"

bin=$out_dir/wenming
strip -o "$bin.tmp" "$cache/target/$target/release/wenming"
mv "$bin.tmp" "$bin"

# The newest glibc symbol version the program needs must be $glibc or older.
newest=$(objdump -T "$bin" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -1)
if [ "$(printf '%s\n%s\n' "$newest" "$glibc" | sort -V | tail -1)" != "$glibc" ]; then
  say "wenming needs GLIBC_$newest, newer than $glibc"
  exit 1
fi
say "$bin: $(stat -c %s "$bin") bytes; needs glibc $newest or newer"
echo "$bin"
