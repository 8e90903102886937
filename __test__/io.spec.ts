// Output and input through the master.
import test from 'ava';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WRITE_PIECE } from '../lib/input.js';
import { run, spawn } from '../lib/index.js';
import { readAll, readUntil } from './helpers.js';

const RUNS = 200;
const CHILD_OUTPUT = 64 * 1024;

test('echo through cat comes back in order', async (t) => {
  const pty = await spawn('cat');
  await pty.write('hello\n');
  t.is(await readUntil(pty, 'hello\r\nhello\r\n'), 'hello\r\nhello\r\n');
  await pty.write(new Uint8Array([0x77, 0x6f, 0x72, 0x6c, 0x64, 0x0a]));
  t.is(await readUntil(pty, 'world\r\nworld\r\n'), 'world\r\nworld\r\n');
  await pty.write('\x04');
  t.deepEqual(await pty.exited, { exitCode: 0, signal: null });
});

test('a 1 MiB write into a raw-mode child is counted exactly', async (t) => {
  const size = 1024 * 1024;
  const pty = await spawn('sh', ['-c', `stty raw -echo; echo ready; head -c ${size} | wc -c`]);
  await readUntil(pty, 'ready\n');
  await pty.write(randomBytes(size));
  t.is((await readAll(pty)).toString().trim(), String(size));
  t.deepEqual(await pty.exited, { exitCode: 0, signal: null });
});

test('many writes issued at once arrive in call order', async (t) => {
  const pty = await spawn('sh', ['-c', 'stty raw -echo; echo ready; head -c 3000']);
  await readUntil(pty, 'ready\n');
  const parts = Array.from({ length: 300 }, (_, i) => `${String(i).padStart(9, '0')}|`);
  await Promise.all(parts.map((part) => pty.write(part)));
  t.is((await readAll(pty)).toString(), parts.join(''));
});

test('writes larger than a piece keep call order with the small writes around them', async (t) => {
  // 2.5 MiB and 1.5 MiB go in 1 MiB pieces; the writes between them must not cut in.
  const writes = [randomBytes(2.5 * WRITE_PIECE), Buffer.from('small one|'), randomBytes(1.5 * WRITE_PIECE), Buffer.from('|last')];
  const expected = Buffer.concat(writes);
  const dir = mkdtempSync(join(tmpdir(), 'rspty-'));
  const file = join(dir, 'received');
  try {
    const pty = await spawn('sh', ['-c', `stty raw -echo; echo ready; head -c ${expected.length} > '${file}'`]);
    await readUntil(pty, 'ready\n');
    await Promise.all(writes.map((bytes) => pty.write(bytes)));
    t.deepEqual(await pty.exited, { exitCode: 0, signal: null });
    const received = readFileSync(file);
    t.is(received.length, expected.length);
    t.true(received.equals(expected), 'the bytes arrived in call order');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a large write cut short by close() resolves false', async (t) => {
  // The child never reads: the pieces stay queued until the hang-up fails them all.
  const pty = await spawn('sh', ['-c', 'stty raw -echo; echo ready; exec sleep 30']);
  await readUntil(pty, 'ready\n');
  const writing = pty.write(randomBytes(3 * WRITE_PIECE));
  // One turn of the event loop: the first two pieces are with the engine, the
  // first only partly taken by the kernel (nobody reads).
  await new Promise((resolve) => setImmediate(resolve));
  const closing = pty.close();
  t.is(await writing, false);
  await closing;
});

test(`${RUNS} children that write ${CHILD_OUTPUT} bytes and exit at once lose nothing`, async (t) => {
  const expected = CHILD_OUTPUT;
  const sizes = await Promise.all(
    Array.from({ length: RUNS }, async () => {
      const pty = await spawn('head', ['-c', String(expected), '/dev/zero']);
      const status = await pty.exited;
      // By the time exited resolves, everything the child wrote is queued.
      const output = await readAll(pty);
      t.deepEqual(status, { exitCode: 0, signal: null });
      return output.length;
    }),
  );
  t.deepEqual(sizes, new Array(RUNS).fill(expected));
});

test('output of a grandchild that keeps the terminal flows after the child exits', async (t) => {
  // The session leader's exit sends SIGHUP to the foreground group: the grandchild ignores it.
  const pty = await spawn('sh', ['-c', 'trap "" HUP; (sleep 0.3; echo late) & echo early']);
  const status = await pty.exited;
  t.deepEqual(status, { exitCode: 0, signal: null });
  t.is((await readAll(pty)).toString(), 'early\r\nlate\r\n');
});

test('output after the child closed the terminal and opened it again still arrives', async (t) => {
  // Closing fds 0-2 closes the slave everywhere: the master reads EIO. Opening
  // /dev/tty (still the controlling terminal) brings it back.
  const script = 'echo before; exec 0<&- 1>&- 2>&-; sleep 0.05; exec 3<>/dev/tty; echo after >&3';
  const result = await run('sh', ['-c', script]);
  t.deepEqual(result, { exitCode: 0, signal: null, output: Buffer.from('before\r\nafter\r\n') });
});

test('write resolves true once written, false after close and after exit (no rejection)', async (t) => {
  const closed = await spawn('cat');
  t.is(await closed.write('x'), true);
  await closed.close();
  t.is(await closed.write('x'), false);
  t.is(await closed.write(new Uint8Array(0)), false);

  const exited = await spawn('true');
  await exited.exited;
  t.is(await exited.write('x'), false);
  // An argument error still rejects at once.
  await t.throwsAsync(exited.write(42 as unknown as string), { code: 'ERR_INVALID_ARG_TYPE' });
  await exited.close();
});
