#!/usr/bin/env bash
# The targets this machine cannot run natively, checked as far as it can:
#   clippy -D warnings  x86_64/aarch64 macOS, aarch64 Linux glibc, x86_64/aarch64 musl
#   link (zig)          the core's test binaries and the binding, both macOS targets
#   run                 the core's tests for aarch64 Linux glibc under qemu-user,
#                       and for x86_64 musl natively
# What it needs comes from the registries: target standard libraries through
# rustup, zig and cargo-zigbuild from PyPI (the zig version the CI workflow
# pins), qemu-user and the aarch64 glibc from Debian. Installed tools are
# reused; nothing is downloaded twice. Each step reports ran / FAILED /
# could not run; the script fails if a step that could run failed.
set -uo pipefail
cd "$(dirname "$0")/.."

# The zig version is the one .github/workflows/ci.yml gives mlugg/setup-zig, so
# that the macOS link here and the musl builds there use the same zig.
ZIG_VERSION=$(awk '/mlugg\/setup-zig/ { f = 1 } f && /version:/ { print $2; exit }' .github/workflows/ci.yml)
CARGO_ZIGBUILD_VERSION=0.24.1 # also pinned in .github/workflows/ci.yml
TOOLS=${RSPTY_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/rspty-check-targets}
CLIPPY_TARGETS=(x86_64-apple-darwin aarch64-apple-darwin aarch64-unknown-linux-gnu
  x86_64-unknown-linux-musl aarch64-unknown-linux-musl)
MACOS_TARGETS=(x86_64-apple-darwin aarch64-apple-darwin)
APT_PACKAGES=(qemu-user gcc-aarch64-linux-gnu libc6-dev-arm64-cross)

summary=()
failed=0
note() { printf '\n=== %s\n' "$*"; }
record() { summary+=("$(printf '%-14s %s' "$1" "$2")"); }
# step NAME COMMAND...: runs it, timed, and records the outcome.
step() {
  local name=$1 start rc
  shift
  note "$name"
  start=$SECONDS
  "$@"
  rc=$?
  if [ "$rc" -eq 0 ]; then
    record "ran, ok" "$name ($((SECONDS - start)) s)"
  else
    record "FAILED" "$name (exit $rc, $((SECONDS - start)) s)"
    failed=1
  fi
}
cannot() { record "could not run" "$1: $2"; note "could not run: $1: $2"; }

# --- prerequisites -----------------------------------------------------------

host=$(uname -sm)
targets_ok=1
if ! command -v rustup >/dev/null; then
  targets_ok=0
  targets_why="no rustup to install target standard libraries"
else
  installed=$(rustup target list --installed)
  missing=()
  for t in "${CLIPPY_TARGETS[@]}"; do
    grep -qx "$t" <<<"$installed" || missing+=("$t")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    note "rustup target add ${missing[*]}"
    rustup target add "${missing[@]}" || {
      targets_ok=0
      targets_why="rustup target add failed"
    }
  fi
fi

# zig and cargo-zigbuild in their own directory (pip --target), not in the
# user's Python environment.
zig_ok=1
export PATH="$TOOLS/py/bin:$TOOLS/py/ziglang:$PATH"
if [ "$(zig version 2>/dev/null)" != "$ZIG_VERSION" ] ||
  [ "$(cargo-zigbuild --version 2>/dev/null)" != "cargo-zigbuild $CARGO_ZIGBUILD_VERSION" ]; then
  note "pip install ziglang==$ZIG_VERSION cargo-zigbuild==$CARGO_ZIGBUILD_VERSION into $TOOLS/py"
  rm -rf "$TOOLS/py"
  # Its exit status is not the verdict (a pyenv shim can fail to rehash after
  # a good install): the version check below is.
  python3 -m pip install --quiet --disable-pip-version-check --target "$TOOLS/py" \
    "ziglang==$ZIG_VERSION" "cargo-zigbuild==$CARGO_ZIGBUILD_VERSION"
fi
if [ "$(zig version 2>/dev/null)" != "$ZIG_VERSION" ] ||
  [ "$(cargo-zigbuild --version 2>/dev/null)" != "cargo-zigbuild $CARGO_ZIGBUILD_VERSION" ]; then
  zig_ok=0
  zig_why="no zig $ZIG_VERSION and cargo-zigbuild $CARGO_ZIGBUILD_VERSION (pip install failed)"
fi

apt_ok=1
if [ "$host" != "Linux x86_64" ]; then
  apt_ok=0
  apt_why="the qemu and musl runs are set up for an x86-64 Linux host, this is $host"
else
  missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    sudo=()
    [ "$(id -u)" -eq 0 ] || sudo=(sudo -n)
    note "apt-get install ${missing[*]}"
    if ! command -v apt-get >/dev/null ||
      ! { "${sudo[@]}" apt-get update -qq &&
        DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"; }; then
      apt_ok=0
      apt_why="could not apt-get install ${missing[*]}"
    fi
  fi
fi

# --- the checks --------------------------------------------------------------

export CARGO_TERM_COLOR=never
# Without static CRT, musl keeps the binding's cdylib crate type (napi builds
# it so); with it, cargo drops the crate and clippy would not look at it.
export CARGO_TARGET_X86_64_UNKNOWN_LINUX_MUSL_RUSTFLAGS="-C target-feature=-crt-static"
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_MUSL_RUSTFLAGS="-C target-feature=-crt-static"

for t in "${CLIPPY_TARGETS[@]}"; do
  if [ "$targets_ok" = 1 ]; then
    step "clippy $t" cargo clippy --locked --workspace --all-targets --target "$t" -- -D warnings
  else
    cannot "clippy $t" "$targets_why"
  fi
done

# Linking with zig's libSystem stubs catches a symbol macOS does not have.
# rustc's note that xcrun is missing is expected here (zig has the stubs).
for t in "${MACOS_TARGETS[@]}"; do
  if [ "$targets_ok" = 1 ] && [ "$zig_ok" = 1 ]; then
    step "link $t" cargo zigbuild --locked --target "$t" -p rspty-core -p rspty --tests --lib
  else
    cannot "link $t" "${zig_why:-$targets_why}"
  fi
done

# qemu-user artefacts, handled here or named in the tests that meet them:
# signals the parent ignores cannot all be reset for the guest, so they are
# reset before qemu starts (env --default-signal); parallel forks can deadlock
# it, so one test at a time; a hang fails the step after 15 minutes.
if [ "$targets_ok" = 1 ] && [ "$apt_ok" = 1 ]; then
  export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
  export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER="env --default-signal qemu-aarch64 -L /usr/aarch64-linux-gnu"
  step "test aarch64-unknown-linux-gnu (qemu)" timeout 900 \
    cargo test --locked -p rspty-core --target aarch64-unknown-linux-gnu -- --test-threads=1
else
  cannot "test aarch64-unknown-linux-gnu (qemu)" "${apt_why:-$targets_why}"
fi

# The musl tests link statically (rustc's own musl CRT): no musl-gcc needed.
if [ "$targets_ok" = 1 ] && [ "$host" = "Linux x86_64" ]; then
  step "test x86_64-unknown-linux-musl" env -u CARGO_TARGET_X86_64_UNKNOWN_LINUX_MUSL_RUSTFLAGS \
    cargo test --locked -p rspty-core --target x86_64-unknown-linux-musl
else
  cannot "test x86_64-unknown-linux-musl" "${targets_why:-this is $host, not x86-64 Linux}"
fi

note "summary"
printf '%s\n' "${summary[@]}"
exit "$failed"
