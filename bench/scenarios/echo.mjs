// Echo round trip: `cat` runs in a raw-mode terminal without echo; JS writes
// an 8-byte token and waits until cat has sent it back. p50 and p99 over N
// round trips (after 100 unmeasured ones), in microseconds.
import { performance } from 'node:perf_hooks';
import { percentile } from '../lib/stats.mjs';
import { closeQuietly, open, OutputCollector, warmUp } from '../lib/session.mjs';

const WARMUP = 100;
const TOKEN = 8;
const CHILD = ['-c', 'stty raw -echo; printf R; exec cat'];

export default {
  name: 'echo',
  title: 'Echo round trip',
  summary: 'write an 8-byte token to cat in a raw-mode PTY, wait for it to come back',
  columns: [
    { key: 'p50Us', label: 'p50 µs', better: 'lower', primary: true, digits: 1 },
    { key: 'p99Us', label: 'p99 µs', better: 'lower', digits: 1 },
  ],

  params(opts) {
    return { count: opts.smoke ? 50 : (opts.echoCount ?? 2000) };
  },

  prepare(p) {
    return p;
  },

  ref(p) {
    return {
      args: ['echo', String(p.count), '--', '/bin/sh', ...CHILD],
      result: (out) => ({ metrics: { p50Us: out.p50Us, p99Us: out.p99Us } }),
    };
  },

  async run(contender, p) {
    await warmUp(contender);
    const output = new OutputCollector();
    const session = await open(contender, '/bin/sh', CHILD, output.onData);
    await output.untilText('R', session.done);
    output.clear();
    const latencies = [];
    let failure;
    for (let i = -WARMUP; i < p.count; i++) {
      const token = String(i + WARMUP).padStart(TOKEN, '0');
      const back = output.untilLength(TOKEN, session.done);
      const t0 = performance.now();
      await Promise.all([session.write(token), back]);
      const us = (performance.now() - t0) * 1000;
      const got = output.text();
      output.clear();
      if (got !== token) {
        failure = `sent ${JSON.stringify(token)}, got back ${JSON.stringify(got)}`;
        break;
      }
      if (i >= 0) latencies.push(us);
    }
    closeQuietly(session);
    latencies.sort((a, b) => a - b);
    return {
      metrics: { p50Us: percentile(latencies, 50), p99Us: percentile(latencies, 99) },
      failure,
    };
  },
};
