// The web terminal example (examples/web-terminal) in a real browser: Debian's
// chromium driven by puppeteer-core, the screen read from xterm.js's buffer.
import test, { type ExecutionContext } from 'ava';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'puppeteer-core';
import WebSocket from 'ws';

const EXAMPLE = resolve(__dirname, '../examples/web-terminal');

interface Server {
  pid: number;
  url: string;
  port: number;
  origin: string;
  log: string;
  waitForLog(re: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
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
  bench(options: { mib: number; pages: number[]; backends: string[] }): Promise<BenchRow[]>;
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
  await page.keyboard.type(`vim -u NONE -N -i NONE notes-${index}.txt`);
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
