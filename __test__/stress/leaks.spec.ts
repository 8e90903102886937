// No leaks: thousands of spawn/exit cycles leave no fd, no zombie and no
// memory behind, and a child only ever holds fds 0, 1 and 2.
import v8 from 'node:v8';
import vm from 'node:vm';
import test from 'ava';
import { run, spawn } from '../../lib/index.js';
import { childrenOf, newFds, openFds, readAll, zombiesOf } from '../helpers.js';
import { mapPool, report, runScript } from './fixtures/helpers.js';

const MiB = 1024 * 1024;
/**
 * Cycles before the baseline. The allocator's arenas for the runtime's
 * threads keep growing in steps for the first several thousand cycles, then
 * stay level (measured: +13 MiB by 10,000 cycles, then within ±3 MiB up to
 * 80,000), so the baseline is taken after that.
 */
const WARMUP_CYCLES = 12_000;
const CYCLES = 10_000;
const CONCURRENCY = 32;
/** RSS may drift this much over the measured cycles. */
const RSS_FLAT_BOUND = 8 * MiB;
/** Children listing their fds, and how many run at once. */
const LISTING_CHILDREN = 200;
const LISTING_CONCURRENCY = 32;
/**
 * Inheritable fds the fixture process starts with, as bait: opened by bash
 * without close-on-exec, above the low numbers Node itself marks close-on-exec.
 */
const BAIT_FDS = [100, 101, 102, 103, 104] as const;
const ONLY_STDIO = '0\r\n1\r\n2\r\n';

v8.setFlagsFromString('--expose-gc');
const collectGarbage = vm.runInNewContext('gc') as () => void;

function rss(): number {
  collectGarbage();
  return process.memoryUsage.rss();
}

/**
 * One spawn/exit cycle, ended in one of the ways a caller may end it: run()
 * to completion, iterate to the end, wait for the exit then close, or wait
 * for the exit and drop the Pty without reading or closing.
 */
async function cycle(i: number): Promise<string | null> {
  switch (i % 4) {
    case 0: {
      const r = await run('/bin/true');
      return r.exitCode === 0 && r.output.length === 0 ? null : `run true: ${JSON.stringify(r)}`;
    }
    case 1: {
      const r = await run('printf', ['x']);
      return r.exitCode === 0 && r.output.toString() === 'x' ? null : `run printf: ${JSON.stringify(r)}`;
    }
    case 2: {
      const pty = await spawn('printf', ['x']);
      const status = await pty.exited;
      await pty.close();
      return status.exitCode === 0 ? null : `close after exit: ${JSON.stringify(status)}`;
    }
    default: {
      const pty = await spawn('/bin/true');
      const status = await pty.exited;
      return status.exitCode === 0 ? null : `abandoned: ${JSON.stringify(status)}`;
    }
  }
}

async function cycles(count: number, offset: number): Promise<string[]> {
  const results = await mapPool(Array.from({ length: count }, (_, i) => offset + i), CONCURRENCY, cycle);
  return results.filter((r): r is string => r !== null);
}

test.serial(`${CYCLES} spawn/exit cycles: fds back to the start, no zombie, RSS flat`, async (t) => {
  t.deepEqual(await cycles(WARMUP_CYCLES, 0), []);
  const fdsBefore = openFds();
  const rssBefore = rss();
  const started = Date.now();
  const failures = await cycles(CYCLES / 2, WARMUP_CYCLES);
  const rssMiddle = rss();
  failures.push(...(await cycles(CYCLES / 2, WARMUP_CYCLES + CYCLES / 2)));
  const elapsed = Date.now() - started;
  const fdsAfter = openFds();
  const rssAfter = rss();
  const zombies = zombiesOf(process.pid);
  const children = childrenOf(process.pid).filter((c) => c.state !== 'Z');
  t.log(
    `${CYCLES} cycles in ${elapsed} ms; fds ${fdsBefore.size} -> ${fdsAfter.size}; ` +
      `RSS ${(rssBefore / MiB).toFixed(1)} -> ${(rssMiddle / MiB).toFixed(1)} -> ${(rssAfter / MiB).toFixed(1)} MiB`,
  );
  t.deepEqual(failures.slice(0, 10), []);
  t.deepEqual(newFds(fdsBefore), [], 'no fd opened by the cycles is still open');
  t.is(fdsAfter.size, fdsBefore.size);
  t.deepEqual(zombies, [], 'no zombie child');
  t.deepEqual(children, [], 'no child still running');
  t.true(rssAfter - rssBefore <= RSS_FLAT_BOUND, `RSS grew ${((rssAfter - rssBefore) / MiB).toFixed(1)} MiB`);
});

test.serial(`${LISTING_CHILDREN} children spawned ${LISTING_CONCURRENCY} at a time, in this process: each holds only fds 0, 1, 2`, async (t) => {
  const listings = await mapPool(Array.from({ length: LISTING_CHILDREN }, (_, i) => i), LISTING_CONCURRENCY, async () => {
    const pty = await spawn('sh', ['-c', 'ls -1 /proc/$$/fd']);
    const output = await readAll(pty);
    await pty.close();
    return output.toString();
  });
  t.deepEqual([...new Set(listings)], [ONLY_STDIO]);
});

test.serial(`a host with ${BAIT_FDS.length} inheritable fds: its PTY children still hold only fds 0, 1, 2`, async (t) => {
  const result = await runScript('child-fds.ts', [String(LISTING_CHILDREN), String(LISTING_CONCURRENCY)], {
    shell: 'bash',
    shellPrefix: `exec ${BAIT_FDS.map((fd) => `${fd}</dev/null`).join(' ')};`,
  });
  const r = report<{ bait: number[]; counts: Record<string, number> }>(result);
  t.is(result.code, 0, result.stderr);
  // The host really had fds without close-on-exec that a careless spawn would pass on.
  for (const fd of BAIT_FDS) t.true(r.bait.includes(fd), `fd ${fd} inheritable in the host: ${r.bait.join(',')}`);
  t.deepEqual(r.counts, { [ONLY_STDIO]: LISTING_CHILDREN });
});
