// Slow reader: a producer prints a lot (`head -c N /dev/zero`) while JS takes
// one chunk per millisecond. What matters is memory: a library that stops
// reading when the consumer is behind keeps RSS flat; one that keeps reading
// buffers the difference. Reports peak RSS minus the RSS just before the
// spawn. Reading stops after a time limit so that slow contenders stay within
// budget; "MiB read" tells how far each got.
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { which } from '../lib/fixtures.mjs';
import { processStatus, resetPeakRss } from '../lib/procfs.mjs';
import { closeQuietly, open, warmUp } from '../lib/session.mjs';

const MiB = 1024 * 1024;

export default {
  name: 'slow',
  title: 'Slow reader',
  summary: 'a fast producer read one chunk per millisecond; peak RSS growth',
  columns: [
    { key: 'peakRssGrowthMiB', label: 'peak RSS growth MiB', better: 'lower', primary: true, digits: 1 },
    { key: 'mibRead', label: 'MiB read', better: 'higher', digits: 1 },
    { key: 'avgChunkKiB', label: 'avg chunk KiB', digits: 1 },
    { key: 'seconds', label: 'seconds', digits: 1 },
  ],

  params(opts) {
    return opts.smoke
      ? { bytes: 4 * MiB, seconds: 5 }
      : { bytes: Math.round((opts.slowMib ?? 256) * MiB), seconds: opts.slowSeconds ?? 5 };
  },

  prepare(p) {
    return { ...p, head: which('head') };
  },

  ref() {
    return { notModeled: 'no consumer to be slow: the C reference reads at full speed' };
  },

  async run(contender, p) {
    await warmUp(contender);
    const sampled = !resetPeakRss();
    const baseKiB = processStatus().rssKiB;
    let peakKiB = baseKiB;
    const sample = () => {
      if (sampled) peakKiB = Math.max(peakKiB, processStatus().rssKiB);
    };
    let bytes = 0;
    let chunks = 0;
    let stopped = false;
    const t0 = performance.now();
    const session = await open(contender, p.head, ['-c', String(p.bytes), '/dev/zero'], (chunk) => {
      if (stopped) return undefined;
      bytes += chunk.byteLength;
      chunks++;
      sample();
      return delay(1);
    });
    const outcome = await Promise.race([
      session.done.then(() => 'done'),
      delay(p.seconds * 1000, 'time limit'),
    ]);
    stopped = true;
    const seconds = (performance.now() - t0) / 1000;
    const peakRssKiB = sampled ? peakKiB : processStatus().peakRssKiB;
    if (outcome !== 'done') closeQuietly(session);
    const metrics = {
      peakRssGrowthMiB: (peakRssKiB - baseKiB) / 1024,
      mibRead: bytes / MiB,
      avgChunkKiB: chunks ? bytes / chunks / 1024 : 0,
      seconds,
    };
    let failure;
    if (outcome === 'done' && bytes !== p.bytes) failure = `received ${bytes} bytes, expected ${p.bytes}`;
    return { metrics, failure };
  },
};
