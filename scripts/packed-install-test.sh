#!/usr/bin/env bash
# Packed-install test: checks rspty the way a user gets it from the registry.
#
# Run it after `npm run build` on Linux x64 (glibc). It
#   1. copies the built rspty.linux-x64-gnu.node into npm/linux-x64-gnu/,
#   2. packs the main package and npm/linux-x64-gnu with `npm pack`, checks
#      that each tarball holds exactly the intended files and no install-time
#      lifecycle scripts,
#   3. installs both tarballs into a fresh project with a PATH that holds only
#      node and npm (no cargo, cc, gcc, make or python) and without the
#      registry (--offline),
#   4. in that project: require('rspty') and import('rspty') both run a real
#      program through the native addon, and a TypeScript consumer type-checks
#      against the installed declarations while deliberate misuses do not.
#
# Every check prints a PASS or FAIL line; the exit status is non-zero if any
# check failed. Set KEEP_TMP=1 to keep the scratch directory for inspection.
set -uo pipefail

repo=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
platform=linux-x64-gnu
addon=rspty.$platform.node
platform_dir=$repo/npm/$platform

passes=0
failures=0
pass() { passes=$((passes + 1)); printf 'PASS: %s\n' "$*"; }
fail() { failures=$((failures + 1)); printf 'FAIL: %s\n' "$*"; }
info() { printf 'INFO: %s\n' "$*"; }
finish() {
  printf '\npacked-install: %d passed, %d failed\n' "$passes" "$failures"
  if [ "$failures" -ne 0 ]; then exit 1; fi
  exit 0
}
# A failed precondition ends the run: later checks would only repeat it.
abort() { fail "$*"; finish; }
# Print a log file indented, for the context of a FAIL line.
show() { [ -s "$1" ] && sed 's/^/    | /' "$1"; return 0; }

# --- preconditions -----------------------------------------------------------

if [ "$(uname -s)" != Linux ] || [ "$(uname -m)" != x86_64 ]; then
  abort "this test needs Linux x86_64 (found $(uname -s) $(uname -m))"
fi

node_bin=$(command -v node) || abort "node is not on PATH"
npm_bin=$(command -v npm) || abort "npm is not on PATH"
env_bin=$(command -v env) || abort "env is not on PATH"
timeout_bin=$(command -v timeout) || abort "timeout is not on PATH"
tsc_js=$repo/node_modules/typescript/bin/tsc
types_root=$repo/node_modules/@types
[ -f "$tsc_js" ] || abort "node_modules/typescript is missing: run npm ci first"
[ -d "$types_root/node" ] || abort "node_modules/@types/node is missing: run npm ci first"

missing=()
for f in "$addon" index.js index.d.ts dist/index.js dist/index.mjs dist/index.d.ts; do
  [ -f "$repo/$f" ] || missing+=("$f")
done
if [ "${#missing[@]}" -ne 0 ]; then
  abort "build output missing (${missing[*]}): run npm run build first"
fi
[ -f "$platform_dir/package.json" ] || abort "npm/$platform/package.json is missing"

addon_size=$(wc -c <"$repo/$addon")
info "native addon $addon: $addon_size bytes ($(( (addon_size + 1023) / 1024 )) KiB)"
info "node $("$node_bin" --version), npm $("$npm_bin" --version 2>/dev/null)," \
  "typescript $("$node_bin" "$tsc_js" --version | sed 's/^Version //')"

work=$(mktemp -d "${TMPDIR:-/tmp}/rspty-packed.XXXXXX") || abort "mktemp failed"
copied_addon=
# shellcheck disable=SC2329 # run by the EXIT trap below
cleanup() {
  if [ -n "$copied_addon" ]; then rm -f -- "$copied_addon"; fi
  if [ "${KEEP_TMP:-0}" = 1 ]; then
    info "scratch directory kept: $work"
  else
    rm -rf -- "$work"
  fi
}
trap cleanup EXIT
mkdir -p "$work/tarballs" "$work/bin" "$work/home" "$work/tmp" "$work/project"

# --- 1. the platform package gets the freshly built addon ---------------------

if [ ! -e "$platform_dir/$addon" ]; then copied_addon=$platform_dir/$addon; fi
cp -- "$repo/$addon" "$platform_dir/$addon" || abort "could not copy $addon into npm/$platform"
pass "copied $addon into npm/$platform/"

# --- 2. pack both packages and inspect the tarballs ---------------------------

# pack DIR NAME: npm pack DIR into $work/tarballs, leaving the --json report in
# $work/NAME.pack.json and the tarball path in $work/NAME.tgz.path.
pack() {
  local dir=$1 name=$2
  if (cd -- "$dir" && "$npm_bin" pack --json --pack-destination "$work/tarballs") \
      >"$work/$name.pack.json" 2>"$work/$name.pack.log"; then
    local file
    file=$("$node_bin" -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log(r[0].filename)' \
      "$work/$name.pack.json") || return 1
    printf '%s\n' "$work/tarballs/$file" >"$work/$name.tgz.path"
    [ -f "$work/tarballs/$file" ]
  else
    return 1
  fi
}

pack "$repo" main || { show "$work/main.pack.log"; abort "npm pack of the main package failed"; }
main_tgz=$(cat "$work/main.tgz.path")
pass "npm pack of the main package: $(basename "$main_tgz") ($(wc -c <"$main_tgz") bytes)"

pack "$platform_dir" platform || { show "$work/platform.pack.log"; abort "npm pack of npm/$platform failed"; }
platform_tgz=$(cat "$work/platform.tgz.path")
pass "npm pack of npm/$platform: $(basename "$platform_tgz") ($(wc -c <"$platform_tgz") bytes)"

# Check a tarball's file list against an exact expected list, and its
# package.json for install-time lifecycle scripts. The expected list of the
# main package: package.json, README.md, LICENSE (if the repo has one),
# index.js and index.d.ts (the napi loader and its declarations) and the
# compiled TypeScript layer: every dist/**/*.js, *.mjs and *.d.ts on disk,
# which must include dist/index.{js,mjs,d.ts}.
cat >"$work/inspect.js" <<'EOF'
'use strict'
const fs = require('node:fs')
const path = require('node:path')
const [kind, packJson, tarball, srcDir] = process.argv.slice(2)
const report = JSON.parse(fs.readFileSync(packJson, 'utf8'))[0]
const actual = report.files.map((f) => f.path).sort()
let failed = false
const pass = (m) => console.log(`PASS: ${m}`)
const fail = (m) => { failed = true; console.log(`FAIL: ${m}`) }

function walk(dir, rel = '') {
  const out = []
  for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name
    if (e.isDirectory()) out.push(...walk(dir, r))
    else out.push(r)
  }
  return out
}

let expected
if (kind === 'main') {
  expected = ['package.json', 'README.md', 'index.js', 'index.d.ts']
  for (const f of fs.readdirSync(srcDir)) {
    if (/^licen[cs]e(\.(md|txt))?$/i.test(f)) expected.push(f)
  }
  for (const f of walk(path.join(srcDir, 'dist'))) {
    if (/\.(js|mjs|d\.ts)$/.test(f)) expected.push(`dist/${f}`)
  }
  for (const f of ['dist/index.js', 'dist/index.mjs', 'dist/index.d.ts']) {
    if (!expected.includes(f)) fail(`${f} was not built`)
  }
} else {
  const manifest = JSON.parse(fs.readFileSync(path.join(srcDir, 'package.json'), 'utf8'))
  expected = ['package.json', 'README.md', manifest.main]
}
expected = [...new Set(expected)].sort()

const extra = actual.filter((f) => !expected.includes(f))
const absent = expected.filter((f) => !actual.includes(f))
if (extra.length === 0 && absent.length === 0) {
  pass(`${kind} tarball holds exactly the ${actual.length} intended files: ${actual.join(' ')}`)
} else {
  if (extra.length) fail(`${kind} tarball holds unexpected files: ${extra.join(' ')}`)
  if (absent.length) fail(`${kind} tarball lacks expected files: ${absent.join(' ')}`)
  console.log(`INFO: ${kind} tarball files: ${actual.join(' ')}`)
}

const forbidden = actual.filter((f) =>
  kind === 'main'
    ? /\.node$|\.rs$|(^|\/)__test__\/|(^|\/)binding\.gyp$|\.(tsbuildinfo|map)$/.test(f) ||
      (/\.ts$/.test(f) && !/\.d\.ts$/.test(f))
    : !/^(package\.json|README\.md|rspty\.[a-z0-9-]+\.node)$/.test(f))
if (forbidden.length) fail(`${kind} tarball holds forbidden files: ${forbidden.join(' ')}`)
else if (kind === 'main') pass('main tarball has no .node, .rs, .ts sources, source maps, binding.gyp or __test__ files')
else pass('platform tarball holds only the addon, package.json and README.md')

// The manifest as published, read from the tarball itself.
const { execFileSync } = require('node:child_process')
const pkg = JSON.parse(execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' }))
const hooks = ['preinstall', 'install', 'postinstall', 'prepare', 'preprepare', 'postprepare']
  .filter((h) => pkg.scripts && Object.prototype.hasOwnProperty.call(pkg.scripts, h))
if (hooks.length) fail(`${kind} package.json has install-time lifecycle scripts: ${hooks.join(', ')}`)
else pass(`${kind} package.json has no install-time lifecycle scripts (scripts: ${Object.keys(pkg.scripts || {}).join(', ') || 'none'})`)
if (pkg.gypfile) fail(`${kind} package.json sets gypfile, npm would run node-gyp on install`)

if (kind === 'main') {
  const targets = new Set()
  const collect = (v) => {
    if (typeof v === 'string') targets.add(path.posix.normalize(v))
    else if (v && typeof v === 'object') Object.values(v).forEach(collect)
  }
  collect([pkg.main, pkg.types, pkg.exports, pkg.bin])
  const dangling = [...targets].filter((t) => !actual.includes(t))
  if (dangling.length) fail(`main package.json points at files not in the tarball: ${dangling.join(' ')}`)
  else pass(`main, types, bin and every exports target are in the tarball (${[...targets].join(' ')})`)
} else {
  const want = { os: ['linux'], cpu: ['x64'], libc: ['glibc'] }
  const bad = Object.entries(want).filter(([k, v]) => JSON.stringify(pkg[k]) !== JSON.stringify(v))
  if (bad.length) fail(`platform package.json has wrong ${bad.map(([k]) => `${k} (${JSON.stringify(pkg[k])})`).join(', ')}`)
  else pass('platform package.json declares os [linux], cpu [x64], libc [glibc]')
}
console.log(`INFO: ${kind} tarball ${report.size} bytes packed, ${report.unpackedSize} bytes unpacked, ${report.entryCount} entries`)
process.exit(failed ? 1 : 0)
EOF

for kind in main platform; do
  if [ "$kind" = main ]; then tgz=$main_tgz; src=$repo; else tgz=$platform_tgz; src=$platform_dir; fi
  while IFS= read -r line; do
    case $line in
      PASS:*) passes=$((passes + 1)); printf '%s\n' "$line" ;;
      FAIL:*) failures=$((failures + 1)); printf '%s\n' "$line" ;;
      *) printf '%s\n' "$line" ;;
    esac
  done < <("$node_bin" "$work/inspect.js" "$kind" "$work/$kind.pack.json" "$tgz" "$src" 2>&1)
done

# --- 3. install the tarballs where no build tool can be found -----------------

# The PATH of the fresh project: symlinks to node and npm and nothing else.
# npm's shebang runs /usr/bin/env by absolute path, so env is not needed. sh
# is left out on purpose: npm runs lifecycle scripts through the sh on PATH,
# so an install script, which the packages must not have, fails the install.
ln -s -- "$node_bin" "$work/bin/node"
ln -s -- "$npm_bin" "$work/bin/npm"

found=$(PATH=$work/bin; hash -r
  for t in cargo rustc cc gcc g++ clang make python python3 node-gyp sh bash; do
    command -v "$t" >/dev/null 2>&1 && printf '%s ' "$t"
  done)
if [ -z "$found" ]; then
  pass "the project's PATH holds only node and npm (no cargo, rustc, cc, gcc, make, python, node-gyp, sh)"
else
  fail "the project's PATH still finds: $found"
fi

# sandbox CMD...: run CMD in the fresh project with an emptied environment
# whose PATH is the symlink directory, killed after 5 minutes at most.
sandbox() {
  (cd -- "$work/project" && "$timeout_bin" -k 10 300 "$env_bin" -i \
    PATH="$work/bin" HOME="$work/home" TMPDIR="$work/tmp" \
    npm_config_cache="$work/npm-cache" npm_config_update_notifier=false \
    "$@")
}

cat >"$work/project/package.json" <<'EOF'
{
  "name": "rspty-packed-install-test",
  "version": "0.0.0",
  "private": true
}
EOF

if sandbox npm install --offline --no-audit --no-fund --foreground-scripts \
    "$main_tgz" "$platform_tgz" >"$work/install.log" 2>&1; then
  pass "npm install --offline of both tarballs with node and npm alone on PATH"
else
  show "$work/install.log"
  abort "npm install of the tarballs failed"
fi

nm=$work/project/node_modules
if [ -f "$nm/rspty-$platform/$addon" ] && [ -z "$(find "$nm/rspty" -name '*.node' -print -quit)" ]; then
  pass "the addon is installed in node_modules/rspty-$platform/ and node_modules/rspty holds no .node file"
else
  fail "unexpected install layout: $(cd "$nm" && find . -name '*.node' | tr '\n' ' ')"
fi

# --- 4. the installed package works from CommonJS and from ESM ----------------

cat >"$work/project/check.cjs" <<'EOF'
'use strict'
const assert = require('node:assert/strict')

async function main() {
  const rspty = require('rspty')
  assert.match(require.resolve('rspty'), /\/node_modules\/rspty\/dist\/index\.js$/)
  for (const name of ['spawn', 'run', 'openpty']) {
    assert.equal(typeof rspty[name], 'function', `require('rspty').${name} is a function`)
  }
  const addon = Object.keys(require.cache).filter((k) => k.endsWith('.node'))
  assert.deepEqual(
    addon.map((k) => k.replace(/^.*\/node_modules\//, '')),
    ['rspty-linux-x64-gnu/rspty.linux-x64-gnu.node'],
    'the loader took the addon from the platform package',
  )

  const result = await rspty.run('/bin/echo', ['hello'])
  assert.ok(Buffer.isBuffer(result.output), 'run().output is a Buffer')
  assert.equal(JSON.stringify(result.output.toString('latin1')), JSON.stringify('hello\r\n'))
  assert.equal(result.exitCode, 0)
  assert.equal(result.signal, null)

  const esm = await import('rspty')
  assert.equal(esm.run, rspty.run, "import('rspty') from CommonJS gives the same functions as require")

  // A program that does not exist: the documented errno in the rejection.
  await assert.rejects(rspty.spawn('/nonexistent/rspty-packed-test'), { code: 'ENOENT' })

  // openpty(): two fds the caller owns and the slave's device path.
  const fs = require('node:fs')
  const pair = rspty.openpty({ cols: 90, rows: 20 })
  assert.ok(Number.isInteger(pair.master) && Number.isInteger(pair.slave), 'openpty() gives integer fds')
  assert.match(pair.path, /^\/dev\/pts\/\d+$/)
  fs.closeSync(pair.slave)
  fs.closeSync(pair.master)
  console.log('require(rspty): run(/bin/echo hello) -> %j, exitCode %d; spawn of a missing program rejects with ENOENT; openpty() -> %s',
    result.output.toString(), result.exitCode, pair.path)
}

main().then(() => process.exit(0), (err) => { console.error(err); process.exit(1) })
EOF

cat >"$work/project/check.mjs" <<'EOF'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { run, spawn, openpty } from 'rspty'

assert.match(fileURLToPath(import.meta.resolve('rspty')), /\/node_modules\/rspty\/dist\/index\.mjs$/)
const cjs = createRequire(import.meta.url)('rspty')
assert.equal(run, cjs.run, 'the ESM entry re-exports the CommonJS functions')
assert.equal(spawn, cjs.spawn)
assert.equal(openpty, cjs.openpty)

const result = await run('/bin/echo', ['hello'])
assert.ok(Buffer.isBuffer(result.output))
assert.equal(JSON.stringify(result.output.toString('latin1')), JSON.stringify('hello\r\n'))
assert.equal(result.exitCode, 0)
assert.equal(result.signal, null)

// spawn + async iteration + exited, bounded so that a hang fails instead.
const timeout = setTimeout(() => { console.error('spawn check timed out'); process.exit(1) }, 20000)
const pty = await spawn('/bin/echo', ['hello'], { cols: 100, rows: 30 })
assert.ok(Number.isInteger(pty.pid) && pty.pid > 0, 'pty.pid is a positive integer')
assert.equal(pty.cols, 100)
assert.equal(pty.rows, 30)
const chunks = []
for await (const chunk of pty) {
  assert.ok(Buffer.isBuffer(chunk), 'chunks are Buffers')
  chunks.push(chunk)
}
const status = await pty.exited
await pty.close()
clearTimeout(timeout)
assert.equal(JSON.stringify(Buffer.concat(chunks).toString('latin1')), JSON.stringify('hello\r\n'))
assert.deepEqual({ ...status }, { exitCode: 0, signal: null })

console.log('import(rspty): run and spawn of /bin/echo hello -> %j, exitCode %d', result.output.toString(), result.exitCode)
EOF

for check in check.cjs check.mjs; do
  if sandbox node "$check" >"$work/$check.log" 2>&1; then
    pass "$check: $(tail -n 1 "$work/$check.log")"
  else
    show "$work/$check.log"
    if [ "$check" = check.cjs ]; then
      fail "require('rspty') in the installed project (check.cjs)"
    else
      fail "import('rspty') in the installed project (check.mjs)"
    fi
  fi
done

# The package's command, if it declares one, is linked and starts.
bins=$("$node_bin" -e 'const b = require(process.argv[1]).bin; console.log(typeof b === "string" ? require(process.argv[1]).name : Object.keys(b || {}).join(" "))' \
  "$nm/rspty/package.json")
for bin in $bins; do
  if [ -x "$nm/.bin/$bin" ] && sandbox "node_modules/.bin/$bin" --help >"$work/bin-$bin.log" 2>&1 \
      && grep -q "^Usage: $bin" "$work/bin-$bin.log"; then
    pass "node_modules/.bin/$bin --help runs and prints its usage"
  else
    show "$work/bin-$bin.log"
    fail "node_modules/.bin/$bin --help"
  fi
done

# --- 5. the installed declarations type-check a consumer and reject misuse ----

# A consumer's tsconfig: Node16 resolution (so the exports map and its "types"
# condition are what TypeScript follows), strict, and the declarations
# themselves checked too (no skipLibCheck). @types/node comes from the repo's
# node_modules so that nothing is fetched.
cat >"$work/project/tsconfig.base.json" <<EOF
{
  "compilerOptions": {
    "module": "node16",
    "moduleResolution": "node16",
    "target": "es2022",
    "strict": true,
    "noEmit": true,
    "skipLibCheck": false,
    "types": ["node"],
    "typeRoots": ["$types_root"]
  }
}
EOF

cat >"$work/project/consumer.mts" <<'EOF'
import { openpty, run, spawn } from 'rspty'

const result = await run('/bin/echo', ['hello'], { cols: 80, rows: 24 })
const output: Buffer = result.output
const code: number | null = result.exitCode
const sig: NodeJS.Signals | null = result.signal

const controller = new AbortController()
const pty = await spawn('/bin/sh', ['-c', 'echo hi'], {
  cols: 120,
  rows: 40,
  cwd: '/',
  env: { ...process.env, TERM: 'xterm-256color' },
  name: 'xterm-256color',
  signal: controller.signal,
})
const pid: number = pty.pid
const size: [number, number] = [pty.cols, pty.rows]
pty.resize(100, 30)
await pty.write('echo more\n')
await pty.write(Buffer.from('exit\n'))
for await (const chunk of pty) {
  const bytes: Buffer = chunk
  void bytes
}
const status = await pty.exited
const exitCode: number | null = status.exitCode
const signal: NodeJS.Signals | null = status.signal
pty.kill()
pty.kill('SIGTERM')
await pty.close()
const dispose: () => PromiseLike<void> = pty[Symbol.asyncDispose].bind(pty)
await dispose()

const pair = openpty({ cols: 80, rows: 24 })
const path: string = pair.path
void pair.master
void pair.slave

void [output, code, sig, pid, size, exitCode, signal, path]
EOF

cat >"$work/project/consumer.cts" <<'EOF'
import rspty = require('rspty')

async function main(): Promise<number | null> {
  const result = await rspty.run('/bin/echo', ['hello'])
  const pty = await rspty.spawn('/bin/cat')
  await pty.close()
  return result.exitCode
}
void main()
EOF

# Each misuse lives in its own file and must fail with exactly the expected
# diagnostic at the expected line.
cat >"$work/project/misuse-spawn.mts" <<'EOF'
import { spawn } from 'rspty'

// the file to run must be a string
await spawn(42)
EOF
cat >"$work/project/misuse-resize.mts" <<'EOF'
import { spawn } from 'rspty'
const pty = await spawn('/bin/sh')
// columns and rows are numbers
pty.resize('a', 1)
EOF
cat >"$work/project/misuse-options.mts" <<'EOF'
import { spawn } from 'rspty'

// SpawnOptions.cols is a number
await spawn('/bin/sh', [], { cols: '80' })
EOF

tsconfig_for() { # tsconfig_for NAME FILE...
  local name=$1; shift
  local files
  files=$(printf '"%s",' "$@")
  printf '{ "extends": "./tsconfig.base.json", "files": [%s] }\n' "${files%,}" \
    >"$work/project/tsconfig.$name.json"
}

tsconfig_for consumer consumer.mts consumer.cts
if sandbox node "$tsc_js" -p tsconfig.consumer.json >"$work/tsc-consumer.log" 2>&1; then
  pass "tsc --noEmit: a consumer of the whole public API type-checks against the installed declarations (ESM and CommonJS)"
else
  show "$work/tsc-consumer.log"
  fail "tsc --noEmit of the consumer against the installed declarations"
fi

# misuse FILE CODE: FILE must fail to type-check with one error, CODE, on line 4.
misuse() {
  local file=$1 code=$2 name=${1%.mts} log
  log=$work/tsc-$name.log
  tsconfig_for "$name" "$file"
  if sandbox node "$tsc_js" -p "tsconfig.$name.json" >"$log" 2>&1; then
    fail "tsc accepted the misuse in $file: $(sed -n 4p "$work/project/$file")"
    return
  fi
  local errors
  errors=$(grep -c 'error TS' "$log")
  if [ "$errors" = 1 ] && grep -q "^$file(4,[0-9]*): error $code:" "$log"; then
    pass "tsc rejects $(sed -n 4p "$work/project/$file") with $code"
  else
    show "$log"
    fail "tsc rejected $file, but not with exactly one $code on line 4"
  fi
}
cat >"$work/project/misuse-exitcode.mts" <<'EOF'
import { run } from 'rspty'
const result = await run('/bin/true')
// exitCode is null when the child was killed by a signal
export const code: number = result.exitCode
EOF

misuse misuse-spawn.mts TS2345
misuse misuse-resize.mts TS2345
misuse misuse-options.mts TS2322
misuse misuse-exitcode.mts TS2322

finish
