import native = require('./native.js');
import { translate } from './errors.js';
import { object, typeError } from './validate.js';

/** A hook that sees each chunk and may replace it (Python's master_read / stdin_read). */
export type ChunkHook = (chunk: Buffer) => Uint8Array | void;

export interface CopyOptions {
  /** The fd read and relayed to the master. Default 0. */
  input?: number;
  /** The fd the master's output is written to. Default 1. */
  output?: number;
  onOutput?: ChunkHook;
  onInput?: ChunkHook;
}

function fd(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw typeError(`${name} must be a file descriptor (a non-negative integer), got ${String(value)}`);
  }
  return value;
}

function hook(value: unknown, name: string): ((chunk: Buffer) => Buffer) | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'function') throw typeError(`${name} must be a function`);
  return (chunk) => {
    const replaced = (value as ChunkHook)(chunk);
    if (replaced === undefined) return chunk;
    if (!(replaced instanceof Uint8Array)) throw typeError(`${name} must return a Uint8Array or nothing`);
    return Buffer.from(replaced.buffer, replaced.byteOffset, replaced.byteLength);
  };
}

/**
 * Python's pty.copy: relays master -> output and input -> master, in Rust on
 * the reactor, until the master's output ends (EOF or EIO). EOF on input
 * stops reading input only; a write error on output stops output writes while
 * the master is still drained. Without hooks no byte passes through JavaScript.
 */
export async function copy(master: number, options?: CopyOptions): Promise<void> {
  const opts = object(options, 'options');
  const masterFd = fd(master, 'master', -1);
  const input = fd(opts.input, 'options.input', 0);
  const output = fd(opts.output, 'options.output', 1);
  try {
    await native.copy(masterFd, input, output, hook(opts.onOutput, 'options.onOutput'), hook(opts.onInput, 'options.onInput'));
  } catch (error) {
    throw translate(error, 'copy');
  }
}
