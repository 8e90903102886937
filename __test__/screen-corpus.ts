// The fidelity corpus: real programs driven in a PTY, their output recorded
// with the moments (byte offsets) worth comparing and the resizes made.
// Used by screen-fidelity.spec.ts and by bench/emulators (crate comparison).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, type Pty } from '../lib/index.js';

export interface Capture {
  name: string;
  cols: number;
  rows: number;
  bytes: Buffer;
  /** Byte offsets at which the screens are compared (the end always is). */
  checks: number[];
  /** The window was resized to cols x rows after `offset` bytes. */
  resizes: Array<{ offset: number; cols: number; rows: number }>;
}

/** Reads a PTY in the background and waits for what it shows. */
class Recorder {
  chunks: Buffer[] = [];
  length = 0;
  #text = '';
  #listeners = new Set<() => void>();
  ended: Promise<void>;

  constructor(readonly pty: Pty) {
    this.ended = (async () => {
      for await (const chunk of pty) {
        this.chunks.push(chunk);
        this.length += chunk.length;
        this.#text += chunk.toString('latin1');
        for (const listener of [...this.#listeners]) listener();
      }
      for (const listener of [...this.#listeners]) listener();
    })();
  }

  /** Resolves once the raw output contains `pattern` after `from`. */
  until(pattern: string | RegExp, from = 0, timeout = 20_000): Promise<void> {
    const found = () => {
      const text = this.#text.slice(from);
      return typeof pattern === 'string' ? text.includes(pattern) : pattern.test(text);
    };
    return this.#wait(found, timeout, `output containing ${String(pattern)}`);
  }

  /** Resolves once no output came for `quiet` ms. */
  quiet(quiet = 250, timeout = 20_000): Promise<void> {
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout;
      const arm = () => {
        clearTimeout(timer);
        timer = setTimeout(done, quiet);
      };
      const done = () => {
        this.#listeners.delete(arm);
        clearTimeout(deadline);
        resolve();
      };
      const deadline = setTimeout(() => {
        this.#listeners.delete(arm);
        clearTimeout(timer);
        reject(new Error(`no quiet ${quiet} ms within ${timeout} ms`));
      }, timeout);
      this.#listeners.add(arm);
      arm();
    });
  }

  #wait(found: () => boolean, timeout: number, what: string): Promise<void> {
    if (found()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!found()) return;
        this.#listeners.delete(check);
        clearTimeout(deadline);
        resolve();
      };
      const deadline = setTimeout(() => {
        this.#listeners.delete(check);
        reject(new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.#text.slice(-400))}`));
      }, timeout);
      this.#listeners.add(check);
    });
  }
}

interface Session {
  rec: Recorder;
  checks: number[];
  resizes: Capture['resizes'];
  dir: string;
  write(text: string): Promise<void>;
  /** Waits for the output to settle and marks a comparison point. */
  check(quiet?: number): Promise<void>;
  resize(cols: number, rows: number): void;
}

async function record(
  name: string,
  file: string,
  args: string[],
  script: (s: Session) => Promise<void>,
  size = { cols: 80, rows: 24 },
): Promise<Capture> {
  const dir = mkdtempSync(join(tmpdir(), 'rspty-corpus-'));
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: dir,
    TERM: 'xterm-256color',
    LANG: 'C.UTF-8',
    LC_ALL: 'C.UTF-8',
    PS1: 'corpus$ ',
  };
  writeFileSync(join(dir, 'notes.txt'), Array.from({ length: 200 }, (_, i) => `line ${i + 1} of the notes: alpha beta gamma ${i % 7 === 0 ? 'needle' : ''}`).join('\n') + '\n');
  const pty = await spawn(file, args, { ...size, cwd: dir, env });
  const rec = new Recorder(pty);
  const session: Session = {
    rec,
    checks: [],
    resizes: [],
    dir,
    write: async (text) => {
      await pty.write(text);
    },
    async check(quiet = 250) {
      await rec.quiet(quiet);
      session.checks.push(rec.length);
    },
    resize(cols, rows) {
      session.resizes.push({ offset: rec.length, cols, rows });
      pty.resize(cols, rows);
    },
  };
  try {
    await script(session);
    await rec.ended;
    await pty.exited;
  } finally {
    await pty.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return { name, ...size, bytes: Buffer.concat(rec.chunks), checks: session.checks, resizes: session.resizes };
}

const sh = (name: string, command: string) =>
  record(name, '/bin/sh', ['-c', command], async (s) => {
    await s.rec.ended;
  });

/** Every corpus item, by name. */
export const corpus: Record<string, () => Promise<Capture>> = {
  bash: () =>
    record('bash', 'bash', ['--norc', '--noprofile', '-i'], async (s) => {
      await s.rec.until('corpus$ ');
      // Type, move left, insert in the middle, delete, go to the start, run.
      await s.write('echo wrold');
      await s.rec.until('wrold');
      await s.write('\x1b[D\x1b[D\x1b[D\x7f\x1b[Cr');
      await s.check();
      await s.write('\x01# \r');
      await s.rec.until(/corpus\$ [^]*corpus\$ /);
      await s.write('printf "%s\\n" one two three\r');
      await s.rec.until('three\r\n');
      await s.check();
      await s.write('exit\r');
    }),
  'ls-color': () =>
    record('ls-color', 'ls', ['--color=always', '-l', '-F', '/usr/bin', '/etc', '/dev'], async (s) => {
      await s.rec.ended;
    }),
  vim: () =>
    record('vim', 'vim', ['-u', 'NONE', '-i', 'NONE', '-N', 'notes.txt'], async (s) => {
      await s.rec.until('notes.txt');
      await s.check();
      await s.write('ggOfirst line, typed\x1b');
      await s.check();
      await s.write(':syntax on\r:set number\r');
      await s.check();
      await s.write(':split\r');
      await s.check();
      await s.write('20Gdd:vsplit\r');
      await s.check();
      await s.write(':qa!\r');
    }),
  'vim-resize': () =>
    record('vim-resize', 'vim', ['-u', 'NONE', '-i', 'NONE', '-N', 'notes.txt'], async (s) => {
      await s.rec.until('notes.txt');
      await s.check();
      s.resize(100, 30);
      await s.check(400);
      s.resize(50, 15);
      await s.check(400);
      await s.write(':qa!\r');
    }),
  less: () =>
    record('less', 'less', ['notes.txt'], async (s) => {
      await s.rec.until('notes.txt');
      await s.check();
      await s.write(' ');
      await s.check();
      await s.write('/needle\r');
      await s.check();
      await s.write('q');
    }),
  top: () =>
    record('top', 'top', ['-d', '5'], async (s) => {
      await s.rec.until('Tasks:');
      await s.check(400);
      await s.write('q');
    }),
  unicode: () =>
    sh(
      'unicode',
      `printf 'CJK: 日本語のテキスト 中文 한국어\\n'
printf 'emoji: 😀 👍 🎉 done\\n'
printf 'combining: e\\314\\201 a\\314\\210 n\\314\\203 end\\n'
printf '%078d日本\\n' 0
printf 'tab\\tstop\\tmore\\n'`,
    ),
  'alternate-screen': () =>
    record(
      'alternate-screen',
      '/bin/sh',
      ['-c', `printf 'primary text\\n'; printf '\\033[?1049h\\033[H\\033[2Jon the alternate screen\\n'; read x; printf '\\033[?1049lback\\n'`],
      async (s) => {
        await s.rec.until('alternate screen');
        await s.check();
        await s.write('\r');
      },
    ),
  'scroll-region': () =>
    sh(
      'scroll-region',
      `printf '\\033[H\\033[2J'; i=1; while [ $i -le 24 ]; do printf 'row %s\\n' $i; i=$((i+1)); done
printf '\\033[5;10r\\033[10;1H'; i=1; while [ $i -le 3 ]; do printf '\\nscrolled %s' $i; i=$((i+1)); done
printf '\\033[5;1H\\033MReverse'; printf '\\033[r\\033[20;1Hafter reset'`,
    ),
  'insert-delete': () =>
    sh(
      'insert-delete',
      `printf '\\033[H\\033[2J'; i=1; while [ $i -le 12 ]; do printf 'line %s abcdefghij\\n' $i; i=$((i+1)); done
printf '\\033[3;1H\\033[2L'; printf '\\033[7;1H\\033[3M'; printf '\\033[1;5H\\033[4@INS'; printf '\\033[2;3H\\033[3P'; printf '\\033[4;2H\\033[5X'; printf '\\033[15;1H'`,
    ),
};
