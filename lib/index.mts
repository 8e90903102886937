// The ES module entry: the same exports as the CommonJS build.
import rspty from './index.js';

export const {
  spawn,
  run,
  Pty,
  openpty,
  copy,
  interact,
  Screen,
  DEFAULT_COLS,
  DEFAULT_ROWS,
  DEFAULT_TERM,
  DEFAULT_HIGH_WATER_MARK,
  DEFAULT_SCROLLBACK,
} = rspty;
export type { ExitStatus, ForegroundProcess, PixelSize, OutputOf, PtyPair, SpawnOptions, SystemError, CopyOptions, ChunkHook, InteractOptions } from './index.js';
export type {
  ScreenOptions,
  Snapshot,
  Cursor,
  Cell,
  Color,
  WaitForOptions,
  WaitForResult,
  IdleOptions,
  ScreenWaitError,
  ExpectOptions,
  ExpectResult,
  ExpectError,
} from './index.js';
