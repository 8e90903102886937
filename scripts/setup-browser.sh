#!/usr/bin/env bash
# Installs what the web-terminal browser test drives: Debian's chromium (never
# a browser downloaded from anywhere else), and vim and less, which the test
# runs in the pages. Does nothing when they are all there. Exits 0 when
# apt-get cannot run, after saying so loudly: the browser test then skips with
# its own message.
set -uo pipefail

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v vim >/dev/null 2>&1 || missing+=(vim)
command -v less >/dev/null 2>&1 || missing+=(less)
[ ${#missing[@]} -eq 0 ] && exit 0

loud() {
  echo "################################################################" >&2
  echo "# setup-browser: $*" >&2
  echo "# The web-terminal browser test will be SKIPPED." >&2
  echo "################################################################" >&2
}

if ! command -v apt-get >/dev/null 2>&1; then
  loud "apt-get not found; cannot install ${missing[*]}"
  exit 0
fi
sudo=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo=(sudo -n)
  else
    loud "not root and no password-less sudo; cannot install ${missing[*]}"
    exit 0
  fi
fi
echo "setup-browser: installing ${missing[*]} with apt-get" >&2
export DEBIAN_FRONTEND=noninteractive
if ! "${sudo[@]}" apt-get update -qq >&2 ||
  ! "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2; then
  loud "apt-get install ${missing[*]} failed"
  exit 0
fi
