// Bounded memory under a slow reader: the relay stops reading at the queue's
// high-water mark, so the child blocks in the kernel instead of the host
// buffering its output.
import v8 from 'node:v8';
import vm from 'node:vm';
import test from 'ava';
import { DEFAULT_HIGH_WATER_MARK, spawn } from '../../lib/index.js';
import { delay, isDead } from '../helpers.js';
import { patternFile } from './fixtures/pattern-file.js';

const MiB = 1024 * 1024;
const KiB = 1024;
/** What the child writes in the big run. */
const TOTAL_BYTES = 256 * MiB;
/** The relay's largest single read pass: a chunk may overshoot the mark by this much. */
const READ_PASS = 64 * KiB;
/** The consumer's pace: one chunk every this many milliseconds. */
const CONSUMER_INTERVAL_MS = 4;
/**
 * RSS may grow this much over its level before the child started: the queue
 * (high-water mark + one read pass), the chunk in the consumer's hands, the
 * kernel's PTY buffer, and slack for V8 and the allocator. Buffering the child's
 * output instead of pausing would take RSS toward 256 MiB.
 */
const RSS_GROWTH_BOUND = DEFAULT_HIGH_WATER_MARK + READ_PASS + 16 * MiB;
/** Period of the repeated data file: odd, so repetitions never line up with reads. */
const PERIOD = 1 * MiB + 7;
const SEED = 0x3e3;
/** Smaller runs that show highWaterMark sets the chunk bound. */
const MARK_RUN_BYTES = 16 * MiB;
/** Marks up to the default: the queue fills to the mark and never holds more than mark + one pass. */
const SMALL_MARKS = [1, 16 * KiB, 256 * KiB] as const;
const MARK_CONSUMER_INTERVAL_MS = 5;
/** A mark above the default: chunks grow past the default bound. */
const LARGE_MARK = 8 * MiB;
const LARGE_MARK_RUN_BYTES = 32 * MiB;
const LARGE_MARK_CONSUMER_INTERVAL_MS = 20;

// Dropped chunks are collected after each one is counted: otherwise V8 lets up
// to its external-memory soft limit (64 MiB) of garbage Buffers pile up before
// collecting, which would measure V8's laziness instead of what the PTY holds.
v8.setFlagsFromString('--expose-gc');
const collectGarbage = vm.runInNewContext('gc') as () => void;

const period = patternFile('memory', SEED, PERIOD, false);

/** `total` bytes of the data file repeated, then exit 0. */
function writer(total: number): [string, string[]] {
  return ['sh', ['-c', `while cat '${period.path}'; do :; done | head -c ${total}`]];
}

/** Checks a chunk against the repeated data at `offset`; returns the first bad index or -1. */
function verify(chunk: Buffer, offset: number): number {
  let at = 0;
  while (at < chunk.length) {
    const phase = (offset + at) % PERIOD;
    const take = Math.min(PERIOD - phase, chunk.length - at);
    if (!chunk.subarray(at, at + take).equals(period.data.subarray(phase, phase + take))) return offset + at;
    at += take;
  }
  return -1;
}

interface Consumed {
  total: number;
  chunks: number;
  largest: number;
  badAt: number;
  peakRss: number;
  aliveAtHalf: boolean | null;
}

async function consumeSlowly(
  iterable: AsyncIterable<Buffer>,
  pid: number,
  total: number,
  intervalMs: number,
  collect = false,
): Promise<Consumed> {
  const result: Consumed = { total: 0, chunks: 0, largest: 0, badAt: -1, peakRss: 0, aliveAtHalf: null };
  for await (const chunk of iterable) {
    if (result.badAt === -1) result.badAt = verify(chunk, result.total);
    result.total += chunk.length;
    result.chunks++;
    result.largest = Math.max(result.largest, chunk.length);
    if (collect) collectGarbage();
    result.peakRss = Math.max(result.peakRss, process.memoryUsage.rss());
    if (result.aliveAtHalf === null && result.total >= total / 2) result.aliveAtHalf = !isDead(pid);
    await delay(intervalMs); // the consumer's pace
  }
  return result;
}

test.serial('256 MiB through a slow reader: RSS stays bounded, the child is paused not killed, every byte arrives', async (t) => {
  // Warm up allocator and JIT on a small run so the baseline is not the cold process.
  {
    const [file, args] = writer(4 * MiB);
    const pty = await spawn(file, args);
    for await (const _ of pty);
    await pty.close();
  }
  collectGarbage();
  const baseline = process.memoryUsage.rss();
  const [file, args] = writer(TOTAL_BYTES);
  const started = Date.now();
  const pty = await spawn(file, args);
  const consumed = await consumeSlowly(pty, pty.pid, TOTAL_BYTES, CONSUMER_INTERVAL_MS, true);
  const status = await pty.exited;
  await pty.close();
  const growth = consumed.peakRss - baseline;
  t.log(
    `${consumed.total} bytes in ${consumed.chunks} chunks, ${Date.now() - started} ms; ` +
      `largest chunk ${consumed.largest}; RSS baseline ${(baseline / MiB).toFixed(1)} MiB, ` +
      `peak ${(consumed.peakRss / MiB).toFixed(1)} MiB, growth ${(growth / MiB).toFixed(1)} MiB`,
  );
  t.deepEqual(status, { exitCode: 0, signal: null }, 'the child ran to its end');
  t.is(consumed.total, TOTAL_BYTES);
  t.is(consumed.badAt, -1, 'every byte in order');
  t.true(consumed.aliveAtHalf === true, 'the child was still writing (paused) when half had been read');
  // The default mark bounds the chunks from above, and the reader is slow
  // enough that the queue fills to it: a default four times as large (or as
  // small) fails one of the two.
  t.true(consumed.largest <= DEFAULT_HIGH_WATER_MARK + READ_PASS, `largest chunk ${consumed.largest} > ${DEFAULT_HIGH_WATER_MARK} + ${READ_PASS}`);
  t.true(consumed.largest >= DEFAULT_HIGH_WATER_MARK, `largest chunk ${consumed.largest} < default mark ${DEFAULT_HIGH_WATER_MARK}`);
  t.true(growth <= RSS_GROWTH_BOUND, `RSS grew ${growth} bytes, bound ${RSS_GROWTH_BOUND}`);
});

for (const mark of SMALL_MARKS) {
  test.serial(`highWaterMark ${mark}: no chunk exceeds mark + one read pass, and the queue does fill to the mark`, async (t) => {
    const [file, args] = writer(MARK_RUN_BYTES);
    const pty = await spawn(file, args, { highWaterMark: mark });
    const consumed = await consumeSlowly(pty, pty.pid, MARK_RUN_BYTES, MARK_CONSUMER_INTERVAL_MS);
    const status = await pty.exited;
    await pty.close();
    t.log(`${consumed.chunks} chunks, largest ${consumed.largest}`);
    t.deepEqual(status, { exitCode: 0, signal: null });
    t.is(consumed.total, MARK_RUN_BYTES);
    t.is(consumed.badAt, -1);
    t.true(consumed.largest <= mark + READ_PASS, `largest chunk ${consumed.largest} > ${mark} + ${READ_PASS}`);
    // The reader is far slower than the writer, so the queue reaches its mark.
    t.true(consumed.largest >= mark, `largest chunk ${consumed.largest} < mark ${mark}`);
  });
}

test.serial(`highWaterMark ${LARGE_MARK}: chunks grow past the default bound and stay within mark + one read pass`, async (t) => {
  const [file, args] = writer(LARGE_MARK_RUN_BYTES);
  const pty = await spawn(file, args, { highWaterMark: LARGE_MARK });
  const consumed = await consumeSlowly(pty, pty.pid, LARGE_MARK_RUN_BYTES, LARGE_MARK_CONSUMER_INTERVAL_MS);
  const status = await pty.exited;
  await pty.close();
  t.log(`${consumed.chunks} chunks, largest ${consumed.largest}`);
  t.deepEqual(status, { exitCode: 0, signal: null });
  t.is(consumed.total, LARGE_MARK_RUN_BYTES);
  t.is(consumed.badAt, -1);
  t.true(consumed.largest <= LARGE_MARK + READ_PASS, `largest chunk ${consumed.largest}`);
  t.true(consumed.largest > DEFAULT_HIGH_WATER_MARK + READ_PASS, `largest chunk ${consumed.largest} within the default bound`);
});
