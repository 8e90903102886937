// A good neighbour to Node: PTY children never steal child_process's exit
// statuses, and the library installs no process-wide signal handler.
import { spawn as spawnProcess, spawnSync } from 'node:child_process';
import os from 'node:os';
import test from 'ava';
import { spawn } from '../../lib/index.js';
import { mapPool, report, runScript } from './fixtures/helpers.js';

/** child_process children started while PTYs churn. */
const NODE_CHILDREN = 200;
const NODE_CONCURRENCY = 16;
/** Every this-many-th child_process child kills itself instead of exiting. */
const SIGNAL_EVERY = 10;
/** PTY children spawned and reaped meanwhile. */
const PTY_CYCLES = 2_000;
const PTY_CONCURRENCY = 16;
/** spawnSync calls (their own waitpid) made in the middle of it. */
const SYNC_CHILDREN = 20;

/** The exit code child `i` chooses: spread over 0..255. */
const codeFor = (i: number) => (i * 37) % 256;

function nodeChild(i: number): Promise<string | null> {
  const selfKill = i % SIGNAL_EVERY === 0;
  const script = selfKill ? 'kill -TERM $$' : `exit ${codeFor(i)}`;
  const want = selfKill ? { code: null, signal: 'SIGTERM' } : { code: codeFor(i), signal: null };
  return new Promise((resolve, reject) => {
    const child = spawnProcess('sh', ['-c', script], { stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      const ok = code === want.code && signal === want.signal;
      resolve(ok ? null : `child_process ${i}: got ${code}/${signal}, want ${want.code}/${want.signal}`);
    });
  });
}

async function ptyChild(i: number): Promise<string | null> {
  const code = codeFor(i + 1);
  const pty = await spawn('sh', ['-c', `exit ${code}`]);
  const status = await pty.exited;
  await pty.close();
  return status.exitCode === code && status.signal === null ? null : `pty ${i}: ${JSON.stringify(status)}, want ${code}`;
}

function signalListeners(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const name of Object.keys(os.constants.signals)) {
    const n = process.listenerCount(name);
    if (n > 0) counts[name] = n;
  }
  return counts;
}

test.serial(`${NODE_CHILDREN} child_process children report their own exit while ${PTY_CYCLES} PTYs spawn and exit`, async (t) => {
  const listenersBefore = signalListeners();
  const ptys = mapPool(Array.from({ length: PTY_CYCLES }, (_, i) => i), PTY_CONCURRENCY, ptyChild);
  const nodes = mapPool(Array.from({ length: NODE_CHILDREN }, (_, i) => i), NODE_CONCURRENCY, nodeChild);
  // spawnSync blocks the event loop on its own waitpid while the reactor reaps PTY children.
  const syncFailures: string[] = [];
  for (let i = 0; i < SYNC_CHILDREN; i++) {
    const r = spawnSync('sh', ['-c', `exit ${codeFor(i + 7)}`]);
    if (r.status !== codeFor(i + 7) || r.signal !== null) syncFailures.push(`spawnSync ${i}: ${r.status}/${r.signal}`);
  }
  const [ptyResults, nodeResults] = await Promise.all([ptys, nodes]);
  t.deepEqual(nodeResults.filter(Boolean), []);
  t.deepEqual(ptyResults.filter(Boolean), []);
  t.deepEqual(syncFailures, []);
  t.deepEqual(signalListeners(), listenersBefore, 'no signal listener added to process');
});

interface SignalState {
  kernel: { SigCgt: string; SigIgn: string; SigBlk: string };
  listeners: Record<string, number>;
}

test.serial('loading and using the library installs no signal handler and changes no disposition or mask', async (t) => {
  const result = await runScript('signal-state.cjs');
  const r = report<{ before: SignalState; loaded: SignalState; used: SignalState; statuses: unknown[] }>(result);
  t.log(JSON.stringify(r));
  t.is(result.code, 0, result.stderr);
  // The fixture really used it: a code, a kill, a hang-up and an abort.
  t.deepEqual(r.statuses, [
    { exitCode: 3, signal: null },
    { exitCode: null, signal: 'SIGTERM' },
    { exitCode: null, signal: 'SIGHUP' },
    { exitCode: null, signal: 'SIGKILL' },
  ]);
  t.deepEqual(r.loaded, r.before, 'loading changed nothing');
  t.deepEqual(r.used, r.before, 'using changed nothing');
});
