#!/usr/bin/env bash
# What __test__/web-terminal.spec.ts needs beyond the root devDependencies:
# chromium, vim and less from apt (scripts/setup-browser.sh), and node-pty,
# the comparison backend of its throughput test, from bench/'s own lock file.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-browser.sh
if ! (cd bench && node -e "require('node-pty')") 2>/dev/null; then
  echo "setup-web-test: installing bench/ dependencies (node-pty)" >&2
  npm --prefix bench ci --no-audit --no-fund >&2
fi
