// The CommonJS form of a consumer: must type-check against the installed declarations.
import rspty = require('rspty');

async function main(): Promise<number | null> {
  const result = await rspty.run('/bin/echo', ['hello']);
  const pty = await rspty.spawn('/bin/cat');
  await pty.close();
  return result.exitCode;
}
void main();
