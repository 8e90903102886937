// Helpers shared by every spec and by the stress suite's fixture scripts
// (which run outside ava, so nothing here may register ava hooks): PTY
// output, /proc readers (defined in proc.cjs, which the plain CommonJS
// fixtures require too), and waiting with a deadline.
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

export { childrenOf, isDead, newFds, openFds, procStat, procStatus, threadCount, zombiesOf } from './proc.cjs';
export type { ProcStat } from './proc.cjs';

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
