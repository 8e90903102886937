import { isMainThread } from 'node:worker_threads';
import native = require('./native.js');
import { scrollbackOption } from './screen.js';
import { cString, dimension, object, rangeError, typeError } from './validate.js';

/** The window size a PTY starts with when none is given. */
export const DEFAULT_COLS = 80;
export const DEFAULT_ROWS = 24;
/** TERM for the child when neither `name` nor the environment sets one. */
export const DEFAULT_TERM = 'xterm-256color';
/** Bytes of output queued for the reader when `highWaterMark` is not given (256 KiB). */
export const DEFAULT_HIGH_WATER_MARK: number = native.DEFAULT_HIGH_WATER_MARK;

export interface SpawnOptions {
  /** Columns, an integer from 1 to 65535. Default 80. */
  cols?: number;
  /** Rows, an integer from 1 to 65535. Default 24. */
  rows?: number;
  /** The child's working directory. Default `process.cwd()`. */
  cwd?: string;
  /** The child's whole environment. Default `process.env`. */
  env?: Record<string, string | undefined>;
  /** TERM for the child. Default `env.TERM`, else 'xterm-256color'. */
  name?: string;
  /** Aborting kills the child's process group with SIGKILL. */
  signal?: AbortSignal;
  /**
   * Bytes of output the relay holds for a consumer before it stops reading
   * the PTY (the child then blocks on its writes). Default
   * {@link DEFAULT_HIGH_WATER_MARK} (256 KiB).
   */
  highWaterMark?: number;
  /**
   * Keep a screen model of what the terminal shows, on `pty.screen`: `true`,
   * or `{ scrollback }` (rows kept above the screen, default 1000). It is fed
   * in the engine with every byte the program writes. While nothing has read
   * the raw output (iterator, `expect()`), the raw output does not hold the
   * program back: once `highWaterMark` bytes are waiting, later raw bytes are
   * dropped (counted in `pty.droppedBytes`) and the screen still gets them.
   * A reader that started before that keeps every byte, with the usual
   * backpressure.
   */
  screen?: boolean | { scrollback?: number };
  /**
   * 'utf8': the output comes as strings, decoded across chunk boundaries (a
   * character split between two reads is never cut). Default (null): Buffers.
   */
  encoding?: 'utf8' | null;
  /** The user the child switches to before exec (needs the privilege; EPERM otherwise). */
  uid?: number;
  /** The group the child switches to before exec, before the user. */
  gid?: number;
}

export interface ResolvedSpawn {
  request: native.SpawnRequest;
  signal: AbortSignal | undefined;
  encoding: 'utf8' | null;
}

/** A user or group id: an integer from 0 to 2^32 - 2. */
export function id(value: unknown, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number') throw typeError(`${name} must be a number, got ${typeof value}`);
  if (!Number.isInteger(value) || value < 0 || value > 2 ** 32 - 2) {
    throw rangeError(`${name} must be an integer from 0 to 4294967294, got ${value}`);
  }
  return value;
}

function environment(value: unknown): Record<string, string> {
  const env = object(value ?? process.env, 'options.env');
  const result: Record<string, string> = {};
  for (const [name, entry] of Object.entries(env)) {
    if (entry === undefined) continue;
    if (name === '' || name.includes('=') || name.includes('\0')) {
      throw typeError(
        `options.env has an invalid variable name: ${JSON.stringify(name)}`,
        'ERR_INVALID_ARG_VALUE',
      );
    }
    result[name] = cString(entry, `options.env.${name}`);
  }
  return result;
}

/** Checks the arguments of spawn() and turns them into the native request. */
export function resolveSpawn(file: unknown, args: unknown, options: unknown): ResolvedSpawn {
  cString(file, 'file', { empty: false });
  if (args !== undefined && !Array.isArray(args)) {
    throw typeError(`args must be an array of strings, got ${typeof args}`);
  }
  const argv = (args ?? []).map((arg: unknown, i: number) => cString(arg, `args[${i}]`));
  const opts = object(options, 'options');
  const cols = opts.cols === undefined ? DEFAULT_COLS : dimension(opts.cols, 'options.cols');
  const rows = opts.rows === undefined ? DEFAULT_ROWS : dimension(opts.rows, 'options.rows');
  const cwd = opts.cwd === undefined ? process.cwd() : cString(opts.cwd, 'options.cwd', { empty: false });
  const name = opts.name === undefined ? undefined : cString(opts.name, 'options.name', { empty: false });
  let env: Array<[string, string]> | undefined;
  let term: string | undefined;
  if (opts.env === undefined && isMainThread) {
    // The main thread's process.env is the C environment, which the addon
    // reads itself: a JavaScript copy of it costs tens of microseconds. (A
    // worker's process.env is its own copy, so it goes the long way.)
    term = name ?? process.env.TERM ?? DEFAULT_TERM;
  } else {
    const vars = environment(opts.env);
    if (name !== undefined) vars.TERM = name;
    else vars.TERM ??= DEFAULT_TERM;
    env = Object.entries(vars);
  }
  const signal = opts.signal;
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw typeError('options.signal must be an AbortSignal');
  }
  let highWaterMark: number | undefined;
  if (opts.highWaterMark !== undefined) {
    const value = opts.highWaterMark;
    if (typeof value !== 'number') throw typeError('options.highWaterMark must be a number');
    if (!Number.isInteger(value) || value < 1 || value > 2 ** 31) {
      throw rangeError(`options.highWaterMark must be an integer from 1 to 2^31, got ${value}`);
    }
    highWaterMark = value;
  }
  let screen: number | undefined;
  if (opts.screen !== undefined && opts.screen !== false) {
    if (opts.screen === true) screen = scrollbackOption(undefined, 'options.screen.scrollback');
    else if (typeof opts.screen === 'object' && opts.screen !== null && !Array.isArray(opts.screen)) {
      screen = scrollbackOption((opts.screen as { scrollback?: unknown }).scrollback, 'options.screen.scrollback');
    } else throw typeError('options.screen must be a boolean or an object { scrollback }');
  }
  const encoding = opts.encoding ?? null;
  if (encoding !== null && encoding !== 'utf8') {
    throw typeError(`options.encoding must be 'utf8' or null, got ${JSON.stringify(encoding)}`, 'ERR_INVALID_ARG_VALUE');
  }
  return {
    request: {
      file: file as string,
      args: argv,
      env,
      term,
      cwd,
      cols,
      rows,
      highWaterMark,
      screen,
      uid: id(opts.uid, 'options.uid'),
      gid: id(opts.gid, 'options.gid'),
    },
    signal,
    encoding,
  };
}
