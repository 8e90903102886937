// Adapter for libraries with node-pty's API (node-pty and @lydell/node-pty).
// Output is read through onData; a slow consumer uses pause()/resume().

export function nodePtyAdapter(lib) {
  return async function spawn(file, args, { cols, rows, env, onData }) {
    const term = lib.spawn(file, args, { cols, rows, env, name: env.TERM, encoding: null });
    term.onData((chunk) => {
      const pending = onData(chunk);
      if (pending) {
        term.pause();
        pending.then(() => term.resume());
      }
    });
    // node-pty emits exit only after its read socket has closed.
    const done = new Promise((resolve) => {
      term.onExit(({ exitCode, signal }) => resolve({ exitCode, signal: signal || null }));
    });
    return {
      pid: term.pid,
      done,
      // node-pty queues writes and has no completion signal.
      write: async (data) => term.write(data),
      close: () => term.kill(),
    };
  };
}
