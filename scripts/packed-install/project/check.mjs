// The installed package from an ES module: import 'rspty' is the same API as
// require, and spawn, iteration and exit work. Prints one summary line.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { run, spawn, openpty } from 'rspty';

assert.match(fileURLToPath(import.meta.resolve('rspty')), /\/node_modules\/rspty\/dist\/index\.mjs$/);
const cjs = createRequire(import.meta.url)('rspty');
assert.equal(run, cjs.run, 'the ESM entry re-exports the CommonJS functions');
assert.equal(spawn, cjs.spawn);
assert.equal(openpty, cjs.openpty);

const result = await run('/bin/echo', ['hello']);
assert.ok(Buffer.isBuffer(result.output));
assert.equal(JSON.stringify(result.output.toString('latin1')), JSON.stringify('hello\r\n'));
assert.equal(result.exitCode, 0);
assert.equal(result.signal, null);

// spawn + async iteration + exited, bounded so that a hang fails instead.
const timeout = setTimeout(() => {
  console.error('spawn check timed out');
  process.exit(1);
}, 20_000);
const pty = await spawn('/bin/echo', ['hello'], { cols: 100, rows: 30 });
assert.ok(Number.isInteger(pty.pid) && pty.pid > 0, 'pty.pid is a positive integer');
assert.equal(pty.cols, 100);
assert.equal(pty.rows, 30);
const chunks = [];
for await (const chunk of pty) {
  assert.ok(Buffer.isBuffer(chunk), 'chunks are Buffers');
  chunks.push(chunk);
}
const status = await pty.exited;
await pty.close();
clearTimeout(timeout);
assert.equal(JSON.stringify(Buffer.concat(chunks).toString('latin1')), JSON.stringify('hello\r\n'));
assert.deepEqual({ ...status }, { exitCode: 0, signal: null });

console.log('import(rspty): run and spawn of /bin/echo hello -> %j, exitCode %d', result.output.toString(), result.exitCode);
