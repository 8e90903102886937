#!/usr/bin/env bash
# Programs the screen tests drive (vim, less, top): installed with apt-get
# when missing and this machine can (root, Debian/Ubuntu). Otherwise a note
# says what is missing, and the tests that need them fail with ENOENT.
set -euo pipefail
missing=()
command -v vim >/dev/null || missing+=(vim)
command -v less >/dev/null || missing+=(less)
command -v top >/dev/null || missing+=(procps)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "test-deps: missing ${missing[*]} (install them to run the screen tests)" >&2
fi
