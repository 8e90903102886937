import { closeSync } from 'node:fs';
import { isatty } from 'node:tty';
import native = require('./native.js');
import { copy, type ChunkHook } from './copy.js';
import { spawnError, translate } from './errors.js';
import { openpty } from './openpty.js';
import { DEFAULT_COLS, DEFAULT_ROWS, resolveSpawn, type SpawnOptions } from './options.js';
import { exitStatus, type ExitStatus } from './signals.js';
import { signalNumber } from './signals.js';

export interface InteractOptions extends SpawnOptions {
  /** The caller's input fd. Default 0. */
  input?: number;
  /** The caller's output fd. Default 1. */
  output?: number;
  /** Sees (and may replace) each chunk of the program's output. */
  onOutput?: ChunkHook;
}

/** @internal The window size of the first of `fds` that is a terminal. */
export function callerSize(fds: number[]): { cols: number; rows: number } | undefined {
  for (const fd of fds) {
    if (!isatty(fd)) continue;
    const size = native.getWindowSize(fd);
    if (size.cols > 0 && size.rows > 0) return size;
  }
  return undefined;
}

const PARENT_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * Python's pty.spawn: runs `file` in a new PTY sized like the caller's
 * terminal, with the caller's input in raw mode (when it is a terminal) and
 * relayed to the program, the program's output relayed to the caller's
 * output, and the caller's window size followed. The input's mode is
 * restored on every way out. Resolves with the exit status.
 */
export async function interact(file: string, args?: readonly string[], options?: InteractOptions): Promise<ExitStatus> {
  const opts = options ?? {};
  const input = opts.input ?? 0;
  const output = opts.output ?? 1;
  const size = callerSize([input, output]);
  const cols = opts.cols ?? size?.cols ?? DEFAULT_COLS;
  const rows = opts.rows ?? size?.rows ?? DEFAULT_ROWS;
  const { request } = resolveSpawn(file, args, { ...opts, cols, rows });
  const pair = openpty({ cols, rows });
  let child: native.NativeChild;
  try {
    child = await native.spawnOnSlave(request, pair.slave, pair.path);
  } catch (error) {
    closeSync(pair.master);
    throw spawnError(error, request);
  } finally {
    closeSync(pair.slave);
  }

  const raw = isatty(input) ? native.enterRawMode(input) : null;
  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    raw?.restore();
  };
  const followSize = () => {
    const now = callerSize([input, output]);
    if (now) native.setWindowSize(pair.master, now.cols, now.rows);
  };
  const onParentSignal = (signal: NodeJS.Signals) => {
    restore();
    child.kill(signalNumber('SIGHUP'));
    removeListeners();
    process.kill(process.pid, signal);
  };
  const removeListeners = () => {
    for (const signal of PARENT_SIGNALS) process.removeListener(signal, onParentSignal);
    process.removeListener('SIGWINCH', followSize);
    process.removeListener('exit', restore);
  };
  for (const signal of PARENT_SIGNALS) process.on(signal, onParentSignal);
  process.on('SIGWINCH', followSize);
  process.on('exit', restore);
  try {
    await copy(pair.master, { input, output, onOutput: opts.onOutput });
    return exitStatus(await child.wait());
  } catch (error) {
    child.kill(signalNumber('SIGKILL'));
    await child.wait().catch(() => undefined);
    throw translate(error, 'interact');
  } finally {
    removeListeners();
    restore();
    closeSync(pair.master);
  }
}
