// Things the scenarios need on disk: a scratch folder, the text file the read
// scenario cats, the compiled C reference, and absolute paths of commands.
import { spawnSync } from 'node:child_process';
import { accessSync, closeSync, constants, fsyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REF_SOURCE = fileURLToPath(new URL('../ref/ptyref.c', import.meta.url));
export const LINE_BYTES = 100; // 99 printable characters and '\n'

export class Fixtures {
  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'rspty-bench-'));
    this.files = new Map();
    this.refPath = undefined;
  }

  // A file of whole 100-byte lines, at least `mib` MiB long. Made once per run.
  textFile(mib) {
    const key = `text-${mib}`;
    if (this.files.has(key)) return this.files.get(key);
    const lines = Math.ceil((mib * 1024 * 1024) / LINE_BYTES);
    const path = join(this.dir, `${key}.txt`);
    const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-+';
    const blockLines = 10_000;
    const block = Buffer.alloc(blockLines * LINE_BYTES);
    for (let i = 0; i < blockLines; i++) {
      for (let j = 0; j < LINE_BYTES - 1; j++) {
        block[i * LINE_BYTES + j] = alphabet.charCodeAt((i + j) % alphabet.length);
      }
      block[i * LINE_BYTES + LINE_BYTES - 1] = 0x0a;
    }
    const fd = openSync(path, 'w');
    try {
      for (let done = 0; done < lines; done += blockLines) {
        const n = Math.min(blockLines, lines - done);
        writeSync(fd, block, 0, n * LINE_BYTES);
      }
      // Write the file back now, not while the first contender is measured.
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    const file = { path, lines, bytes: lines * LINE_BYTES };
    this.files.set(key, file);
    return file;
  }

  // Compiles ref/ptyref.c with the system C compiler. Throws with the
  // compiler's message if that fails.
  ref() {
    if (this.refPath) return this.refPath;
    const out = join(this.dir, 'ptyref');
    const cc = spawnSync('cc', ['-O2', '-o', out, REF_SOURCE, '-lutil'], { encoding: 'utf8' });
    if (cc.error) throw new Error(`cannot run cc: ${cc.error.message}`);
    if (cc.status !== 0) throw new Error(`cc failed:\n${cc.stderr}`);
    this.refPath = out;
    return out;
  }

  cleanup() {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

// Absolute path of a command found in PATH (the libraries differ in whether
// they search PATH, so every contender is given absolute paths).
export function which(command) {
  for (const dir of (process.env.PATH ?? '/usr/bin:/bin').split(delimiter)) {
    const candidate = join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // keep looking
    }
  }
  throw new Error(`command not found in PATH: ${command}`);
}
