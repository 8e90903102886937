import type { Output } from './output.js';
import { rangeError, typeError } from './validate.js';

export interface ExpectOptions {
  /** Milliseconds before the promise rejects (with what was read). Default: no limit. */
  timeout?: number;
}

export interface ExpectResult {
  /** Which of the patterns matched (0 for a single pattern). */
  index: number;
  /** The text matched: the string given, or the RegExp's match. */
  match: string | RegExpExecArray;
  /** The output read before the match (since the previous expect). */
  before: string;
}

/** The error of an `expect()` that timed out or whose output ended. */
export interface ExpectError extends Error {
  code: 'ETIMEDOUT' | 'ERR_PTY_EOF';
  /** The output read and not consumed. */
  before: string;
}

type Pattern = string | RegExp;

interface Found {
  index: number;
  at: number;
  end: number;
  match: string | RegExpExecArray;
}

/**
 * pexpect's expect on a PTY's output: reads the output itself (from the
 * same queue as the iterator), decodes it as UTF-8 and keeps what it has not
 * consumed, so a match can span chunks.
 * @internal
 */
export class Expecter {
  #output: Output;
  #decoder = new TextDecoder('utf-8');
  #buffer = '';
  #ended = false;
  /** A read still waiting when an earlier expect gave up: the next one takes it. */
  #pending: Promise<IteratorResult<Buffer>> | null = null;

  constructor(output: Output) {
    this.#output = output;
  }

  async expect(patterns: Pattern | readonly Pattern[], options: ExpectOptions = {}): Promise<ExpectResult> {
    const list = (Array.isArray(patterns) ? patterns : [patterns]) as Pattern[];
    if (list.length === 0) throw typeError('expect() needs at least one pattern', 'ERR_INVALID_ARG_VALUE');
    const regexps = list.map((p, i) => {
      if (typeof p === 'string') {
        if (p === '') throw typeError(`pattern ${i} must not be empty`, 'ERR_INVALID_ARG_VALUE');
        return null;
      }
      if (!(p instanceof RegExp)) throw typeError(`pattern ${i} must be a string or a RegExp`);
      return new RegExp(p.source, p.flags.replace(/[gy]/g, ''));
    });
    const timeout = options.timeout;
    if (timeout !== undefined && (typeof timeout !== 'number' || !(timeout >= 0) || !Number.isFinite(timeout))) {
      throw rangeError(`options.timeout must be a finite number of milliseconds >= 0, got ${String(timeout)}`);
    }
    const deadline = timeout === undefined ? Infinity : performance.now() + timeout;
    for (;;) {
      // The earliest match in the buffer wins; on a tie, the first pattern.
      let best: Found | null = null;
      for (let i = 0; i < list.length; i++) {
        const regexp = regexps[i];
        let found: Found | null = null;
        if (regexp) {
          const m = regexp.exec(this.#buffer);
          if (m) found = { index: i, at: m.index, end: m.index + m[0].length, match: m };
        } else {
          const at = this.#buffer.indexOf(list[i] as string);
          if (at >= 0) found = { index: i, at, end: at + (list[i] as string).length, match: list[i] as string };
        }
        if (found && (!best || found.at < best.at)) best = found;
      }
      if (best) {
        const before = this.#buffer.slice(0, best.at);
        this.#buffer = this.#buffer.slice(best.end);
        return { index: best.index, match: best.match, before };
      }
      if (this.#ended) throw this.#error('expect(): the output ended before a match', 'ERR_PTY_EOF');
      const left = deadline - performance.now();
      if (left <= 0) throw this.#error(`expect() timed out after ${timeout} ms`, 'ETIMEDOUT');
      const read = (this.#pending ??= this.#output.next());
      let timer: NodeJS.Timeout | undefined;
      const result = await (left === Infinity
        ? read
        : Promise.race([read, new Promise<null>((resolve) => (timer = setTimeout(resolve, left, null)))]));
      clearTimeout(timer);
      if (result === null) continue; // timed out: the read stays pending for the next call
      this.#pending = null;
      if (result.done) {
        this.#ended = true;
        this.#buffer += this.#decoder.decode();
      } else {
        this.#buffer += this.#decoder.decode(result.value, { stream: true });
      }
    }
  }

  #error(message: string, code: ExpectError['code']): ExpectError {
    const error = new Error(`${message}; read: ${JSON.stringify(this.#buffer.slice(-500))}`) as ExpectError;
    error.code = code;
    error.before = this.#buffer;
    return error;
  }
}
