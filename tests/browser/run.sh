#!/usr/bin/env bash
# Builds the default site, serves it under its base path on loopback, and
# runs every *.spec.mjs here in Debian's chromium. Prints node's test summary.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cd "$repo"
# The debug build (dependencies optimised, see Cargo.toml) is what `cargo test`
# already compiled, so CI compiles once.
cargo build --quiet
out="$(mktemp -d)"
serve_root="$(mktemp -d)"
trap 'kill "${server_pid:-0}" 2>/dev/null || true; rm -rf "$out" "$serve_root"' EXIT
./target/debug/wenming build --output "$out/public"
ln -s "$out/public" "$serve_root/wmcj"
port="${WENMING_TEST_PORT:-8791}"
python3 -m http.server "$port" --bind 127.0.0.1 --directory "$serve_root" >/dev/null 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$port/wmcj/" >/dev/null 2>&1 && break
  sleep 0.1
done
cd "$here"
[ -d node_modules/playwright-core ] || npm ci --no-audit --no-fund
export WENMING_BASE="http://127.0.0.1:$port/wmcj/"
export WENMING_SCREENSHOTS="${WENMING_SCREENSHOTS:-$repo/target/screenshots}"
mkdir -p "$WENMING_SCREENSHOTS"
# SPECS=search.spec.mjs runs one file.
node --test --test-concurrency=1 ${SPECS:-./*.spec.mjs}
