// Runs checks.mjs under Node and under the Bun and Deno binaries that the
// devDependencies `bun` and `deno` install from npm (their platform packages,
// @oven/bun-* and @deno/*). A runtime with no binary for this platform is
// reported as not run; a check that fails on a runtime that ran fails this.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
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
for (const runtime of runtimes) {
  if (!runtime.command) {
    summary.push(`${runtime.name}: not run (no binary for ${os}-${process.arch} in node_modules)`);
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
