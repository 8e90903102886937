// The ES module entry: the same exports as the CommonJS build.
import rspty from './index.js';

export const { spawn, run, Pty, openpty, copy, interact, DEFAULT_COLS, DEFAULT_ROWS, DEFAULT_TERM, DEFAULT_HIGH_WATER_MARK } = rspty;
export type { ExitStatus, PtyPair, SpawnOptions, SystemError, CopyOptions, ChunkHook, InteractOptions } from './index.js';
