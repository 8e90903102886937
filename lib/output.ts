import type native = require('./native.js');

const DONE: IteratorResult<Buffer> = { done: true, value: undefined };

/**
 * The output side of a PTY: hands chunks to `next()` calls in order. A chunk
 * already queued by the engine is returned at once; otherwise the call waits
 * for the engine's readable callback, which comes once per burst of output.
 * @internal
 */
export class Output {
  #handle: native.NativePty | null = null;
  /** `next()` calls waiting, oldest first; only while the engine is armed. */
  #waiting: Array<(result: IteratorResult<Buffer>) => void> = [];
  /**
   * Given to each read: for a quiet PTY the engine may read on this thread's
   * event loop and call it instead of the readable callback.
   */
  readonly #announce = (): void => this.readable();

  attach(handle: native.NativePty): void {
    this.#handle = handle;
  }

  next(): Promise<IteratorResult<Buffer>> {
    const handle = this.#handle;
    if (handle && this.#waiting.length === 0) {
      const chunk = handle.read(this.#announce);
      if (chunk) return Promise.resolve({ done: false, value: chunk });
      if (chunk === null) return Promise.resolve(DONE);
    }
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  /** The engine's readable callback: serve the waiting calls. */
  readable(): void {
    const handle = this.#handle;
    if (!handle) return;
    while (this.#waiting.length > 0) {
      const chunk = handle.read(this.#announce);
      // Nothing after all: the read re-armed the callback.
      if (chunk === undefined) return;
      if (chunk === null) {
        for (const resolve of this.#waiting.splice(0)) resolve(DONE);
        return;
      }
      this.#waiting.shift()!({ done: false, value: chunk });
    }
  }
}
