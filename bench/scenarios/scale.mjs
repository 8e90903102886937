// Scale: N PTYs at once, each running `head -c BYTES /dev/zero`; all output
// is collected. Wall time, the 99th percentile of the time from a PTY's
// spawn call to its first byte of output, peak OS threads of the process
// (sampled from outside by the driver), peak RSS and bytes lost (expected
// minus received).
import { performance } from 'node:perf_hooks';
import { which } from '../lib/fixtures.mjs';
import { processStatus, resetPeakRss } from '../lib/procfs.mjs';
import { open, warmUp } from '../lib/session.mjs';

const MiB = 1024 * 1024;

/** The value below which `fraction` of `values` fall (nearest rank). */
function percentile(values, fraction) {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)];
}

function measured(p, { ms, received, failures, firstError, peakRssKiB, firstByteMs }) {
  const expected = p.count * p.bytes;
  const metrics = {
    wallMs: ms,
    firstByteP99Ms: percentile(firstByteMs ?? [], 0.99),
    peakRssMiB: peakRssKiB / 1024,
    lostBytes: expected - received,
  };
  let failure;
  if (failures) failure = `${failures} of ${p.count} PTYs failed${firstError ? `: ${firstError}` : ''}`;
  else if (received !== expected) failure = `lost ${expected - received} of ${expected} bytes`;
  return { metrics, failure };
}

export default {
  name: 'scale',
  title: 'Many PTYs at once',
  summary: 'N PTYs at once, each printing BYTES; collect everything',
  columns: [
    { key: 'wallMs', label: 'wall ms', better: 'lower', primary: true, digits: 0 },
    { key: 'firstByteP99Ms', label: 'first byte p99 ms', better: 'lower', digits: 1 },
    { key: 'peakThreads', label: 'peak threads', better: 'lower', digits: 0 },
    { key: 'peakRssMiB', label: 'peak RSS MiB', better: 'lower', digits: 0 },
    { key: 'lostBytes', label: 'bytes lost', better: 'lower', digits: 0 },
  ],
  samplesThreads: true,

  params(opts) {
    return opts.smoke
      ? { count: 20, bytes: 10_000 }
      : { count: opts.scaleCount ?? 1000, bytes: Math.round((opts.scaleKb ?? 100) * 1000) };
  },

  prepare(p) {
    return { ...p, head: which('head') };
  },

  ref(p) {
    return {
      args: ['scale', String(p.count), '--', p.head, '-c', String(p.bytes), '/dev/zero'],
      result: (out) =>
        measured(p, {
          ms: out.ms,
          received: out.bytes,
          failures: out.failures,
          peakRssKiB: out.peakRssKiB,
        }),
    };
  },

  async run(contender, p) {
    await warmUp(contender);
    const sampled = !resetPeakRss();
    let peakRssKiB = processStatus().peakRssKiB;
    const sampler = sampled
      ? setInterval(() => (peakRssKiB = Math.max(peakRssKiB, processStatus().rssKiB)), 10)
      : undefined;
    let received = 0;
    const firstByteMs = [];
    const t0 = performance.now();
    const runs = [];
    for (let i = 0; i < p.count; i++) {
      // Start every spawn before awaiting any of them.
      runs.push(
        Promise.resolve().then(() => {
          const spawnedAt = performance.now();
          let first = true;
          const onData = (chunk) => {
            if (first) {
              first = false;
              firstByteMs.push(performance.now() - spawnedAt);
            }
            received += chunk.byteLength;
          };
          return open(contender, p.head, ['-c', String(p.bytes), '/dev/zero'], onData);
        }),
      );
    }
    const outcomes = await Promise.allSettled(
      runs.map(async (spawned) => {
        const status = await (await spawned).done;
        if (status.exitCode !== 0 || status.signal) throw new Error(`exit ${JSON.stringify(status)}`);
      }),
    );
    const ms = performance.now() - t0;
    clearInterval(sampler);
    if (!sampled) peakRssKiB = processStatus().peakRssKiB;
    const failed = outcomes.filter((o) => o.status === 'rejected');
    return measured(p, {
      ms,
      received,
      failures: failed.length,
      firstError: failed[0]?.reason?.message,
      peakRssKiB,
      firstByteMs,
    });
  },
};
