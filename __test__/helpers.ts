// Helpers shared by every spec and by the stress suite's fixture scripts
// (which run outside ava, so nothing here may register ava hooks): PTY
// output, /proc readers, and waiting with a deadline.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Pty } from '../lib/index.js';

/** How often a poll of /proc repeats while waiting for a state with no event. */
export const POLL_INTERVAL_MS = 10;

// ---------------------------------------------------------------- PTY output

/** Everything the PTY's iterator yields until it ends. */
export async function readAll(pty: Pty): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of pty) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/**
 * Reads until `needle` has appeared in the output; returns everything read
 * so far, one character per byte (latin1). Chunks are appended to `seen`, so
 * a caller that passes the same array (and iterator) to later calls, or
 * reads on by hand, keeps the whole output; what follows the needle in its
 * chunk is in the result, not lost.
 */
export async function readUntil(
  output: AsyncIterable<Buffer> | AsyncIterator<Buffer>,
  needle: string,
  seen: Buffer[] = [],
): Promise<string> {
  const iterator = Symbol.asyncIterator in output ? output[Symbol.asyncIterator]() : output;
  for (;;) {
    const joined = Buffer.concat(seen).toString('latin1');
    if (joined.includes(needle)) return joined;
    const { done, value } = await iterator.next();
    if (done) throw new Error(`output ended before ${JSON.stringify(needle)}; got ${JSON.stringify(joined)}`);
    seen.push(value);
  }
}

// ---------------------------------------------------------------- /proc

/**
 * Files of the TypeScript loader (tsx), which opens its cache under the temp
 * directory whenever a module loads, at any moment of a test: not ours.
 */
const LOADER_CACHE = path.join(os.tmpdir(), 'tsx-');

/**
 * Open fds of this process and what they point to, except the directory
 * handle readdir uses and the loader's cache files.
 */
export function openFds(): Map<number, string> {
  const table = new Map<number, string>();
  for (const name of fs.readdirSync('/proc/self/fd')) {
    let target: string;
    try {
      target = fs.readlinkSync(`/proc/self/fd/${name}`);
    } catch {
      continue; // the directory handle itself, closed by now
    }
    if (!target.startsWith(LOADER_CACHE)) table.set(Number(name), target);
  }
  return table;
}

/** fds open now that were not open in `before`, as "fd -> target" lines (for messages). */
export function newFds(before: Map<number, string>): string[] {
  const extra: string[] = [];
  for (const [fd, target] of openFds()) {
    if (before.get(fd) !== target) extra.push(`${fd} -> ${target}`);
  }
  return extra;
}

export interface ProcStat {
  pid: number;
  state: string;
  ppid: number;
  pgrp: number;
  session: number;
  /** The controlling terminal's device number (0 without one). */
  ttyNr: number;
  /** The foreground process group of the controlling terminal. */
  tpgid: number;
}

/** /proc/<pid>/stat, or null once the process is gone (reaped). */
export function procStat(pid: number | 'self'): ProcStat | null {
  let text: string;
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
    state: fields[0]!,
    ppid: Number(fields[1]),
    pgrp: Number(fields[2]),
    session: Number(fields[3]),
    ttyNr: Number(fields[4]),
    tpgid: Number(fields[5]),
  };
}

/** The fields of /proc/<pid>/status (such as SigIgn or Threads) as strings. */
export function procStatus(pid: number | 'self' = 'self'): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of fs.readFileSync(`/proc/${pid}/status`, 'utf8').split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) fields[line.slice(0, colon)] = line.slice(colon + 1).trim();
  }
  return fields;
}

export function threadCount(): number {
  return Number(procStatus('self').Threads);
}

/** The process's name (zombies keep it too), or '' once it is gone. */
export function commandName(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

/** The TypeScript loader's transpiler service, a child that comes and goes on its own. */
const LOADER_SERVICE = 'esbuild';

/** Every process whose parent is `ppid`, except the TypeScript loader's service. */
export function childrenOf(ppid: number = process.pid): ProcStat[] {
  const found: ProcStat[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = procStat(Number(name));
    if (stat && stat.ppid === ppid && commandName(stat.pid) !== LOADER_SERVICE) found.push(stat);
  }
  return found;
}

/** Pids of unreaped dead children (state Z) of `ppid`. */
export function zombiesOf(ppid: number = process.pid): number[] {
  return childrenOf(ppid)
    .filter((s) => s.state === 'Z')
    .map((s) => s.pid);
}

/** True once `pid` is reaped or a zombie (it runs no more). */
export function isDead(pid: number): boolean {
  const stat = procStat(pid);
  return stat === null || stat.state === 'Z' || stat.state === 'X';
}

// ---------------------------------------------------------------- waiting

export const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Polls `check` until it returns true, failing after `deadlineMs`. For states
 * the kernel reports only through /proc (a stopped process, a reparented
 * grandchild), where no event exists to wait on.
 */
export async function pollUntil(check: () => boolean, deadlineMs: number, what: string): Promise<number> {
  const start = Date.now();
  for (;;) {
    if (check()) return Date.now() - start;
    if (Date.now() - start > deadlineMs) {
      throw new Error(`timed out after ${deadlineMs} ms waiting for ${what}`);
    }
    await delay(POLL_INTERVAL_MS);
  }
}

/** Resolves with `promise`'s value, or rejects after `ms` naming `what` (a hang detector). */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer!: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
