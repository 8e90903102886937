// The public API under whatever runtime runs this file (Node, Bun, Deno):
// `node __test__/runtimes/run.mjs` starts it under each and reports per check.
// Plain JavaScript against the built package (dist/), no test framework, so
// that every runtime runs the same file as is.
import { createRequire } from 'node:module';
import { spawn as spawnProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

const require = createRequire(import.meta.url);
const { spawn, run, openpty, copy } = require('../../dist/index.js');

const runtime = globalThis.Bun ? `bun ${Bun.version}` : globalThis.Deno ? `deno ${Deno.version.deno}` : `node ${process.versions.node}`;

function equal(actual, expected, what) {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${what}: got ${a}, expected ${e}`);
}

async function outputOf(pty) {
  const chunks = [];
  for await (const chunk of pty) chunks.push(chunk);
  return Buffer.concat(chunks).toString('latin1');
}

/** Reads until `expected` has arrived (the iterator is resumable). */
async function readUntil(pty, expected) {
  let seen = '';
  for await (const chunk of pty) {
    seen += chunk.toString('latin1');
    if (seen.includes(expected)) return seen;
  }
  throw new Error(`output ended before ${JSON.stringify(expected)}; got ${JSON.stringify(seen)}`);
}

async function rejection(promise) {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

function thrown(fn) {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

const checks = {
  async 'spawn, iterator and exited'() {
    const pty = await spawn('sh', ['-c', 'echo hello; exit 3']);
    equal(typeof pty.pid, 'number', 'pid');
    equal(await outputOf(pty), 'hello\r\n', 'output');
    equal(await pty.exited, { exitCode: 3, signal: null }, 'exited');
  },

  async write() {
    const pty = await spawn('cat');
    await pty.write('abc\n');
    equal(await readUntil(pty, 'abc\r\nabc\r\n'), 'abc\r\nabc\r\n', 'echo and copy of a string');
    await pty.write(new Uint8Array([0x78, 0x0a]));
    equal(await readUntil(pty, 'x\r\nx\r\n'), 'x\r\nx\r\n', 'echo and copy of bytes');
    await pty.write('\x04');
    equal(await pty.exited, { exitCode: 0, signal: null }, 'exited after EOF');
  },

  async resize() {
    const pty = await spawn('sh', ['-c', 'read x; stty size'], { cols: 80, rows: 24 });
    pty.resize(100, 40);
    equal([pty.cols, pty.rows], [100, 40], 'cols and rows');
    await pty.write('\n');
    equal(await outputOf(pty), '\r\n40 100\r\n', 'stty size');
    await pty.exited;
  },

  async kill() {
    const pty = await spawn('sleep', ['30']);
    equal(pty.kill('SIGKILL'), true, 'kill while running');
    equal(await pty.exited, { exitCode: null, signal: 'SIGKILL' }, 'exited');
    equal(pty.kill('SIGTERM'), false, 'kill after reaping');
  },

  async close() {
    const pty = await spawn('sleep', ['30']);
    await pty.close();
    equal(await pty.exited, { exitCode: null, signal: 'SIGHUP' }, 'exited after hang-up');
    equal(await pty.write('late'), false, 'write after close resolves false');
  },

  async run() {
    const small = await run('sh', ['-c', 'printf abc; exit 2']);
    equal([small.output.toString(), small.exitCode, small.signal], ['abc', 2, null], 'small');
    const big = await run('head', ['-c', '4000000', '/dev/zero']);
    equal([big.output.length, big.output.every((b) => b === 0)], [4000000, true], '4 MB');
  },

  async openpty() {
    const { master, slave, path } = openpty({ cols: 80, rows: 24 });
    if (globalThis.Deno) {
      // Deno's node:fs takes only descriptors that Deno itself opened.
      const error = thrown(() => writeSync(slave, 'hello\n'));
      if (!/Bad file descriptor|EBADF/.test(String(error.message))) throw error;
      return "limited: Deno's node:fs rejects descriptors it did not open (EBADF), so openpty's fds cannot be read, written or closed through it";
    }
    try {
      if (!/^\/dev\/(pts\/\d+|ttys\d+)$/.test(path)) throw new Error(`path ${path}`);
      writeSync(slave, 'hello\n');
      const buf = Buffer.alloc(64);
      equal(buf.toString('latin1', 0, readSync(master, buf)), 'hello\r\n', 'slave to master');
    } finally {
      closeSync(slave);
      closeSync(master);
    }
  },

  async copy() {
    if (globalThis.Deno) {
      return 'limited: not checked, it needs the slave of openpty() to be closed through node:fs';
    }
    const dir = mkdtempSync(join(tmpdir(), 'rspty-runtime-'));
    const { master, slave } = openpty();
    const input = openSync('/dev/null', 'r');
    const output = openSync(join(dir, 'out'), 'w');
    try {
      const child = spawnProcess('sh', ['-c', 'echo relayed by copy'], { stdio: [slave, slave, slave] });
      const exit = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
      closeSync(slave);
      await copy(master, { input, output });
      equal(await exit, 0, 'child exit');
      equal(readFileSync(join(dir, 'out'), 'latin1'), 'relayed by copy\r\n', 'copied output');
    } finally {
      closeSync(master);
      closeSync(input);
      closeSync(output);
      rmSync(dir, { recursive: true });
    }
  },

  async 'errors with code'() {
    const missing = await rejection(spawn('rspty-no-such-program'));
    equal([missing.code, missing.message], ['ENOENT', 'spawn rspty-no-such-program: ENOENT (No such file or directory)'], 'missing program');
    const cwd = await rejection(spawn('true', [], { cwd: '/no/such/dir' }));
    equal([cwd.code, cwd.message], ['ENOENT', 'spawn true: cwd /no/such/dir: ENOENT (No such file or directory)'], 'missing cwd');
    equal(thrown(() => openpty({ cols: 0 })).code, 'ERR_OUT_OF_RANGE', 'cols 0');
    const pty = await spawn('true');
    equal(thrown(() => pty.kill('SIGNOPE')).code, 'ERR_UNKNOWN_SIGNAL', 'unknown signal');
    await outputOf(pty);
    await pty.exited;
    equal(await pty.write('x'), false, 'write after exit resolves false');
    equal((await rejection(pty.write(/** @type {any} */ (42)))).code, 'ERR_INVALID_ARG_TYPE', 'write of a number');
  },

  async '500 fast exits, nothing lost'() {
    const wrong = [];
    let next = 0;
    const lane = async () => {
      while (next < 500) {
        const i = next++;
        const { output, exitCode } = await run('echo', [`fast-${i}`]);
        if (output.toString() !== `fast-${i}\r\n` || exitCode !== 0) wrong.push([i, output.toString(), exitCode]);
      }
    };
    await Promise.all(Array.from({ length: 8 }, lane));
    equal(wrong.slice(0, 5), [], `runs with lost or wrong output (${wrong.length} of 500)`);
  },

  async worker() {
    const source = `
      const { parentPort } = require('node:worker_threads');
      const { run } = require(${JSON.stringify(require.resolve('../../dist/index.js'))});
      run('sh', ['-c', 'echo from a worker']).then(
        (r) => parentPort.postMessage({ output: r.output.toString(), exitCode: r.exitCode }),
        (e) => parentPort.postMessage({ error: String(e) }),
      );`;
    const worker = new Worker(source, { eval: true });
    const message = await new Promise((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    equal(message, { output: 'from a worker\r\n', exitCode: 0 }, 'worker result');
  },
};

const only = process.argv.slice(2);
let failures = 0;
for (const [name, check] of Object.entries(checks)) {
  if (only.length > 0 && !only.includes(name)) continue;
  const start = Date.now();
  let timer;
  try {
    const result = await Promise.race([
      check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('no result within 60 s')), 60_000);
      }),
    ]);
    if (typeof result === 'string' && result.startsWith('limited: ')) {
      console.log(`LIMIT ${name}: ${result.slice('limited: '.length)}`);
    } else {
      console.log(`ok   ${name} (${Date.now() - start} ms)`);
    }
  } catch (error) {
    failures++;
    console.log(`FAIL ${name}: ${error && error.stack ? error.stack : error}`);
  } finally {
    clearTimeout(timer);
  }
}
console.log(`${runtime}: ${failures === 0 ? 'all passed' : `${failures} failed`}`);
process.exit(failures === 0 ? 0 : 1);
