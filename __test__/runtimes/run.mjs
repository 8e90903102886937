// Runs checks.mjs under Node and under the Bun and Deno binaries that the
// npm packages `bun` and `deno` bring (their platform packages @oven/bun-*
// and @deno/* carry the binaries), installed here by `npm ci` from this
// directory's own lock file when they are not installed yet. A runtime with
// no binary for this platform is reported as not run; a check that fails on a
// runtime that ran fails this.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));
const checks = join(here, 'checks.mjs');
const os = process.platform;
const arch = process.arch === 'arm64' ? 'aarch64' : process.arch;

function packageFile(name, file) {
  try {
    const path = join(dirname(require.resolve(`${name}/package.json`)), file);
    return existsSync(path) ? path : null;
  } catch {
    return null;
  }
}

function firstFound(candidates) {
  for (const [name, file] of candidates) {
    const path = packageFile(name, file);
    if (path) return path;
  }
  return null;
}

const wanted = JSON.parse(readFileSync(join(here, 'package.json'), 'utf8')).devDependencies;
const installed = (name) => {
  try {
    return JSON.parse(readFileSync(join(here, 'node_modules', name, 'package.json'), 'utf8')).version;
  } catch {
    return null;
  }
};
// Both have builds for glibc Linux and macOS on x64 and arm64; Deno none for musl.
const musl = process.platform === 'linux' && !process.report?.getReport().header.glibcVersionRuntime;
const expected = ['linux', 'darwin'].includes(process.platform) && ['x64', 'arm64'].includes(process.arch) && !musl;
let installFailed = false;
if (Object.entries(wanted).some(([name, version]) => installed(name) !== version)) {
  console.log(`=== npm ci in ${here}`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = spawnSync(npm, ['ci', '--no-audit', '--no-fund'], { cwd: here, stdio: 'inherit' });
  installFailed = result.status !== 0;
}

const runtimes = [
  { name: 'node', command: process.execPath, args: [checks] },
  {
    name: 'bun',
    // bun's postinstall links the platform binary into bun/bin; the platform
    // package has it too, should install scripts not have run.
    command: firstFound([
      ['bun', 'bin/bun.exe'],
      [`@oven/bun-${os}-${arch}`, 'bin/bun'],
      [`@oven/bun-${os}-${arch}-musl`, 'bin/bun'],
      [`@oven/bun-${os}-${arch}-baseline`, 'bin/bun'],
    ]),
    args: [checks],
  },
  {
    name: 'deno',
    command: firstFound([
      ['deno', 'deno'],
      [`@deno/${os}-${process.arch === 'x64' ? 'x64' : 'arm64'}-glibc`, 'deno'],
      [`@deno/${os}-${process.arch === 'x64' ? 'x64' : 'arm64'}`, 'deno'],
    ]),
    args: ['run', '--allow-all', '--no-lock', checks],
  },
];

const summary = [];
let failed = false;
if (installFailed) {
  summary.push(`npm ci of the runtimes failed${expected ? '' : ` (expected here: no build of every runtime for ${os}-${process.arch}${musl ? ' musl' : ''})`}`);
  if (expected) failed = true;
}
for (const runtime of runtimes) {
  if (!runtime.command) {
    summary.push(`${runtime.name}: not run (no binary for ${os}-${process.arch}${musl ? ' musl' : ''} in node_modules)`);
    // Where npm has a build, a missing binary is a failure.
    if (expected) failed = true;
    continue;
  }
  console.log(`\n=== ${runtime.name}: ${runtime.command}`);
  const start = Date.now();
  const result = spawnSync(runtime.command, runtime.args, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 10 * 60_000,
    env: { ...process.env, DENO_NO_UPDATE_CHECK: '1', DENO_NO_PROMPT: '1' },
  });
  process.stdout.write(result.stdout ?? '');
  const lines = (result.stdout ?? '').split('\n');
  const limits = lines.filter((l) => l.startsWith('LIMIT ')).map((l) => l.slice(6).split(':')[0]);
  const passed = lines.filter((l) => l.startsWith('ok ')).length;
  const ok = result.status === 0;
  if (!ok) failed = true;
  const verdict = ok ? 'passed' : result.error ? `FAILED (${result.error.message})` : `FAILED (exit ${result.status ?? result.signal})`;
  summary.push(
    `${runtime.name}: ${verdict}, ${passed} checks ok${limits.length ? `, limited: ${limits.join(', ')}` : ''} (${((Date.now() - start) / 1000).toFixed(1)} s)`,
  );
}
console.log('\n=== runtimes');
for (const line of summary) console.log(line);
process.exit(failed ? 1 : 0);
