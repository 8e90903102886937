// The README's JavaScript and TypeScript examples run against the built
// package, each in a fresh Node process, and print what the README says they
// print (given the input they need). A block whose fence says `no-run` (```js no-run) is left out: use it
// for examples that need a network, a browser or another library.
import { spawn as spawnProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import test from 'ava';
import { within } from './helpers.js';

const REPO = path.resolve(__dirname, '..');
/** `'rspty'` in the examples becomes the built ES module entry. */
const ENTRY = pathToFileURL(path.join(REPO, 'dist', 'index.mjs')).href;
/** `'rspty/node-pty'` becomes the built ES module of the node-pty entry. */
const NODE_PTY_ENTRY = pathToFileURL(path.join(REPO, 'dist', 'node-pty.mjs')).href;
/** Bound on one example (the machine may be loaded). */
const EXAMPLE_TIMEOUT_MS = 60_000;

interface Expectation {
  /** What the example's stdout must match. */
  prints?: RegExp;
  /** The example's stdin (else /dev/null). */
  input?: string;
}

/**
 * What the examples that print or read something print or read, keyed by a
 * piece of the example's code.
 */
const EXPECTED: ReadonlyArray<[string, Expectation]> = [
  ['ls exited with', { prints: /^[^]*\r\nls exited with 0\n$/ }],
  ["writeSync(slave, 'hello\\n')", { prints: /^\/dev\/(pts\/|ttys)\d+ "hello\\r\\n"\n$/ }],
  ['relayed by copy', { prints: /^relayed by copy\r\n$/ }],
  ["run('stty', ['size']", { prints: /^0 "30 100\\r\\n"\n$/ }],
  // The shell (sh: see SHELL below) reads the terminal until it is told to exit.
  ['await interact(', { input: 'exit\n', prints: /exit\r\n/ }],
  ['hello from $TERM', { prints: /^hello from xterm-color\r\nexit 0 0\n$/ }],
];

interface Example {
  lang: 'js' | 'ts';
  line: number;
  heading: string;
  code: string;
}

/** The fenced js/ts blocks of a Markdown text, with their line and section. */
function examples(markdown: string): Example[] {
  const found: Example[] = [];
  const lines = markdown.split('\n');
  let heading = '';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (/^#{1,6} /.test(line)) heading = line.replace(/^#+ /, '');
    const fence = /^```(\S*)(.*)$/.exec(line);
    if (!fence) continue;
    const end = lines.findIndex((l, j) => j > i && l.startsWith('```'));
    if (end === -1) throw new Error(`README.md:${i + 1}: unclosed code block`);
    const lang = { js: 'js', javascript: 'js', mjs: 'js', ts: 'ts', typescript: 'ts' }[fence[1]!] as 'js' | 'ts' | undefined;
    if (lang && !/\bno-run\b/.test(fence[2]!)) {
      found.push({ lang, line: i + 1, heading, code: lines.slice(i + 1, end).join('\n') });
    }
    i = end;
  }
  return found;
}

interface Ran {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a module file in a fresh Node process from the repository, with HOME
 * an empty directory (no one's shell start-up files) and SHELL sh.
 */
function runModule(file: string, ts: boolean, input: string | undefined): Promise<Ran> {
  const child = spawnProcess(process.execPath, [...(ts ? ['--import', 'tsx'] : []), file], {
    cwd: REPO,
    env: { ...process.env, HOME: dir, SHELL: 'sh' },
    stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  child.stdin?.end(input);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const done = new Promise<Ran>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return within(done, EXAMPLE_TIMEOUT_MS, `${path.basename(file)}`).catch(async (error: unknown) => {
    child.kill('SIGKILL');
    await done.catch(() => undefined); // reaped before the test fails
    throw error;
  });
}

const readme = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8');
const all = examples(readme);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rspty-readme-'));
test.after.always(() => fs.rmSync(dir, { recursive: true, force: true }));

test('the README has examples, and every expected output belongs to one of them', (t) => {
  t.true(all.length >= 5, `found ${all.length} examples`);
  for (const [key] of EXPECTED) {
    t.is(all.filter((e) => e.code.includes(key)).length, 1, `one example contains ${JSON.stringify(key)}`);
  }
});

for (const example of all) {
  test(`README.md:${example.line} (${example.heading}) runs`, async (t) => {
    const code = example.code.replace(
      /(from\s+)(['"])rspty(\/node-pty)?\2/g,
      (_, from: string, _quote: string, nodePty?: string) => `${from}'${nodePty ? NODE_PTY_ENTRY : ENTRY}'`,
    );
    const file = path.join(dir, `line-${example.line}.${example.lang === 'ts' ? 'mts' : 'mjs'}`);
    fs.writeFileSync(file, `${code}\n`);
    const expected = EXPECTED.find(([key]) => example.code.includes(key))?.[1] ?? {};
    const ran = await runModule(file, example.lang === 'ts', expected.input);
    t.deepEqual({ code: ran.code, signal: ran.signal }, { code: 0, signal: null }, ran.stderr);
    if (expected.prints) t.regex(ran.stdout, expected.prints);
  });
}
