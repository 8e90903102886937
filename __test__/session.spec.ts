// The child's session, terminal and signals, read back from /proc.
import test from 'ava';
import { readdirSync, readlinkSync, statSync } from 'node:fs';
import { spawn, type Pty } from '../lib/index.js';
import { isDead, pollUntil, procStat, procStatus, readAll, readUntil } from './helpers.js';

test('the child leads a new session whose controlling terminal is the PTY', async (t) => {
  const pty = await spawn('sh', ['-c', 'echo ready; exec sleep 30']);
  await readUntil(pty, 'ready');
  const stat = procStat(pty.pid)!;
  t.is(stat.session, pty.pid);
  t.is(stat.pgrp, pty.pid);
  t.is(stat.tpgid, pty.pid, 'the child is the foreground process group');
  const slave = readlinkSync(`/proc/${pty.pid}/fd/0`);
  t.regex(slave, /^\/dev\/pts\/\d+$/);
  t.is(stat.ttyNr, statSync(slave).rdev);
  await pty.close();
});

// A `cat` that has copied a line is past its start-up, where the loader and
// the locale files hold fds of their own.
async function settledCat(): Promise<Pty> {
  const pty = await spawn('cat');
  pty.write('x\n');
  await readUntil(pty, 'x\r\nx\r\n');
  return pty;
}

test('the child has only fds 0, 1 and 2, all on the slave', async (t) => {
  const pty = await settledCat();
  const fds = readdirSync(`/proc/${pty.pid}/fd`).sort();
  t.deepEqual(fds, ['0', '1', '2']);
  const targets = fds.map((fd) => readlinkSync(`/proc/${pty.pid}/fd/${fd}`));
  t.is(new Set(targets).size, 1);
  await pty.close();
});

test('the child starts with no signal ignored or blocked', async (t) => {
  // Node ignores SIGPIPE; the child must not inherit that.
  t.not(procStatus('self').SigIgn, '0000000000000000');
  const pty = await settledCat();
  const status = procStatus(pty.pid);
  t.is(status.SigIgn, '0000000000000000');
  t.is(status.SigBlk, '0000000000000000');
  await pty.close();
});

test('writing ^C interrupts the foreground program with SIGINT', async (t) => {
  const pty = await spawn('sh', ['-c', 'echo ready; exec sleep 30']);
  await readUntil(pty, 'ready');
  await pty.write('\x03');
  t.deepEqual(await pty.exited, { exitCode: null, signal: 'SIGINT' });
});

test('writing ^\\ quits the foreground program with SIGQUIT', async (t) => {
  const pty = await spawn('sh', ['-c', 'echo ready; exec sleep 30']);
  await readUntil(pty, 'ready');
  await pty.write('\x1c');
  t.deepEqual(await pty.exited, { exitCode: null, signal: 'SIGQUIT' });
});

test('close() hangs up: the child gets SIGHUP', async (t) => {
  const pty = await spawn('sh', ['-c', 'echo ready; exec sleep 30']);
  await readUntil(pty, 'ready');
  await pty.close();
  t.deepEqual(await pty.exited, { exitCode: null, signal: 'SIGHUP' });
  t.is((await readAll(pty)).length, 0, 'the iterator has ended');
});

test('a child that ignores the hang-up is killed after the grace period', async (t) => {
  const pty = await spawn('sh', ['-c', 'trap "" HUP TERM; echo ready; while :; do sleep 0.1; done']);
  await readUntil(pty, 'ready');
  await pty.close();
  t.deepEqual(await pty.exited, { exitCode: null, signal: 'SIGKILL' });
});

test('kill() reaches a grandchild in the same process group', async (t) => {
  const pty = await spawn('sh', ['-c', 'sleep 30 & echo "grandchild $!"; wait']);
  const seen = await readUntil(pty, '\r\n');
  const grandchild = Number(/grandchild (\d+)/.exec(seen)![1]);
  t.is(procStat(grandchild)?.pgrp, pty.pid);
  t.true(pty.kill('SIGTERM'));
  t.deepEqual(await pty.exited, { exitCode: null, signal: 'SIGTERM' });
  // The grandchild got the signal too: it is gone (or a zombie until init reaps it).
  await t.notThrowsAsync(pollUntil(() => isDead(grandchild), 5000, `grandchild ${grandchild} to die`));
});

test('kill() accepts signal numbers and returns false after the child was reaped', async (t) => {
  const pty = await spawn('sleep', ['30']);
  t.true(pty.kill(9));
  t.deepEqual(await pty.exited, { exitCode: null, signal: 'SIGKILL' });
  t.false(pty.kill('SIGTERM'));
});

test('resize changes what stty size reports and sends SIGWINCH', async (t) => {
  const pty = await spawn('sh', ['-c', 'trap "echo winch; stty size" WINCH; stty size; echo ready; while :; do sleep 0.05; done'], {
    cols: 100,
    rows: 30,
  });
  t.regex(await readUntil(pty, 'ready'), /^30 100\r\n/);
  t.is(pty.cols, 100);
  t.is(pty.rows, 30);
  pty.resize(132, 43);
  t.is(pty.cols, 132);
  t.is(pty.rows, 43);
  t.regex(await readUntil(pty, '43 132'), /winch\r\n43 132/);
  await pty.close();
});
