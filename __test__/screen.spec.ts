// The screen model: standalone and on a PTY; waitFor, waitForIdle, expect,
// the `rspty screen` CLI, and a screen-only consumer's memory.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DOMParser } from '@xmldom/xmldom';
import test from 'ava';
import { Screen, spawn, type Pty, type ScreenWaitError } from '../lib/index.js';

const run = promisify(execFile);
const CLI = join(__dirname, '..', 'dist', 'cli.js');
const ENV = { PATH: process.env.PATH ?? '/usr/bin:/bin', TERM: 'xterm-256color', LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8', PS1: 'ready$ ' };

function bash(options: { cwd?: string } = {}): Promise<Pty> {
  return spawn('bash', ['--norc', '--noprofile', '-i'], { screen: true, env: { ...ENV, HOME: tmpdir() }, ...options });
}

test('a standalone screen parses what it is fed, across feeds', (t) => {
  const screen = new Screen({ cols: 20, rows: 4, scrollback: 2 });
  screen.feed('one \x1b[1;3');
  screen.feed(Buffer.from('2mbold\x1b[0m\r\n日本\r\n'));
  t.is(screen.text(), 'one bold\n日本');
  const snapshot = screen.snapshot();
  t.deepEqual(snapshot, {
    cols: 20,
    rows: 4,
    lines: ['one bold', '日本', '', ''],
    cursor: { row: 2, col: 0, visible: true },
    title: '',
    alternate: false,
  });
  const cells = screen.cells(0);
  t.is(cells.length, 20);
  t.like(cells[4], { char: 'b', width: 1, fg: 2, bg: null, bold: true, italic: false });
  t.like(screen.cells(1)[0], { char: '日', width: 2 });
  t.like(screen.cells(1)[1], { char: '', width: 0 });
  screen.feed('\x1b]2;the title\x07\x1b[38;2;255;128;0mx\r\nc\r\nd\r\ne');
  t.is(screen.snapshot().title, 'the title');
  t.is(screen.cells(1)[0].fg, '#ff8000');
  t.deepEqual(screen.snapshot({ scrollback: true }).scrollback, ['one bold', '日本']);
  t.throws(() => screen.cells(4), { code: 'ERR_OUT_OF_RANGE' });
  t.throws(() => new Screen({ cols: 0 }), { code: 'ERR_OUT_OF_RANGE' });
});

test('a standalone screen resizes with reflow, and waitFor resolves on feed', async (t) => {
  const screen = new Screen({ cols: 10, rows: 3 });
  const waiting = screen.waitFor(/(\w+) arrived/);
  screen.feed('abcdefghijKL');
  t.deepEqual(screen.snapshot().lines, ['abcdefghij', 'KL', '']);
  screen.resize(12, 3);
  t.deepEqual(screen.snapshot().lines, ['abcdefghijKL', '', '']);
  screen.feed('\r\nnews arrived');
  const { match, snapshot } = await waiting;
  t.is((match as RegExpExecArray)[1], 'news');
  t.is(snapshot.lines[1], 'news arrived');
});

test('waitFor sees a bash prompt, then the output of a command', async (t) => {
  await using pty = await bash();
  const prompt = await pty.screen.waitFor(/^ready\$$/m, { timeout: 10_000 });
  t.is((prompt.match as RegExpExecArray)[0], 'ready$');
  t.deepEqual(prompt.snapshot.cursor, { row: 0, col: 7, visible: true });
  await pty.writeLine('echo $((6 * 7))');
  const answer = await pty.screen.waitFor(/^42$/m, { timeout: 10_000 });
  t.deepEqual(answer.snapshot.lines.slice(0, 3), ['ready$ echo $((6 * 7))', '42', 'ready$']);
  await pty.writeLine('exit');
  t.deepEqual(await pty.exited, { exitCode: 0, signal: null });
});

test("waitFor sees vim's status line after an edit, then the file is written", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rspty-screen-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'a.txt'), 'first\nsecond\n');
  await using pty = await spawn('vim', ['-u', 'NONE', '-i', 'NONE', '-N', 'a.txt'], { cwd: dir, screen: true, env: { ...ENV, HOME: dir } });
  const opened = await pty.screen.waitFor(/"a\.txt" 2L, 13B/, { timeout: 10_000 });
  t.true(opened.snapshot.alternate);
  t.deepEqual(opened.snapshot.lines.slice(0, 3), ['first', 'second', '~']);
  await pty.write('Gotyped\x1b:w\r');
  const written = await pty.screen.waitFor(/"a\.txt" 3L, 19B written/, { timeout: 10_000 });
  t.deepEqual(written.snapshot.lines.slice(0, 3), ['first', 'second', 'typed']);
  await pty.write(':q\r');
  t.deepEqual(await pty.exited, { exitCode: 0, signal: null });
  t.false(pty.screen.snapshot().alternate);
});

test("a waitFor that times out rejects with the screen's text", async (t) => {
  await using pty = await bash();
  await pty.screen.waitFor('ready$', { timeout: 10_000 });
  await pty.writeLine('echo something else');
  await pty.screen.waitFor(/^something else$/m, { timeout: 10_000 });
  const error = await t.throwsAsync<ScreenWaitError>(pty.screen.waitFor('never shown', { timeout: 200 }));
  t.is(error.code, 'ETIMEDOUT');
  t.is(error.screen, 'ready$ echo something else\nsomething else\nready$');
  t.is(error.message, `waitFor("never shown") timed out after 200 ms; the screen shows:\n${error.screen}`);
  t.is(error.snapshot.lines[1], 'something else');
});

test('a waitFor whose output ends without a match rejects with ERR_PTY_EOF', async (t) => {
  const pty = await spawn('/bin/sh', ['-c', 'echo bye'], { screen: true });
  const error = await t.throwsAsync<ScreenWaitError>(pty.screen.waitFor('hello', { timeout: 10_000 }));
  t.is(error.code, 'ERR_PTY_EOF');
  t.is(error.screen, 'bye');
});

test('waitFor can be aborted', async (t) => {
  await using pty = await bash();
  const controller = new AbortController();
  const waiting = pty.screen.waitFor('never', { signal: controller.signal });
  controller.abort();
  await t.throwsAsync(waiting, { name: 'AbortError' });
});

test('waitForIdle resolves after ls has printed everything', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rspty-screen-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  for (const name of ['alpha', 'beta', 'gamma']) writeFileSync(join(dir, name), '');
  await using pty = await bash({ cwd: dir });
  await pty.screen.waitFor('ready$', { timeout: 10_000 });
  await pty.writeLine('ls -1');
  // The quiet time counts from the call: the prompt printed before does not count.
  const start = performance.now();
  const snapshot = await pty.screen.waitForIdle({ quiet: 1000, timeout: 20_000 });
  t.true(performance.now() - start >= 990);
  t.deepEqual(snapshot.lines.slice(0, 5), ['ready$ ls -1', 'alpha', 'beta', 'gamma', 'ready$']);
});

test('expect with two patterns resolves with the first match, its index and what came before', async (t) => {
  await using pty = await spawn('/bin/sh', ['-c', 'printf "boot: loading\\n"; sleep 0.2; printf "login: "; read name; printf "hello %s\\n" "$name"']);
  const first = await pty.expect(['password:', /log(in|out): /], { timeout: 10_000 });
  t.is(first.index, 1);
  t.is((first.match as RegExpExecArray)[1], 'in');
  t.is(first.before, 'boot: loading\r\n');
  await pty.writeLine('ada');
  const second = await pty.expect([/hello (\w+)/, 'ada'], { timeout: 10_000 });
  // The echo of the typed line comes first: the earliest match wins.
  t.is(second.index, 1);
  t.is(second.before, '');
  const third = await pty.expect(/hello (\w+)\r\n/, { timeout: 10_000 });
  t.is((third.match as RegExpExecArray)[1], 'ada');
  t.is(third.before, '\r\n');
  const eof = await t.throwsAsync(pty.expect('more', { timeout: 10_000 }));
  t.is((eof as NodeJS.ErrnoException).code, 'ERR_PTY_EOF');
});

test('expect matches across chunks and times out with what it read', async (t) => {
  await using pty = await spawn('/bin/sh', ['-c', 'printf "ab"; sleep 0.3; printf "cd"; sleep 30']);
  const found = await pty.expect('bc', { timeout: 10_000 });
  t.is(found.before, 'a');
  const error = await t.throwsAsync(pty.expect('zz', { timeout: 100 }));
  t.is((error as NodeJS.ErrnoException).code, 'ETIMEDOUT');
  t.is((error as Error & { before: string }).before, 'd');
});

test('resize resizes the screen too', async (t) => {
  await using pty = await spawn('/bin/sh', ['-c', 'read x; stty size'], { cols: 40, rows: 10, screen: true });
  pty.resize(50, 12);
  t.like(pty.screen.snapshot(), { cols: 50, rows: 12 });
  await pty.writeLine('');
  await pty.screen.waitFor('12 50', { timeout: 10_000 });
  t.pass();
});

test("a PTY's screen answers the program's cursor position and device attributes queries", async (t) => {
  // Echo off first, so that the replies reach `read` without being echoed onto the screen.
  const script = [
    'stty -echo',
    String.raw`printf 'abc\033[6n'`,
    'IFS= read -r -d R position',
    String.raw`printf '\033[c'`,
    'IFS= read -r -d c attributes',
    'printf "\\r\\nposition %s attributes %s\\r\\n" "${position#?}" "${attributes#?}"',
  ].join('; ');
  const pty = await spawn('bash', ['--norc', '--noprofile', '-c', script], { screen: true, env: ENV, cols: 40, rows: 5 });
  // Without the replies, `read` would wait for ever.
  await pty.screen!.waitFor(/^position /m, { timeout: 10_000 });
  t.deepEqual(await pty.exited, { exitCode: 0, signal: null });
  // ESC [ 1 ; 4 R: row 1, column 4 (1-based, after "abc"); ESC [ ? 6 c: a VT102.
  t.deepEqual(pty.screen!.snapshot().lines, ['abc', 'position [1;4 attributes [?6', '', '', '']);
});

test('a standalone screen hands the replies to onReply, in order, and checks it', (t) => {
  const replies: string[] = [];
  const screen = new Screen({ cols: 20, rows: 4, onReply: (reply) => replies.push(reply) });
  screen.feed('ab\r\ncdef\x1b[6n\x1b[');
  screen.feed('c plain');
  t.deepEqual(replies, ['\x1b[2;5R', '\x1b[?6c']);
  // Without onReply the replies are dropped.
  t.notThrows(() => new Screen().feed('\x1b[6n'));
  t.throws(() => new Screen({ onReply: 'no' as never }), { instanceOf: TypeError, message: 'options.onReply must be a function, got string' });
});

test('pty.screen without the option throws a clear error', async (t) => {
  await using pty = await spawn('/bin/true');
  t.throws(() => pty.screen, { code: 'ERR_INVALID_STATE', message: /spawn with \{ screen: true \}/ });
  t.throws(() => pty.resize(0, 1), { code: 'ERR_OUT_OF_RANGE' });
});

test('rspty screen prints text, json and svg of the same screen', async (t) => {
  const args = ['screen', '--cols', '30', '--rows', '6', '--idle', '200', '--', '/bin/sh', '-c', 'printf "\\033]2;T\\007\\033[1;31mred\\033[0m & <plain>\\n日本 x"; sleep 30'];
  const text = await run(process.execPath, [CLI, ...args]);
  t.is(text.stdout, 'red & <plain>\n日本 x\n');
  const json = JSON.parse((await run(process.execPath, [CLI, 'screen', '--format', 'json', ...args.slice(1)])).stdout);
  t.deepEqual(json, {
    cols: 30,
    rows: 6,
    lines: ['red & <plain>', '日本 x', '', '', '', ''],
    cursor: { row: 1, col: 6, visible: true },
    title: 'T',
    alternate: false,
  });
  const svg = (await run(process.execPath, [CLI, 'screen', '--format=svg', ...args.slice(1)])).stdout;
  const doc = new DOMParser({
    onError: (level, message) => {
      throw new Error(`${level}: ${message}`);
    },
  }).parseFromString(svg, 'image/svg+xml');
  const root = doc.documentElement!;
  t.is(root.nodeName, 'svg');
  const rows = Array.from(root.getElementsByTagName('text')).map((row) => row.textContent ?? '');
  t.is(rows.length, 6);
  t.is(rows.join('\n').trimEnd(), text.stdout.trimEnd());
  t.is(root.getElementsByTagName('title')[0]?.textContent, 'T');
  const red = Array.from(root.getElementsByTagName('tspan')).find((s) => s.textContent === 'red');
  t.is(red?.getAttribute('fill'), '#cd3131');
  t.is(red?.getAttribute('font-weight'), 'bold');
});

test('rspty screen: bad usage, a missing program, and a timeout that still prints', async (t) => {
  const usage = await t.throwsAsync(run(process.execPath, [CLI, 'screen', '--format', 'png', '--', 'true']));
  t.is((usage as { code?: number }).code, 2);
  t.regex((usage as unknown as { stderr: string }).stderr, /--format must be text, json or svg, got png/);
  const missing = await t.throwsAsync(run(process.execPath, [CLI, 'screen', '--', 'no-such-program-rspty']));
  t.is((missing as { code?: number }).code, 127);
  const busy = await t.throwsAsync(run(process.execPath, [CLI, 'screen', '--idle', '1000', '--timeout', '400', '--', '/bin/sh', '-c', 'while :; do printf "tick\\r"; sleep 0.05; done']));
  t.is((busy as { code?: number }).code, 124);
  t.is((busy as unknown as { stdout: string }).stdout, 'tick\n');
});

function rssMiB(): number {
  return process.memoryUsage().rss / (1024 * 1024);
}

test('a fast producer: once it exits, the screen has parsed every line in order', async (t) => {
  // The relay hands its reads to a parser thread; the end of output waits for
  // the parsing, and the chunks are parsed in the order they were read.
  const pty = await spawn('seq', ['1', '2000000'], { screen: { scrollback: 3000 }, cols: 80, rows: 24 });
  t.deepEqual(await pty.exited, { exitCode: 0, signal: null });
  const snapshot = pty.screen!.snapshot({ scrollback: true });
  const rows = [...snapshot.scrollback!, ...snapshot.lines];
  const expected = Array.from({ length: 3000 + 23 }, (_, i) => String(2000000 - 3000 - 22 + i));
  t.deepEqual(rows, [...expected, '']);
  t.deepEqual(snapshot.cursor, { row: 23, col: 0, visible: true });
});

test('a screen-only consumer of a 256 MiB producer: the child finishes and memory stays bounded', async (t) => {
  const before = rssMiB();
  const pty = await spawn('/bin/sh', ['-c', 'head -c 268435456 /dev/zero | tr "\\0" "x"; echo; echo done'], { screen: true, cols: 80, rows: 24 });
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, rssMiB())), 50);
  try {
    const status = await pty.exited;
    t.deepEqual(status, { exitCode: 0, signal: null });
    await pty.screen.waitFor(/^done$/m, { timeout: 10_000 });
  } finally {
    clearInterval(sampler);
  }
  peak = Math.max(peak, rssMiB());
  t.true(peak - before < 64, `RSS grew by ${(peak - before).toFixed(1)} MiB`);
  // Every byte but what the queue held (its bound, 256 KiB, plus one read) was dropped.
  const total = 268435456 + 2 + 6; // the x's, then "\r\n" and "done\r\n"
  t.true(pty.droppedBytes > total - 512 * 1024 && pty.droppedBytes <= total - 256 * 1024, `dropped ${pty.droppedBytes}`);
});
