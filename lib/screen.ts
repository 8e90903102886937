import native = require('./native.js');
import { abortError } from './errors.js';
import { dimension, object, rangeError, typeError } from './validate.js';

/** Rows of scrollback a screen keeps when none is given. */
export const DEFAULT_SCROLLBACK = 1000;

export interface ScreenOptions {
  /** Columns, an integer from 1 to 65535. Default 80. */
  cols?: number;
  /** Rows, an integer from 1 to 65535. Default 24. */
  rows?: number;
  /** Rows kept after they scroll off the top. Default 1000. */
  scrollback?: number;
  /**
   * A standalone screen: called during `feed()` with the replies a terminal
   * would send back for the queries in the fed bytes (cursor position
   * `\x1b[6n`, device attributes `\x1b[c`, status `\x1b[5n`, mode and
   * text-area-size reports), e.g. to write them to where the bytes came
   * from. Without it they are dropped. A PTY's screen writes them to its
   * PTY itself.
   */
  onReply?: (reply: string) => void;
}

export interface Cursor {
  /** 0-based, from the top of the visible screen. */
  row: number;
  /** 0-based. */
  col: number;
  /** The program shows the cursor (it hides it with `\x1b[?25l`). */
  visible: boolean;
}

/** The visible screen at one moment, taken between two parser steps. */
export interface Snapshot {
  cols: number;
  rows: number;
  /** Every visible row, trailing blanks trimmed. */
  lines: string[];
  cursor: Cursor;
  /** The window title the program set (OSC 0 or 2), or ''. */
  title: string;
  /** The program is on the alternate screen (vim, less, top...). */
  alternate: boolean;
  /** With `snapshot({ scrollback: true })`: the rows above, oldest first. */
  scrollback?: string[];
}

/** null: the default colour; 0-255: a palette entry; '#rrggbb': a 24-bit colour. */
export type Color = number | string | null;

export interface Cell {
  /** The character with any combining marks; '' for the second half of a wide character. */
  char: string;
  /** 1, 2 for a wide character, 0 for its second half. */
  width: number;
  fg: Color;
  bg: Color;
  bold: boolean;
  dim: boolean;
  italic: boolean;
  underline: boolean;
  inverse: boolean;
  strikethrough: boolean;
  hidden: boolean;
}

export interface WaitForOptions {
  /** Milliseconds before the promise rejects (with the screen's text). Default: no limit. */
  timeout?: number;
  signal?: AbortSignal;
}

export interface WaitForResult {
  /** The text found: the string given, or the RegExp's match. */
  match: string | RegExpExecArray;
  /** The screen it was found on. */
  snapshot: Snapshot;
}

export interface IdleOptions {
  /** How long no output must come, in ms. Default 300. */
  quiet?: number;
  /** Milliseconds before the promise rejects (with the screen's text). Default: no limit. */
  timeout?: number;
  signal?: AbortSignal;
}

/** The error of a `waitFor`/`waitForIdle` that timed out or whose output ended. */
export interface ScreenWaitError extends Error {
  code: 'ETIMEDOUT' | 'ERR_PTY_EOF';
  /** The screen's text when it gave up. */
  screen: string;
  snapshot: Snapshot;
}

const DEFAULT_QUIET = 300;

/** The engine's screen a PTY's Screen is being made around. */
let adopting: native.NativeScreen | null = null;

function color(code: number): Color {
  if (code < 0) return null;
  if (code < 256) return code;
  return `#${(code & 0xffffff).toString(16).padStart(6, '0')}`;
}

function textOf(lines: string[]): string {
  return lines.join('\n').trimEnd();
}

function toSnapshot(raw: native.NativeSnapshot): Snapshot {
  const snapshot: Snapshot = {
    cols: raw.cols,
    rows: raw.rows,
    lines: raw.lines,
    cursor: raw.cursor,
    title: raw.title,
    alternate: raw.alternate,
  };
  if (raw.scrollback) snapshot.scrollback = raw.scrollback;
  return snapshot;
}

function timeoutOption(value: unknown, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !(value >= 0) || !Number.isFinite(value)) {
    throw rangeError(`${name} must be a finite number of milliseconds >= 0, got ${String(value)}`);
  }
  return value;
}

function signalOption(value: unknown): AbortSignal | undefined {
  if (value !== undefined && !(value instanceof AbortSignal)) throw typeError('options.signal must be an AbortSignal');
  return value as AbortSignal | undefined;
}

function waitError(message: string, code: ScreenWaitError['code'], snapshot: Snapshot): ScreenWaitError {
  const text = textOf(snapshot.lines);
  const error = new Error(`${message}; the screen shows:\n${text}`) as ScreenWaitError;
  error.code = code;
  error.screen = text;
  error.snapshot = snapshot;
  return error;
}

function describe(pattern: string | RegExp): string {
  return typeof pattern === 'string' ? JSON.stringify(pattern) : String(pattern);
}

/**
 * What a terminal shows: a screen model (alacritty's emulator, in the
 * engine). A PTY spawned with `{ screen: true }` has one on `pty.screen`,
 * fed on the engine's thread with everything the program writes; a
 * standalone one (`new Screen()`) is fed with `feed()`, for bytes from
 * elsewhere (a recording, ssh, a test fixture).
 */
export class Screen {
  #native: native.NativeScreen;
  #standalone: boolean;
  /** Checks of the pending waitFor/waitForIdle calls, run after each batch of output. */
  #watchers = new Set<() => void>();
  #onReply: ((reply: string) => void) | undefined;

  constructor(options?: ScreenOptions) {
    if (adopting) {
      this.#native = adopting;
      this.#standalone = false;
      return;
    }
    const opts = object(options, 'options');
    const cols = opts.cols === undefined ? 80 : dimension(opts.cols, 'options.cols');
    const rows = opts.rows === undefined ? 24 : dimension(opts.rows, 'options.rows');
    const scrollback = scrollbackOption(opts.scrollback, 'options.scrollback');
    if (opts.onReply !== undefined && typeof opts.onReply !== 'function') {
      throw typeError(`options.onReply must be a function, got ${opts.onReply === null ? 'null' : typeof opts.onReply}`);
    }
    this.#onReply = opts.onReply as ((reply: string) => void) | undefined;
    this.#native = new native.NativeScreen(cols, rows, scrollback);
    this.#standalone = true;
  }

  /** @internal */
  static fromNative(handle: native.NativeScreen): Screen {
    adopting = handle;
    try {
      return new Screen();
    } finally {
      adopting = null;
    }
  }

  /** @internal The engine parsed a batch of output (or the output ended). */
  changed(): void {
    for (const watcher of [...this.#watchers]) watcher();
  }

  /** Parses `data` (a standalone screen only; a PTY's screen is fed by the engine). */
  feed(data: string | Uint8Array): void {
    if (!this.#standalone) throw typeError("feed(): this screen is fed by its PTY's output", 'ERR_INVALID_STATE');
    if (typeof data !== 'string' && !(data instanceof Uint8Array)) {
      throw typeError(`data must be a string or a Uint8Array, got ${data === null ? 'null' : typeof data}`);
    }
    const reply = this.#native.feed(typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
    this.changed();
    if (reply !== null && reply !== undefined) this.#onReply?.(reply);
  }

  /** Resizes a standalone screen (a PTY's screen follows `pty.resize()`). */
  resize(cols: number, rows: number): void {
    if (!this.#standalone) throw typeError('resize(): use pty.resize(), which resizes the screen too', 'ERR_INVALID_STATE');
    this.#native.resize(dimension(cols, 'cols'), dimension(rows, 'rows'));
    this.changed();
  }

  /** The visible rows as text: trailing blanks, and blank rows at the bottom, trimmed. */
  text(): string {
    return this.#native.text();
  }

  /** The visible screen now; with `{ scrollback: true }`, also the rows above it. */
  snapshot(options?: { scrollback?: boolean }): Snapshot {
    const opts = object(options, 'options');
    return toSnapshot(this.#native.snapshot(opts.scrollback === true));
  }

  /** The cells of visible row `row` (0 is the top), one per column. */
  cells(row: number): Cell[] {
    if (!Number.isInteger(row) || row < 0) throw rangeError(`row must be an integer >= 0, got ${row}`);
    const cells = this.#native.cells(row);
    if (!cells) throw rangeError(`row must be less than the number of rows, got ${row}`);
    return cells.map((c) => ({
      char: c.text,
      width: c.width,
      fg: color(c.fg),
      bg: color(c.bg),
      bold: c.bold,
      dim: c.dim,
      italic: c.italic,
      underline: c.underline,
      inverse: c.inverse,
      strikethrough: c.strikethrough,
      hidden: c.hidden,
    }));
  }

  /** The screen as an SVG picture with its colours (one `<text>` per row). */
  toSVG(): string {
    return this.#native.toSVG();
  }

  /**
   * Resolves once the screen shows `pattern` (checked after each parsed batch
   * of output, never polled), with the match and the screen it was found on.
   * Rejects on timeout, or when a PTY's output ends without it, with an error
   * whose message, `screen` and `snapshot` show what was there.
   */
  waitFor(pattern: string | RegExp, options?: WaitForOptions): Promise<WaitForResult> {
    if (typeof pattern === 'string') {
      if (pattern === '') throw typeError('pattern must not be empty', 'ERR_INVALID_ARG_VALUE');
    } else if (!(pattern instanceof RegExp)) {
      throw typeError('pattern must be a string or a RegExp');
    }
    // A copy without g/y, whose lastIndex would make matches depend on earlier ones.
    const regexp = typeof pattern === 'string' ? null : new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ''));
    const find = (text: string): string | RegExpExecArray | null =>
      regexp ? regexp.exec(text) : text.includes(pattern as string) ? (pattern as string) : null;
    return this.#watch(options, `waitFor(${describe(pattern)})`, (raw) => {
      const match = find(textOf(raw.lines));
      return match === null ? undefined : { match, snapshot: toSnapshot(raw) };
    });
  }

  /**
   * Resolves with the screen once no output came for `quiet` ms (default
   * 300), counted from this call at the earliest (so that after sending
   * input it waits for the answer to settle), or once a PTY's output has
   * ended.
   */
  waitForIdle(options?: IdleOptions): Promise<Snapshot> {
    const opts = object(options, 'options');
    const quiet = timeoutOption(opts.quiet, 'options.quiet') ?? DEFAULT_QUIET;
    let timer: NodeJS.Timeout | undefined;
    const start = performance.now();
    return this.#watch(
      opts,
      `waitForIdle({ quiet: ${quiet} })`,
      (raw, recheck) => {
        clearTimeout(timer);
        const since = Math.min(this.#native.quietMs, performance.now() - start);
        if (since >= quiet || this.#native.ended) return toSnapshot(raw);
        timer = setTimeout(recheck, quiet - since + 1);
        return undefined;
      },
      () => clearTimeout(timer),
      true,
    );
  }

  /**
   * Runs `check` now and after each batch of output until it returns a
   * value. `idle` checks are satisfied by the end of output instead of
   * failing on it.
   */
  #watch<T>(
    options: WaitForOptions | undefined,
    what: string,
    check: (raw: native.NativeSnapshot, recheck: () => void) => T | undefined,
    cleanup = () => {},
    idle = false,
  ): Promise<T> {
    const opts = object(options, 'options');
    const timeout = timeoutOption(opts.timeout, 'options.timeout');
    const signal = signalOption(opts.signal);
    if (signal?.aborted) return Promise.reject(abortError(signal.reason));
    return new Promise<T>((resolve, reject) => {
      let deadline: NodeJS.Timeout | undefined;
      const finish = () => {
        this.#watchers.delete(watcher);
        clearTimeout(deadline);
        signal?.removeEventListener('abort', onAbort);
        cleanup();
      };
      const onAbort = () => {
        finish();
        reject(abortError(signal!.reason));
      };
      const watcher = () => {
        const raw = this.#native.snapshot(false);
        let found: T | undefined;
        try {
          found = check(raw, watcher);
        } catch (error) {
          finish();
          reject(error);
          return;
        }
        if (found !== undefined) {
          finish();
          resolve(found);
          return;
        }
        if (this.#standalone) return; // feed() calls changed()
        if (this.#native.ended && !idle) {
          finish();
          reject(waitError(`${what}: the output ended`, 'ERR_PTY_EOF', toSnapshot(raw)));
          return;
        }
        // More output was parsed since the snapshot: look again.
        if (!this.#native.ended && !this.#native.arm(raw.fed)) setImmediate(watcher);
      };
      this.#watchers.add(watcher);
      if (timeout !== undefined) {
        deadline = setTimeout(() => {
          finish();
          reject(waitError(`${what} timed out after ${timeout} ms`, 'ETIMEDOUT', this.snapshot()));
        }, timeout);
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      watcher();
    });
  }
}

/** @internal */
export function scrollbackOption(value: unknown, name: string): number {
  if (value === undefined) return DEFAULT_SCROLLBACK;
  if (typeof value !== 'number') throw typeError(`${name} must be a number, got ${typeof value}`);
  if (!Number.isInteger(value) || value < 0 || value > 1_000_000) {
    throw rangeError(`${name} must be an integer from 0 to 1000000, got ${value}`);
  }
  return value;
}
