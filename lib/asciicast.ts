import { closeSync, openSync, writeSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

/**
 * Writes an asciicast v2 recording (asciinema's format) as it goes: a JSON
 * header line, then one `[seconds, "o", text]` line per output chunk, each
 * written at once so that a recording survives a crash. Text is valid UTF-8
 * even when a chunk ends inside a multi-byte character: the tail waits for
 * the next chunk.
 */
export class AsciicastWriter {
  #fd: number;
  #decoder = new StringDecoder('utf8');
  #start = process.hrtime.bigint();

  constructor(path: string, header: { width: number; height: number; env?: Record<string, string> }) {
    this.#fd = openSync(path, 'w');
    const line = { version: 2, width: header.width, height: header.height, timestamp: Math.floor(Date.now() / 1000), env: header.env };
    writeSync(this.#fd, `${JSON.stringify(line)}\n`);
  }

  #event(text: string): void {
    if (text === '') return;
    const seconds = Number(process.hrtime.bigint() - this.#start) / 1e9;
    writeSync(this.#fd, `${JSON.stringify([Number(seconds.toFixed(6)), 'o', text])}\n`);
  }

  output(chunk: Uint8Array): void {
    this.#event(this.#decoder.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)));
  }

  close(): void {
    this.#event(this.#decoder.end());
    closeSync(this.#fd);
  }
}
