// rspty, loaded from this repository's build output (run `npm run build` first).
// Output is read through the library's normal interface: `for await`.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

const DIST = new URL('../../dist/index.js', import.meta.url);
if (!existsSync(DIST)) {
  throw new Error('rspty is not built (dist/index.js is missing): run `npm run build` first');
}
const rspty = createRequire(import.meta.url)('../../dist/index.js');

/**
 * The adapter for rspty's own API; with `encoding: 'utf8'` the iterator
 * yields strings, turned back into bytes for the scenarios' onData contract.
 */
export function rsptyAdapter({ encoding } = {}) {
  return (file, args, options) => open(file, args, options, encoding);
}

export const spawn = rsptyAdapter();

async function open(file, args, { cols, rows, env, onData }, encoding) {
  const pty = await rspty.spawn(file, args, { cols, rows, env, name: env.TERM, encoding });
  const output = (async () => {
    for await (const chunk of pty) {
      const pending = onData(encoding ? Buffer.from(chunk, 'utf8') : chunk);
      if (pending) await pending; // a slow consumer simply pulls later
    }
  })();
  const done = Promise.all([output, pty.exited]).then(([, status]) => ({
    exitCode: status.exitCode,
    signal: status.signal,
  }));
  return {
    pid: pty.pid,
    done,
    write: (data) => pty.write(data),
    close: () => pty.close(),
  };
}
