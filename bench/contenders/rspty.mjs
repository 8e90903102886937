// rspty, loaded from this repository's build output (run `npm run build` first).
// Output is read through the library's normal interface: `for await`.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

const DIST = new URL('../../dist/index.js', import.meta.url);
if (!existsSync(DIST)) {
  throw new Error('rspty is not built (dist/index.js is missing): run `npm run build` first');
}
const rspty = createRequire(import.meta.url)('../../dist/index.js');

export async function spawn(file, args, { cols, rows, env, onData }) {
  const pty = await rspty.spawn(file, args, { cols, rows, env, name: env.TERM });
  const output = (async () => {
    for await (const chunk of pty) {
      const pending = onData(chunk);
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
