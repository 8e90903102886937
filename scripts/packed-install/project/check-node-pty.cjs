'use strict';
// The node-pty compatible entry of the installed package, from CommonJS and ESM.
const assert = require('node:assert/strict');

async function main() {
  const pty = require('rspty/node-pty');
  assert.match(require.resolve('rspty/node-pty'), /\/node_modules\/rspty\/dist\/node-pty\.js$/);
  const esm = await import('rspty/node-pty');
  assert.equal(esm.spawn, pty.spawn, "import('rspty/node-pty') gives the same functions as require");
  const term = pty.spawn('/bin/echo', ['compat']);
  assert.ok(term.pid > 0, 'spawn returns with the pid set');
  let data = '';
  term.onData((chunk) => {
    data += chunk;
  });
  const exit = await new Promise((resolve) => term.onExit(resolve));
  assert.deepEqual([data, exit.exitCode, exit.signal], ['compat\r\n', 0, 0]);
  console.log("require('rspty/node-pty'): spawn(/bin/echo compat) -> %j, exit %j", data, exit);
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
