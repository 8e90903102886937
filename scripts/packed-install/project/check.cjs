// The installed package from CommonJS: require('rspty') takes the addon from
// the platform package and runs real programs. Prints one summary line.
'use strict';
const assert = require('node:assert/strict');
const fs = require('node:fs');

async function main() {
  const rspty = require('rspty');
  assert.match(require.resolve('rspty'), /\/node_modules\/rspty\/dist\/index\.js$/);
  assert.equal(typeof rspty.spawn, 'function', "require('rspty').spawn is a function");
  assert.equal(typeof rspty.run, 'function', "require('rspty').run is a function");
  assert.equal(typeof rspty.openpty, 'function', "require('rspty').openpty is a function");
  const addon = Object.keys(require.cache).filter((k) => k.endsWith('.node'));
  assert.deepEqual(
    addon.map((k) => k.replace(/^.*\/node_modules\//, '')),
    ['rspty-linux-x64-gnu/rspty.linux-x64-gnu.node'],
    'the loader took the addon from the platform package',
  );

  const result = await rspty.run('/bin/echo', ['hello']);
  assert.ok(Buffer.isBuffer(result.output), 'run().output is a Buffer');
  assert.equal(JSON.stringify(result.output.toString('latin1')), JSON.stringify('hello\r\n'));
  assert.equal(result.exitCode, 0);
  assert.equal(result.signal, null);

  const esm = await import('rspty');
  assert.equal(esm.run, rspty.run, "import('rspty') from CommonJS gives the same functions as require");

  // A program that does not exist: the documented errno in the rejection.
  await assert.rejects(rspty.spawn('/nonexistent/rspty-packed-test'), { code: 'ENOENT' });

  // openpty(): two fds the caller owns and the slave's device path.
  const pair = rspty.openpty({ cols: 90, rows: 20 });
  assert.ok(Number.isInteger(pair.master) && Number.isInteger(pair.slave), 'openpty() gives integer fds');
  assert.match(pair.path, /^\/dev\/pts\/\d+$/);
  fs.closeSync(pair.slave);
  fs.closeSync(pair.master);
  console.log(
    'require(rspty): run(/bin/echo hello) -> %j, exitCode %d; spawn of a missing program rejects with ENOENT; openpty() -> %s',
    result.output.toString(),
    result.exitCode,
    pair.path,
  );
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
