// Spawn latency: spawn /bin/true and wait for it to exit, N times in a row;
// milliseconds per spawn, and the longest event-loop stall seen meanwhile
// (monitorEventLoopDelay's maximum). The "spawn-heap" variant first fills and
// keeps alive a large JS heap, which makes fork() copy more page tables.
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { open, warmUp } from '../lib/session.mjs';

const MiB = 1024 * 1024;

// Keeps `mib` MiB of JS arrays alive, every element written: arrays of 1 Mi
// doubles (8 MiB each) live on the V8 heap but cost the GC little to mark.
// The garbage made on the way is collected before measuring (the driver
// starts workers with --expose-gc).
function holdHeap(mib) {
  const arrays = [];
  for (let n = 0; n < Math.ceil(mib / 8); n++) {
    const a = new Array(MiB);
    for (let i = 0; i < a.length; i++) a[i] = i + 0.5;
    arrays.push(a);
  }
  globalThis.gc?.();
  return arrays;
}

function measured(p, { count, ms, failures, maxStallMs }) {
  const metrics = { msPerSpawn: ms / count, maxStallMs };
  const failure = failures ? `${failures} of ${count} spawns did not exit with 0` : undefined;
  return { metrics, failure };
}

function spawnScenario({ name, title, heap }) {
  return {
    name,
    title,
    summary: heap
      ? 'spawn /bin/true and await its exit, with a large JS heap held'
      : 'spawn /bin/true and await its exit, one after another',
    columns: [
      { key: 'msPerSpawn', label: 'ms/spawn', better: 'lower', primary: true, digits: 3 },
      { key: 'maxStallMs', label: 'max loop stall ms', better: 'lower', digits: 1 },
    ],

    params(opts) {
      const count = opts.smoke ? 10 : (opts.spawnCount ?? 500);
      const heapMib = heap ? (opts.smoke ? 32 : (opts.heapMib ?? 256)) : 0;
      return { count, heapMib };
    },

    prepare(p) {
      return p;
    },

    ref(p) {
      return {
        args: ['spawn', String(p.count), String(p.heapMib), '--', '/bin/true'],
        result: (out) => measured(p, { ...out, maxStallMs: undefined }),
      };
    },

    async run(contender, p) {
      const held = p.heapMib ? holdHeap(p.heapMib) : [];
      await warmUp(contender);
      const loop = monitorEventLoopDelay({ resolution: 1 });
      let failures = 0;
      loop.enable();
      const t0 = performance.now();
      for (let i = 0; i < p.count; i++) {
        const session = await open(contender, '/bin/true', [], () => {});
        const status = await session.done;
        if (status.exitCode !== 0 || status.signal) failures++;
      }
      const ms = performance.now() - t0;
      loop.disable();
      const result = measured(p, { count: p.count, ms, failures, maxStallMs: loop.max / 1e6 });
      // Reading `held` here also keeps the arrays alive until the end.
      result.metrics.heldMiB = held.length * 8;
      result.metrics.heapMiB = Math.round(process.memoryUsage().heapUsed / MiB);
      return result;
    },
  };
}

export const spawnPlain = spawnScenario({ name: 'spawn', title: 'Spawn latency' });
export const spawnHeap = spawnScenario({
  name: 'spawn-heap',
  title: 'Spawn latency, large heap held',
  heap: true,
});
