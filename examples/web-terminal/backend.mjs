// The PTY behind a session, as the server uses it:
//   { pid, read(): Promise<Buffer | null>, write(bytes): Promise<void>,
//     resize(cols, rows), close(): Promise<void>, exited: Promise<{ exitCode, signal }> }
// read() resolves with the next output (null at the end); the server calls it
// again only when the page can take more, so the backend must stop reading
// the PTY while nobody asks.
import { createRequire } from 'node:module';
import { spawn as spawnPty } from 'rspty';

/** rspty: its output iterator is pull-based with a bounded queue already. */
async function spawnRspty(file, args, options) {
  const pty = await spawnPty(file, args, options);
  const output = pty[Symbol.asyncIterator]();
  return {
    pid: pty.pid,
    exited: pty.exited,
    read: async () => {
      const next = await output.next();
      return next.done ? null : next.value;
    },
    write: (bytes) => pty.write(bytes),
    resize: (cols, rows) => pty.resize(cols, rows),
    close: () => pty.close(),
  };
}

/**
 * node-pty, for comparison in bench.mjs only. It pushes output, so this
 * queues it and pauses the PTY when the queue holds as much as rspty's
 * default high-water mark; read() hands over everything queued at once, as
 * rspty does.
 */
function nodePtyBackend(lib) {
  const HIGH = 256 * 1024;
  return async function spawnNodePty(file, args, options) {
    const term = lib.spawn(file, args, { ...options, encoding: null });
    let queue = [];
    let queued = 0;
    let ended = false;
    let waiting = null;
    let closing = null;
    const take = () => {
      const chunk = queue.length === 1 ? queue[0] : Buffer.concat(queue, queued);
      queue = [];
      queued = 0;
      return chunk;
    };
    term.onData((data) => {
      queue.push(data);
      queued += data.length;
      if (waiting) {
        const resolve = waiting;
        waiting = null;
        resolve(take());
      } else if (queued >= HIGH) {
        term.pause();
      }
    });
    // node-pty reports the exit after its read socket has closed: the end of
    // the output.
    const exited = new Promise((resolve) => {
      term.onExit(({ exitCode, signal }) => {
        ended = true;
        if (waiting) {
          const resolve = waiting;
          waiting = null;
          resolve(null);
        }
        resolve(signal ? { exitCode: null, signal: signalName(signal) } : { exitCode, signal: null });
      });
    });
    return {
      pid: term.pid,
      exited,
      read: () => {
        if (queued > 0) {
          const chunk = take();
          term.resume();
          return Promise.resolve(chunk);
        }
        if (ended) return Promise.resolve(null);
        term.resume();
        return new Promise((resolve) => (waiting = resolve));
      },
      write: async (bytes) => term.write(Buffer.from(bytes)),
      resize: (cols, rows) => term.resize(cols, rows),
      close: () => {
        if (!closing) {
          // As rspty: hang up, and SIGKILL whatever still runs 2 s later.
          term.kill('SIGHUP');
          const timer = setTimeout(() => {
            try {
              process.kill(-term.pid, 'SIGKILL');
            } catch {}
          }, 2000);
          closing = exited.then(() => clearTimeout(timer));
        }
        return closing;
      },
    };
  };
}

function signalName(number) {
  const { signals } = require('node:os').constants;
  return Object.keys(signals).find((name) => signals[name] === number) ?? number;
}

const require = createRequire(import.meta.url);

function loadNodePty() {
  // node-pty is not a dependency of the example: take it from wherever it is
  // installed, or from bench/ (`npm --prefix bench ci`).
  for (const from of [import.meta.url, new URL('../../bench/package.json', import.meta.url)]) {
    try {
      return createRequire(from)('node-pty');
    } catch {}
  }
  throw new Error('node-pty is not installed: run `npm --prefix bench ci` in the repository');
}

export function openBackend(name) {
  if (name === 'rspty') return { spawn: spawnRspty };
  if (name === 'node-pty') return { spawn: nodePtyBackend(loadNodePty()) };
  throw new Error(`unknown backend ${name}`);
}
