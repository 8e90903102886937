import { StringDecoder } from 'node:string_decoder';
import native = require('./native.js');
import { abortError, nativeFailure, spawnError, translate } from './errors.js';
import { resolveSpawn, type ResolvedSpawn, type SpawnOptions } from './options.js';
import { Input } from './input.js';
import { Output } from './output.js';
import { Expecter, type ExpectOptions, type ExpectResult } from './expect.js';
import { Screen } from './screen.js';
import { exitStatus, signalNumber, type ExitStatus } from './signals.js';
import { dimension, rangeError, typeError } from './validate.js';

export type { ExitStatus } from './signals.js';

/** The leader of the terminal's foreground process group. */
export interface ForegroundProcess {
  pid: number;
  /** The executable's name, as `ps` shows it. */
  name: string;
  /** Its working directory; null when this process may not see it. */
  cwd: string | null;
}

/** @internal */
export function foregroundOf(handle: native.NativePty): ForegroundProcess | null {
  const found = handle.foreground();
  return found ? { pid: found.pid, name: found.name, cwd: found.cwd ?? null } : null;
}

/** A window's size in pixels (`ws_xpixel`, `ws_ypixel`). */
export interface PixelSize {
  width: number;
  height: number;
}

/** @internal */
export function pixelSize(value: unknown): PixelSize {
  if (value === null || typeof value !== 'object') {
    throw typeError(`pixelSize must be an object with width and height, got ${value === null ? 'null' : typeof value}`);
  }
  const { width, height } = value as Record<string, unknown>;
  for (const [name, v] of [['width', width], ['height', height]] as const) {
    if (typeof v !== 'number') throw typeError(`pixelSize.${name} must be a number, got ${typeof v}`);
    if (!Number.isInteger(v) || v < 0 || v > 65535) {
      throw rangeError(`pixelSize.${name} must be an integer from 0 to 65535, got ${v}`);
    }
  }
  return { width: width as number, height: height as number };
}

/** @internal A closed or ended PTY: a write to it is dropped, not an error. */
export function isEnded(error: unknown): boolean {
  const code = nativeFailure(error)?.code;
  return code === 'ERR_PTY_CLOSED' || code === 'EIO';
}

/**
 * A program running in a pseudo-terminal. Made by {@link spawn}. Its output
 * comes as Buffers, or as strings with `encoding: 'utf8'`.
 */
export class Pty<T extends Buffer | string = Buffer> implements AsyncIterable<T>, AsyncDisposable {
  /** The child's process id; it leads its own session and process group. */
  readonly pid: number;
  /**
   * Resolves when the child has exited; by then every byte it wrote is queued
   * for the iterator.
   */
  readonly exited: Promise<ExitStatus>;
  #native: native.NativePty;
  #input: Input;
  #output: Output;
  #cols: number;
  #rows: number;
  #status: ExitStatus | null = null;
  #closing: Promise<void> | null = null;
  #screen: Screen | null;
  #expecter: Expecter | null = null;
  #decoder: StringDecoder | null;
  #flushed = false;

  /** @internal */
  constructor(
    handle: native.NativePty,
    output: Output,
    cols: number,
    rows: number,
    exited: Promise<ExitStatus>,
    screen: Screen | null = null,
    encoding: 'utf8' | null = null,
  ) {
    this.#screen = screen;
    this.#native = handle;
    this.#decoder = encoding === null ? null : new StringDecoder(encoding);
    this.#input = new Input(handle);
    this.#output = output;
    this.pid = handle.pid;
    this.#cols = cols;
    this.#rows = rows;
    this.exited = exited.then((status) => (this.#status = status));
  }

  /**
   * What the terminal shows (spawn with `{ screen: true }`): a screen model
   * fed in the engine with everything the program writes. Throws when the PTY
   * was spawned without one.
   */
  get screen(): Screen {
    if (!this.#screen) throw typeError('pty.screen: spawn with { screen: true } to keep a screen', 'ERR_INVALID_STATE');
    return this.#screen;
  }

  /**
   * Raw output bytes dropped because nothing read them (see the `screen`
   * option of spawn()); 0 otherwise.
   */
  get droppedBytes(): number {
    return this.#native.droppedBytes;
  }

  /**
   * Like pexpect's expect(): reads the output until one of the patterns
   * (strings or RegExps) matches, and resolves with which one (`index`), the
   * `match` and the output `before` it. The output is consumed up to the end
   * of the match; the rest stays for the next expect(). It reads the output
   * itself (as decoded UTF-8 text), so the bytes it reads do not reach the
   * async iterator: use one or the other. Rejects on timeout, or when the
   * output ends without a match, with an error whose `before` holds what was
   * read.
   */
  expect(patterns: string | RegExp | ReadonlyArray<string | RegExp>, options?: ExpectOptions): Promise<ExpectResult> {
    this.#expecter ??= new Expecter(this.#output);
    return this.#expecter.expect(patterns, options);
  }

  /**
   * Writes `text` and Enter ('\r', what a terminal sends for the key); resolves
   * as write() does.
   */
  writeLine(text = ''): Promise<boolean> {
    if (typeof text !== 'string') throw typeError(`text must be a string, got ${text === null ? 'null' : typeof text}`);
    return this.write(`${text}\r`);
  }

  get cols(): number {
    return this.#cols;
  }

  get rows(): number {
    return this.#rows;
  }

  /**
   * The output of the master, in order, in chunks. Ends once the child and
   * everything else holding the terminal have closed it (200 ms later if the
   * child runs on, as it may open the terminal again), or on close().
   * Leaving a loop early does not close the PTY; a later loop goes on where
   * it stopped. With `encoding: 'utf8'` the chunks are strings, decoded
   * across chunk boundaries.
   */
  [Symbol.asyncIterator](): AsyncIterator<T> {
    const output = this.#output;
    const decoder = this.#decoder;
    if (!decoder) {
      return {
        next: () => output.next() as Promise<IteratorResult<T>>,
        async return(): Promise<IteratorResult<T>> {
          return { done: true, value: undefined };
        },
      };
    }
    const next = async (): Promise<IteratorResult<T>> => {
      for (;;) {
        const result = await output.next();
        if (result.done) {
          // Bytes left at the end are no whole character: they decode to U+FFFD.
          const rest = this.#flushed ? '' : decoder.end();
          this.#flushed = true;
          return rest ? { done: false, value: rest as T } : { done: true, value: undefined };
        }
        const text = decoder.write(result.value);
        if (text) return { done: false, value: text as T };
      }
    };
    return {
      next,
      async return(): Promise<IteratorResult<T>> {
        return { done: true, value: undefined };
      },
    };
  }

  /**
   * Writes to the master, in call order. Resolves `true` once the kernel has
   * taken all of it; `false` when the child had exited or the PTY was closed
   * first (what was not written is dropped). Rejects only for an argument
   * of the wrong type (at once) or an unexpected system error.
   */
  async write(data: string | Uint8Array): Promise<boolean> {
    if (typeof data !== 'string' && !(data instanceof Uint8Array)) {
      throw typeError(`data must be a string or a Uint8Array, got ${data === null ? 'null' : typeof data}`);
    }
    if (this.#closing || this.#status) return false;
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    try {
      await this.#input.write(bytes);
      return true;
    } catch (error) {
      if (isEnded(error)) return false;
      throw translate(error, 'write');
    }
  }

  /**
   * The leader of the terminal's foreground process group (the shell, or the
   * job it runs): its pid, executable name and working directory. Null once
   * the session is over or after close().
   */
  foreground(): ForegroundProcess | null {
    if (this.#closing) return null;
    try {
      return foregroundOf(this.#native);
    } catch (error) {
      throw translate(error, 'foreground');
    }
  }

  /**
   * Sets the window size (TIOCSWINSZ), in cells and, when given, in pixels;
   * the child gets SIGWINCH. A no-op after close().
   */
  resize(cols: number, rows: number, pixels?: PixelSize): void {
    dimension(cols, 'cols');
    dimension(rows, 'rows');
    const px = pixels === undefined ? { width: 0, height: 0 } : pixelSize(pixels);
    if (this.#closing) return;
    try {
      this.#native.resizePixels(cols, rows, px.width, px.height);
    } catch (error) {
      throw translate(error, 'resize');
    }
    this.#cols = cols;
    this.#rows = rows;
  }

  /**
   * Sends a signal (default SIGTERM) to the child's process group. Returns
   * false, and does nothing, once the child has been reaped.
   */
  kill(signal: NodeJS.Signals | number = 'SIGTERM'): boolean {
    const number = signalNumber(signal);
    try {
      return this.#native.kill(number);
    } catch (error) {
      throw translate(error, 'kill');
    }
  }

  /**
   * Hangs up: closes the master (the kernel sends SIGHUP to the session),
   * ends the iterator and fails pending writes. Resolves once the child has
   * been reaped; a child still running 2 s after the hang-up is killed with
   * SIGKILL. Calling it again returns the same promise.
   */
  close(): Promise<void> {
    if (!this.#closing) {
      this.#native.close();
      this.#closing = this.exited.then(() => undefined);
    }
    return this.#closing;
  }

  /** `await using pty = await spawn(...)`: closes and waits for the child. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /**
   * Lets the Node process exit while the child runs (as child_process's
   * unref()). When it exits, the master closes and the child gets SIGHUP, as
   * when a terminal window closes.
   */
  unref(): this {
    this.#native.unref();
    return this;
  }

  /** Undoes unref(). */
  ref(): this {
    this.#native.ref();
    return this;
  }
}

/**
 * What the output comes as: strings when the options say `encoding: 'utf8'`
 * (as a literal), else Buffers.
 */
export type OutputOf<O> = O extends { encoding: 'utf8' } ? string : Buffer;

/**
 * Starts `file` with `args` in a new pseudo-terminal. Resolves once the
 * program has been executed; rejects with the errno (`code` 'ENOENT',
 * 'EACCES', ...) and a message naming what failed.
 */
export function spawn<O extends SpawnOptions = SpawnOptions>(
  file: string,
  args?: readonly string[],
  options?: O,
): Promise<Pty<OutputOf<O>>> {
  // Not an async function itself: an async function would keep `options`
  // (the caller's environment object among them) alive until the program
  // has started, and a burst of spawns would hold a thousand of them.
  let resolved: ResolvedSpawn;
  try {
    resolved = resolveSpawn(file, args, options);
  } catch (error) {
    return Promise.reject(error);
  }
  return start(resolved) as Promise<Pty<OutputOf<O>>>;
}

async function start({ request, signal, encoding }: ResolvedSpawn): Promise<Pty<Buffer | string>> {
  if (signal?.aborted) throw abortError(signal.reason);
  let resolveExit!: (status: ExitStatus) => void;
  const exited = new Promise<ExitStatus>((resolve) => (resolveExit = resolve));
  const output = new Output();
  let screen: Screen | null = null;
  let handle: native.NativePty;
  try {
    const started = native.spawn(
      request,
      (status) => resolveExit(exitStatus(status)),
      () => output.readable(),
      () => screen?.changed(),
    );
    // The addon has its own copy of the request now; the environment is
    // the bulk of it, and nothing below needs it.
    request.env = undefined;
    handle = await started;
  } catch (error) {
    throw spawnError(error, request);
  }
  output.attach(handle);
  const nativeScreen = handle.screen();
  if (nativeScreen) screen = Screen.fromNative(nativeScreen);
  const pty = new Pty<Buffer | string>(handle, output, request.cols, request.rows, exited, screen, encoding);
  if (signal) {
    const abort = () => pty.kill('SIGKILL');
    if (signal.aborted) abort();
    else {
      signal.addEventListener('abort', abort, { once: true });
      void pty.exited.then(() => signal.removeEventListener('abort', abort));
    }
  }
  return pty;
}

/**
 * Runs `file` to the end in a PTY and returns its exit status with all its
 * output (a string with `encoding: 'utf8'`, else a Buffer).
 */
export async function run<O extends SpawnOptions = SpawnOptions>(
  file: string,
  args?: readonly string[],
  options?: O,
): Promise<ExitStatus & { output: OutputOf<O> }> {
  const pty = (await spawn(file, args, options)) as Pty<Buffer | string>;
  const chunks: Array<Buffer | string> = [];
  for await (const chunk of pty) chunks.push(chunk);
  const status = await pty.exited;
  const output =
    options?.encoding === 'utf8' ? (chunks as string[]).join('') : Buffer.concat(chunks as Buffer[]);
  return { ...status, output: output as OutputOf<O> };
}
