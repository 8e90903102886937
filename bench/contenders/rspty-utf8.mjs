// rspty's own API with `encoding: 'utf8'`: the async iterator yields strings,
// decoded across chunk boundaries. Each string is turned back into bytes for
// the scenarios' onData contract, as for `rspty-node-pty`, so the two compare
// the same work: the node-pty entry against the native iterator decoding UTF-8.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

const DIST = new URL('../../dist/index.js', import.meta.url);
if (!existsSync(DIST)) {
  throw new Error('rspty is not built (dist/index.js is missing): run `npm run build` first');
}
const rspty = createRequire(import.meta.url)('../../dist/index.js');

export async function spawn(file, args, { cols, rows, env, onData }) {
  const pty = await rspty.spawn(file, args, { cols, rows, env, name: env.TERM, encoding: 'utf8' });
  const output = (async () => {
    for await (const text of pty) {
      const pending = onData(Buffer.from(text, 'utf8'));
      if (pending) await pending;
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
