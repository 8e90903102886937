// rspty's own API with `encoding: 'utf8'`: the async iterator yields strings,
// decoded across chunk boundaries. Each string is turned back into bytes for
// the scenarios' onData contract, as for `rspty-node-pty`, so the two compare
// the same work: the node-pty entry against the native iterator decoding UTF-8.
import { rsptyAdapter } from './rspty.mjs';

export const spawn = rsptyAdapter({ encoding: 'utf8' });
