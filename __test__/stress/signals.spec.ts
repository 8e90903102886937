// Signals and sessions: a clean signal state in the child, job-control
// characters reach the foreground group, kill() reaches the whole group,
// close() hangs up, abort kills.
import test from 'ava';
import { spawn } from '../../lib/index.js';
import { childrenOf, isDead, pollUntil, procStat, procStatus, readAll, readUntil, within } from '../helpers.js';

const NO_SIGNALS = '0000000000000000';
/** Bound for states the kernel shows only in /proc (stopped, reparented and dead). */
const STATE_DEADLINE_MS = 5_000;
/** Bound on settling for a promise that an event should settle at once. */
const SETTLE_MS = 5_000;
/** The documented grace between close()'s hang-up and SIGKILL. */
const CLOSE_GRACE_MS = 2_000;
/** Slack for timers and scheduling around the grace. */
const GRACE_SLACK_MS = 1_500;
const LONG_SLEEP = '30';
const READY = 'R';

test('the child starts with default dispositions and an empty mask, whatever the host ignores', async (t) => {
  // Node itself ignores SIGPIPE: a non-empty SigIgn an exec would pass on if not reset.
  t.not(procStatus('self').SigIgn, NO_SIGNALS);
  const pty = await spawn('sleep', [LONG_SLEEP]);
  const status = procStatus(pty.pid);
  t.is(status.Name, 'sleep');
  t.is(status.SigIgn, NO_SIGNALS);
  t.is(status.SigBlk, NO_SIGNALS);
  t.is(status.SigCgt, NO_SIGNALS);
  await pty.close();
});

test('a program reading its own status sees no ignored or blocked signal either', async (t) => {
  // grep reads /proc/self/status of its own process: the state it was executed with.
  const pty = await spawn('grep', ['-E', '^Sig(Ign|Blk)', '/proc/self/status']);
  const output = (await readAll(pty)).toString();
  t.is(output, `SigBlk:\t${NO_SIGNALS}\r\nSigIgn:\t${NO_SIGNALS}\r\n`);
  t.deepEqual(await pty.exited, { exitCode: 0, signal: null });
});

for (const [char, signal] of [
  ['\x03', 'SIGINT'],
  ['\x1c', 'SIGQUIT'],
] as const) {
  test(`${JSON.stringify(char)} on the master delivers ${signal} to the foreground group`, async (t) => {
    const pty = await spawn('sleep', [LONG_SLEEP]);
    await pty.write(char);
    t.deepEqual(await within(pty.exited, SETTLE_MS, 'exit'), { exitCode: null, signal });
    await pty.close();
  });
}

// A program spawned directly leads its own session, so its process group is
// orphaned and the kernel discards terminal stop signals for it (POSIX). A
// job-control shell (set -m) runs the job in its own, non-orphaned group in
// the foreground, as in a terminal emulator.
test('"\\x1a" on the master stops the foreground job (SIGTSTP)', async (t) => {
  const pty = await spawn('sh', ['-c', `set -m; sh -c 'printf ${READY}; exec sleep ${LONG_SLEEP}'; echo "status $?"; read x`]);
  const iterator = pty[Symbol.asyncIterator]();
  const seen: Buffer[] = [];
  await readUntil(iterator, READY, seen); // printed by the job, already in the foreground
  await pty.write('\x1a');
  // The shell saw its job stop: 128 + SIGTSTP (20).
  const output = await readUntil(iterator, '\r\n', seen);
  t.is(output, `${READY}^Zstatus 148\r\n`);
  const jobs = childrenOf(pty.pid);
  t.is(jobs.length, 1);
  t.is(jobs[0]!.state, 'T', 'the job is stopped');
  t.is(jobs[0]!.pgrp, jobs[0]!.pid, 'in a group of its own');
  t.true(pty.kill('SIGKILL'));
  t.deepEqual(await within(pty.exited, SETTLE_MS, 'exit'), { exitCode: null, signal: 'SIGKILL' });
  // The shell's death orphans the stopped group: the kernel hangs it up.
  await pollUntil(() => isDead(jobs[0]!.pid), STATE_DEADLINE_MS, 'the stopped job to die');
  await pty.close();
});

test('kill() reaches the whole process group, grandchildren included', async (t) => {
  const pty = await spawn('sh', ['-c', `sleep ${LONG_SLEEP} & echo $!; wait`]);
  const iterator = pty[Symbol.asyncIterator]();
  const seen: Buffer[] = [];
  const line = await readUntil(iterator, '\r\n', seen);
  const grandchild = Number(line.trim());
  t.true(Number.isInteger(grandchild) && grandchild > 0, line);
  const stat = procStat(grandchild);
  t.is(stat?.pgrp, pty.pid, 'the grandchild is in the group the child leads');
  t.is(stat?.session, pty.pid, 'and in its session');
  t.true(pty.kill('SIGTERM'));
  t.deepEqual(await within(pty.exited, SETTLE_MS, 'exit'), { exitCode: null, signal: 'SIGTERM' });
  await pollUntil(() => isDead(grandchild), STATE_DEADLINE_MS, 'the grandchild to die');
  // The output ends once the grandchild, the last holder of the slave, is gone.
  await within((async () => { while (!(await iterator.next()).done); })(), SETTLE_MS, 'end of output');
  await pty.close();
  t.pass();
});

test('close() hangs up the session: the child dies of SIGHUP, well before the grace', async (t) => {
  const pty = await spawn('sleep', [LONG_SLEEP]);
  const started = Date.now();
  await within(pty.close(), SETTLE_MS, 'close');
  const elapsed = Date.now() - started;
  t.deepEqual(await pty.exited, { exitCode: null, signal: 'SIGHUP' });
  t.true(elapsed < CLOSE_GRACE_MS, `close took ${elapsed} ms`);
  t.true(isDead(pty.pid));
});

test('close() on a child that ignores SIGHUP: SIGKILL after the grace', async (t) => {
  const pty = await spawn('sh', ['-c', `trap "" HUP; printf ${READY}; while :; do sleep 1; done`]);
  await readUntil(pty, READY);
  const started = Date.now();
  await within(pty.close(), CLOSE_GRACE_MS + SETTLE_MS, 'close');
  const elapsed = Date.now() - started;
  t.deepEqual(await pty.exited, { exitCode: null, signal: 'SIGKILL' });
  t.true(elapsed >= CLOSE_GRACE_MS - 50, `killed after ${elapsed} ms`);
  t.true(elapsed < CLOSE_GRACE_MS + GRACE_SLACK_MS, `killed after ${elapsed} ms`);
});

test('aborting the AbortSignal kills the child: exited, the iterator and later writes all settle', async (t) => {
  const controller = new AbortController();
  const pty = await spawn('sleep', [LONG_SLEEP], { signal: controller.signal });
  const output = readAll(pty);
  controller.abort();
  t.deepEqual(await within(pty.exited, SETTLE_MS, 'exit'), { exitCode: null, signal: 'SIGKILL' });
  await within(output, SETTLE_MS, 'end of output');
  t.is(await pty.write('x'), false);
  await within(pty.close(), SETTLE_MS, 'close');
});

test('aborting while spawn() is in flight: spawn rejects with AbortError or the child is killed', async (t) => {
  const controller = new AbortController();
  const pending = spawn('sleep', [LONG_SLEEP], { signal: controller.signal });
  controller.abort();
  const outcome = await within(
    pending.then(
      async (pty) => {
        const status = await within(pty.exited, SETTLE_MS, 'exit');
        await pty.close();
        return { status, pid: pty.pid };
      },
      (error: Error & { code?: string }) => ({ error: `${error.name}/${error.code}` }),
    ),
    SETTLE_MS,
    'spawn',
  );
  if ('error' in outcome) t.is(outcome.error, 'AbortError/ABORT_ERR');
  else {
    t.deepEqual(outcome.status, { exitCode: null, signal: 'SIGKILL' });
    t.true(isDead(outcome.pid));
  }
});

test('resize(): the child sees the new size', async (t) => {
  const pty = await spawn('sh', ['-c', `printf ${READY}; read x; stty size`], { cols: 80, rows: 24 });
  const iterator = pty[Symbol.asyncIterator]();
  const seen: Buffer[] = [];
  await readUntil(iterator, READY, seen);
  pty.resize(132, 43);
  t.is(pty.cols, 132);
  t.is(pty.rows, 43);
  await pty.write('\n');
  const output = await readUntil(iterator, '43 132\r\n', seen);
  t.true(output.endsWith('43 132\r\n'), JSON.stringify(output));
  t.deepEqual(await pty.exited, { exitCode: 0, signal: null });
  await pty.close();
});
