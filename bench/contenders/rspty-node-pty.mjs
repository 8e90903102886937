// rspty's node-pty compatible entry (`rspty/node-pty`), from this repository's
// build output, used as node-pty code uses it: strings through onData (the
// default encoding, 'utf8'), pause()/resume() for a slow consumer. Each string
// is turned back into bytes for the scenarios' onData contract; the
// `rspty-utf8` contender pays the same, so the two compare the same work.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

const DIST = new URL('../../dist/node-pty.js', import.meta.url);
if (!existsSync(DIST)) {
  throw new Error('rspty is not built (dist/node-pty.js is missing): run `npm run build` first');
}
const pty = createRequire(import.meta.url)('../../dist/node-pty.js');

export async function spawn(file, args, { cols, rows, env, onData }) {
  const term = pty.spawn(file, args, { cols, rows, env, name: env.TERM });
  term.onData((text) => {
    const pending = onData(Buffer.from(text, 'utf8'));
    if (pending) {
      term.pause();
      pending.then(() => term.resume());
    }
  });
  // onExit comes after the last onData.
  const done = new Promise((resolve) => {
    term.onExit(({ exitCode, signal }) => resolve({ exitCode, signal: signal || null }));
  });
  return {
    pid: term.pid,
    done,
    // Writes are queued in order, as node-pty's; no completion signal.
    write: async (data) => term.write(data),
    close: () => term.kill(),
  };
}
