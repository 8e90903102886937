import test from 'ava';
import { chmodSync, mkdtempSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { run, spawn, type SystemError } from '../lib/index.js';
import { readAll, readUntil } from './helpers.js';

test('output and exit code of a short command', async (t) => {
  const result = await run('sh', ['-c', 'echo hello; exit 3']);
  t.deepEqual(result, { exitCode: 3, signal: null, output: Buffer.from('hello\r\n') });
});

test('exit by a signal reports the signal and no code', async (t) => {
  const pty = await spawn('sleep', ['30']);
  t.true(pty.kill());
  t.deepEqual(await pty.exited, { exitCode: null, signal: 'SIGTERM' });
});

test('a missing program rejects with ENOENT naming the program', async (t) => {
  const error = await t.throwsAsync<SystemError>(spawn('rspty-no-such-program', ['x']));
  t.is(error?.code, 'ENOENT');
  t.is(error?.errno, -2);
  t.is(error?.syscall, 'spawn');
  t.is(error?.path, 'rspty-no-such-program');
  t.deepEqual(error?.spawnargs, ['rspty-no-such-program', 'x']);
  t.is(error?.message, 'spawn rspty-no-such-program: ENOENT (No such file or directory)');
});

test('a file that is not executable rejects with EACCES', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rspty-'));
  const script = join(dir, 'script.sh');
  writeFileSync(script, '#!/bin/sh\necho never\n');
  chmodSync(script, 0o644);
  const error = await t.throwsAsync<SystemError>(spawn(script));
  t.is(error?.code, 'EACCES');
  t.is(error?.message, `spawn ${script}: EACCES (Permission denied)`);
});

test('a non-executable file found in PATH rejects with EACCES, as execvp does', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rspty-'));
  writeFileSync(join(dir, 'tool'), '#!/bin/sh\n');
  chmodSync(join(dir, 'tool'), 0o644);
  const error = await t.throwsAsync<SystemError>(spawn('tool', [], { env: { PATH: dir } }));
  t.is(error?.code, 'EACCES');
});

test('a missing cwd rejects with ENOENT naming the directory', async (t) => {
  const error = await t.throwsAsync<SystemError>(spawn('true', [], { cwd: '/rspty/no/such/dir' }));
  t.is(error?.code, 'ENOENT');
  t.is(error?.syscall, 'chdir');
  t.is(error?.path, '/rspty/no/such/dir');
  t.is(error?.message, 'spawn true: cwd /rspty/no/such/dir: ENOENT (No such file or directory)');
});

test('a file as cwd rejects with ENOTDIR', async (t) => {
  const error = await t.throwsAsync<SystemError>(spawn('true', [], { cwd: '/etc/passwd' }));
  t.is(error?.code, 'ENOTDIR');
});

test('a directory as program rejects with EACCES', async (t) => {
  const error = await t.throwsAsync<SystemError>(spawn('/tmp'));
  t.is(error?.code, 'EACCES');
});

test('cwd, env and TERM reach the child', async (t) => {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'rspty-')));
  const result = await run('/bin/sh', ['-c', 'printf "%s|%s|%s|%s" "$PWD" "$GREETING" "$TERM" "${HOME-unset}"'], {
    cwd: dir,
    env: { GREETING: 'hi there', PATH: '/usr/bin:/bin' },
  });
  t.is(result.output.toString(), `${dir}|hi there|xterm-256color|unset`);
});

test('name sets TERM, over the environment', async (t) => {
  const result = await run('/bin/sh', ['-c', 'printf %s "$TERM"'], { name: 'vt100', env: { TERM: 'dumb' } });
  t.is(result.output.toString(), 'vt100');
});

test('TERM comes from env when no name is given', async (t) => {
  const result = await run('/bin/sh', ['-c', 'printf %s "$TERM"'], { env: { TERM: 'screen' } });
  t.is(result.output.toString(), 'screen');
});

test('the environment defaults to process.env', async (t) => {
  process.env.RSPTY_TEST_VARIABLE = 'inherited';
  try {
    const result = await run('/bin/sh', ['-c', 'printf %s "$RSPTY_TEST_VARIABLE"']);
    t.is(result.output.toString(), 'inherited');
  } finally {
    delete process.env.RSPTY_TEST_VARIABLE;
  }
});

test.serial('process.env as it is at the spawn: a deleted variable is gone, TERM defaults, name wins', async (t) => {
  const saved = { TERM: process.env.TERM, HOME: process.env.HOME };
  const script = 'printf "%s|%s" "${HOME-unset}" "$TERM"';
  try {
    delete process.env.HOME;
    delete process.env.TERM;
    t.is((await run('/bin/sh', ['-c', script])).output.toString(), 'unset|xterm-256color');
    process.env.TERM = 'screen';
    t.is((await run('/bin/sh', ['-c', script])).output.toString(), 'unset|screen');
    t.is((await run('/bin/sh', ['-c', script], { name: 'vt100' })).output.toString(), 'unset|vt100');
  } finally {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
});

test("in a worker thread, the child gets the worker's own process.env", async (t) => {
  // A worker's process.env is a copy: what it sets there is not in the C environment.
  const code = `
    const { parentPort } = require('node:worker_threads');
    const { run } = require(${JSON.stringify(join(__dirname, '..', 'dist', 'index.js'))});
    process.env.RSPTY_WORKER_ONLY = 'worker';
    run('/bin/sh', ['-c', 'printf %s "$RSPTY_WORKER_ONLY"']).then((r) => parentPort.postMessage(r.output.toString()));
  `;
  const worker = new Worker(code, { eval: true });
  const [output] = (await once(worker, 'message')) as [string];
  t.is(output, 'worker');
  t.is(process.env.RSPTY_WORKER_ONLY, undefined);
  await worker.terminate();
});

test('PATH is looked up in the child environment', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rspty-'));
  writeFileSync(join(dir, 'only-here'), '#!/bin/sh\necho found me\n');
  chmodSync(join(dir, 'only-here'), 0o755);
  const result = await run('only-here', [], { env: { PATH: `/nonexistent:${dir}` } });
  t.is(result.output.toString(), 'found me\r\n');
});

test('a script without a shebang line fails with ENOEXEC', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rspty-'));
  writeFileSync(join(dir, 'bare'), 'echo hi\n');
  chmodSync(join(dir, 'bare'), 0o755);
  const error = await t.throwsAsync<SystemError>(spawn(join(dir, 'bare')));
  t.is(error?.code, 'ENOEXEC');
});

test('spawn resolves with the pid of the running program', async (t) => {
  const pty = await spawn('sh', ['-c', 'echo $$']);
  const output = await readAll(pty);
  t.is(output.toString(), `${pty.pid}\r\n`);
  t.deepEqual(await pty.exited, { exitCode: 0, signal: null });
});

test('an aborted signal rejects before spawning', async (t) => {
  const controller = new AbortController();
  controller.abort();
  const error = await t.throwsAsync(spawn('true', [], { signal: controller.signal }));
  t.is(error?.name, 'AbortError');
  t.is((error as SystemError).code, 'ABORT_ERR');
});

test('aborting kills the process group with SIGKILL and the chain settles', async (t) => {
  const controller = new AbortController();
  const pty = await spawn('sh', ['-c', 'trap "" TERM HUP INT; echo ready; sleep 30'], { signal: controller.signal });
  t.is(await readUntil(pty, 'ready\r\n'), 'ready\r\n');
  controller.abort();
  t.deepEqual(await pty.exited, { exitCode: null, signal: 'SIGKILL' });
  t.is((await readAll(pty)).length, 0);
});
