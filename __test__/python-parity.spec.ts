// Python's pty module, behaviour by behaviour (after CPython's Lib/test/test_pty.py).
import test from 'ava';
import { execFileSync, spawn as spawnProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, readSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { copy, interact, openpty, run, spawn } from '../lib/index.js';
import { readAll, readUntil } from './helpers.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'rspty-'));

/**
 * Reads `fd` until a newline (as CPython's test does): the tty layer hands
 * over each write as it is pushed, so one read may return part of a line.
 */
function readLine(fd: number): string {
  const buf = Buffer.alloc(1024);
  let line = '';
  while (!line.endsWith('\n')) {
    const n = readSync(fd, buf);
    if (n === 0) throw new Error(`end of file after ${JSON.stringify(line)}`);
    line += buf.toString('latin1', 0, n);
  }
  return line;
}

test('openpty: the slave is a tty of the requested size', async (t) => {
  const { master, slave, path } = openpty({ cols: 91, rows: 37 });
  try {
    const { isatty } = await import('node:tty');
    t.true(isatty(slave));
    t.regex(path, /^\/dev\/pts\/\d+$/);
    const result = await run('stty', ['size', '-F', path]);
    t.is(result.output.toString(), '37 91\r\n');
  } finally {
    closeSync(slave);
    closeSync(master);
  }
});

test('openpty: a line written to the slave reads back from the master with \\r\\n', (t) => {
  const { master, slave } = openpty();
  writeSync(slave, 'I wish to buy a fish license.\n');
  t.is(readLine(master), 'I wish to buy a fish license.\r\n');
  closeSync(slave);
  closeSync(master);
});

test('openpty: a line written in two parts comes back as one line', (t) => {
  const { master, slave } = openpty();
  writeSync(slave, 'For my pet fish, Eric.');
  writeSync(slave, '\n');
  t.is(readLine(master), 'For my pet fish, Eric.\r\n');
  closeSync(slave);
  closeSync(master);
});

test('openpty: after the slave closes, a master read ends with EIO', (t) => {
  const { master, slave } = openpty();
  closeSync(slave);
  t.throws(() => readSync(master, Buffer.alloc(16)), { code: 'EIO' });
  closeSync(master);
});

test('the child leads its own session: setsid() in it fails with EPERM', async (t) => {
  const result = await run('python3', ['-c', 'import os\ntry:\n  os.setsid()\nexcept OSError as e:\n  print(e.errno)']);
  t.is(result.output.toString(), `${(await import('node:os')).constants.errno.EPERM}\r\n`);
});

test("interact of sh -c 'echo hi there' with output to a file gives exactly hi there\\r\\n", async (t) => {
  const dir = tmp();
  const output = openSync(join(dir, 'out'), 'w');
  const input = openSync('/dev/null', 'r');
  const status = await interact('sh', ['-c', 'echo hi there'], { input, output });
  closeSync(output);
  closeSync(input);
  t.deepEqual(status, { exitCode: 0, signal: null });
  t.is(readFileSync(join(dir, 'out'), 'latin1'), 'hi there\r\n');
});

test('interact rejects with the errno of a missing program', async (t) => {
  const input = openSync('/dev/null', 'r');
  const error = await t.throwsAsync(interact('rspty-no-such-program', [], { input, output: input }));
  closeSync(input);
  t.is((error as NodeJS.ErrnoException).code, 'ENOENT');
});

/** A pair with `command` on its slave (a plain child process, as in CPython's copy tests). */
function childOnPair(command: string[], stty: string[] = []): { master: number; exited: Promise<number | null> } {
  const { master, slave } = openpty();
  if (stty.length > 0) execFileSync('stty', stty, { stdio: [slave, 'ignore', 'inherit'] });
  const child = spawnProcess(command[0]!, command.slice(1), { stdio: [slave, slave, slave] });
  closeSync(slave);
  return { master, exited: new Promise((resolve) => child.on('exit', (code) => resolve(code))) };
}

test('copy relays both ways, and EOF on input stops input only', async (t) => {
  const dir = tmp();
  writeFileSync(join(dir, 'in'), 'abc\n');
  const input = openSync(join(dir, 'in'), 'r');
  const output = openSync(join(dir, 'out'), 'w');
  const { master, exited } = childOnPair(['head', '-c', '4']);
  await copy(master, { input, output });
  t.is(await exited, 0);
  // The terminal's echo of the input, then head's copy of it.
  t.is(readFileSync(join(dir, 'out'), 'latin1'), 'abc\r\nabc\r\n');
  for (const fd of [input, output, master]) closeSync(fd);
});

test('copy does not deadlock with a megabyte going both ways (gh-96522)', async (t) => {
  const lines = 10_486;
  const line = `${'x'.repeat(99)}\n`;
  const dir = tmp();
  writeFileSync(join(dir, 'in'), line.repeat(lines));
  const input = openSync(join(dir, 'in'), 'r');
  const output = openSync(join(dir, 'out'), 'w');
  // Without echo: the kernel drops echoes when its echo buffer overflows under
  // such a flood, whoever reads the master.
  const { master, exited } = childOnPair(['head', '-c', String(lines * line.length)], ['-echo']);
  await copy(master, { input, output });
  t.is(await exited, 0);
  const out = readFileSync(join(dir, 'out'), 'latin1');
  // Every line comes back from head, with \r\n.
  t.is(out.length, lines * (line.length + 1));
  t.is(out.replaceAll(`${'x'.repeat(99)}\r\n`, ''), '');
  for (const fd of [input, output, master]) closeSync(fd);
});

test('copy hooks see every chunk and may replace it', async (t) => {
  const dir = tmp();
  writeFileSync(join(dir, 'in'), 'abc\n');
  const input = openSync(join(dir, 'in'), 'r');
  const output = openSync(join(dir, 'out'), 'w');
  const { master, exited } = childOnPair(['head', '-c', '4']);
  const seenInput: string[] = [];
  await copy(master, {
    input,
    output,
    onInput: (chunk) => {
      seenInput.push(chunk.toString());
      return Buffer.from(chunk.toString().toUpperCase());
    },
    onOutput: (chunk) => Buffer.from(chunk.toString().replaceAll('\r\n', '|')),
  });
  t.is(await exited, 0);
  t.deepEqual(seenInput, ['abc\n']);
  t.is(readFileSync(join(dir, 'out'), 'latin1'), 'ABC|ABC|');
  for (const fd of [input, output, master]) closeSync(fd);
});

const interactScript = (body: string) => `
const { interact } = require(${JSON.stringify(join(__dirname, '..', 'dist', 'index.js'))});
const { execFileSync } = require('node:child_process');
const mode = () => execFileSync('stty', ['-g'], { stdio: [0, 'pipe', 'pipe'] }).toString().trim();
(async () => { ${body} })();
`;

test("interact puts the caller's terminal in raw mode and restores it afterwards", async (t) => {
  const outer = await spawn(process.execPath, [
    '-e',
    interactScript(`
      const before = mode();
      let during = null;
      const status = await interact('sh', ['-c', 'echo inner'], { onOutput: () => { during ??= mode(); } });
      const after = mode();
      console.log(JSON.stringify({ restored: before === after, raw: during !== before, status }));
    `),
  ]);
  const output = (await readAll(outer)).toString();
  t.regex(output, /inner\r\n/);
  const report = JSON.parse(output.slice(output.indexOf('{')));
  t.deepEqual(report, { restored: true, raw: true, status: { exitCode: 0, signal: null } });
});

test("interact follows the caller's window size (SIGWINCH)", async (t) => {
  const outer = await spawn(
    process.execPath,
    ['-e', interactScript(`await interact('sh', ['-c', 'trap "stty size" WINCH; stty size; while :; do sleep 0.05; done']);`)],
    { cols: 80, rows: 24 },
  );
  t.regex(await readUntil(outer, '24 80'), /24 80\r\n$/);
  outer.resize(120, 40);
  t.regex(await readUntil(outer, '40 120'), /40 120/);
  await outer.close();
});
