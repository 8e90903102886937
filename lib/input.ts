import type native = require('./native.js');

/**
 * Writes larger than this go to the engine in pieces of this size, two at a
 * time: the engine copies what the kernel does not take at once, and a whole
 * 64 MiB write copied up front would double its memory and delay its start.
 */
export const WRITE_PIECE = 1024 * 1024;

/**
 * The input side of a PTY: writes reach the master in call order. A small
 * write with nothing in pieces ahead of it goes straight to the engine;
 * otherwise it waits its turn behind the pieces.
 * @internal
 */
export class Input {
  #handle: native.NativePty;
  /** Writes going in pieces, or waiting behind them. */
  #queued = 0;
  /** Settles when the last of those is done. */
  #tail: Promise<void> = Promise.resolve();

  constructor(handle: native.NativePty) {
    this.#handle = handle;
  }

  write(bytes: Uint8Array): Promise<void> {
    if (this.#queued === 0 && bytes.length <= WRITE_PIECE) {
      return this.#handle.write(bytes) ?? Promise.resolve();
    }
    this.#queued++;
    const done = this.#tail.then(() => this.#inPieces(bytes));
    const settled = done.then(
      () => {},
      () => {},
    );
    this.#tail = settled;
    void settled.then(() => this.#queued--);
    return done;
  }

  async #inPieces(bytes: Uint8Array): Promise<void> {
    let previous: Promise<void> | null = null;
    for (let offset = 0; offset < bytes.length; offset += WRITE_PIECE) {
      const current = this.#handle.write(bytes.subarray(offset, offset + WRITE_PIECE));
      // When an earlier piece fails first (a hang-up fails them all), this
      // one is never awaited: its failure is the same and must not surface
      // as an unhandled rejection.
      current?.catch(() => {});
      if (previous) await previous;
      previous = current;
    }
    if (previous) await previous;
  }
}
