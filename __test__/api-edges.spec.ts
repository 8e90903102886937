// The edges of the main API: strings decoded across chunks, the foreground
// process, the window size in pixels, and running the child as another user.
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, mkdtempSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, spawn, type Pty } from '../lib/index.js';
import { procStat, readUntil } from './helpers.js';

const LINES = 30_000;
const LINE = 'é你好😀';
const FOREGROUND_DEADLINE_MS = 10_000;

/** A file of LINES lines of LINE; removed by the caller. */
function mixedFile(): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'rspty-utf8-'));
  const file = join(dir, 'mixed.txt');
  writeFileSync(file, `${LINE}\n`.repeat(LINES));
  return { dir, file };
}

/** Whether `bytes` ends inside a UTF-8 sequence. */
function endsMidCharacter(bytes: Buffer): boolean {
  for (let back = 1; back <= Math.min(3, bytes.length); back++) {
    const byte = bytes[bytes.length - back]!;
    if ((byte & 0xc0) === 0x80) continue; // a continuation byte: look further back
    const length = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return length > back;
  }
  return false;
}

test(`encoding 'utf8': ${LINES} lines of ${LINE} come as strings with no U+FFFD`, async (t) => {
  const { dir, file } = mixedFile();
  try {
    const expected = `${LINE}\r\n`.repeat(LINES);
    // The same stream as Buffers: how often a chunk ends inside a character.
    const raw = await spawn('cat', [file]);
    let split = 0;
    let chunks = 0;
    for await (const chunk of raw) {
      chunks++;
      if (endsMidCharacter(chunk)) split++;
    }
    t.log(`as Buffers: ${split} of ${chunks} chunks end inside a character`);

    const pty = await spawn('cat', [file], { encoding: 'utf8' });
    const parts: string[] = [];
    for await (const part of pty) {
      t.is(typeof part, 'string');
      parts.push(part);
    }
    const text = parts.join('');
    t.is(text.split('\uFFFD').length - 1, 0, 'no U+FFFD');
    t.is(text.length, expected.length);
    t.true(text === expected, 'exactly the lines written');
    t.deepEqual(await pty.exited, { exitCode: 0, signal: null });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("run() with encoding 'utf8' returns the output as a string", async (t) => {
  const { dir, file } = mixedFile();
  try {
    const result = await run('cat', [file], { encoding: 'utf8' });
    t.is(typeof result.output, 'string');
    t.true(result.output === `${LINE}\r\n`.repeat(LINES));
    t.is(result.exitCode, 0);
    const buffers = await run('printf', ['\\303']);
    t.true(Buffer.isBuffer(buffers.output), 'Buffers by default');
    // A lone lead byte at the end is no character: it decodes to one U+FFFD.
    t.is((await run('printf', ['a\\303'], { encoding: 'utf8' })).output, 'a\uFFFD');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('encoding other than utf8 or null is a TypeError', async (t) => {
  await t.throwsAsync(spawn('true', [], { encoding: 'latin1' as 'utf8' }), {
    instanceOf: TypeError,
    code: 'ERR_INVALID_ARG_VALUE',
  });
});

/** Polls `foreground()` until `accept` holds (no event announces a change of foreground job). */
async function foregroundWhere(
  pty: Pty<string>,
  accept: (name: string | undefined) => boolean,
): Promise<ReturnType<Pty['foreground']>> {
  const deadline = Date.now() + FOREGROUND_DEADLINE_MS;
  for (;;) {
    const found = pty.foreground();
    if (accept(found?.name)) return found;
    if (Date.now() > deadline) throw new Error(`foreground stayed ${JSON.stringify(found)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

test("foreground(): sh -c 'sleep 5' under bash -i is sleep, with its pid and the cwd cd set", async (t) => {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'rspty-fg-')));
  const env = { PATH: process.env.PATH, HOME: dir, PS1: 'READY> ', TERM: 'dumb' };
  const pty = await spawn('bash', ['--norc', '--noprofile', '-i'], { env, encoding: 'utf8' });
  try {
    const output = pty[Symbol.asyncIterator]();
    const until = async (marker: string) => {
      let seen = '';
      while (!seen.includes(marker)) {
        const next = await output.next();
        if (next.done) throw new Error(`ended before ${marker}: ${seen}`);
        seen += next.value;
      }
    };
    await until('READY> ');
    t.deepEqual(pty.foreground(), { pid: pty.pid, name: 'bash', cwd: process.cwd() });

    await pty.write(`cd ${dir} && sh -c 'sleep 5'\n`);
    const sleeping = await foregroundWhere(pty, (name) => name === 'sleep');
    t.is(sleeping!.name, 'sleep');
    t.is(sleeping!.cwd, dir);
    // That pid is a sleep in the job bash started: its own session is bash's.
    const stat = procStat(sleeping!.pid)!;
    t.is(stat.session, pty.pid);
    t.is(stat.tpgid, stat.pgrp, 'in the foreground group');
    t.not(sleeping!.pid, pty.pid);

    await pty.write('\x03'); // ^C ends the job; bash is in the foreground again
    const back = await foregroundWhere(pty, (name) => name === 'bash');
    t.deepEqual(back, { pid: pty.pid, name: 'bash', cwd: dir });
  } finally {
    await pty.close();
    rmSync(dir, { recursive: true, force: true });
  }
  t.is(pty.foreground(), null, 'null after close');
});

test('resize(cols, rows, { width, height }) sets the pixel size too', async (t) => {
  // The child reports TIOCGWINSZ's four fields after each line it reads.
  const pty = await spawn('python3', [
    '-c',
    'import fcntl, struct, sys, termios\n' +
      'print("ready", flush=True)\n' +
      'for _ in sys.stdin:\n' +
      '    print("size", *struct.unpack("HHHH", fcntl.ioctl(0, termios.TIOCGWINSZ, bytes(8))), flush=True)\n',
  ]);
  try {
    await readUntil(pty, 'ready');
    pty.resize(100, 40, { width: 1000, height: 800 });
    await pty.write('x\n');
    // Rows, cols, width, height: the line ends once all four were printed.
    t.regex(await readUntil(pty, 'size 40 100 1000 800\r\n'), /\nsize 40 100 1000 800\r\n$/);
    t.is(pty.cols, 100);
    t.is(pty.rows, 40);
    pty.resize(90, 30);
    await pty.write('y\n');
    t.regex(await readUntil(pty, 'size 30 90 0 0\r\n'), /\nsize 30 90 0 0\r\n$/);
    t.throws(() => pty.resize(80, 24, { width: -1, height: 0 }), { instanceOf: RangeError });
    t.throws(() => pty.resize(80, 24, { width: 1, height: 65536 }), { instanceOf: RangeError });
    t.throws(() => pty.resize(80, 24, null as unknown as { width: number; height: number }), {
      instanceOf: TypeError,
    });
  } finally {
    await pty.close();
  }
});

const isRoot = process.getuid?.() === 0;
const NOBODY = 65534;

test('uid/gid: the child runs as the given user and group', async (t) => {
  const uid = isRoot ? NOBODY : process.getuid!();
  const gid = isRoot ? NOBODY : process.getgid!();
  // cwd '/': the checkout may sit in a directory only its owner can enter.
  const result = await run('sh', ['-c', 'echo $(id -u) $(id -g) $(id -G)'], { uid, gid, cwd: '/', encoding: 'utf8' });
  // As root the supplementary groups are reduced to the new group.
  t.is(result.output, `${uid} ${gid} ${isRoot ? String(gid) : execFileSync('id', ['-G']).toString().trim()}\r\n`);
  t.is(result.exitCode, 0);
});

test('uid/gid the caller may not take: spawn rejects with EPERM', async (t) => {
  if (isRoot) {
    // Root may take any id: the refusal is checked from a child running as nobody, which
    // loads a copy of the build from a directory it may read (the checkout may sit in one
    // only its owner can enter).
    const copy = mkdtempSync(join(tmpdir(), 'rspty-nobody-'));
    t.teardown(() => rmSync(copy, { recursive: true, force: true }));
    chmodSync(copy, 0o755);
    for (const file of readdirSync('.').filter((name) => name === 'index.js' || name.endsWith('.node'))) {
      cpSync(file, join(copy, file));
    }
    cpSync('dist', join(copy, 'dist'), { recursive: true });
    const entry = join(copy, 'dist', 'index.js');
    const script =
      `require(${JSON.stringify(entry)}).spawn('true', [], { uid: 0 })` +
      '.then(() => console.log("spawned"), (e) => console.log(e.code, e.syscall, e.message));';
    const result = await run(process.execPath, ['-e', script], {
      uid: NOBODY,
      gid: NOBODY,
      cwd: copy,
      encoding: 'utf8',
    });
    t.regex(result.output, /^EPERM setuid spawn true: cannot switch to uid 0 gid -: EPERM/);
  } else {
    const error = await t.throwsAsync(spawn('true', [], { uid: 0 }));
    t.is((error as NodeJS.ErrnoException).code, 'EPERM');
  }
});

test('uid and gid are checked', async (t) => {
  await t.throwsAsync(spawn('true', [], { uid: -1 }), { instanceOf: RangeError });
  await t.throwsAsync(spawn('true', [], { gid: 1.5 }), { instanceOf: RangeError });
  await t.throwsAsync(spawn('true', [], { uid: '0' as unknown as number }), { instanceOf: TypeError });
});
