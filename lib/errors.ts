import { constants } from 'node:os';

/** An error from the operating system, shaped like Node's own. */
export interface SystemError extends Error {
  code: string;
  errno?: number;
  syscall?: string;
  path?: string;
  spawnargs?: string[];
}

const NATIVE_MESSAGE = /^([A-Z0-9_]+)\|([a-z_]*)\|([^|]*)\|([\s\S]*)$/;

interface NativeFailure {
  code: string;
  context: string;
  subject: string;
  detail: string;
}

/** Native errors cross as `CODE|context|subject|detail` (see src/error.rs). */
export function parseNativeError(error: unknown): NativeFailure | null {
  const message = error instanceof Error ? error.message : '';
  const match = NATIVE_MESSAGE.exec(message);
  if (!match) return null;
  const [, code, context, subject, detail] = match;
  return { code: code!, context: context!, subject: subject!, detail: detail! };
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
  const failure = parseNativeError(error);
  if (!failure) return error instanceof Error ? error : new Error(String(error));
  const subject = failure.subject ? ` ${failure.subject}` : '';
  return systemError(
    `${what}${subject}: ${failure.code} (${failure.detail})`,
    failure.code,
    { syscall: failure.context || undefined },
  );
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
