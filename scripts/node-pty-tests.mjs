#!/usr/bin/env node
// Runs node-pty's own Unix tests, as published in its npm package, against
// `rspty/node-pty`. node-pty (without its install scripts: nothing is
// compiled) and mocha are installed into a temporary folder; the modules the
// tests import (lib/index.js, lib/unixTerminal.js, lib/terminal.js) are
// replaced there by one-line shims that re-export rspty's compat entry, which
// resolves through this package's `exports` map. Nothing of node-pty's is
// kept in this repository.
//
// The tests that reach into node-pty's private fields are left out; the
// README ("Migrating from node-pty") lists them with the reason.
//
// Usage: node scripts/node-pty-tests.mjs   (after `npm run build`)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const NODE_PTY = 'node-pty@1.1.0';
const MOCHA = 'mocha@10.8.2';
const TESTS = ['lib/unixTerminal.test.js', 'lib/terminal.test.js'];
/** Full titles of the tests left out: each reads a private member of node-pty's classes. */
export const EXCLUDED = [
  'Terminal checkType should throw for the wrong type',
  'Terminal checkType should throw for wrong types within arrays',
  'Terminal automatic flow control should respect ctor flow control options',
];
/** Run on its own and up to ten times: see below. */
const RACY = 'UnixTerminal spawn should not leak child process';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = mkdtempSync(join(tmpdir(), 'rspty-node-pty-tests-'));

/**
 * Runs a command to its end with inherited stdio; its exit code.
 * @param {string[]} argv
 * @param {import('node:child_process').SpawnSyncOptions} [options]
 * @returns {number}
 */
function run(argv, options) {
  const [command = '', ...rest] = argv;
  const result = spawnSync(command, rest, { stdio: 'inherit', ...options });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

/**
 * @param {string} text
 * @returns {string} `text` as a literal in a regular expression
 */
function escape(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

let status = 1;
try {
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'node-pty-tests', private: true }));
  const installed = run(
    ['npm', 'install', '--ignore-scripts', '--no-audit', '--no-fund', '--no-save', '--loglevel=error', NODE_PTY, MOCHA],
    { cwd: dir },
  );
  if (installed !== 0) throw new Error(`npm install failed with ${installed}`);
  // `require('rspty/node-pty')` from the shims resolves to this checkout.
  symlinkSync(root, join(dir, 'node_modules', 'rspty'), 'dir');
  const pkg = join(dir, 'node_modules', 'node-pty');
  const shim = "'use strict';\n// Replaced by rspty's test script: node-pty's API on rspty.\n";
  writeFileSync(join(pkg, 'lib', 'index.js'), `${shim}module.exports = require('rspty/node-pty');\n`);
  writeFileSync(
    join(pkg, 'lib', 'unixTerminal.js'),
    `${shim}exports.UnixTerminal = require('rspty/node-pty').UnixTerminal;\n`,
  );
  writeFileSync(
    join(pkg, 'lib', 'terminal.js'),
    `${shim}const compat = require('rspty/node-pty');\n` +
      'exports.DEFAULT_COLS = compat.DEFAULT_COLS;\nexports.DEFAULT_ROWS = compat.DEFAULT_ROWS;\n' +
      'exports.Terminal = Object.getPrototypeOf(compat.UnixTerminal);\n',
  );
  // The fixture the tests read is not in the published package: one 'æ'.
  mkdirSync(join(pkg, 'fixtures'), { recursive: true });
  writeFileSync(join(pkg, 'fixtures', 'utf8-character.txt'), '\u00e6');

  /**
   * mocha's command line: the tests whose full titles are in `grep`, or all others.
   * @param {string[]} grep
   * @param {boolean} invert
   * @param {number} [timeoutMs]
   */
  const mocha = (grep, invert, timeoutMs = 20000) => [
    process.execPath,
    join(dir, 'node_modules', 'mocha', 'bin', 'mocha.js'),
    '--exit',
    '--timeout',
    String(timeoutMs),
    ...(invert ? ['--invert'] : []),
    '--grep',
    `^(${grep.map(escape).join('|')})$`,
    ...TESTS,
  ];
  // "should not leak child process" counts every `node` process on the
  // machine (`ps -ax | grep node`): in a PID namespace of its own, when
  // root may make one, other work on the machine cannot disturb the count.
  const isolated =
    process.getuid?.() === 0 &&
    spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'true'], { stdio: 'ignore' }).status === 0;
  /** @param {string[]} argv */
  const mochaRun = (argv) =>
    run(isolated ? ['unshare', '--pid', '--fork', '--mount-proc', ...argv] : argv, {
      cwd: pkg,
      env: { ...process.env, NODE_PATH: '' },
    });
  status = mochaRun(mocha([...EXCLUDED, RACY], true));
  // That test races in node-pty's own code: its `await setTimeout(...)`
  // awaits a timer object, so the count is taken right after its SIGINT,
  // while node (which handles SIGINT to restore the terminal) may still be
  // exiting. It runs on its own, up to ten times (a failed attempt ends
  // in mocha's timeout: its assertion throws inside an async listener).
  for (let attempt = 1; status === 0; attempt++) {
    const racy = mochaRun(mocha([RACY], false, 5000));
    if (racy === 0) break;
    if (attempt === 10) status = racy;
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
process.exit(status);
