#!/usr/bin/env bash
# Cross-build wenming.exe (x86_64-pc-windows-gnu) on Debian 12 from Debian's
# packages only: rustc-web and cargo-web (bookworm-security), their own std
# sources (rust-web-src) compiled for Windows with -Zbuild-std, and
# mingw-w64's gcc as the linker. No Windows machine, no rustup target.
#
#   bash dist/windows.sh        -> target/windows/wenming.exe (stripped)
#
# Idempotent: installs what is missing, then lets cargo rebuild only what
# changed. The cargo target folder (std built for Windows and every
# dependency) lives in a cache folder outside the clone, so that a fresh
# clone on the same machine (CI) builds warm:
#   WENMING_WINDOWS_CACHE  (default ~/.cache/wenming-windows)
#   CARGO_TARGET_DIR       (default $WENMING_WINDOWS_CACHE/target)
# Prints the exe's path on stdout; everything else goes to stderr.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

target=x86_64-pc-windows-gnu
cache=${WENMING_WINDOWS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/wenming-windows}
cargo_target=${CARGO_TARGET_DIR:-$cache/target}
out_dir=$repo/target/windows
mkdir -p "$cache" "$out_dir"

say() { echo "windows.sh: $*" >&2; }

# ---- Debian packages ----
# rustc-web/cargo-web/rust-web-src must be one version (one source package):
# -Zbuild-std compiles the std sources that match the compiler exactly.
packages=(rustc-web cargo-web rust-web-src gcc-mingw-w64-x86-64-win32)
pinned=(rustc-web=1.96.0+dfsg1-1~deb12u2 cargo-web=1.96.0+dfsg1-1~deb12u2
        rust-web-src=1.96.0+dfsg1-1~deb12u2 gcc-mingw-w64-x86-64-win32)
installed() { [ "$(dpkg-query -W -f '${db:Status-Status}' "$1" 2>/dev/null)" = installed ]; }
missing=()
for p in "${packages[@]}"; do installed "$p" || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${pinned[@]}" >&2 \
    || { say "pinned versions unavailable; installing the archive's current ones";
         apt-get install -y -qq --no-install-recommends "${packages[@]}" >&2; }
fi
v_rustc=$(dpkg-query -W -f '${Version}' rustc-web)
v_src=$(dpkg-query -W -f '${Version}' rust-web-src)
if [ "$v_rustc" != "$v_src" ]; then
  say "rustc-web $v_rustc and rust-web-src $v_src differ; install both at one version"
  exit 1
fi

# ---- build ----
# Debian's toolchain by absolute path, whatever rustup puts first on PATH.
# RUSTC_BOOTSTRAP=1 lets this stable compiler take -Zbuild-std.
# The exe links libgcc's unwinder and winpthreads statically (rustc does so
# when every crate is an rlib) and msvcrt, a part of Windows: one file.
env_build=(
  -u RUSTUP_TOOLCHAIN -u RUSTFLAGS -u CARGO_ENCODED_RUSTFLAGS -u CARGO_BUILD_RUSTFLAGS
  -u CARGO_BUILD_TARGET
  PATH="/usr/bin:$PATH"
  RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc
  RUSTC_BOOTSTRAP=1
  CARGO_TARGET_DIR="$cargo_target"
  CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER=x86_64-w64-mingw32-gcc-win32
  CC_x86_64_pc_windows_gnu=x86_64-w64-mingw32-gcc-win32
  AR_x86_64_pc_windows_gnu=x86_64-w64-mingw32-ar
)
say "rustc $(/usr/bin/rustc -V | cut -d' ' -f2) (Debian $v_rustc), target $target, cargo target $cargo_target"
start=$(date +%s)
env "${env_build[@]}" /usr/bin/cargo build --locked --release --bin wenming \
  --target "$target" -Zbuild-std=std,panic_unwind -j "${WENMING_JOBS:-2}" >&2
say "cargo build: $(( $(date +%s) - start )) s"

built=$cargo_target/$target/release/wenming.exe
exe=$out_dir/wenming.exe
# strip stamps the PE header with the time it runs, unless given one: the
# commit's, so that one commit gives one exe (and release zip) byte for byte.
stamp=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 0)}
SOURCE_DATE_EPOCH=$stamp x86_64-w64-mingw32-strip -o "$exe.tmp" "$built"
mv "$exe.tmp" "$exe"

# One file: it may import only DLLs that every Windows 10/11 has.
dlls=$(x86_64-w64-mingw32-objdump -p "$exe" | sed -n 's/^\tDLL Name: //p' | tr 'A-Z' 'a-z' | sort -u)
for dll in $dlls; do
  case "$dll" in
    kernel32.dll|ntdll.dll|msvcrt.dll|advapi32.dll|userenv.dll|ws2_32.dll|\
    bcryptprimitives.dll|api-ms-win-core-*.dll) ;;
    *) say "wenming.exe needs $dll, which Windows does not have"; exit 1 ;;
  esac
done
say "$exe: $(stat -c %s "$exe") bytes; imports $(echo $dlls)"
echo "$exe"
