// Spawn latency: spawn /bin/true and wait for it to exit, N times in a row;
// milliseconds per spawn. Then, in a separate pass, the longest event-loop
// stall while spawning: the longest gap between the turns of a setImmediate
// chain, which is the longest stretch the loop spent on anything else
// (monitorEventLoopDelay cannot tell: at its 1 ms resolution an idle loop
// reads about 2 ms). The chain keeps the loop spinning, so it stays out of
// the timed pass. The "spawn-heap" variant first fills and keeps alive a
// large JS heap, which makes fork() copy more page tables.
import { performance } from 'node:perf_hooks';
import { open, warmUp } from '../lib/session.mjs';

const MiB = 1024 * 1024;
/** Spawns in the stall pass. */
const STALL_SPAWNS = 100;

/** The longest gap, in ms, between turns of the event loop while `work` runs. */
async function longestStall(work) {
  let last = performance.now();
  let longest = 0;
  let running = true;
  const turn = () => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
    if (running) setImmediate(turn);
  };
  setImmediate(turn);
  try {
    await work();
  } finally {
    running = false;
  }
  return longest;
}

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
      let failures = 0;
      const spawnTrue = async (count) => {
        for (let i = 0; i < count; i++) {
          const session = await open(contender, '/bin/true', [], () => {});
          const status = await session.done;
          if (status.exitCode !== 0 || status.signal) failures++;
        }
      };
      const t0 = performance.now();
      await spawnTrue(p.count);
      const ms = performance.now() - t0;
      const maxStallMs = await longestStall(() => spawnTrue(Math.min(STALL_SPAWNS, p.count)));
      const result = measured(p, { count: p.count, ms, failures, maxStallMs });
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
