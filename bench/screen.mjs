// The screen model, side by side in one run (each measurement in a fresh
// process): `cat` of a text file read raw from rspty's iterator; the same
// with `screen: true` and nothing reading the raw output; and @xterm/headless
// parsing the raw output on the JavaScript thread. Then snapshot() of a
// 200x50 screen, and the memory of 1,000 PTYs with 80x24 screens and 1,000
// rows of scrollback. See README.md.
//
// Usage: node bench/screen.mjs [--mib N] [--rounds N] [--ptys N] [--json FILE]
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Fixtures, which } from './lib/fixtures.mjs';

const require = createRequire(new URL('../package.json', import.meta.url));
const rspty = require('./dist/index.js');
const MB = 1e6;

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

/** Runs one measurement in this process; prints its JSON. */
async function one(kind, file, bytes) {
  const cat = which('cat');
  const elu0 = performance.eventLoopUtilization();
  const t0 = performance.now();
  let received = 0;
  let extra = {};
  if (kind === 'raw') {
    const pty = await rspty.spawn(cat, [file]);
    for await (const chunk of pty) received += chunk.length;
    await pty.exited;
  } else if (kind === 'screen') {
    const pty = await rspty.spawn(cat, [file], { screen: true });
    await pty.exited;
    received = bytes;
    extra = { droppedBytes: pty.droppedBytes, lastLine: pty.screen.snapshot().lines[21] };
  } else if (kind === 'xterm') {
    const { Terminal } = require('@xterm/headless');
    const term = new Terminal({ cols: 80, rows: 24, scrollback: 1000, allowProposedApi: true });
    const pty = await rspty.spawn(cat, [file]);
    for await (const chunk of pty) {
      received += chunk.length;
      // Waits for the parser: otherwise xterm queues the whole file in memory.
      await new Promise((resolve) => term.write(chunk, resolve));
    }
    await pty.exited;
    const buffer = term.buffer.active;
    extra = { lastLine: buffer.getLine(buffer.baseY + 21)?.translateToString(true) };
  }
  const seconds = (performance.now() - t0) / 1000;
  const elu = performance.eventLoopUtilization(elu0).utilization;
  return { kind, mbPerSec: received / MB / seconds, elu, received, ...extra };
}

function snapshotCost() {
  const screen = new rspty.Screen({ cols: 200, rows: 50 });
  for (let row = 0; row < 50; row++) screen.feed(`\x1b[${row + 1};1H\x1b[3${row % 8}m${'x'.repeat(100)} row ${row} ${'y'.repeat(80)}`);
  for (let i = 0; i < 1000; i++) screen.snapshot();
  const n = 20_000;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) screen.snapshot();
  const ms = (performance.now() - t0) / n;
  const t1 = performance.now();
  for (let i = 0; i < 2000; i++) screen.toSVG();
  return { snapshotMs: ms, textMs: timeIt(() => screen.text(), n), svgMs: (performance.now() - t1) / 2000 };
}

function timeIt(f, n) {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) f();
  return (performance.now() - t0) / n;
}

async function manyPtys(count, fill = true) {
  const rssMiB = () => process.memoryUsage().rss / 2 ** 20;
  global.gc?.();
  const before = rssMiB();
  const ptys = [];
  // Each prints 1,100 lines (scrollback full at 1,000 rows), then waits on stdin.
  for (let i = 0; i < count; i++) {
    const script = fill ? 'seq -f "line %g of the scrollback, padded to look like real output" 1 1100; exec cat' : 'echo ready; exec cat';
    ptys.push(await rspty.spawn('/bin/sh', ['-c', script], { screen: { scrollback: 1000 } }));
  }
  await Promise.all(ptys.map((p) => p.screen.waitFor(fill ? /^line 1100 /m : /^ready$/m, { timeout: 120_000 })));
  global.gc?.();
  const after = rssMiB();
  const history = ptys[0].screen.snapshot({ scrollback: true }).scrollback.length;
  await Promise.all(ptys.map((p) => p.close()));
  return { ptys: count, filled: fill, rssBeforeMiB: before, rssAfterMiB: after, perPtyKiB: ((after - before) * 1024) / count, scrollbackRows: history };
}

if (process.argv[2] === '--one') {
  const [, , , kind, file, bytes] = process.argv;
  const result = kind === 'snapshot' ? snapshotCost() : kind === 'many' ? await manyPtys(Number(file)) : kind === 'many-idle' ? await manyPtys(Number(file), false) : await one(kind, file, Number(bytes));
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}

const mib = Number(option('mib', '128'));
const rounds = Number(option('rounds', '3'));
const ptys = Number(option('ptys', '1000'));
const fixtures = new Fixtures();
try {
  const text = fixtures.textFile(mib);
  const bytes = text.bytes + text.lines; // each '\n' arrives as "\r\n"
  const self = fileURLToPath(import.meta.url);
  const run = (...args) => JSON.parse(execFileSync(process.execPath, ['--expose-gc', self, '--one', ...args.map(String)], { encoding: 'utf8', maxBuffer: 1 << 24 }).trim());
  const results = { raw: [], screen: [], xterm: [] };
  for (let round = 0; round < rounds; round++) {
    for (const kind of Object.keys(results)) results[kind].push(run(kind, text.path, bytes));
  }
  const median = (values) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const summary = Object.fromEntries(
    Object.entries(results).map(([kind, runs]) => [kind, { mbPerSec: median(runs.map((r) => r.mbPerSec)), elu: median(runs.map((r) => r.elu)), lastLine: runs[0].lastLine, droppedBytes: runs[0].droppedBytes }]),
  );
  const snapshot = run('snapshot');
  const many = run('many', ptys);
  const idle = run('many-idle', ptys);
  console.log(`cat of ${mib} MiB (${rounds} rounds, medians; MB = 10^6 bytes)`);
  console.log('| | MB/s | event-loop utilisation |\n|---|---:|---:|');
  console.log(`| rspty, raw output read by the iterator | ${summary.raw.mbPerSec.toFixed(1)} | ${summary.raw.elu.toFixed(3)} |`);
  console.log(`| rspty, \`screen: true\`, raw output not read | ${summary.screen.mbPerSec.toFixed(1)} | ${summary.screen.elu.toFixed(3)} |`);
  console.log(`| @xterm/headless parsing rspty's iterator | ${summary.xterm.mbPerSec.toFixed(1)} | ${summary.xterm.elu.toFixed(3)} |`);
  console.log(`screen / raw: ${(summary.screen.mbPerSec / summary.raw.mbPerSec).toFixed(2)}x; screen / @xterm/headless: ${(summary.screen.mbPerSec / summary.xterm.mbPerSec).toFixed(2)}x`);
  console.log(`same last row: ${summary.screen.lastLine === summary.xterm.lastLine} (${JSON.stringify(summary.screen.lastLine?.slice(0, 30))}...); raw bytes dropped with the screen: ${summary.screen.droppedBytes}`);
  console.log(`snapshot() of 200x50: ${(snapshot.snapshotMs * 1000).toFixed(1)} µs; text(): ${(snapshot.textMs * 1000).toFixed(1)} µs; toSVG(): ${snapshot.svgMs.toFixed(3)} ms`);
  console.log(`${many.ptys} PTYs with 80x24 screens and full 1,000-row scrollback: RSS ${many.rssBeforeMiB.toFixed(0)} -> ${many.rssAfterMiB.toFixed(0)} MiB (${many.perPtyKiB.toFixed(0)} KiB per PTY; ${many.scrollbackRows} rows kept)`);
  console.log(`${idle.ptys} PTYs with 80x24 screens (scrollback 1,000) that printed one line: RSS ${idle.rssBeforeMiB.toFixed(0)} -> ${idle.rssAfterMiB.toFixed(0)} MiB (${idle.perPtyKiB.toFixed(0)} KiB per PTY)`);
  const json = option('json');
  if (json) writeFileSync(json, JSON.stringify({ results, summary, snapshot, many, idle }, null, 2));
} finally {
  fixtures.cleanup();
}
