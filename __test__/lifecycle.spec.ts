// Resources: fds in the parent, the event loop, close and dispose.
import test from 'ava';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { run, spawn } from '../lib/index.js';
import { isDead, newFds, openFds, pollUntil, readAll } from './helpers.js';

const execFileAsync = promisify(execFile);
const SPAWNS = 200;
const fixture = (name: string) => join(__dirname, 'fixtures', name);

test.serial(`no fd is left open in the parent after ${SPAWNS} spawns`, async (t) => {
  await run('true'); // warm up: the runtime's own fds (epoll, eventfd) open once
  const before = openFds();
  for (let i = 0; i < SPAWNS; i += 20) {
    await Promise.all(Array.from({ length: 20 }, () => run('printf', ['x'])));
  }
  const closed = await spawn('sleep', ['30']);
  await closed.close();
  // Node may close fds of its own meanwhile; none may be added.
  t.deepEqual(newFds(before), []);
});

test('a Node process exits by itself once its PTY work is done', async (t) => {
  const { stdout } = await execFileAsync(process.execPath, [fixture('exits-by-itself.cjs')], { timeout: 20_000 });
  t.is(stdout, 'output "done\\r\\n" status {"exitCode":0,"signal":null}\n');
});

test('a live PTY keeps the process alive until its child exits', async (t) => {
  const { stdout } = await execFileAsync(process.execPath, [fixture('unref.cjs'), 'keep'], { timeout: 20_000 });
  const pid = stdout.split(' ')[0];
  t.is(stdout, `${pid} spawned\n${pid} exited {"exitCode":0,"signal":null}\n`);
});

test('a read waiting for output that comes after the exit keeps the process alive', async (t) => {
  const { stdout } = await execFileAsync(process.execPath, [fixture('unref.cjs'), 'late'], { timeout: 20_000 });
  t.is(stdout, 'exited {"exitCode":0,"signal":null}\noutput "early\\r\\nlate\\r\\n"\n');
});

test('unref() lets the process exit while the child runs and a read waits', async (t) => {
  const started = Date.now();
  const { stdout } = await execFileAsync(process.execPath, [fixture('unref.cjs'), 'unref'], { timeout: 20_000 });
  const pid = Number(stdout.split(' ')[0]);
  // The process left before the child's 30 s were up: its exit was never reported.
  t.is(stdout, `${pid} spawned\n`);
  t.true(Date.now() - started < 20_000);
  // Leaving closed the master, which hangs up the terminal: the child got
  // SIGHUP rather than running on (a zombie until init reaps it, or gone).
  await t.notThrowsAsync(pollUntil(() => isDead(pid), 5_000, 'the hung-up child to die'));
});

test('await using closes the PTY and reaps the child', async (t) => {
  let pid = 0;
  {
    await using pty = await spawn('sleep', ['30']);
    pid = pty.pid;
  }
  t.throws(() => process.kill(pid, 0), { code: 'ESRCH' });
});

test('close() twice returns the same promise; the iterator then ends', async (t) => {
  const pty = await spawn('cat');
  const first = pty.close();
  t.is(pty.close(), first);
  await first;
  t.is((await readAll(pty)).length, 0);
});
