// Adapter for libraries with node-pty's API (node-pty, @lydell/node-pty and
// rspty/node-pty). Output is read through onData; a slow consumer uses
// pause()/resume(). With `strings`, output comes as node-pty's default
// encoding gives it (UTF-8 strings) and is turned back into bytes for the
// scenarios' onData contract.

export function nodePtyAdapter(lib, { strings = false } = {}) {
  return async function spawn(file, args, { cols, rows, env, onData }) {
    const encoding = strings ? {} : { encoding: null };
    const term = lib.spawn(file, args, { cols, rows, env, name: env.TERM, ...encoding });
    term.onData((chunk) => {
      const pending = onData(strings ? Buffer.from(chunk, 'utf8') : chunk);
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
