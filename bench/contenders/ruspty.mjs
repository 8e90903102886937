// @replit/ruspty: output is the `read` stream, input the `write` stream.
import { once } from 'node:events';
import ruspty from '@replit/ruspty';

export async function spawn(file, args, { cols, rows, env, onData }) {
  let settleExit;
  const exited = new Promise((resolve, reject) => {
    settleExit = (err, exitCode) => (err ? reject(err) : resolve({ exitCode, signal: null }));
  });
  const pty = new ruspty.Pty({
    command: file,
    args,
    envs: env,
    size: { cols, rows },
    onExit: (err, exitCode) => settleExit(err, exitCode),
  });
  const ended = once(pty.read, 'end');
  pty.read.on('data', (chunk) => {
    const pending = onData(chunk);
    if (pending) {
      pty.read.pause();
      pending.then(() => pty.read.resume());
    }
  });
  const done = Promise.all([exited, ended]).then(([status]) => status);
  return {
    pid: pty.pid,
    done,
    write: (data) =>
      new Promise((resolve, reject) => {
        pty.write.write(data, (err) => (err ? reject(err) : resolve()));
      }),
    close: () => pty.close(),
  };
}
