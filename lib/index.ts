export { spawn, run, Pty, type ExitStatus, type ForegroundProcess, type PixelSize, type OutputOf } from './pty.js';
export { openpty, type PtyPair } from './openpty.js';
export { DEFAULT_COLS, DEFAULT_ROWS, DEFAULT_TERM, DEFAULT_HIGH_WATER_MARK, type SpawnOptions } from './options.js';
export type { SystemError } from './errors.js';
export { copy, type CopyOptions, type ChunkHook } from './copy.js';
export { interact, type InteractOptions } from './interact.js';
export {
  Screen,
  DEFAULT_SCROLLBACK,
  type ScreenOptions,
  type Snapshot,
  type Cursor,
  type Cell,
  type Color,
  type WaitForOptions,
  type WaitForResult,
  type IdleOptions,
  type ScreenWaitError,
} from './screen.js';
export type { ExpectOptions, ExpectResult, ExpectError } from './expect.js';
