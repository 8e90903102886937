import { constants } from 'node:os';
import type native = require('./native.js');
import { typeError } from './validate.js';

/** An error from the operating system, shaped like Node's own. */
export interface SystemError extends Error {
  code: string;
  errno?: number;
  syscall?: string;
  path?: string;
  spawnargs?: string[];
}

/**
 * The fields an engine error carries as properties (see src/error.rs):
 * the errno's name, the call that failed, the OS's description and, for
 * spawn, the stage that failed.
 */
export interface NativeFailure {
  code: string;
  syscall: string;
  detail: string;
  stage?: 'input' | 'pty' | 'cwd' | 'exec' | 'watch' | 'credentials';
}

/** The engine's failure behind `error`, or null for any other error. */
export function nativeFailure(error: unknown): NativeFailure | null {
  if (!(error instanceof Error)) return null;
  const { code, syscall, detail, stage } = error as Error & Partial<NativeFailure>;
  if (typeof code !== 'string' || typeof syscall !== 'string' || typeof detail !== 'string') return null;
  return { code, syscall, detail, stage };
}

export function systemError(
  message: string,
  code: string,
  fields: Partial<Pick<SystemError, 'syscall' | 'path' | 'spawnargs'>> = {},
): SystemError {
  const error = new Error(message) as SystemError;
  error.code = code;
  const errno = (constants.errno as Record<string, number>)[code];
  if (errno !== undefined) error.errno = -errno;
  Object.assign(error, fields);
  return error;
}

/** Rethrows a native error as a Node-style error that names what failed. */
export function translate(error: unknown, what: string): Error {
  const failure = nativeFailure(error);
  if (!failure) return error instanceof Error ? error : new Error(String(error));
  return systemError(`${what}: ${failure.code} (${failure.detail})`, failure.code, {
    syscall: failure.syscall,
  });
}

/** Rethrows a native spawn error as a Node-style error naming the program (and cwd). */
export function spawnError(error: unknown, request: native.SpawnRequest): Error {
  const failure = nativeFailure(error);
  if (!failure) return error instanceof Error ? error : new Error(String(error));
  const spawnargs = [request.file, ...request.args];
  const detail = `${failure.code} (${failure.detail})`;
  switch (failure.stage) {
    case 'input':
      return typeError(`spawn ${request.file}: ${failure.detail}`, 'ERR_INVALID_ARG_VALUE');
    case 'credentials':
      return systemError(
        `spawn ${request.file}: cannot switch to uid ${request.uid ?? '-'} gid ${request.gid ?? '-'}: ${detail}`,
        failure.code,
        { syscall: failure.syscall, path: request.file, spawnargs },
      );
    case 'cwd':
      return systemError(`spawn ${request.file}: cwd ${request.cwd}: ${detail}`, failure.code, {
        syscall: failure.syscall,
        path: request.cwd,
        spawnargs,
      });
    default:
      return systemError(`spawn ${request.file}: ${detail}`, failure.code, {
        syscall: failure.syscall,
        path: request.file,
        spawnargs,
      });
  }
}

export function closedError(what: string): SystemError {
  return systemError(`${what}: the PTY is closed`, 'ERR_PTY_CLOSED');
}

export function exitedError(what: string): SystemError {
  return systemError(`${what}: the child has exited`, 'ERR_PTY_EXITED');
}

export function abortError(reason: unknown): Error {
  const error = new Error('The operation was aborted', { cause: reason });
  error.name = 'AbortError';
  (error as SystemError).code = 'ABORT_ERR';
  return error;
}
