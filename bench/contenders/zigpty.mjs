// zigpty, through its node-pty-compatible interface (onData/onExit) with raw
// Buffers (encoding: null). A slow consumer uses pause()/resume().
import { spawn as zigSpawn } from 'zigpty';

export async function spawn(file, args, { cols, rows, env, onData }) {
  const term = zigSpawn(file, args, { cols, rows, env, name: env.TERM, encoding: null });
  term.onData((chunk) => {
    const pending = onData(chunk);
    if (pending) {
      term.pause();
      pending.then(() => term.resume());
    }
  });
  const done = new Promise((resolve) => {
    term.onExit(({ exitCode, signal }) => resolve({ exitCode, signal: signal || null }));
  });
  return {
    pid: term.pid,
    done,
    // zigpty queues writes and has no completion signal.
    write: async (data) => term.write(data),
    close: () => term.close(),
  };
}
