// Starts one measured process (a worker or the C reference), with the file
// descriptor limit raised to the hard limit (the scale scenario opens
// thousands of descriptors), an optional sampler of its OS thread count, and
// a time limit.
import { spawn } from 'node:child_process';
import { processStatus } from './procfs.mjs';

const RAISE_FD_LIMIT = 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$@"';
const SAMPLE_EVERY_MS = 5;

export function runProcess(argv, { timeoutMs, sampleThreads = false, env = process.env }) {
  return new Promise((resolve) => {
    const child = spawn('/bin/sh', ['-c', RAISE_FD_LIMIT, 'sh', ...argv], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s) => (stderr += s));

    let peakThreads = 0;
    const sampler = sampleThreads
      ? setInterval(() => {
          const status = processStatus(child.pid);
          if (status) peakThreads = Math.max(peakThreads, status.threads);
        }, SAMPLE_EVERY_MS)
      : undefined;

    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);

    child.on('error', (err) => {
      stderr += `${err.message}\n`;
    });
    child.on('exit', () => {
      clearInterval(sampler);
      clearTimeout(timer);
      // A grandchild that kept our output pipes open would hold up 'close':
      // give the pipes a moment to drain, then stop waiting for them.
      setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
      }, 2000).unref();
    });
    child.on('close', (code, signal) => {
      resolve({ code, signal, stdout, stderr, timedOut, peakThreads });
    });
  });
}
