// Readers of /proc for the tests: open fds, a process's state, the children
// of a process. Plain CommonJS, so that the fixture scripts that run without
// a transpiler can require it too; helpers.ts re-exports it for the specs.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

/**
 * Files of the TypeScript loader (tsx), which opens its cache under the temp
 * directory whenever a module loads, at any moment of a test: not ours.
 */
const LOADER_CACHE = path.join(os.tmpdir(), 'tsx-');
/** The loader's own files, which it reads when it loads a part of itself lazily. */
const LOADER_FILES = `${path.sep}node_modules${path.sep}tsx${path.sep}`;
/** The TypeScript loader's transpiler service, a child that comes and goes on its own. */
const LOADER_SERVICE = 'esbuild';

/**
 * Open fds of this process and what they point to, except the directory
 * handle readdir uses and the loader's cache and own files.
 * @returns {Map<number, string>}
 */
function openFds() {
  /** @type {Map<number, string>} */
  const table = new Map();
  for (const name of fs.readdirSync('/proc/self/fd')) {
    let target;
    try {
      target = fs.readlinkSync(`/proc/self/fd/${name}`);
    } catch {
      continue; // the directory handle itself, closed by now
    }
    if (!target.startsWith(LOADER_CACHE) && !target.includes(LOADER_FILES)) table.set(Number(name), target);
  }
  return table;
}

/**
 * fds open now that were not open in `before`, as "fd -> target" lines (for messages).
 * @param {Map<number, string>} before
 * @returns {string[]}
 */
function newFds(before) {
  /** @type {string[]} */
  const extra = [];
  for (const [fd, target] of openFds()) {
    if (before.get(fd) !== target) extra.push(`${fd} -> ${target}`);
  }
  return extra;
}

/**
 * @typedef {object} ProcStat
 * @property {number} pid
 * @property {string} comm the command name (zombies keep it too)
 * @property {string} state
 * @property {number} ppid
 * @property {number} pgrp
 * @property {number} session
 * @property {number} ttyNr the controlling terminal's device number (0 without one)
 * @property {number} tpgid the foreground process group of the controlling terminal
 */

/**
 * /proc/<pid>/stat, or null once the process is gone (reaped).
 * @param {number | 'self'} pid
 * @returns {ProcStat | null}
 */
function procStat(pid) {
  let text;
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The command name may hold spaces and parentheses: split after the last ')'.
  const close = text.lastIndexOf(')');
  const fields = text.slice(close + 2).split(' ');
  return {
    pid: Number(text.slice(0, text.indexOf(' '))),
    comm: text.slice(text.indexOf('(') + 1, close),
    state: fields[0] ?? '',
    ppid: Number(fields[1]),
    pgrp: Number(fields[2]),
    session: Number(fields[3]),
    ttyNr: Number(fields[4]),
    tpgid: Number(fields[5]),
  };
}

/**
 * The fields of /proc/<pid>/status (such as SigIgn or Threads) as strings.
 * @param {number | 'self'} [pid]
 * @returns {Record<string, string>}
 */
function procStatus(pid = 'self') {
  /** @type {Record<string, string>} */
  const fields = {};
  for (const line of fs.readFileSync(`/proc/${pid}/status`, 'utf8').split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) fields[line.slice(0, colon)] = line.slice(colon + 1).trim();
  }
  return fields;
}

/** @returns {number} */
function threadCount() {
  return Number(procStatus('self').Threads);
}

/**
 * Every process whose parent is `ppid`, running or zombie, except the
 * TypeScript loader's service.
 * @returns {ProcStat[]}
 */
function childrenOf(ppid = process.pid) {
  /** @type {ProcStat[]} */
  const found = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = procStat(Number(name));
    if (stat && stat.ppid === ppid && stat.comm !== LOADER_SERVICE) found.push(stat);
  }
  return found;
}

/**
 * Pids of unreaped dead children (state Z) of `ppid`.
 * @returns {number[]}
 */
function zombiesOf(ppid = process.pid) {
  return childrenOf(ppid)
    .filter((s) => s.state === 'Z')
    .map((s) => s.pid);
}

/**
 * True once `pid` is reaped or a zombie (it runs no more).
 * @param {number} pid
 * @returns {boolean}
 */
function isDead(pid) {
  const stat = procStat(pid);
  return stat === null || stat.state === 'Z' || stat.state === 'X';
}

module.exports = { openFds, newFds, procStat, procStatus, threadCount, childrenOf, zombiesOf, isDead };
