// rspty's node-pty compatible entry (`rspty/node-pty`), from this repository's
// build output, used as node-pty code uses it: strings through onData (the
// default encoding, 'utf8'), pause()/resume() for a slow consumer. Each string
// is turned back into bytes for the scenarios' onData contract; the
// `rspty-utf8` contender pays the same, so the two compare the same work.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { nodePtyAdapter } from './node-pty-api.mjs';

const DIST = new URL('../../dist/node-pty.js', import.meta.url);
if (!existsSync(DIST)) {
  throw new Error('rspty is not built (dist/node-pty.js is missing): run `npm run build` first');
}

export const spawn = nodePtyAdapter(createRequire(import.meta.url)('../../dist/node-pty.js'), { strings: true });
