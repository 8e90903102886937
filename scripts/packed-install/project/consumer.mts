// Uses the whole public API as an ES module consumer would: must type-check
// against the installed declarations.
import { openpty, run, spawn } from 'rspty';

const result = await run('/bin/echo', ['hello'], { cols: 80, rows: 24 });
const output: Buffer = result.output;
const code: number | null = result.exitCode;
const sig: NodeJS.Signals | null = result.signal;

const controller = new AbortController();
const pty = await spawn('/bin/sh', ['-c', 'echo hi'], {
  cols: 120,
  rows: 40,
  cwd: '/',
  env: { ...process.env, TERM: 'xterm-256color' },
  name: 'xterm-256color',
  signal: controller.signal,
});
const pid: number = pty.pid;
const size: [number, number] = [pty.cols, pty.rows];
pty.resize(100, 30);
await pty.write('echo more\n');
await pty.write(Buffer.from('exit\n'));
for await (const chunk of pty) {
  const bytes: Buffer = chunk;
  void bytes;
}
const status = await pty.exited;
const exitCode: number | null = status.exitCode;
const signal: NodeJS.Signals | null = status.signal;
pty.kill();
pty.kill('SIGTERM');
await pty.close();
const dispose: () => PromiseLike<void> = pty[Symbol.asyncDispose].bind(pty);
await dispose();

const pair = openpty({ cols: 80, rows: 24 });
const path: string = pair.path;
void pair.master;
void pair.slave;

void [output, code, sig, pid, size, exitCode, signal, path];
