import { constants } from 'node:os';
import type native = require('./native.js');
import { typeError } from './validate.js';

const byNumber = new Map<number, NodeJS.Signals>(
  Object.entries(constants.signals).map(([name, number]) => [number, name as NodeJS.Signals]),
);

/** The number of a signal given by name ('SIGTERM') or number (15). */
export function signalNumber(signal: unknown): number {
  if (typeof signal === 'string') {
    const number = (constants.signals as Record<string, number>)[signal];
    if (number === undefined) throw typeError(`Unknown signal: ${signal}`, 'ERR_UNKNOWN_SIGNAL');
    return number;
  }
  if (typeof signal === 'number') {
    if (signal !== 0 && !byNumber.has(signal)) {
      throw typeError(`Unknown signal: ${signal}`, 'ERR_UNKNOWN_SIGNAL');
    }
    return signal;
  }
  throw typeError(`signal must be a string or a number, got ${typeof signal}`);
}

/** 'SIGTERM' for 15; the number as a string for a signal Node has no name for. */
export function signalName(number: number): NodeJS.Signals {
  return byNumber.get(number) ?? (`SIG${number}` as NodeJS.Signals);
}

/** How the child ended, as in child_process's 'exit' event. */
export interface ExitStatus {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
}

/** The exit status the engine reports, with the signal by name. */
export function exitStatus(status: native.NativeExitStatus): ExitStatus {
  return {
    exitCode: status.code ?? null,
    signal: status.signal == null ? null : signalName(status.signal),
  };
}
