// The web terminal example (examples/web-terminal) in a real browser: Debian's
// chromium driven by puppeteer-core, the screen read from xterm.js's buffer.
import test, { type ExecutionContext } from 'ava';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import WebSocket from 'ws';

const EXAMPLE = resolve(__dirname, '../examples/web-terminal');

// The parts of puppeteer-core's Browser and Page used here (its own types
// need the DOM library, which this project's TypeScript config leaves out).
interface Browser {
  close(): Promise<void>;
}
interface Page {
  keyboard: { type(text: string): Promise<void>; press(key: string): Promise<void>; down(key: string): Promise<void>; up(key: string): Promise<void> };
  evaluate<A extends unknown[], R>(fn: (...args: A) => R | Promise<R>, ...args: A): Promise<R>;
  waitForFunction<A extends unknown[]>(fn: (...args: A) => unknown, options: { polling?: number; timeout?: number }, ...args: A): Promise<unknown>;
  setViewport(size: { width: number; height: number }): Promise<void>;
  screenshot(options: { path: string }): Promise<unknown>;
  createCDPSession(): Promise<{ send(method: string, params?: object): Promise<unknown> }>;
  close(): Promise<void>;
}

interface Server {
  pid: number;
  url: string;
  printed: string;
  port: number;
  origin: string;
  log: string;
  waitForLog(re: RegExp, timeoutMs?: number, from?: number): Promise<RegExpMatchArray>;
  stop(): Promise<{ code: number | null; signal: string | null }>;
  exited: Promise<{ code: number | null; signal: string | null }>;
}
interface Harness {
  browserMissing(): string | null;
  startServer(args: string[], options?: { env?: NodeJS.ProcessEnv; cwd?: string }): Promise<Server>;
  launchBrowser(): Promise<Browser>;
  openTerminal(browser: Browser, url: string, size?: { width: number; height: number }): Promise<Page>;
  childrenOf(pid: number): number[];
  rssBytes(pid: number): number;
  fnv1a(bytes: Uint8Array, hash?: number): number;
}
interface BenchRow {
  backend: string;
  pages: number;
  totalMBps: number;
  cpuMsPerMB: number;
  complete: boolean;
  failures: string[];
}
interface Bench {
  bench(options: { mib: number; pages: number[]; backends: string[]; browser?: Browser }): Promise<BenchRow[]>;
  makeFile(dir: string, mib: number): { file: string; bytes: number; hash: number };
  table(rows: BenchRow[]): string;
}
interface PageState {
  open: boolean;
  closed: { code: number; reason: string } | null;
  exit: { exitCode: number | null; signal: string | null } | null;
  received: number;
  parsed: number;
  hash: number;
}
// What app.js puts on window for the tests.
declare const window: {
  rspty: {
    term: {
      cols: number;
      rows: number;
      buffer: { active: { type: string; viewportY: number; getLine(y: number): XtermLine | undefined } };
    };
    state: PageState;
    screen(): string[];
    allLines(): string[];
  };
};
declare function requestAnimationFrame(callback: () => void): number;
interface XtermLine {
  translateToString(trim?: boolean): string;
  getCell(x: number): { getChars(): string; getFgColor(): number; isFgPalette(): boolean; isBold(): number } | undefined;
}

const load = async <T>(file: string): Promise<T> => (await import(pathToFileURL(join(EXAMPLE, file)).href)) as T;

const PROMPT = 'rspty$ ';
let harness: Harness;
let browser: Browser | null = null;
let missing: string | null = null;
const work = mkdtempSync(join(tmpdir(), 'rspty-web-test-'));

// A shell whose prompt the tests know, in an environment that does not
// depend on the machine's (ls colours, bash start-up files).
function shellEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PS1: PROMPT, HOME: work, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' };
  delete env.LS_COLORS;
  delete env.LESS;
  delete env.PROMPT_COMMAND;
  return env;
}
const SHELL = ['--', 'bash', '--norc', '--noprofile'];

test.before(async () => {
  harness = await load<Harness>('harness.mjs');
  missing = harness.browserMissing();
  if (missing) {
    const bar = '#'.repeat(72);
    console.error(`\n${bar}\n# web-terminal browser tests SKIPPED: ${missing}\n${bar}\n`);
    return;
  }
  browser = await harness.launchBrowser();
});

test.after.always(async () => {
  await browser?.close();
  rmSync(work, { recursive: true, force: true });
});

/** Like test.serial, but skipped (loudly, above) where chromium cannot be installed. */
function browserTest(title: string, body: (t: ExecutionContext, browser: Browser) => Promise<void>): void {
  test.serial(title, async (t) => {
    // A browser with 20 windows on a busy 2-core machine takes its time.
    t.timeout(6 * 60_000);
    if (!browser) {
      t.log(`SKIPPED: ${missing}`);
      t.pass();
      return;
    }
    await body(t, browser);
  });
}

// Rows without trailing blanks (a space the program wrote is kept by xterm.js).
const screen = async (page: Page) => (await page.evaluate(() => window.rspty.screen())).map((row) => row.trimEnd());
const state = (page: Page) => page.evaluate(() => window.rspty.state);

/** Waits until `predicate(screen rows)` holds; the error shows the screen. */
async function waitForScreen(page: Page, what: string, predicate: (rows: string[]) => boolean, timeoutMs = 20_000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows = await screen(page);
    if (predicate(rows)) return rows;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; screen:\n${rows.join('\n')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Waits until the last non-empty row is the prompt alone (the shell is idle). */
const waitForPrompt = (page: Page, what = 'the prompt') =>
  waitForScreen(page, what, (rows) => rows.filter((r) => r !== '').at(-1) === PROMPT.trimEnd());

/** Types a command line and waits for the line the test expects in its output. */
async function run(page: Page, command: string, expect: string): Promise<string[]> {
  await page.keyboard.type(command);
  await page.keyboard.press('Enter');
  const rows = await waitForScreen(page, `${JSON.stringify(expect)} after ${JSON.stringify(command)}`, (rows) => rows.includes(expect));
  await waitForPrompt(page, `the prompt after ${JSON.stringify(command)}`);
  return rows;
}

const bufferType = (page: Page) => page.evaluate(() => window.rspty.term.buffer.active.type);

function descendants(pid: number): number[] {
  const all: number[] = [];
  for (const child of harness.childrenOf(pid)) all.push(child, ...descendants(child));
  return all;
}
const comm = (pid: number) => readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
const alive = (pid: number) => {
  try {
    readFileSync(`/proc/${pid}/stat`);
    return true;
  } catch {
    return false;
  }
};
const fdCount = (pid: number) => readdirSync(`/proc/${pid}/fd`).length;

async function poll<T>(what: string, get: () => T, done: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = get();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last value ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function oneSession(t: ExecutionContext, page: Page, index: number): Promise<void> {
  await waitForPrompt(page);

  // Typed commands echo, and the shell runs them.
  await run(page, `echo page-${index}-$((6*7))`, `page-${index}-42`);

  // UTF-8 typed in and printed out, and a block of multi-byte characters
  // long enough to be split across reads, writes and frames.
  const line = `héllo wörld 日本語 🎉 ${index}`;
  await run(page, `printf '%s\\n' '${line}'`, line);
  await run(page, `yes 'ü日本語🎉' | head -n 6000 | tr -d '\\n'; echo; echo block-done`, 'block-done');
  const lines = await page.evaluate(() => window.rspty.allLines());
  t.false(lines.some((l) => l.includes('\ufffd')), `page ${index}: U+FFFD in the buffer`);
  t.true(lines.includes(line), `page ${index}: ${line} missing`);
  const joined = lines.join('');
  t.true(joined.includes('ü日本語🎉'.repeat(100)), `page ${index}: the multi-byte block is garbled`);

  // A resize in the page reaches the PTY.
  const before = await page.evaluate(() => [window.rspty.term.cols, window.rspty.term.rows]);
  await page.setViewport({ width: 640 + index * 8, height: 360 + index * 4 });
  const [cols, rows] = await page
    .waitForFunction((c: number, r: number) => window.rspty.term.cols !== c || window.rspty.term.rows !== r, { polling: 50 }, before[0]!, before[1]!)
    .then(() => page.evaluate(() => [window.rspty.term.cols, window.rspty.term.rows]));
  t.notDeepEqual([cols, rows], before);
  await run(page, 'stty size', `${rows} ${cols}`);

  // vim draws its screen on the alternate buffer, and quits.
  await run(page, `printf 'first line of notes %s\\n' ${index} > notes-${index}.txt; echo written`, 'written');
  // vim asks the terminal questions (version, cursor blink, colours) and the
  // page's xterm.js answers; an answer that comes back after `:q` (a slow
  // machine) is typed at the shell prompt. The test quits at once, so vim
  // asks nothing.
  await page.keyboard.type(`vim -u NONE -N -i NONE --cmd 'set t_RV= t_u7= t_RC= t_RS= t_RB= t_RF=' notes-${index}.txt`);
  await page.keyboard.press('Enter');
  await waitForScreen(page, 'vim', (r) => r[0] === `first line of notes ${index}` && r[1] === '~' && r[rows! - 2] === '~' && r[rows! - 1]!.includes(`notes-${index}.txt`));
  t.is(await bufferType(page), 'alternate');
  await page.keyboard.type(':q');
  await page.keyboard.press('Enter');
  await waitForPrompt(page, 'the prompt after vim');
  t.is(await bufferType(page), 'normal');

  // less shows a screenful and quits.
  await page.keyboard.type('seq 1 500 | less');
  await page.keyboard.press('Enter');
  await waitForScreen(page, 'less', (r) => r.slice(0, rows! - 1).every((row, i) => row === String(i + 1)) && r[rows! - 1]!.startsWith(':'));
  t.is(await bufferType(page), 'alternate');
  await page.keyboard.press('q');
  await waitForPrompt(page, 'the prompt after less');
  t.is(await bufferType(page), 'normal');

  // Ctrl-C interrupts sleep 100.
  const shellPid = await shellPidOf(page);
  await page.keyboard.type('sleep 100');
  await page.keyboard.press('Enter');
  const sleepPid = await poll(
    `sleep under the shell of page ${index}`,
    () => harness.childrenOf(shellPid).find((pid) => alive(pid) && comm(pid) === 'sleep'),
    (pid) => pid !== undefined,
  );
  await page.keyboard.down('Control');
  await page.keyboard.press('c');
  await page.keyboard.up('Control');
  await waitForPrompt(page, 'the prompt after Ctrl-C');
  t.false(alive(sleepPid!), `page ${index}: sleep ${sleepPid} still runs`);
  await run(page, 'echo status-$?', 'status-130');

  // exit 3: the page is told the exit code, and the socket closes with 1000.
  await page.keyboard.type('exit 3');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => window.rspty.state.closed !== null, { polling: 50, timeout: 10_000 });
  const final = await state(page);
  t.deepEqual(final.exit, { exitCode: 3, signal: null });
  t.is(final.closed!.code, 1000);
}

/** The pid of the page's shell, as `echo $$` in it says. */
async function shellPidOf(page: Page): Promise<number> {
  await page.keyboard.type('echo shell-pid-$$');
  await page.keyboard.press('Enter');
  const rows = await waitForScreen(page, 'the shell pid', (r) => r.some((row) => /^shell-pid-\d+$/.test(row)));
  await waitForPrompt(page);
  return Number(rows.find((row) => /^shell-pid-\d+$/.test(row))!.slice('shell-pid-'.length));
}

browserTest('20 pages at once: echo, UTF-8, resize, vim, less, Ctrl-C and exit 3, each in its own shell', async (t, browser) => {
  const server = await harness.startServer(['--cwd', work, ...SHELL], { env: shellEnv() });
  try {
    const pages = await Promise.all(Array.from({ length: 20 }, () => harness.openTerminal(browser, server.url)));
    const started = () => (server.log.match(/pid \d+ started/g) ?? []).length;
    t.is(await poll('20 sessions started', started, (n) => n >= 20), 20);
    t.is(harness.childrenOf(server.pid).length, 20);
    await Promise.all(pages.map((page, i) => oneSession(t, page, i)));
    await Promise.all(pages.map((page) => page.close()));
    t.deepEqual(await poll('no children', () => harness.childrenOf(server.pid), (c) => c.length === 0), []);
  } finally {
    const { code } = await server.stop();
    t.is(code, 0);
  }
});

/** The position of `pid`'s read offset in `file` (its fd's fdinfo pos); null while it has no fd on it. */
function readOffset(pid: number, file: string): number | null {
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    let target = '';
    try {
      target = readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      continue;
    }
    if (target === file) return Number(/^pos:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8'))![1]);
  }
  return null;
}

/**
 * Waits until `cat` (the child of the server) stops advancing through `file`
 * for 1 s while short of its end: it is blocked writing to the PTY.
 */
async function waitUntilBlocked(catPid: number, file: string, size: number): Promise<number> {
  let last = -1;
  let since = Date.now();
  const deadline = Date.now() + 60_000;
  for (;;) {
    // The child can be seen before it has executed cat and opened the file.
    const offset = readOffset(catPid, file) ?? -1;
    if (offset !== last) {
      last = offset;
      since = Date.now();
    } else if (offset >= 0 && Date.now() - since >= 1000) {
      if (offset >= size) throw new Error('cat read the whole file: nothing held it back');
      return offset;
    }
    if (Date.now() > deadline) throw new Error(`cat never stopped reading (at ${offset} of ${size})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const MiB = 1024 * 1024;
// Bigger than everything between cat and the page's script together (the
// PTY, the relay's queue, the server's marks, both sockets' kernel buffers
// and chromium's own): cat blocked after about 6 MiB here.
const STALL_MIB = 24;
const files = new Map<number, { file: string; bytes: number; hash: number }>();
async function dataFile(mib: number) {
  if (!files.has(mib)) files.set(mib, (await load<Bench>('bench.mjs')).makeFile(work, mib));
  return files.get(mib)!;
}

browserTest('a page that stops reading blocks its shell, the server stays flat, and every byte arrives after it resumes', async (t, browser) => {
  const data = await dataFile(STALL_MIB);
  const server = await harness.startServer(['--', 'cat', data.file]);
  try {
    const rssBefore = harness.rssBytes(server.pid);
    const page = await harness.openTerminal(browser, server.url);
    // Stop the page's JavaScript: from the next message on it reads nothing.
    const cdp = await page.createCDPSession();
    await cdp.send('Debugger.enable');
    await cdp.send('Debugger.pause');
    const [catPid] = await poll('cat', () => harness.childrenOf(server.pid), (c) => c.length === 1);
    const offset = await waitUntilBlocked(catPid!, data.file, readFileSync(data.file).length);
    // Held there: still blocked two seconds later, the server's memory flat.
    await new Promise((r) => setTimeout(r, 2000));
    t.is(readOffset(catPid!, data.file), offset);
    const growth = harness.rssBytes(server.pid) - rssBefore;
    t.log(`cat blocked at ${(offset / MiB).toFixed(1)} of ${STALL_MIB} MiB; server RSS grew by ${(growth / MiB).toFixed(1)} MiB`);
    t.true(growth < 16 * MiB, `server RSS grew by ${growth} bytes`);

    await cdp.send('Debugger.resume');
    await cdp.send('Debugger.disable');
    await page.waitForFunction(() => window.rspty.state.exit !== null && window.rspty.state.parsed === window.rspty.state.received, {
      polling: 200,
      timeout: 110_000,
    });
    const final = await state(page);
    t.is(final.received, data.bytes);
    t.is(final.hash, data.hash);
    t.deepEqual(final.exit, { exitCode: 0, signal: null });
    await page.close();
  } finally {
    await server.stop();
  }
});

/** A WebSocket to the server, as a browser on its page would open it. */
function connect(server: Server, { token = true, origin = server.origin as string | null, host = undefined as string | undefined } = {}) {
  const url = `ws://127.0.0.1:${server.port}/ws${token ? new URL(server.url).search : ''}`;
  const headers: Record<string, string> = {};
  if (origin !== null) headers.Origin = origin;
  if (host) headers.Host = host;
  return new WebSocket(url, { headers });
}

/** Resolves with the HTTP status of a refused upgrade, or 101 if it was accepted. */
function upgradeStatus(ws: WebSocket): Promise<number> {
  return new Promise((resolve, reject) => {
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode!);
      res.resume();
    });
    ws.on('open', () => resolve(101));
    ws.on('error', (error) => {
      if (!/Unexpected server response/.test(error.message)) reject(error);
    });
  });
}

const closed = (ws: WebSocket) => new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));

test.serial('a client that stops reading its socket (while acknowledging everything) is held back by bufferedAmount', async (t) => {
  harness ??= await load<Harness>('harness.mjs');
  const data = await dataFile(STALL_MIB);
  const server = await harness.startServer(['--', 'cat', data.file]);
  try {
    const rssBefore = harness.rssBytes(server.pid);
    const ws = connect(server);
    let received = 0;
    let hash = 0x811c9dc5;
    let exit: unknown = null;
    ws.on('message', (message: Buffer, isBinary: boolean) => {
      if (!isBinary) {
        exit = JSON.parse(message.toString());
        return;
      }
      received += message.length;
      hash = harness.fnv1a(message, hash);
    });
    const end = closed(ws);
    t.is(await upgradeStatus(ws), 101);
    ws.pause();
    // Claim to have processed everything: the server must not trust it beyond
    // what it sent, and only the socket's buffered amount holds it back.
    const lie = setInterval(() => ws.send(JSON.stringify({ type: 'ack', bytes: Number.MAX_SAFE_INTEGER })), 20);
    const [catPid] = await poll('cat', () => harness.childrenOf(server.pid), (c) => c.length === 1);
    const offset = await waitUntilBlocked(catPid!, data.file, readFileSync(data.file).length);
    const growth = harness.rssBytes(server.pid) - rssBefore;
    t.log(`cat blocked at ${(offset / MiB).toFixed(1)} of ${STALL_MIB} MiB; server RSS grew by ${(growth / MiB).toFixed(1)} MiB`);
    t.true(growth < 16 * MiB, `server RSS grew by ${growth} bytes`);
    ws.resume();
    const { code } = await end;
    clearInterval(lie);
    t.is(code, 1000);
    t.deepEqual(exit, { type: 'exit', exitCode: 0, signal: null });
    t.is(received, data.bytes);
    t.is(hash, data.hash);
  } finally {
    await server.stop();
  }
});

/** The pids of the sessions started since the log was `from` characters long. */
const startedPids = (server: Server, from = 0) => [...server.log.slice(from).matchAll(/pid (\d+) started/g)].map((m) => Number(m[1]));

browserTest('closing a page reaps its shell within 1 s, and the server is back to its fds after all pages close', async (t, browser) => {
  const server = await harness.startServer(['--cwd', work, ...SHELL], { env: shellEnv() });
  try {
    // The first PTY starts rspty's reactor, whose fds stay: count after it.
    const warm = await harness.openTerminal(browser, server.url);
    await waitForPrompt(warm);
    await warm.close();
    await server.waitForLog(/pid \d+ reaped/);
    const settled = async () => {
      // No event says when the last socket of the page is gone: wait for the
      // count to hold still.
      let last = -1;
      let since = Date.now();
      return poll('fds to settle', () => {
        const now = fdCount(server.pid);
        if (now !== last) [last, since] = [now, Date.now()];
        return Date.now() - since >= 500 ? now : -1;
      }, (n) => n >= 0);
    };
    const baseline = await settled();
    const mark = server.log.length;
    const pages = await Promise.all(Array.from({ length: 5 }, () => harness.openTerminal(browser, server.url)));
    await Promise.all(pages.map((page) => waitForPrompt(page)));
    const pids = startedPids(server, mark);
    t.is(pids.length, 5);
    t.true(fdCount(server.pid) > baseline);
    const reaped: number[] = [];
    for (const page of pages) {
      const before = server.log.length;
      await page.close();
      const [, pid, ms] = await server.waitForLog(/pid (\d+) reaped (\d+) ms after the socket closed/, 10_000, before);
      t.true(pids.includes(Number(pid)));
      t.true(Number(ms) < 1000, `pid ${pid} reaped ${ms} ms after the socket closed`);
      reaped.push(Number(ms));
      t.false(alive(Number(pid)), `pid ${pid} still exists`);
    }
    t.log(`shells reaped ${reaped.join(', ')} ms after their sockets closed`);
    t.deepEqual(harness.childrenOf(server.pid), []);
    t.is(await poll(`fds back to ${baseline}`, () => fdCount(server.pid), (n) => n === baseline), baseline);
  } finally {
    await server.stop();
  }
});

/** Local addresses (hex, as in /proc/net/tcp*) of the sockets listening on `port`. */
function listeningOn(port: number): string[] {
  const found: string[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 4) continue;
      const [address, portHex] = fields[1]!.split(':');
      if (parseInt(portHex!, 16) === port && fields[3] === '0A') found.push(address!);
    }
  }
  return found;
}

test.serial('security: no token or a wrong one gets 401, a foreign Origin 403, and nothing is spawned; loopback only by default', async (t) => {
  harness ??= await load<Harness>('harness.mjs');
  const server = await harness.startServer(SHELL, { env: shellEnv() });
  try {
    // Listening on 127.0.0.1 alone.
    t.deepEqual(listeningOn(server.port), ['0100007F']);
    const token = new URL(server.url).searchParams.get('token')!;
    t.true(Buffer.from(token, 'base64url').length >= 16, `token ${token.length} characters`);
    const base = `http://127.0.0.1:${server.port}`;
    const status = async (path: string, headers: Record<string, string> = {}) =>
      (await fetch(`${base}${path}`, { headers, redirect: 'manual' })).status;
    t.deepEqual(harness.childrenOf(server.pid), []);

    // HTTP.
    t.is(await status('/'), 401);
    t.is(await status('/?token=wrong'), 401);
    t.is(await status(`/?token=${token.slice(0, -1)}`), 401);
    t.is(await status('/xterm.js'), 401);
    t.is(await status('/app.js', { Cookie: `rspty_token_${server.port}=wrong` }), 401);
    // With the token: a cookie the page's scripts cannot read, then the page.
    const first = await fetch(`${base}/?token=${token}`, { redirect: 'manual' });
    t.is(first.status, 303);
    t.is(first.headers.get('location'), '/');
    const cookie = first.headers.get('set-cookie')!;
    t.regex(cookie, /HttpOnly/);
    t.regex(cookie, /SameSite=Strict/);
    t.is(await status('/', { Cookie: cookie.split(';')[0]! }), 200);
    t.is(await status('/xterm.js', { Cookie: cookie.split(';')[0]! }), 200);

    // WebSocket upgrades, each refused before anything is spawned.
    t.is(await upgradeStatus(connect(server, { token: false })), 401);
    const wrong = new WebSocket(`ws://127.0.0.1:${server.port}/ws?token=wrong`, { headers: { Origin: server.origin } });
    t.is(await upgradeStatus(wrong), 401);
    t.is(await upgradeStatus(connect(server, { origin: 'http://evil.example' })), 403);
    t.is(await upgradeStatus(connect(server, { origin: `http://localhost.evil.example:${server.port}` })), 403);
    t.is(await upgradeStatus(connect(server, { origin: null })), 403);
    // DNS rebinding: a foreign name that resolves here, Origin matching Host.
    const rebound = `evil.example:${server.port}`;
    t.is(await upgradeStatus(connect(server, { origin: `http://${rebound}`, host: rebound })), 403);
    t.deepEqual(harness.childrenOf(server.pid), []);
    t.notRegex(server.log, /started/);

    // The same server does spawn for the right token and Origin, so the
    // counts above would have seen a child.
    const ws = connect(server);
    t.is(await upgradeStatus(ws), 101);
    t.is((await poll('a child', () => harness.childrenOf(server.pid), (c) => c.length === 1)).length, 1);
    const end = closed(ws);
    ws.close();
    await end;
    await poll('no child', () => harness.childrenOf(server.pid), (c) => c.length === 0);
    // The token is in the printed URL only, never in the log.
    t.false(server.log.includes(token));
  } finally {
    await server.stop();
  }
});

test.serial('--max-sessions refuses one more with 1013 and a reason; SIGTERM closes every session and reaps every shell', async (t) => {
  harness ??= await load<Harness>('harness.mjs');
  const server = await harness.startServer(['--max-sessions', '2', ...SHELL], { env: shellEnv() });
  const a = connect(server);
  const b = connect(server);
  const aClosed = closed(a);
  const bClosed = closed(b);
  t.deepEqual(await Promise.all([upgradeStatus(a), upgradeStatus(b)]), [101, 101]);
  const pids = await poll('two shells', () => harness.childrenOf(server.pid), (c) => c.length === 2);
  const c = connect(server);
  const cClosed = closed(c);
  t.is(await upgradeStatus(c), 101);
  t.deepEqual(await cClosed, { code: 1013, reason: 'too many sessions: the limit is 2' });
  t.deepEqual(harness.childrenOf(server.pid).sort(), [...pids].sort());

  const exit = await server.stop();
  t.deepEqual(exit, { code: 0, signal: null });
  t.is((await aClosed).code, 1001);
  t.is((await bClosed).code, 1001);
  for (const pid of pids) t.false(alive(pid), `shell ${pid} outlived the server`);
  t.regex(server.log, /SIGTERM: closing 2 session\(s\)/);
});

browserTest('throughput: 1 and 20 pages each receiving cat of a file, rspty and node-pty side by side', async (t, browser) => {
  const bench = await load<Bench>('bench.mjs');
  const rows = await bench.bench({ mib: 1, pages: [1, 20], backends: ['rspty', 'node-pty'], browser });
  t.log(`\n${bench.table(rows)}`);
  t.deepEqual(rows.map((r) => `${r.backend} ${r.pages}`).sort(), ['node-pty 1', 'node-pty 20', 'rspty 1', 'rspty 20']);
  for (const row of rows) {
    t.true(row.totalMBps > 0 && Number.isFinite(row.totalMBps), `${row.backend} ${row.pages}: ${row.totalMBps} MB/s`);
    // CPU time comes in 10 ms clock ticks: one page of 1 MiB may take less than one.
    if (row.pages === 20) t.true(row.cpuMsPerMB > 0, `${row.backend} ${row.pages}: ${row.cpuMsPerMB} ms/MB`);
    else t.true(row.cpuMsPerMB >= 0 && Number.isFinite(row.cpuMsPerMB), `${row.backend} ${row.pages}: ${row.cpuMsPerMB} ms/MB`);
    // Every byte through rspty; node-pty's losses are measured, not required.
    if (row.backend === 'rspty') t.true(row.complete, row.failures.join('; '));
  }
});

browserTest('a screenshot of ls --color, whose colours are in xterm.js\'s cells', async (t, browser) => {
  const dir = join(work, 'project');
  mkdirSync(join(dir, 'src'), { recursive: true });
  mkdirSync(join(dir, 'docs'), { recursive: true });
  for (const name of ['README.md', 'Cargo.toml', 'archive.tar.gz', 'photo.png', 'notes.txt']) writeFileSync(join(dir, name), 'x\n');
  writeFileSync(join(dir, 'build.sh'), '#!/bin/sh\n');
  chmodSync(join(dir, 'build.sh'), 0o755);
  symlinkSync('README.md', join(dir, 'link'));
  // dircolors' defaults for these kinds of file.
  const env = { ...shellEnv(), LS_COLORS: 'di=01;34:ln=01;36:ex=01;32:*.tar.gz=01;31:*.png=01;35' };
  const server = await harness.startServer(['--cwd', dir, ...SHELL], { env });
  try {
    const page = await harness.openTerminal(browser, server.url, { width: 900, height: 160 });
    await waitForPrompt(page);
    // (Latin only: the machine may have no CJK or emoji fonts for the picture.)
    await run(page, 'echo "a terminal on rspty: $((6 * 7)) façades"', 'a terminal on rspty: 42 façades');
    const rows = await run(page, 'ls --color', 'Cargo.toml  README.md  archive.tar.gz  build.sh  docs  link  notes.txt  photo.png  src');
    const y = rows.indexOf('Cargo.toml  README.md  archive.tar.gz  build.sh  docs  link  notes.txt  photo.png  src');
    const colour = (name: string) =>
      page.evaluate(
        (y: number, x: number) => {
          const buffer = window.rspty.term.buffer.active;
          const cell = buffer.getLine(buffer.viewportY + y)!.getCell(x)!;
          return { chars: cell.getChars(), palette: cell.isFgPalette(), fg: cell.getFgColor(), bold: cell.isBold() !== 0 };
        },
        y,
        rows[y]!.indexOf(name),
      );
    // Directories bold blue, executables bold green, symbolic links bold
    // cyan, archives bold red, images bold magenta, the rest plain.
    t.deepEqual(await colour('src'), { chars: 's', palette: true, fg: 4, bold: true });
    t.deepEqual(await colour('build.sh'), { chars: 'b', palette: true, fg: 2, bold: true });
    t.deepEqual(await colour('link'), { chars: 'l', palette: true, fg: 6, bold: true });
    t.deepEqual(await colour('archive.tar.gz'), { chars: 'a', palette: true, fg: 1, bold: true });
    t.deepEqual(await colour('photo.png'), { chars: 'p', palette: true, fg: 5, bold: true });
    // (-1: the default colour.)
    t.deepEqual(await colour('notes.txt'), { chars: 'n', palette: false, fg: -1, bold: false });
    // Let the renderer catch up with the buffer before the picture.
    await page.evaluate(() => new Promise<void>((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve()))));
    const file = process.env.RSPTY_WEB_SCREENSHOT ?? join(work, 'screenshot.png');
    await page.screenshot({ path: file });
    const png = readFileSync(file);
    t.is(png.subarray(1, 4).toString(), 'PNG');
    t.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [900, 160]);
    await page.close();
  } finally {
    await server.stop();
  }
});

test.serial('--token-file: a fixed token that the printed URL does not show; a short one is refused at start', async (t) => {
  harness ??= await load<Harness>('harness.mjs');
  const tokenFile = join(work, 'token');
  const token = 'fixed-token-for-the-test-0123456789';
  writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
  const server = await harness.startServer(['--token-file', tokenFile, ...SHELL], { env: shellEnv() });
  try {
    t.is(server.printed, `http://127.0.0.1:${server.port}/?token=<TOKEN>  (TOKEN: the contents of ${tokenFile})`);
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws?token=${token}`, { headers: { Origin: server.origin } });
    t.is(await upgradeStatus(ws), 101);
    const end = closed(ws);
    ws.close();
    await end;
    t.false(server.log.includes(token));
  } finally {
    await server.stop();
  }
  writeFileSync(tokenFile, 'too-short\n', { mode: 0o600 });
  const error = await t.throwsAsync(harness.startServer(['--token-file', tokenFile, ...SHELL]));
  t.regex(error!.message, /the token must be at least 22 printable ASCII characters/);
});

test.serial('a command that cannot start: the page is told why, and the socket closes with 1011', async (t) => {
  harness ??= await load<Harness>('harness.mjs');
  const server = await harness.startServer(['--', 'rspty-no-such-program']);
  try {
    const ws = connect(server);
    const messages: unknown[] = [];
    ws.on('message', (message: Buffer, isBinary: boolean) => messages.push(isBinary ? message : JSON.parse(message.toString())));
    const end = closed(ws);
    t.is(await upgradeStatus(ws), 101);
    t.deepEqual(await end, { code: 1011, reason: 'cannot start the command' });
    t.deepEqual(messages, [
      { type: 'error', message: 'cannot start rspty-no-such-program: spawn rspty-no-such-program: ENOENT (No such file or directory)' },
    ]);
    t.deepEqual(harness.childrenOf(server.pid), []);
    t.regex(server.log, /session 1: cannot start rspty-no-such-program: ENOENT/);
  } finally {
    await server.stop();
  }
});
