// No output lost: every byte a child writes before it exits (or dies by a
// signal) arrives, in order, and is already queued when `exited` resolves.
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { spawn, type ExitStatus, type Pty } from '../../lib/index.js';
import { isDead, readUntil } from '../helpers.js';
import { firstDifference, mapPool, onlcr, pattern, rng, tempDir } from './fixtures/helpers.js';

/** Children that write and exit at once. */
const RUNS = 5_000;
/** How many of them run at a time. */
const CONCURRENCY = 32;
/** The largest amount one child writes. */
const MAX_BYTES = 256 * 1024;
/** Distinct data files (half with newlines); each run reads a prefix or a suffix of one. */
const DATA_FILES = 16;
const DATA_SEED = 0x5eed;
const RUN_SEED = 0xc0ffee;
/** Children alive at the same time, each held in `read` until all are up. */
const ALIVE_AT_ONCE = 1_000;
const ALIVE_MAX_BYTES = 16 * 1024;
/** Children that write then SIGKILL themselves. */
const SELF_KILLED_RUNS = 500;
/** Children killed from outside while blocked in a write. */
const KILLED_MID_WRITE_RUNS = 40;
/** A small queue so the child blocks in write() mid-stream. */
const SMALL_HIGH_WATER_MARK = 4096;
/** Output read before the kill in the mid-write runs. */
const READ_BEFORE_KILL = 64 * 1024;
const MARKER = 'M';
const READY = 'R';

interface DataFile {
  file: string;
  data: Buffer;
  newlines: boolean;
}

let dir: { dir: string; remove: () => void };
const files: DataFile[] = [];

test.before(() => {
  dir = tempDir('output');
  for (let i = 0; i < DATA_FILES; i++) {
    const newlines = i % 2 === 1;
    const data = pattern(DATA_SEED + i, MAX_BYTES, newlines);
    const file = path.join(dir.dir, `data-${i}`);
    fs.writeFileSync(file, data);
    files.push({ file, data, newlines });
  }
});

test.after.always(() => dir?.remove());

interface Plan {
  program: string;
  args: string[];
  /** The bytes the child writes (before the terminal's "\n" -> "\r\n"). */
  written: Buffer;
  newlines: boolean;
}

/** Size classes so that tiny, medium and large writes are all frequent. */
function pickSize(next: () => number, max: number): number {
  switch (next() % 3) {
    case 0:
      return 1 + (next() % 256);
    case 1:
      return 1 + (next() % Math.min(16 * 1024, max));
    default:
      return 1 + (next() % max);
  }
}

function plan(index: number, max: number): Plan {
  const next = rng(RUN_SEED + index);
  const { file, data, newlines } = files[next() % DATA_FILES]!;
  const size = pickSize(next, max);
  // `head -c` writes a prefix, `tail -c` a suffix: runs differ in content, not only length.
  const fromStart = next() % 2 === 0;
  const written = fromStart ? data.subarray(0, size) : data.subarray(data.length - size);
  return { program: fromStart ? 'head' : 'tail', args: ['-c', String(size), file], written, newlines };
}

function expectedOutput(p: Plan, prefix = ''): Buffer {
  const body = p.newlines ? onlcr(p.written) : p.written;
  return Buffer.concat([Buffer.from(prefix), body]);
}

/**
 * After `exited` resolved: hang up first (the master closes, so whatever was
 * not queued by then is gone for good), then take everything queued.
 */
async function queuedAtExit(pty: Pty): Promise<Buffer> {
  await pty.close();
  const chunks: Buffer[] = [];
  for await (const chunk of pty) chunks.push(chunk);
  return Buffer.concat(chunks);
}

function describeMismatch(what: string, got: Buffer, want: Buffer): string {
  const at = firstDifference(got, want);
  return `${what}: got ${got.length} bytes, want ${want.length}, first difference at ${at}`;
}

test.serial(`${RUNS} children writing 1 B..256 KiB and exiting at once: every byte, in order, queued by the exit`, async (t) => {
  const failures: string[] = [];
  let bytes = 0;
  let withNewlines = 0;
  const started = Date.now();
  await mapPool(Array.from({ length: RUNS }, (_, i) => i), CONCURRENCY, async (i) => {
    const p = plan(i, MAX_BYTES);
    const pty = await spawn(p.program, p.args);
    const status = await pty.exited;
    const queued = await queuedAtExit(pty);
    const want = expectedOutput(p);
    const name = `run ${i} (pid ${pty.pid}, ${p.program} -c ${p.written.length}, newlines=${p.newlines})`;
    if (status.exitCode !== 0 || status.signal !== null) failures.push(`${name}: status ${JSON.stringify(status)}`);
    if (!queued.equals(want)) failures.push(describeMismatch(`${name} not all queued at exit`, queued, want));
    bytes += want.length;
    if (p.newlines) withNewlines++;
  });
  t.log(`${RUNS} runs, ${bytes} bytes, ${withNewlines} with newlines, ${Date.now() - started} ms`);
  t.deepEqual(failures.slice(0, 20), []);
  t.is(failures.length, 0);
});

test.serial(`${ALIVE_AT_ONCE} children alive at once, released together: every byte arrives`, async (t) => {
  const base = RUNS; // distinct plans from the first test
  const ptys = await mapPool(Array.from({ length: ALIVE_AT_ONCE }, (_, i) => i), CONCURRENCY, async (i) => {
    const p = plan(base + i, ALIVE_MAX_BYTES);
    // Echo off first, then a readiness mark, then block until released.
    const script = `stty -echo; printf ${READY}; read x; exec ${p.program} -c ${p.args[1]} '${p.args[2]}'`;
    const pty = await spawn('sh', ['-c', script]);
    const iterator = pty[Symbol.asyncIterator]();
    const seen: Buffer[] = [];
    await readUntil(iterator, READY, seen);
    return { p, pty, iterator, seen };
  });
  // Every child has printed its mark and waits in `read`: all are alive now.
  const alive = ptys.filter(({ pty }) => !isDead(pty.pid)).length;
  t.is(alive, ALIVE_AT_ONCE);

  const failures: string[] = [];
  await Promise.all(
    ptys.map(async ({ p, pty, iterator, seen }, i) => {
      await pty.write('\n');
      const status = await pty.exited;
      for (;;) {
        const { done, value } = await iterator.next();
        if (done) break;
        seen.push(value);
      }
      await pty.close();
      const got = Buffer.concat(seen);
      const want = expectedOutput(p, READY);
      if (status.exitCode !== 0) failures.push(`child ${i}: status ${JSON.stringify(status)}`);
      if (!got.equals(want)) failures.push(describeMismatch(`child ${i}`, got, want));
    }),
  );
  t.deepEqual(failures.slice(0, 20), []);
  t.is(failures.length, 0);
});

test.serial(`${SELF_KILLED_RUNS} children that write then SIGKILL themselves: what they wrote is delivered`, async (t) => {
  const base = RUNS + ALIVE_AT_ONCE;
  const failures: string[] = [];
  const want: ExitStatus = { exitCode: null, signal: 'SIGKILL' };
  await mapPool(Array.from({ length: SELF_KILLED_RUNS }, (_, i) => i), CONCURRENCY, async (i) => {
    const p = plan(base + i, MAX_BYTES);
    const script = `printf ${MARKER}; ${p.program} -c ${p.args[1]} '${p.args[2]}'; kill -9 $$; echo unreachable`;
    const pty = await spawn('sh', ['-c', script]);
    const status = await pty.exited;
    const queued = await queuedAtExit(pty);
    const expected = expectedOutput(p, MARKER);
    if (status.signal !== want.signal || status.exitCode !== want.exitCode) {
      failures.push(`run ${i}: status ${JSON.stringify(status)}`);
    }
    if (!queued.equals(expected)) failures.push(describeMismatch(`run ${i} not all queued at exit`, queued, expected));
  });
  t.deepEqual(failures.slice(0, 20), []);
  t.is(failures.length, 0);
});

test.serial(`${KILLED_MID_WRITE_RUNS} children SIGKILLed while blocked in write: the output is an unbroken prefix`, async (t) => {
  const failures: string[] = [];
  const { data, file } = files[0]!; // no newlines: bytes on the wire are the bytes written
  const expected = Buffer.concat([Buffer.from(MARKER), data]);
  await mapPool(Array.from({ length: KILLED_MID_WRITE_RUNS }, (_, i) => i), CONCURRENCY, async (i) => {
    // Writes the whole file again and again: far more than the queue and the kernel hold.
    const script = `printf ${MARKER}; while :; do cat '${file}'; done`;
    const pty = await spawn('sh', ['-c', script], { highWaterMark: SMALL_HIGH_WATER_MARK });
    const iterator = pty[Symbol.asyncIterator]();
    const chunks: Buffer[] = [];
    let read = 0;
    while (read < READ_BEFORE_KILL) {
      const { done, value } = await iterator.next();
      if (done) break;
      chunks.push(value);
      read += value.length;
    }
    t.true(pty.kill('SIGKILL'));
    for (;;) {
      const { done, value } = await iterator.next();
      if (done) break;
      chunks.push(value);
    }
    const status = await pty.exited;
    await pty.close();
    const got = Buffer.concat(chunks);
    if (status.signal !== 'SIGKILL') failures.push(`run ${i}: status ${JSON.stringify(status)}`);
    if (got.length < READ_BEFORE_KILL) failures.push(`run ${i}: only ${got.length} bytes`);
    // The stream is MARKER, then the file repeated: compare against that, period by period.
    if (!got.subarray(0, expected.length).equals(expected.subarray(0, Math.min(expected.length, got.length)))) {
      failures.push(describeMismatch(`run ${i} head`, got.subarray(0, expected.length), expected));
    }
    for (let at = expected.length; at < got.length; at += data.length) {
      const piece = got.subarray(at, at + data.length);
      if (!piece.equals(data.subarray(0, piece.length))) {
        failures.push(`run ${i}: repetition at ${at} differs at ${firstDifference(piece, data)}`);
        break;
      }
    }
  });
  t.deepEqual(failures, []);
});
