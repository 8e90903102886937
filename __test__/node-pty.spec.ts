// `rspty/node-pty`: node-pty's API, with what node-pty gets wrong made right.
// (node-pty's own tests run against it too: scripts/node-pty-tests.mjs.)
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import * as pty from '../lib/node-pty.js';
import { procStat } from './helpers.js';

const FAST_EXITS = 2_000;
const CONCURRENCY = 32;
const PAUSED_OUTPUT = 256 * 1024 * 1024;
const RSS_LIMIT = 64 * 1024 * 1024;
const DEADLINE_MS = 20_000;

interface Ended {
  data: Array<string | Buffer>;
  exitCode: number;
  signal?: number;
  afterExit: number;
}

/** Everything a terminal emits through onData, and its onExit. */
function ended(term: pty.IPty): Promise<Ended> {
  return new Promise((resolve) => {
    const data: Array<string | Buffer> = [];
    let result: Ended | null = null;
    term.onData((chunk) => {
      if (result) result.afterExit++;
      else data.push(chunk);
    });
    term.onExit(({ exitCode, signal }) => {
      result = { data, exitCode, signal, afterExit: 0 };
      // Anything arriving after the exit would be counted by the next turns.
      setImmediate(() => resolve(result!));
    });
  });
}

/** Polls `check` until it returns a value (for states no event announces, like a blocked child). */
async function until<T>(what: string, check: () => T | undefined): Promise<T> {
  const deadline = Date.now() + DEADLINE_MS;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function wchar(pid: number): number {
  const line = readFileSync(`/proc/${pid}/io`, 'latin1')
    .split('\n')
    .find((l) => l.startsWith('wchar:'));
  return Number(line!.slice(6));
}

test('spawn returns with the child started: pid, pts name and master fd are set', async (t) => {
  // The child waits for a line, so it is still there to be looked at.
  const term = pty.spawn('sh', ['-c', 'echo $PWD $TERM; read line'], { cwd: '/', name: 'xterm-mono' });
  const result = ended(term);
  t.true(term.pid > 0);
  t.is(procStat(term.pid)?.session, term.pid, 'the child leads its own session');
  t.regex(term.ptsName, /^\/dev\/pts\/\d+$/);
  t.true(term.fd > 2);
  let seen = '';
  term.onData((data) => (seen += data));
  await until('the first line', () => (seen.includes('\n') ? true : undefined));
  term.write('\n');
  const { data, exitCode, signal } = await result;
  t.is(data.join(''), '/ xterm-mono\r\n\r\n');
  t.deepEqual([exitCode, signal], [0, 0]);
});

test(`exit ordering: ${FAST_EXITS} fast-exit children, every byte before onExit, in order`, async (t) => {
  const failures: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < FAST_EXITS) {
      const i = next++;
      const term = pty.spawn('/bin/sh', ['-c', 'echo "start $0"; seq 1 200; echo "end $0"', String(i)]);
      const result = await ended(term);
      const lines = Array.from({ length: 200 }, (_, n) => `${n + 1}\r\n`).join('');
      const expected = `start ${i}\r\n${lines}end ${i}\r\n`;
      const got = result.data.join('');
      if (got !== expected || result.exitCode !== 0 || result.afterExit !== 0) {
        failures.push(`child ${i} (pid ${term.pid}): ${got.length} of ${expected.length} chars, exit ${result.exitCode}, ${result.afterExit} after exit`);
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  t.deepEqual(failures, []);
});

test('UTF-8: 30,000 lines of é你好😀 through onData with zero U+FFFD', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rspty-np-utf8-'));
  try {
    const file = join(dir, 'mixed.txt');
    writeFileSync(file, 'é你好😀\n'.repeat(30_000));
    const result = await ended(pty.spawn('cat', [file]));
    const text = result.data.join('');
    t.true(result.data.every((chunk) => typeof chunk === 'string'));
    t.is(text.split('\uFFFD').length - 1, 0);
    t.true(text === 'é你好😀\r\n'.repeat(30_000));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('encoding null gives Buffers; write() encodes strings in the encoding given', async (t) => {
  const term = pty.spawn('head', ['-c', '3'], { encoding: null });
  term.write('\u00e6\n');
  const result = await ended(term);
  const bytes = Buffer.concat(result.data as Buffer[]);
  t.true(result.data.every((chunk) => Buffer.isBuffer(chunk)));
  // The echo of the input, then head's output of the three bytes it read.
  t.deepEqual(bytes, Buffer.from('\u00e6\r\n\u00e6\n'.replace(/\n$/, '\r\n')));
});

test('pause() is backpressure: 256 MiB held back with bounded memory, the child blocked, all of it after resume()', async (t) => {
  const term = pty.spawn('head', ['-c', String(PAUSED_OUTPUT), '/dev/zero'], { encoding: null });
  term.pause();
  global.gc?.();
  const rssStart = process.memoryUsage().rss;
  let received = 0;
  let chunksWhilePaused = 0;
  let paused = true;
  term.onData((chunk) => {
    if (paused) chunksWhilePaused++;
    received += chunk.length;
  });
  const exit = new Promise<{ exitCode: number; signal?: number }>((resolve) => term.onExit(resolve));
  // Blocked: asleep in a write, and no further byte written over 500 ms.
  const blocked = await until('the child to block', () => {
    if (procStat(term.pid)?.state !== 'S') return undefined;
    const before = wchar(term.pid);
    execFileSync('sleep', ['0.5']);
    return procStat(term.pid)?.state === 'S' && wchar(term.pid) === before ? before : undefined;
  });
  const rssGrowth = process.memoryUsage().rss - rssStart;
  t.log(`child blocked after writing ${blocked} bytes; RSS grew ${(rssGrowth / 2 ** 20).toFixed(1)} MiB`);
  t.true(blocked < PAUSED_OUTPUT, 'the child did not get to write it all');
  t.true(rssGrowth < RSS_LIMIT, `RSS grew ${rssGrowth} bytes`);
  t.is(chunksWhilePaused, 0, 'nothing delivered while paused');
  t.is(received, 0);
  paused = false;
  term.resume();
  t.deepEqual(await exit, { exitCode: 0, signal: 0 });
  t.is(received, PAUSED_OUTPUT, 'every byte arrived');
});

test('handleFlowControl: XOFF/XON written by the caller pause and resume output and never reach the child', async (t) => {
  // Raw mode: every byte that reaches the child is echoed back by it in hex.
  const script = 'stty raw -echo; echo ready; while :; do c=$(dd bs=1 count=1 2>/dev/null | od -An -tx1); echo "got$c"; done';
  const term = pty.spawn('sh', ['-c', script], { handleFlowControl: true });
  let output = '';
  term.onData((data) => (output += data));
  const exit = new Promise((resolve) => term.onExit(resolve));
  await until('ready', () => (output.includes('ready') ? true : undefined));
  const shell = term.pid;
  term.write('\x13'); // XOFF: output pauses
  const seen = output.length;
  const before = wchar(shell);
  term.write('a');
  // The child answered ("got 61\n" written to the terminal), but nothing is delivered.
  await until('the reply to be written', () => (wchar(shell) > before ? true : undefined));
  await new Promise((resolve) => setImmediate(resolve));
  t.is(output.length, seen, 'no output while paused');
  term.write('\x11'); // XON: output resumes, the reply arrives
  await until('the reply', () => (output.includes('got 61') ? true : undefined));
  term.write('b');
  await until('the second reply', () => (output.includes('got 62') ? true : undefined));
  t.is(output.replace(/\r/g, ''), 'ready\ngot 61\ngot 62\n', 'XOFF and XON never reached the child');
  // Turned off, the same bytes go to the child.
  term.handleFlowControl = false;
  term.write('\x11');
  await until('the XON byte', () => (output.includes('got 11') ? true : undefined));
  term.kill('SIGKILL');
  await exit;
});

test("kill() defaults to SIGHUP; onExit has node-pty's numbers (exit code 0 and the signal's number)", async (t) => {
  const term = pty.spawn('sleep', ['30']);
  const result = ended(term);
  term.kill();
  const { exitCode, signal } = await result;
  t.deepEqual([exitCode, signal], [0, constants.signals.SIGHUP]);
  t.notThrows(() => term.kill('SIGTERM'), 'kill after exit does nothing');
  t.notThrows(() => term.write('x'), 'write after exit is dropped');
  const exit = await ended(pty.spawn('sh', ['-c', 'exit 7']));
  t.deepEqual([exit.exitCode, exit.signal], [7, 0]);
});

test('a program that cannot start: the reason in the output, then exit code 1 (as node-pty)', async (t) => {
  const missing = await ended(pty.spawn('/no/such/program', ['x']));
  t.is(missing.data.join(''), 'rspty: spawn /no/such/program: ENOENT (No such file or directory)\r\n');
  t.is(missing.exitCode, 1);
  const badCwd = await ended(pty.spawn('true', [], { cwd: '/no/such/dir' }));
  t.is(badCwd.data.join(''), 'rspty: spawn true: cwd /no/such/dir: ENOENT (No such file or directory)\r\n');
  t.is(badCwd.exitCode, 1);
  // Argument errors still throw, with node-pty's messages where it has them.
  t.throws(() => pty.spawn('sh', '-c true'), { message: 'args as a string is not supported on unix.' });
  t.throws(() => pty.spawn('sh', [], { name: {} as string }), { message: 'name must be a string (not a object)' });
});

test('no fd of the parent leaks into the child', async (t) => {
  const result = await ended(pty.spawn('sh', ['-c', 'ls /proc/$$/fd']));
  t.deepEqual(result.data.join('').trim().split(/\s+/).sort(), ['0', '1', '2']);
});

test('EventEmitter methods: on/once/off for data and exit; Windows options are ignored', async (t) => {
  const term = pty.spawn('sh', ['-c', 'echo one'], { useConpty: true, conptyInheritCursor: true });
  const seen: string[] = [];
  const ignored = () => seen.push('removed listener called');
  term.on('data', (data: string) => seen.push(`data:${data}`));
  term.on('data', ignored);
  term.removeListener('data', ignored);
  term.once('exit', (code: number, signal: number) => seen.push(`exit:${code}:${signal}`));
  t.is(term.listenerCount('exit'), 2, "once's listener and onExit's");
  await new Promise((resolve) => term.onExit(resolve));
  t.deepEqual(seen, ['data:one\r\n', 'exit:0:0']);
});

test('process and foreground(): the job bash runs, its pid and cwd', async (t) => {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'rspty-np-fg-')));
  const term = pty.spawn('bash', ['--norc', '--noprofile', '-i'], {
    env: { PATH: process.env.PATH, PS1: 'READY> ', HOME: dir },
  });
  let output = '';
  term.onData((data) => (output += data));
  const exit = new Promise((resolve) => term.onExit(resolve));
  try {
    await until('the prompt', () => (output.includes('READY> ') ? true : undefined));
    t.is(term.process, 'bash');
    term.write(`cd ${dir} && sh -c 'sleep 5'\r`);
    await until('sleep in the foreground', () => (term.process === 'sleep' ? true : undefined));
    const fg = term.foreground()!;
    t.is(fg.name, 'sleep');
    t.is(fg.cwd, dir);
    t.is(procStat(fg.pid)?.session, term.pid);
  } finally {
    term.kill('SIGKILL');
    await exit;
    rmSync(dir, { recursive: true, force: true });
  }
  t.is(term.foreground(), null);
  t.is(term.process, 'bash', 'the program name once the session is over');
});

test('resize() checks like node-pty and takes a pixel size', async (t) => {
  const term = pty.spawn('cat', []);
  t.throws(() => term.resize(0, 24), { message: 'resizing must be done using positive cols and rows' });
  t.throws(() => term.resize(80, NaN), { message: 'resizing must be done using positive cols and rows' });
  term.resize(100, 50, { width: 800, height: 600 });
  t.deepEqual([term.cols, term.rows], [100, 50]);
  const exit = new Promise((resolve) => term.onExit(resolve));
  term.destroy();
  await exit;
});

test('UnixTerminal is constructible; fork and createTerminal are aliases; open() gives both ends', async (t) => {
  const terms = [new pty.UnixTerminal('true'), pty.fork('true'), pty.createTerminal('true')];
  // Subscribed at once, as events are not replayed for late listeners.
  const results = terms.map(ended);
  for (const term of terms) t.true(term instanceof pty.UnixTerminal);
  for (const result of await Promise.all(results)) t.is(result.exitCode, 0);
  const opened = pty.open({ cols: 90, rows: 20 });
  t.regex(opened.pty, /^\/dev\/pts\/\d+$/);
  t.is(opened.ptsName, opened.pty);
  t.is(opened.pid, -1);
  const got = new Promise<string>((resolve) => opened.slave.once('data', (data: string) => resolve(data)));
  opened.master.write('hello\n');
  t.is(await got, 'hello\n');
  opened.destroy();
});
