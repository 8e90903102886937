// Bad input: every public function, given wrong types, bad numbers, bad
// strings, missing or unusable files, or used out of order, fails with a
// clear TypeError, RangeError or errno Error (or is a documented no-op), and
// none crashes, hangs or leaks an fd or a process.
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { openpty, run, spawn, type Pty } from '../../lib/index.js';
import { childrenOf, newFds, openFds, within } from '../helpers.js';
import { tempDir } from './fixtures/helpers.js';

/** No single case may take longer than this (a hang detector). */
const CASE_DEADLINE_MS = 10_000;
/** Longer than one argument may be (MAX_ARG_STRLEN is 128 KiB). */
const OVERSIZE_ARG = 256 * 1024;

type Expected =
  | { class: typeof TypeError | typeof RangeError | typeof Error; code: string; message?: RegExp; syscall?: string; path?: string }
  | { noop: true };

interface Case {
  name: string;
  call: () => unknown;
  expect: Expected;
}

const TYPE = (code = 'ERR_INVALID_ARG_TYPE') => ({ class: TypeError, code });
const VALUE = { class: TypeError, code: 'ERR_INVALID_ARG_VALUE' };
const RANGE = { class: RangeError, code: 'ERR_OUT_OF_RANGE' };

let dir: { dir: string; remove: () => void };
let notExecutable: string;
let regularFile: string;
let exitedPty: Pty;
let closedPty: Pty;

test.before(async () => {
  dir = tempDir('bad-input');
  notExecutable = path.join(dir.dir, 'not-executable');
  fs.writeFileSync(notExecutable, '#!/bin/sh\necho hi\n', { mode: 0o644 });
  regularFile = path.join(dir.dir, 'file');
  fs.writeFileSync(regularFile, 'x');
});

test.after.always(() => dir?.remove());

/** Every way spawn() (and run(), which shares its checks) can be called wrongly. */
function spawnCases(): Case[] {
  const cases: Array<[string, unknown[], Expected]> = [
    ['file undefined', [undefined], TYPE()],
    ['file null', [null], TYPE()],
    ['file number', [42], TYPE()],
    ['file object', [{}], TYPE()],
    ['file empty', [''], VALUE],
    ['file with NUL', ['sh\0x'], VALUE],
    ['args a string', ['true', 'x'], TYPE()],
    ['args an object', ['true', {}], TYPE()],
    ['args with a number', ['true', [1]], TYPE()],
    ['args with null', ['true', [null]], TYPE()],
    ['args with NUL', ['true', ['a\0b']], VALUE],
    ['options null', ['true', [], null], TYPE()],
    ['options a string', ['true', [], 'x'], TYPE()],
    ['options an array', ['true', [], []], TYPE()],
    ['cols a string', ['true', [], { cols: '80' }], TYPE()],
    ['cols NaN', ['true', [], { cols: NaN }], RANGE],
    ['cols Infinity', ['true', [], { cols: Infinity }], RANGE],
    ['cols negative', ['true', [], { cols: -1 }], RANGE],
    ['cols zero', ['true', [], { cols: 0 }], RANGE],
    ['cols fractional', ['true', [], { cols: 80.5 }], RANGE],
    ['cols oversize', ['true', [], { cols: 65536 }], RANGE],
    ['rows a bigint', ['true', [], { rows: 24n }], TYPE()],
    ['rows NaN', ['true', [], { rows: NaN }], RANGE],
    ['rows negative', ['true', [], { rows: -24 }], RANGE],
    ['rows fractional', ['true', [], { rows: 0.5 }], RANGE],
    ['rows oversize', ['true', [], { rows: 2 ** 32 }], RANGE],
    ['cwd a number', ['true', [], { cwd: 1 }], TYPE()],
    ['cwd empty', ['true', [], { cwd: '' }], VALUE],
    ['cwd with NUL', ['true', [], { cwd: '/tmp\0' }], VALUE],
    ['env a string', ['true', [], { env: 'PATH=/bin' }], TYPE()],
    ['env value a number', ['true', [], { env: { A: 1 } }], TYPE()],
    ['env value with NUL', ['true', [], { env: { A: 'a\0b' } }], VALUE],
    ['env name with NUL', ['true', [], { env: { 'A\0B': 'x' } }], VALUE],
    ['env name with =', ['true', [], { env: { 'A=B': 'x' } }], VALUE],
    ['env name empty', ['true', [], { env: { '': 'x' } }], VALUE],
    ['name empty', ['true', [], { name: '' }], VALUE],
    ['name a number', ['true', [], { name: 5 }], TYPE()],
    ['name with NUL', ['true', [], { name: 'xterm\0' }], VALUE],
    ['signal not an AbortSignal', ['true', [], { signal: {} }], TYPE()],
    ['signal already aborted', ['true', [], { signal: AbortSignal.abort() }], { class: Error, code: 'ABORT_ERR' }],
    ['highWaterMark a string', ['true', [], { highWaterMark: '1' }], TYPE()],
    ['highWaterMark zero', ['true', [], { highWaterMark: 0 }], RANGE],
    ['highWaterMark negative', ['true', [], { highWaterMark: -1 }], RANGE],
    ['highWaterMark NaN', ['true', [], { highWaterMark: NaN }], RANGE],
    ['highWaterMark fractional', ['true', [], { highWaterMark: 1.5 }], RANGE],
    ['highWaterMark oversize', ['true', [], { highWaterMark: 2 ** 31 + 1 }], RANGE],
    [
      'missing program by name',
      ['rspty-no-such-program'],
      { class: Error, code: 'ENOENT', syscall: 'spawn', path: 'rspty-no-such-program', message: /rspty-no-such-program/ },
    ],
    [
      'missing program by path',
      ['/nonexistent/rspty-program'],
      { class: Error, code: 'ENOENT', syscall: 'spawn', path: '/nonexistent/rspty-program', message: /\/nonexistent\/rspty-program/ },
    ],
    ['missing cwd', ['true', [], { cwd: '/nonexistent/rspty-dir' }], { class: Error, code: 'ENOENT', syscall: 'chdir', path: '/nonexistent/rspty-dir', message: /\/nonexistent\/rspty-dir/ }],
    ['argument over 128 KiB', ['true', ['x'.repeat(OVERSIZE_ARG)]], { class: Error, code: 'E2BIG', message: /true/ }],
  ];
  return cases.flatMap(([name, args, expect]) => [
    { name: `spawn: ${name}`, call: () => (spawn as (...a: unknown[]) => unknown)(...args), expect },
    { name: `run: ${name}`, call: () => (run as (...a: unknown[]) => unknown)(...args), expect },
  ]);
}

/** Cases that need files made in before(). */
function fileCases(): Case[] {
  return [
    {
      name: 'spawn: a file that is not executable',
      call: () => spawn(notExecutable),
      expect: { class: Error, code: 'EACCES', syscall: 'spawn', path: notExecutable, message: /not-executable/ },
    },
    {
      name: 'spawn: a directory as the program',
      call: () => spawn(dir.dir),
      expect: { class: Error, code: 'EACCES', syscall: 'spawn', path: dir.dir },
    },
    {
      name: 'spawn: a regular file as the cwd',
      call: () => spawn('true', [], { cwd: regularFile }),
      expect: { class: Error, code: 'ENOTDIR', syscall: 'chdir', path: regularFile, message: /file/ },
    },
    {
      name: 'spawn: a bare name found only as a non-executable file in PATH',
      call: () => spawn('not-executable', [], { env: { PATH: dir.dir } }),
      expect: { class: Error, code: 'EACCES', path: 'not-executable' },
    },
  ];
}

/** Methods of a Pty given bad arguments or used after exit/close. */
function ptyCases(): Case[] {
  const anyPty = exitedPty as unknown as Record<string, (...a: unknown[]) => unknown>;
  const closed = closedPty as unknown as Record<string, (...a: unknown[]) => unknown>;
  return [
    { name: 'write: a number', call: () => anyPty.write!.call(exitedPty, 42), expect: TYPE() },
    { name: 'write: null', call: () => anyPty.write!.call(exitedPty, null), expect: TYPE() },
    { name: 'resize: NaN', call: () => exitedPty.resize(NaN, 24), expect: RANGE },
    { name: 'resize: zero rows', call: () => exitedPty.resize(80, 0), expect: RANGE },
    { name: 'resize: negative', call: () => exitedPty.resize(-80, 24), expect: RANGE },
    { name: 'resize: fractional', call: () => exitedPty.resize(80.5, 24), expect: RANGE },
    { name: 'resize: oversize', call: () => exitedPty.resize(65536, 24), expect: RANGE },
    { name: 'resize: a string', call: () => anyPty.resize!.call(exitedPty, '80', 24), expect: TYPE() },
    { name: 'resize: missing rows', call: () => anyPty.resize!.call(exitedPty, 80), expect: TYPE() },
    { name: 'resize: bad size after close is still checked', call: () => closedPty.resize(0, 0), expect: RANGE },
    { name: 'resize: after close', call: () => closedPty.resize(100, 30), expect: { noop: true } },
    { name: 'kill: unknown name', call: () => exitedPty.kill('SIGNOPE' as NodeJS.Signals), expect: TYPE('ERR_UNKNOWN_SIGNAL') },
    { name: 'kill: lowercase name', call: () => exitedPty.kill('sigterm' as NodeJS.Signals), expect: TYPE('ERR_UNKNOWN_SIGNAL') },
    { name: 'kill: unknown number', call: () => exitedPty.kill(999), expect: TYPE('ERR_UNKNOWN_SIGNAL') },
    { name: 'kill: an object', call: () => closed.kill!.call(closedPty, {}), expect: TYPE() },
    { name: 'kill: unknown name after close', call: () => closedPty.kill('SIGNOPE' as NodeJS.Signals), expect: TYPE('ERR_UNKNOWN_SIGNAL') },
    { name: 'openpty: options a string', call: () => (openpty as (o: unknown) => unknown)('x'), expect: TYPE() },
    { name: 'openpty: cols zero', call: () => openpty({ cols: 0 }), expect: RANGE },
    { name: 'openpty: rows NaN', call: () => openpty({ rows: NaN }), expect: RANGE },
    { name: 'openpty: cols oversize', call: () => openpty({ cols: 70000 }), expect: RANGE },
  ];
}

async function outcome(call: () => unknown): Promise<{ value?: unknown; error?: unknown; sync: boolean }> {
  let result: unknown;
  try {
    result = call();
  } catch (error) {
    return { error, sync: true };
  }
  try {
    return { value: await within(Promise.resolve(result), CASE_DEADLINE_MS, 'the call'), sync: false };
  } catch (error) {
    return { error, sync: false };
  }
}

test.serial('the table: every bad call fails with the right class and code, or is a no-op; nothing leaks', async (t) => {
  exitedPty = await spawn('true');
  await exitedPty.exited;
  closedPty = await spawn('sleep', ['30']);
  await closedPty.close();

  const fdsBefore = openFds();
  const cases = [...spawnCases(), ...fileCases(), ...ptyCases()];
  const problems: string[] = [];
  for (const c of cases) {
    const got = await outcome(c.call);
    if ('noop' in c.expect) {
      if (got.error !== undefined) problems.push(`${c.name}: threw ${String(got.error)}`);
      continue;
    }
    const error = got.error as (Error & { code?: string; errno?: number; syscall?: string; path?: string }) | undefined;
    if (!error) {
      problems.push(`${c.name}: did not fail (got ${String(got.value)})`);
      if (got.value && typeof (got.value as Pty).close === 'function') await (got.value as Pty).close();
      continue;
    }
    const want = c.expect;
    if (!(error instanceof want.class) || (want.class === Error && (error instanceof TypeError || error instanceof RangeError))) {
      problems.push(`${c.name}: ${error.constructor.name} instead of ${want.class.name} (${error.message})`);
    }
    if (error.code !== want.code) problems.push(`${c.name}: code ${error.code}, want ${want.code} (${error.message})`);
    if (!error.message) problems.push(`${c.name}: no message`);
    if (want.message && !want.message.test(error.message)) problems.push(`${c.name}: message ${JSON.stringify(error.message)}`);
    if (want.syscall && error.syscall !== want.syscall) problems.push(`${c.name}: syscall ${error.syscall}, want ${want.syscall}`);
    if (want.path && error.path !== want.path) problems.push(`${c.name}: path ${error.path}, want ${want.path}`);
    if (want.class === Error && /^E[A-Z0-9]+$/.test(want.code) && typeof error.errno !== 'number') {
      problems.push(`${c.name}: no errno`);
    }
  }
  t.log(`${cases.length} cases`);
  t.deepEqual(problems, []);
  t.deepEqual(newFds(fdsBefore), [], 'no fd leaked by the table');
  t.deepEqual(childrenOf(process.pid).map((c) => `${c.pid}:${c.state}`), [], 'no child left');
});

test.serial('documented no-ops and idempotence: close twice, kill after reaping, resize after close', async (t) => {
  const fdsBefore = openFds();
  const pty = await spawn('sleep', ['30']);
  const first = pty.close();
  const second = pty.close();
  t.is(first, second, 'close() again returns the same promise');
  await within(first, CASE_DEADLINE_MS, 'close');
  await within(pty.close(), CASE_DEADLINE_MS, 'a third close');
  t.false(pty.kill(), 'kill after the child was reaped returns false');
  t.false(pty.kill('SIGKILL'));
  t.false(pty.kill(0));
  t.notThrows(() => pty.resize(100, 30));
  t.is(pty.cols, 80, 'resize after close changes nothing');
  t.is(pty.rows, 24);
  t.is(await pty.write('x'), false, 'write after close resolves false');

  const exited = await spawn('true');
  t.deepEqual(await exited.exited, { exitCode: 0, signal: null });
  t.false(exited.kill('SIGTERM'), 'kill after exit returns false');
  t.is(await exited.write('x'), false, 'write after exit resolves false');
  await exited.close();
  await exited.close();

  // openpty: the caller owns two fds and the slave path names a terminal.
  const pair = openpty({ cols: 100, rows: 30 });
  t.true(pair.master >= 0 && pair.slave >= 0 && pair.master !== pair.slave);
  t.regex(pair.path, /^\/dev\/pts\/\d+$/);
  fs.closeSync(pair.master);
  fs.closeSync(pair.slave);
  t.deepEqual(newFds(fdsBefore), []);
});

test.serial('a write racing the exit settles: resolves true or false, never rejects', async (t) => {
  const fdsBefore = openFds();
  const RACES = 50;
  const outcomes = new Map<string, number>();
  for (let i = 0; i < RACES; i++) {
    const pty = await spawn('true');
    const writes = [pty.write('a'), pty.write(Buffer.alloc(64 * 1024, 0x62))];
    const closing = i % 2 === 0 ? pty.close() : pty.exited.then(() => pty.close());
    for (const w of writes) {
      const r = await within(w.then(String, (e: Error & { code?: string }) => e.code ?? e.message), CASE_DEADLINE_MS, 'write');
      outcomes.set(r, (outcomes.get(r) ?? 0) + 1);
    }
    await within(closing, CASE_DEADLINE_MS, 'close');
  }
  t.log(JSON.stringify([...outcomes]));
  for (const key of outcomes.keys()) t.true(['true', 'false'].includes(key), key);
  t.deepEqual(newFds(fdsBefore), []);
});
