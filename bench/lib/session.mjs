// Helpers the scenarios use inside a worker process to drive a contender.
//
// A contender module exports
//   spawn(file, args, { cols, rows, env, onData }) -> Promise<Session>
// where onData(chunk) is called for every chunk of output (a Buffer or
// Uint8Array); if it returns a promise, the contender reads no further output
// until that promise settles. A Session is
//   { pid, done: Promise<{ exitCode, signal }>, write(data): Promise<void>, close() }
// and `done` settles once the output has ended and the child has exited.

export const COLS = 80;
export const ROWS = 24;

// Thrown by a scenario when a contender lacks what the scenario needs.
export class NotSupported extends Error {}

export function ptyEnv() {
  return { ...process.env, TERM: 'xterm-256color' };
}

export function open(contender, file, args, onData) {
  return contender.spawn(file, args, { cols: COLS, rows: ROWS, env: ptyEnv(), onData });
}

// One throwaway spawn, so that loading native code and starting threads is
// not counted in the first measurement.
export async function warmUp(contender) {
  const session = await open(contender, '/bin/true', [], () => {});
  await session.done;
}

// Collects a session's output and lets the caller wait until it contains
// something. Used by the interactive scenarios (write, echo).
export class OutputCollector {
  constructor() {
    this.chunks = [];
    this.length = 0;
    this.waiter = undefined;
    this.onData = (chunk) => {
      this.chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      this.length += chunk.byteLength;
      if (this.waiter && this.waiter.test()) {
        const { resolve } = this.waiter;
        this.waiter = undefined;
        resolve();
      }
    };
  }

  text() {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks.length ? this.chunks[0].toString('latin1') : '';
  }

  // Drops everything received so far.
  clear() {
    this.chunks = [];
    this.length = 0;
  }

  // Resolves once test() is true; rejects if `done` settles first.
  until(test, done) {
    if (test()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.waiter = { test, resolve };
      done.then(
        (status) => reject(new Error(`output ended (exit ${JSON.stringify(status)}) while waiting`)),
        reject,
      );
    });
  }

  untilText(needle, done) {
    return this.until(() => this.text().includes(needle), done);
  }

  untilLength(n, done) {
    return this.until(() => this.length >= n, done);
  }
}

// Ends a session early; errors while closing do not matter to the scenario.
export function closeQuietly(session) {
  Promise.resolve()
    .then(() => session.close())
    .catch(() => {});
}

// Fails the scenario if the child did not exit cleanly.
export function exitFailure(status) {
  if (status.exitCode === 0 && !status.signal) return undefined;
  return `child exited with ${JSON.stringify(status)}`;
}
