// `rspty/node-pty`: node-pty's API (version 1.1.0, Unix) on the rspty
// engine, so that code written for node-pty runs by changing its import.
// Where node-pty loses output, leaks or busy-loops, this entry does not; the
// README's "Migrating from node-pty" lists every difference.
import { EventEmitter } from 'node:events';
import { StringDecoder } from 'node:string_decoder';
import * as tty from 'node:tty';
import native = require('./native.js');
import { nativeFailure, spawnError, translate } from './errors.js';
import { Input } from './input.js';
import { foregroundOf, isEnded, pixelSize, type ForegroundProcess, type PixelSize } from './pty.js';
import { signalNumber } from './signals.js';
import { dimension, typeError } from './validate.js';

export type { ForegroundProcess, PixelSize } from './pty.js';

/** node-pty's default window size. */
export const DEFAULT_COLS = 80;
export const DEFAULT_ROWS = 24;
/** node-pty's defaults: the program when none is given, and TERM. */
const DEFAULT_FILE = 'sh';
const DEFAULT_NAME = 'xterm';
/** XOFF and XON, node-pty's default flow-control messages. */
const FLOW_CONTROL_PAUSE = '\x13';
const FLOW_CONTROL_RESUME = '\x11';

export interface IDisposable {
  dispose(): void;
}

/** An event: call it with a listener to subscribe; dispose() unsubscribes. */
export interface IEvent<T> {
  (listener: (e: T) => any): IDisposable;
}

export interface IBasePtyForkOptions {
  /** TERM for the child. Default `env.TERM`, else 'xterm'. */
  name?: string;
  cols?: number;
  rows?: number;
  cwd?: string;
  env?: { [key: string]: string | undefined };
  /** How output is decoded: default 'utf8'; null gives Buffers. */
  encoding?: string | null;
  /** Writes equal to flowControlPause / flowControlResume pause and resume output instead of reaching the child. */
  handleFlowControl?: boolean;
  flowControlPause?: string;
  flowControlResume?: string;
}

export interface IPtyForkOptions extends IBasePtyForkOptions {
  uid?: number;
  gid?: number;
}

/** Accepted and ignored: this entry runs on Unix only. */
export interface IWindowsPtyForkOptions extends IBasePtyForkOptions {
  useConpty?: boolean;
  useConptyDll?: boolean;
  conptyInheritCursor?: boolean;
}

export interface IPty {
  readonly pid: number;
  readonly cols: number;
  readonly rows: number;
  /** The name of the terminal's foreground process (the program when unknown). */
  readonly process: string;
  handleFlowControl: boolean;
  readonly onData: IEvent<string>;
  readonly onExit: IEvent<{ exitCode: number; signal?: number }>;
  resize(columns: number, rows: number, pixelSize?: { width: number; height: number }): void;
  clear(): void;
  write(data: string | Buffer): void;
  kill(signal?: string): void;
  pause(): void;
  resume(): void;
}

/** What open() returns: both ends of a new PTY as sockets. */
export interface IPtyOpenResult {
  /** The master end, reading as strings unless `encoding` was null. */
  readonly master: tty.ReadStream;
  /** The slave end. */
  readonly slave: tty.ReadStream;
  /** The slave's device path, like /dev/pts/3 (node-pty's native `pty`). */
  readonly pty: string;
  /** The same path, as node-pty's `ptsName`. */
  readonly ptsName: string;
  /** The master's fd. */
  readonly fd: number;
  /** -1: no process runs on an opened pair. */
  readonly pid: number;
  /** Destroys both sockets, closing both fds. */
  destroy(): void;
}

export interface IPtyOpenOptions {
  cols?: number;
  rows?: number;
  encoding?: string | null;
}

/** The listeners of one IEvent, called in order of subscription. */
class Emitter<T> {
  #listeners: Array<(e: T) => unknown> = [];
  readonly event: IEvent<T> = (listener) => {
    this.#listeners.push(listener);
    return {
      dispose: () => {
        const at = this.#listeners.indexOf(listener);
        if (at !== -1) this.#listeners.splice(at, 1);
      },
    };
  };

  fire(value: T): void {
    for (const listener of [...this.#listeners]) listener.call(undefined, value);
  }
}

/** node-pty's option checks, with its messages (plain Errors). */
function checkType(name: string, value: unknown, type: string): void {
  if (value === undefined || value === null || value === '' || value === 0 || value === false) return;
  if (typeof value !== type) throw new Error(`${name} must be a ${type} (not a ${typeof value})`);
}

function checkOptions(opt: IPtyForkOptions): void {
  checkType('name', opt.name, 'string');
  checkType('cols', opt.cols, 'number');
  checkType('rows', opt.rows, 'number');
  checkType('cwd', opt.cwd, 'string');
  checkType('env', opt.env, 'object');
  checkType('uid', opt.uid, 'number');
  checkType('gid', opt.gid, 'number');
  checkType('encoding', opt.encoding, 'string');
}

function checkEncoding(encoding: string | null): BufferEncoding | null {
  if (encoding !== null && !Buffer.isEncoding(encoding)) {
    throw typeError(`Unknown encoding: ${encoding}`, 'ERR_UNKNOWN_ENCODING');
  }
  return encoding as BufferEncoding | null;
}

/** Variables node-pty removes from an inherited environment. */
const SANITIZED = ['TMUX', 'TMUX_PANE', 'STY', 'WINDOW', 'WINDOWID', 'TERMCAP', 'COLUMNS', 'LINES'];

/** The child's environment as node-pty builds it. */
function environment(opt: IPtyForkOptions, cwd: string): { entries: Array<[string, string]>; name: string } {
  const source = opt.env || process.env;
  const env: Record<string, string | undefined> = { ...source };
  if (source === process.env) for (const name of SANITIZED) delete env[name];
  env.PWD = cwd;
  const name = opt.name || env.TERM || DEFAULT_NAME;
  env.TERM = name;
  const entries: Array<[string, string]> = [];
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined) entries.push([key, String(value)]);
  }
  return { entries, name };
}

function optionalId(value: number | undefined, name: string): number | undefined {
  if (value === undefined || value === null || value === -1) return undefined;
  if (!Number.isInteger(value) || value < 0 || value > 2 ** 32 - 2) {
    throw typeError(`${name} must be an integer from 0 to 4294967294, got ${value}`, 'ERR_INVALID_ARG_VALUE');
  }
  return value;
}

/** The stages whose failure node-pty reports as the child's exit code 1. */
const CHILD_STAGES = new Set(['exec', 'cwd', 'credentials']);

/**
 * A program running in a pseudo-terminal, as node-pty's `UnixTerminal`.
 * Starts the program before the constructor returns (`pid` is set).
 */
export class UnixTerminal extends EventEmitter implements IPty {
  readonly pid: number;
  /** Whether writes equal to the flow-control messages pause and resume output. */
  handleFlowControl: boolean;
  #native: native.NativePty;
  #input: Input;
  #file: string;
  #cols: number;
  #rows: number;
  #fd: number;
  #ptsName: string;
  #decoder: StringDecoder | null;
  #writeEncoding: BufferEncoding;
  #flowControlPause: string;
  #flowControlResume: string;
  #onData = new Emitter<string>();
  #onExit = new Emitter<{ exitCode: number; signal?: number }>();
  #paused = false;
  #resuming = false;
  #ended = false;
  #closed = false;
  #status: { exitCode: number; signal: number } | null = null;
  #exitEmitted = false;

  constructor(file?: string, args?: string[] | string, opt?: IPtyForkOptions | IWindowsPtyForkOptions) {
    super();
    const options: IPtyForkOptions = opt ?? {};
    this.handleFlowControl = !!options.handleFlowControl;
    this.#flowControlPause = options.flowControlPause || FLOW_CONTROL_PAUSE;
    this.#flowControlResume = options.flowControlResume || FLOW_CONTROL_RESUME;
    if (opt) checkOptions(options);
    if (typeof args === 'string') throw new Error('args as a string is not supported on unix.');
    const argv = args ?? [];
    if (!Array.isArray(argv)) throw typeError('args must be an array of strings');
    this.#file = file || DEFAULT_FILE;
    this.#cols = options.cols || DEFAULT_COLS;
    this.#rows = options.rows || DEFAULT_ROWS;
    dimension(this.#cols, 'options.cols');
    dimension(this.#rows, 'options.rows');
    const encoding = checkEncoding(options.encoding === undefined ? 'utf8' : options.encoding);
    this.#decoder = encoding === null ? null : new StringDecoder(encoding);
    this.#writeEncoding = encoding ?? 'utf8';
    const cwd = options.cwd || process.cwd();
    const { entries } = environment(options, cwd);
    const request: native.SpawnRequest = {
      file: this.#file,
      args: argv.map(String),
      env: entries,
      cwd,
      cols: this.#cols,
      rows: this.#rows,
      uid: optionalId(options.uid, 'options.uid'),
      gid: optionalId(options.gid, 'options.gid'),
    };
    this.#native = this.#start(request);
    this.#input = new Input(this.#native);
    this.pid = this.#native.pid;
    this.#fd = this.#native.fd;
    this.#ptsName = this.#native.ptsName;
    // As node-pty: onData and onExit follow the 'data' and 'exit' events.
    this.on('data', (data: string) => this.#onData.fire(data));
    this.on('exit', (exitCode: number, signal: number) => this.#onExit.fire({ exitCode, signal }));
    // The first read arms the engine's readable callback. Not before the
    // caller could subscribe: node-pty's first 'data' comes from the event
    // loop too.
    setImmediate(() => this.#pump());
  }

  /**
   * Starts the program. A program that cannot be started (not found, not
   * executable, a bad cwd, a uid or gid the caller may not take) is, as in
   * node-pty, a child that prints why and exits with code 1: `/bin/sh`
   * stands in for it on the same terminal.
   */
  #start(request: native.SpawnRequest): native.NativePty {
    const onExit = (status: native.NativeExitStatus) => this.#exited(status);
    const onReadable = () => this.#pump();
    // No screen model on this entry: its callback is never armed.
    const onScreen = () => {};
    try {
      return native.spawnSync(request, onExit, onReadable, onScreen);
    } catch (error) {
      const failure = nativeFailure(error);
      if (!failure?.stage || !CHILD_STAGES.has(failure.stage)) throw spawnError(error, request);
      const message = `rspty: ${spawnError(error, request).message}`;
      const standIn: native.SpawnRequest = {
        file: '/bin/sh',
        args: ['-c', 'printf "%s\\n" "$1"; exit 1', 'sh', message],
        env: request.env,
        cols: request.cols,
        rows: request.rows,
      };
      try {
        return native.spawnSync(standIn, onExit, onReadable, onScreen);
      } catch {
        throw spawnError(error, request);
      }
    }
  }

  get cols(): number {
    return this.#cols;
  }

  get rows(): number {
    return this.#rows;
  }

  /** The master's fd (-1 once closed); the terminal owns it. */
  get fd(): number {
    return this.#closed ? -1 : this.#fd;
  }

  /** The slave's device path, like /dev/pts/3. */
  get ptsName(): string {
    return this.#ptsName;
  }

  /** Only set on what open() returns. */
  get master(): tty.ReadStream | undefined {
    return undefined;
  }

  get slave(): tty.ReadStream | undefined {
    return undefined;
  }

  get onData(): IEvent<string> {
    return this.#onData.event;
  }

  get onExit(): IEvent<{ exitCode: number; signal?: number }> {
    return this.#onExit.event;
  }

  /** The name of the terminal's foreground process; the program's name when there is none. */
  get process(): string {
    return this.foreground()?.name ?? this.#file;
  }

  /**
   * The terminal's foreground process group leader: pid, executable name and
   * working directory. Null once the session is over.
   */
  foreground(): ForegroundProcess | null {
    if (this.#closed) return null;
    try {
      return foregroundOf(this.#native);
    } catch (error) {
      throw translate(error, 'foreground');
    }
  }

  /**
   * Writes to the child, in call order. A write equal to the flow-control
   * messages pauses or resumes output instead when handleFlowControl is on.
   * Writes after the end are dropped.
   */
  write(data: string | Buffer): void {
    if (this.handleFlowControl) {
      if (data === this.#flowControlPause) {
        this.pause();
        return;
      }
      if (data === this.#flowControlResume) {
        this.resume();
        return;
      }
    }
    if (typeof data !== 'string' && !(data instanceof Uint8Array)) {
      throw typeError(`data must be a string or a Buffer, got ${data === null ? 'null' : typeof data}`);
    }
    if (this.#closed || this.#status) return;
    const bytes = typeof data === 'string' ? Buffer.from(data, this.#writeEncoding) : data;
    if (bytes.length === 0) return;
    this.#input.write(bytes).catch((error: unknown) => {
      // As node-pty: a write that fails is reported on stderr, not thrown.
      if (!isEnded(error)) console.error('Unhandled pty write error', translate(error, 'write'));
    });
  }

  /**
   * Sets the window size in cells and, when given, in pixels. Throws, as
   * node-pty does, for sizes that are not positive numbers.
   */
  resize(columns: number, rows: number, pixels?: PixelSize): void {
    if (
      typeof columns !== 'number' ||
      typeof rows !== 'number' ||
      columns <= 0 ||
      rows <= 0 ||
      !Number.isFinite(columns) ||
      !Number.isFinite(rows)
    ) {
      throw new Error('resizing must be done using positive cols and rows');
    }
    const cols = dimension(Math.floor(columns) || 1, 'cols');
    const height = dimension(Math.floor(rows) || 1, 'rows');
    const px = pixels === undefined ? { width: 0, height: 0 } : pixelSize(pixels);
    if (!this.#closed) {
      try {
        this.#native.resizePixels(cols, height, px.width, px.height);
      } catch (error) {
        throw translate(error, 'resize');
      }
    }
    this.#cols = cols;
    this.#rows = height;
  }

  /** Does nothing on Unix, as in node-pty. */
  clear(): void {}

  /**
   * Sends a signal (default SIGHUP, as node-pty) to the child's process
   * group. Does nothing once the child has been reaped or for an unknown
   * signal (node-pty swallows that error too).
   */
  kill(signal?: string): void {
    try {
      this.#native.kill(signalNumber(signal ?? 'SIGHUP'));
    } catch {
      // As node-pty.
    }
  }

  /**
   * Stops taking output: the engine's queue fills, then the kernel's, then
   * the child blocks on its writes. Nothing is dropped.
   */
  pause(): void {
    this.#paused = true;
  }

  /** Takes output again; what waited arrives first. */
  resume(): void {
    this.#paused = false;
    if (this.#resuming) return;
    this.#resuming = true;
    setImmediate(() => {
      this.#resuming = false;
      this.#pump();
    });
  }

  /** Changes how output is decoded from now on (null: Buffers). */
  setEncoding(encoding: string | null): void {
    const checked = checkEncoding(encoding ?? null);
    this.#decoder = checked === null ? null : new StringDecoder(checked);
  }

  /**
   * Hangs up: closes the master (the kernel sends SIGHUP to the session).
   * 'exit' still comes once the child has gone; a child still running 2 s
   * after the hang-up is killed with SIGKILL.
   */
  destroy(): void {
    this.#hangUp();
  }

  #hangUp(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#native.close();
  }

  /** Given to each read: the engine may call it instead of the readable callback. */
  readonly #announce = (): void => this.#pump();

  /** Hands queued output to 'data' until paused, empty or ended. */
  #pump(): void {
    while (!this.#paused && !this.#ended) {
      const chunk = this.#native.read(this.#announce);
      // Nothing yet: the engine calls back once there is.
      if (chunk === undefined) break;
      if (chunk === null) {
        this.#ended = true;
        break;
      }
      this.#deliver(chunk);
    }
    this.#maybeExit();
  }

  #deliver(chunk: Buffer): void {
    if (!this.#decoder) {
      this.emit('data', chunk);
      return;
    }
    const text = this.#decoder.write(chunk);
    if (text) this.emit('data', text);
  }

  #exited(status: native.NativeExitStatus): void {
    // node-pty's numbers: a signal's death is exit code 0 and the signal's number.
    this.#status = { exitCode: status.code ?? 0, signal: status.signal ?? 0 };
    this.#pump();
  }

  /**
   * The exit is reported after the last of the child's output: the engine
   * reports the exit once everything the child wrote is queued, and this
   * runs when the queue has just been found empty (or ended).
   */
  #maybeExit(): void {
    if (!this.#status || this.#paused || this.#exitEmitted) return;
    this.#exitEmitted = true;
    const rest = this.#decoder?.end();
    if (rest) this.emit('data', rest);
    // As node-pty, which destroys its socket: the master closes at the exit.
    this.#hangUp();
    this.emit('close');
    this.emit('exit', this.#status.exitCode, this.#status.signal);
  }

  /**
   * Allocates a PTY pair with no process on it: node-pty's `open()`. Both
   * ends are sockets (tty.ReadStream) that read as strings unless
   * `encoding` is null.
   */
  static open(options?: IPtyOpenOptions): IPtyOpenResult;
  static open(options?: IPtyOpenOptions | number, ...rest: number[]): IPtyOpenResult {
    let opt: IPtyOpenOptions = typeof options === 'object' && options !== null ? options : {};
    if (rest.length > 0) opt = { cols: options as number, rows: rest[0] };
    const cols = opt.cols || DEFAULT_COLS;
    const rows = opt.rows || DEFAULT_ROWS;
    const encoding = checkEncoding(opt.encoding === undefined ? 'utf8' : opt.encoding);
    let pair: native.PtyFds;
    try {
      pair = native.openpty(dimension(cols, 'cols'), dimension(rows, 'rows'));
    } catch (error) {
      throw translate(error, 'openpty');
    }
    const socket = (fd: number) => {
      const stream = new tty.ReadStream(fd);
      if (encoding !== null) stream.setEncoding(encoding);
      stream.resume();
      return stream;
    };
    const master = socket(pair.master);
    const slave = socket(pair.slave);
    return {
      master,
      slave,
      pty: pair.path,
      ptsName: pair.path,
      fd: pair.master,
      pid: -1,
      destroy() {
        slave.destroy();
        master.destroy();
      },
    };
  }
}

/**
 * Starts `file` with `args` in a new pseudo-terminal and returns at once,
 * with the child started. `args` as a string is Windows-only and throws.
 */
export function spawn(
  file?: string,
  args?: string[] | string,
  options?: IPtyForkOptions | IWindowsPtyForkOptions,
): UnixTerminal {
  return new UnixTerminal(file, args, options);
}

/** @deprecated Use spawn(). */
export function fork(
  file?: string,
  args?: string[] | string,
  options?: IPtyForkOptions | IWindowsPtyForkOptions,
): UnixTerminal {
  return new UnixTerminal(file, args, options);
}

/** @deprecated Use spawn(). */
export function createTerminal(
  file?: string,
  args?: string[] | string,
  options?: IPtyForkOptions | IWindowsPtyForkOptions,
): UnixTerminal {
  return new UnixTerminal(file, args, options);
}

/** A PTY pair with no process: see UnixTerminal.open(). */
export function open(options?: IPtyOpenOptions): IPtyOpenResult {
  return UnixTerminal.open(options);
}
