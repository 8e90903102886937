// Scale on a few threads: a thousand live PTYs cost no thread each, and
// running out of fds is a clean, recoverable error.
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import type * as Rspty from '../../lib/index.js';
import { readUntil, threadCount } from '../helpers.js';
import { firstDifference, mapPool, onlcr, pattern, report, runScript, tempDir } from './fixtures/helpers.js';

/** PTYs alive at once. */
const LIVE_PTYS = 1_000;
/** Spawn calls in flight while setting them up. */
const SPAWN_CONCURRENCY = 32;
/** Threads the process may gain for any number of PTYs. */
const MAX_THREAD_GROWTH = 16;
/** What each child writes once released (with newlines). */
const BYTES_PER_CHILD = 8 * 1024;
const SEED = 0x5ca1e;
/** How often the thread count is sampled while the PTYs run. */
const THREAD_SAMPLE_MS = 5;
const READY = 'R';
/** The fd limit of the exhausted process. */
const FD_LIMIT = 64;
const EXHAUSTION_CODES = ['EMFILE', 'ENFILE', 'EAGAIN'];
/** fds left free before the spawn that must fail. */
const FREE_FDS = [1, 2, 3] as const;

let dir: { dir: string; remove: () => void };

test.after.always(() => dir?.remove());

test.serial(`${LIVE_PTYS} live PTYs producing output at once: all delivered, threads grow by ≤ ${MAX_THREAD_GROWTH}`, async (t) => {
  // Start libuv's thread pool first so that its threads count in the baseline.
  await fs.promises.readFile('/proc/self/status');
  const baseline = threadCount();
  // Loaded only now, so that the baseline is the process without the library.
  const { spawn } = (await import('../../lib/index.js')) as typeof Rspty;
  const afterLoad = threadCount();

  dir = tempDir('scale');
  const data = pattern(SEED, BYTES_PER_CHILD, true);
  const file = path.join(dir.dir, 'data');
  fs.writeFileSync(file, data);
  const want = Buffer.concat([Buffer.from(READY), onlcr(data)]);

  let peak = afterLoad;
  const sampler = setInterval(() => (peak = Math.max(peak, threadCount())), THREAD_SAMPLE_MS);
  try {
    const ptys = await mapPool(Array.from({ length: LIVE_PTYS }, (_, i) => i), SPAWN_CONCURRENCY, async () => {
      const pty = await spawn('sh', ['-c', `stty -echo; printf ${READY}; read x; cat '${file}'`]);
      const iterator = pty[Symbol.asyncIterator]();
      const seen: Buffer[] = [];
      await readUntil(iterator, READY, seen);
      return { pty, iterator, seen };
    });
    const whileAllLive = threadCount();
    // Release all of them together; they write while all are still open.
    const failures: string[] = [];
    await Promise.all(
      ptys.map(async ({ pty, iterator, seen }, i) => {
        await pty.write('\n');
        for (;;) {
          const { done, value } = await iterator.next();
          if (done) break;
          seen.push(value);
        }
        const status = await pty.exited;
        await pty.close();
        const got = Buffer.concat(seen);
        if (status.exitCode !== 0) failures.push(`pty ${i}: ${JSON.stringify(status)}`);
        if (!got.equals(want)) failures.push(`pty ${i}: ${got.length} bytes, first difference at ${firstDifference(got, want)}`);
      }),
    );
    peak = Math.max(peak, threadCount());
    t.log(`threads: ${baseline} before loading, ${afterLoad} after loading, ${whileAllLive} with ${LIVE_PTYS} live, peak ${peak}`);
    t.deepEqual(failures.slice(0, 20), []);
    t.true(peak - baseline <= MAX_THREAD_GROWTH, `threads grew from ${baseline} to ${peak}`);
  } finally {
    clearInterval(sampler);
  }
});

interface ExhaustionReport {
  limit: number;
  freeAtStart: number;
  filled: number;
  spawnedAfterFill: number;
  failure: { name: string; code?: string; errno?: number; syscall?: string; path?: string; message: string } | null;
  strays: string[];
  hungUp: number;
  closed: number;
  childrenLeft: string[];
  fdsBefore: number;
  fdsAtFailure: number;
  fdsAfterClose: number;
  leakedAfterClose: string[];
  next: { output: string; exitCode: number | null };
  fdsAfterNext: number;
}

// A spawn holds several fds at once (master, slave, the exit watcher) and keeps
// two; with 1, 2 or 3 fds left the limit falls on a different one of them.
for (const free of FREE_FDS) {
  test.serial(`ulimit -n ${FD_LIMIT}, ${free} fd(s) left: spawn fails with EMFILE, nothing leaks, the next spawn works`, async (t) => {
    const result = await runScript('exhaust-fds.cjs', [String(free)], { shellPrefix: `ulimit -n ${FD_LIMIT};` });
    const r = report<ExhaustionReport>(result);
    t.log(JSON.stringify(r));
    t.is(result.code, 0, result.stderr);
    t.is(r.limit, FD_LIMIT);
    t.is(r.freeAtStart, free);
    t.truthy(r.failure, 'spawn failed at some point');
    t.true(r.spawnedAfterFill <= free, `spawned ${r.spawnedAfterFill} with ${free} fds left`);
    t.is(r.failure!.name, 'Error');
    t.true(EXHAUSTION_CODES.includes(r.failure!.code!), `code ${r.failure!.code}`);
    t.true(typeof r.failure!.errno === 'number' && r.failure!.errno < 0, `errno ${r.failure!.errno}`);
    t.regex(r.failure!.message, /cat/, 'the message names the program');
    t.regex(r.failure!.message, new RegExp(r.failure!.code!), 'the message names the error');
    t.deepEqual(r.strays, [], 'the failed spawn left no process behind');
    t.is(r.hungUp, r.closed, 'every PTY closed by hang-up');
    t.deepEqual(r.childrenLeft, [], 'no child (running or zombie) after close');
    t.deepEqual(r.leakedAfterClose, [], 'no fd left open after closing everything');
    t.is(r.fdsAfterClose, r.fdsBefore);
    t.deepEqual(r.next, { output: 'ok', exitCode: 0 });
    t.is(r.fdsAfterNext, r.fdsBefore);
  });
}
