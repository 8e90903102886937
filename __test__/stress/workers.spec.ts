// Worker threads: PTYs used from several workers at once, and workers
// terminated with live PTYs mid-stream, leave no child, no zombie and no fd
// behind, and do not disturb the main thread's PTYs.
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import test from 'ava';
import { spawn } from '../../lib/index.js';
import { childrenOf, newFds, openFds, pollUntil, procStat, readAll, within, zombiesOf } from '../helpers.js';
import { FIXTURES, report, runScript } from './fixtures/helpers.js';

const WORKER = path.join(FIXTURES, 'pty-worker.cjs');
/** Workers running at once, and PTYs per worker. */
const WORKERS = 4;
const PTYS_PER_WORKER = 4;
/** Numbered lines each child prints. */
const LINES = 2_000;
/** Rounds of terminating workers that hold live PTYs. */
const TERMINATIONS = 2;
const STREAMS_PER_WORKER = 3;
/** close()'s hang-up grace is 2 s; the children must be gone well within this. */
const CHILDREN_GONE_MS = 6_000;
const SETTLE_MS = 30_000;

function expectedLines(lines: number): string {
  let text = '';
  for (let i = 0; i < lines; i++) text += `line ${i}\r\n`;
  return text;
}

/** A direct child of this process is gone only once reaped: a zombie still holds its pid. */
const isGone = (pid: number) => procStat(pid) === null;

function start(workerData: object): { worker: Worker; message: () => Promise<any>; exit: Promise<number> } {
  const worker = new Worker(WORKER, { workerData });
  const exit = new Promise<number>((resolve, reject) => {
    worker.once('exit', resolve);
    worker.once('error', reject);
  });
  const message = () =>
    new Promise<any>((resolve, reject) => {
      worker.once('message', (m: { error?: string }) => (m.error ? reject(new Error(m.error)) : resolve(m)));
      worker.once('error', reject);
    });
  return { worker, message, exit };
}

/** A main-thread PTY printing numbered lines; resolves with what it found wrong, if anything. */
async function mainThreadPty(lines: number): Promise<string | null> {
  const pty = await spawn('sh', ['-c', `i=0; while [ $i -lt ${lines} ]; do echo "line $i"; i=$((i+1)); done`]);
  const got = (await readAll(pty)).toString();
  const status = await pty.exited;
  await pty.close();
  if (status.exitCode !== 0) return `main pty status ${JSON.stringify(status)}`;
  return got === expectedLines(lines) ? null : `main pty output: ${got.length} bytes`;
}

test.serial(`${WORKERS} workers with ${PTYS_PER_WORKER} PTYs each, and the main thread's, all at once: every output exact`, async (t) => {
  const fdsBefore = openFds();
  const workers = Array.from({ length: WORKERS }, () => start({ mode: 'verify', count: PTYS_PER_WORKER, lines: LINES }));
  const replies = workers.map((w) => w.message());
  const main = Array.from({ length: PTYS_PER_WORKER }, () => mainThreadPty(LINES));
  const results = await within(Promise.all(replies), SETTLE_MS, 'workers');
  t.deepEqual((await Promise.all(main)).filter(Boolean), []);
  const bad = results.flatMap((r: { results: Array<{ ok: boolean }> }) => r.results.filter((x) => !x.ok));
  t.deepEqual(bad, []);
  t.is(results.flatMap((r: { results: unknown[] }) => r.results).length, WORKERS * PTYS_PER_WORKER);
  await Promise.all(workers.map(async (w) => {
    await w.worker.terminate();
    await w.exit;
  }));
  t.deepEqual(newFds(fdsBefore), []);
  t.deepEqual(zombiesOf(process.pid), []);
});

for (let round = 0; round < TERMINATIONS; round++) {
  test.serial(`terminating a worker with live PTYs mid-stream (round ${round + 1}): its children and fds are gone, the main thread's PTY is unaffected`, async (t) => {
    const fdsBefore = openFds();
    const w = start({ mode: 'stream', count: STREAMS_PER_WORKER });
    const { pids } = (await within(w.message(), SETTLE_MS, 'worker start')) as { pids: number[] };
    t.is(pids.length, STREAMS_PER_WORKER + 2);
    // The main thread's PTY runs across the termination.
    const main = mainThreadPty(LINES);
    const started = Date.now();
    await w.worker.terminate();
    await w.exit;
    let goneAfter = -1;
    try {
      goneAfter = await pollUntil(() => pids.every(isGone), CHILDREN_GONE_MS, "the worker's children to be reaped");
    } catch {
      // reported below with the survivors
    }
    const alive = pids.filter((pid) => !isGone(pid));
    // The relay closes a PTY's fds once it has reaped the child: a moment after the death.
    try {
      await pollUntil(() => newFds(fdsBefore).length === 0, CHILDREN_GONE_MS, "the worker's fds to close");
    } catch {
      // asserted below
    }
    const leaked = newFds(fdsBefore);
    t.log(
      `terminated, then waited ${Date.now() - started} ms; children reaped after ${goneAfter} ms; ` +
        `alive: [${alive.join(',')}]; fds left open: [${leaked.join(', ')}]`,
    );
    // Whatever the outcome, leave no running process behind this test.
    for (const pid of alive) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    t.is(await within(main, SETTLE_MS, 'main thread pty'), null);
    t.deepEqual(alive, [], 'no child of the terminated worker still runs');
    const zombies = zombiesOf(process.pid).filter((pid) => pids.includes(pid));
    // A zombie stays until someone reaps it: give the reaper the same deadline.
    try {
      await pollUntil(() => zombiesOf(process.pid).every((pid) => !pids.includes(pid)), CHILDREN_GONE_MS, 'zombies to be reaped');
    } catch {
      // asserted below
    }
    t.deepEqual(zombiesOf(process.pid).filter((pid) => pids.includes(pid)), [], `zombies right after: ${zombies.join(',')}`);
    t.deepEqual(childrenOf(process.pid).filter((c) => pids.includes(c.pid)), []);
    t.deepEqual(leaked, [], 'no fd of the terminated worker is still open');
  });
}

test.serial('workers terminated in a process whose main thread never loaded rspty: every child is reaped (the runtime goes down with them)', async (t) => {
  const result = await runScript('worker-teardown.cjs', [String(WORKERS), String(PTYS_PER_WORKER), String(CHILDREN_GONE_MS)]);
  const r = report<{ pids: number; left: string[]; goneAfterMs: number }>(result);
  t.log(`children reaped ${r.goneAfterMs} ms after the termination`);
  t.is(r.pids, WORKERS * (PTYS_PER_WORKER + 2));
  t.deepEqual(r.left, [], 'children of the process (pid:state) left after the deadline');
});
