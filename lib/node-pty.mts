// The ES module entry of `rspty/node-pty`: the same exports as the CommonJS build.
import compat from './node-pty.js';

export const { spawn, fork, createTerminal, open, UnixTerminal, DEFAULT_COLS, DEFAULT_ROWS } = compat;
export type {
  IPty,
  IPtyForkOptions,
  IWindowsPtyForkOptions,
  IBasePtyForkOptions,
  IDisposable,
  IEvent,
  IPtyOpenResult,
  IPtyOpenOptions,
  ForegroundProcess,
  PixelSize,
} from './node-pty.js';
export default compat;
