// The screen model: a child cats the text file of the read scenario and the
// program wants what the terminal shows, not the bytes. Rows, side by side in
// each round:
//   - rspty reading the raw output with its iterator and nothing else (the
//     baseline: what the PTY delivers);
//   - rspty with `screen: true` and nobody reading the raw output (the
//     emulator runs in the engine, off the JavaScript thread);
//   - @xterm/headless fed from rspty's iterator on the JavaScript thread
//     (what programs that drive terminals do today, with any PTY library).
// Besides throughput and event-loop utilisation: the cost of one snapshot of
// a 200x50 screen, and the memory of many PTYs with 80x24 screens whose
// 1,000-row scrollback is full (measured in a separate process, see the end
// of this file).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { LINE_BYTES, which } from '../lib/fixtures.mjs';
import { COLS, ROWS, exitFailure, open, ptyEnv, warmUp } from '../lib/session.mjs';

const require = createRequire(import.meta.url);
const DIST = new URL('../../dist/index.js', import.meta.url);
const MB = 1e6;
const SCROLLBACK = 1000;
const ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-+';

function rspty() {
  if (!existsSync(DIST)) throw new Error('rspty is not built (dist/index.js is missing): run `npm run build` first');
  return require('../../dist/index.js');
}

function xtermTerminal(cols, rows) {
  const { Terminal } = require('@xterm/headless');
  return new Terminal({ cols, rows, scrollback: SCROLLBACK, allowProposedApi: true });
}

/** Line `n` of the text file, without its '\n' (fixtures.mjs repeats a block of 10,000 lines). */
function fileLine(n) {
  const i = n % 10_000;
  let line = '';
  for (let j = 0; j < LINE_BYTES - 1; j++) line += ALPHABET[(i + j) % ALPHABET.length];
  return line;
}

/** The visible rows of an xterm terminal, trailing blanks trimmed. */
function xtermLines(term) {
  const buffer = term.buffer.active;
  return Array.from({ length: term.rows }, (_, row) => buffer.getLine(buffer.viewportY + row)?.translateToString(true) ?? '');
}

/** Throughput of one row: the child's whole output, start to exit. */
async function throughput(contender, p, mode) {
  let bytes = 0;
  let lines;
  let status;
  const elu0 = performance.eventLoopUtilization();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  if (mode === 'screen') {
    const pty = await rspty().spawn(p.cat, [p.file], { cols: COLS, rows: ROWS, env: ptyEnv(), screen: { scrollback: SCROLLBACK } });
    status = await pty.exited;
    ({ lines } = pty.screen.snapshot());
    bytes = p.expectedBytes; // checked below through the screen's last rows
  } else if (mode === 'xterm') {
    const term = xtermTerminal(COLS, ROWS);
    const session = await open(contender, p.cat, [p.file], (chunk) => {
      bytes += chunk.byteLength;
      // Waits for the parser, as a program must: otherwise xterm queues the output.
      return new Promise((resolve) => term.write(chunk, resolve));
    });
    status = await session.done;
    lines = xtermLines(term);
  } else {
    const session = await open(contender, p.cat, [p.file], (chunk) => {
      bytes += chunk.byteLength;
    });
    status = await session.done;
  }
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const elu = performance.eventLoopUtilization(elu0).utilization;
  let failure = exitFailure(status);
  if (bytes !== p.expectedBytes) failure = `received ${bytes} bytes, expected ${p.expectedBytes}`;
  if (lines && JSON.stringify(lines.slice(-3)) !== JSON.stringify(p.lastRows)) {
    failure = `the screen ends with ${JSON.stringify(lines.slice(-3))}, expected ${JSON.stringify(p.lastRows)}`;
  }
  return {
    metrics: { mbPerSec: bytes / MB / (ms / 1000), elu, cpuMsPerMB: (cpu.user + cpu.system) / 1000 / (bytes / MB) },
    failure,
  };
}

/** Microseconds per look at a full 200x50 screen: snapshot() or xterm's equivalent. */
function snapshotMicros(mode, n) {
  const fill = Array.from({ length: 50 }, (_, row) => `\x1b[${row + 1};1H\x1b[3${row % 8}m${'x'.repeat(100)} row ${row} ${'y'.repeat(80)}`).join('');
  let look;
  if (mode === 'screen') {
    const screen = new (rspty().Screen)({ cols: 200, rows: 50 });
    screen.feed(fill);
    look = () => screen.snapshot();
  } else {
    const term = xtermTerminal(200, 50);
    term.write(fill);
    // write() parses asynchronously; a synchronous look before it has run would see nothing.
    look = () => ({ lines: xtermLines(term), cursor: { row: term.buffer.active.cursorY, col: term.buffer.active.cursorX } });
  }
  return { look, run: () => {
    for (let i = 0; i < n / 10; i++) look();
    const t0 = performance.now();
    for (let i = 0; i < n; i++) look();
    return ((performance.now() - t0) * 1000) / n;
  } };
}

/** RSS per PTY of `count` PTYs with full screens, in a fresh process. */
function memoryPerPty(mode, count) {
  const out = execFileSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), mode, String(count)], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  return JSON.parse(out.trim().split('\n').pop());
}

export default {
  name: 'screen',
  title: 'Screen model',
  summary: 'cat of a text file, where the program wants the screen, not the bytes',
  columns: [
    { key: 'mbPerSec', label: 'MB/s', better: 'higher', primary: true, digits: 1 },
    { key: 'elu', label: 'event-loop util', better: 'lower', digits: 2 },
    { key: 'cpuMsPerMB', label: 'CPU ms/MB', better: 'lower', digits: 2 },
    { key: 'snapshotUs', label: '200x50 look µs', better: 'lower', digits: 0 },
    { key: 'rssPerPtyKiB', label: 'KiB/PTY', better: 'lower', digits: 0 },
  ],
  // Its own rows instead of the contenders: `contender` is the library that
  // spawns (kept when --contenders selects it), `mode` what the row measures.
  // The ratio columns divide by the raw read (`baseline`) and by the
  // @xterm/headless row (`incumbent`).
  baselineLabel: 'raw read',
  incumbentLabel: 'xterm',
  rows: [
    { name: 'rspty-raw', label: 'rspty, raw output read (no screen)', contender: 'rspty', file: 'rspty.mjs', mode: 'raw', baseline: true },
    { name: 'rspty-screen', label: 'rspty, screen: true, raw output not read', contender: 'rspty', file: 'rspty.mjs', mode: 'screen' },
    { name: 'rspty-xterm', label: "@xterm/headless from rspty's iterator", contender: 'rspty', file: 'rspty.mjs', mode: 'xterm', incumbent: true },
  ],

  params(opts) {
    return opts.smoke
      ? { mib: 1, ptys: 5, looks: 200 }
      : { mib: opts.screenMib ?? 128, ptys: opts.screenPtys ?? 1000, looks: 5000 };
  },

  prepare(p, fixtures) {
    const file = fixtures.textFile(p.mib);
    // The last line (99 characters) wraps at 80 columns; the cursor waits on the empty row below.
    const last = fileLine(file.lines - 1);
    return {
      ...p,
      cat: which('cat'),
      file: file.path,
      expectedBytes: file.bytes + file.lines, // each '\n' arrives as "\r\n"
      lastRows: [last.slice(0, COLS), last.slice(COLS), ''],
    };
  },

  async run(contender, p, entry) {
    await warmUp(contender);
    if (entry.mode === 'screen') {
      const pty = await rspty().spawn('/bin/true', [], { screen: true });
      await pty.exited;
    }
    const result = await throughput(contender, p, entry.mode);
    if (entry.mode === 'raw') return result;
    const { look, run } = snapshotMicros(entry.mode, p.looks);
    if (entry.mode === 'xterm') await new Promise((resolve) => setTimeout(resolve, 50)); // let xterm parse the fill
    const lines = look().lines;
    if (!lines[49]?.startsWith('xxxx') || !lines[49].includes(' row 49 ')) {
      result.failure ??= `the 200x50 screen shows ${JSON.stringify(lines[49])} on its last row`;
    }
    result.metrics.snapshotUs = run();
    const memory = memoryPerPty(entry.mode, p.ptys);
    result.metrics.rssPerPtyKiB = memory.perPtyKiB;
    if (memory.failure) result.failure ??= memory.failure;
    return result;
  },
};

// The memory measurement, run as its own process:
//   node --expose-gc screen.mjs screen|xterm COUNT
// COUNT rspty PTYs, each printing 1,100 lines (so that 1,000 rows of
// scrollback fill) and then waiting on its input, each with a screen
// (`screen: { scrollback: 1000 }`) or an @xterm/headless terminal with the
// same scrollback fed from the iterator. Prints { perPtyKiB, failure }.
async function measureMemory(mode, count) {
  const lib = rspty();
  const rssKiB = () => process.memoryUsage().rss / 1024;
  const script = 'seq -f "line %g of the scrollback, padded to look like real output" 1 1100; exec cat';
  const lastLine = 'line 1100 of the scrollback, padded to look like real output';
  globalThis.gc();
  const before = rssKiB();
  const ptys = [];
  const shown = [];
  for (let i = 0; i < count; i++) {
    if (mode === 'screen') {
      const pty = await lib.spawn('/bin/sh', ['-c', script], { cols: COLS, rows: ROWS, screen: { scrollback: SCROLLBACK } });
      ptys.push(pty);
      shown.push(pty.screen.waitFor(lastLine, { timeout: 120_000 }));
    } else {
      const pty = await lib.spawn('/bin/sh', ['-c', script], { cols: COLS, rows: ROWS });
      const term = xtermTerminal(COLS, ROWS);
      ptys.push(pty);
      shown.push(
        (async () => {
          for await (const chunk of pty) {
            await new Promise((resolve) => term.write(chunk, resolve));
            if (xtermLines(term).includes(lastLine)) return term;
          }
          throw new Error('the output ended before the last line');
        })(),
      );
    }
  }
  const results = await Promise.all(shown);
  globalThis.gc();
  const after = rssKiB();
  let failure;
  const history = mode === 'screen' ? ptys[0].screen.snapshot({ scrollback: true }).scrollback.length : results[0].buffer.active.baseY;
  if (history !== SCROLLBACK) failure = `${history} rows of scrollback kept, expected ${SCROLLBACK}`;
  await Promise.all(ptys.map((p) => p.close()));
  return { perPtyKiB: (after - before) / count, failure };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [mode, count] = process.argv.slice(2);
  process.stdout.write(`${JSON.stringify(await measureMemory(mode, Number(count)))}\n`);
  process.exit(0);
}
