// Read throughput: a child cats a text file of 100-byte lines; the contender
// delivers all of it to JS through its normal reading interface. The terminal
// stays in its default mode, so every '\n' arrives as "\r\n": the expected
// byte count is the file size plus one byte per line.
import { performance } from 'node:perf_hooks';
import { which } from '../lib/fixtures.mjs';
import { exitFailure, open, warmUp } from '../lib/session.mjs';

const MiB = 1024 * 1024;

function measured({ bytes, ms, cpuMs, elu, status }, p) {
  const metrics = {
    mibPerSec: bytes / MiB / (ms / 1000),
    elu,
    cpuMsPerMiB: cpuMs / (bytes / MiB),
    bytes,
  };
  let failure = exitFailure(status);
  if (bytes !== p.expectedBytes) {
    failure = `received ${bytes} bytes, expected ${p.expectedBytes} (${p.expectedBytes - bytes} lost)`;
  }
  return { metrics, failure };
}

export default {
  name: 'read',
  title: 'Read throughput',
  summary: 'cat of a text file through the PTY, read with the normal interface',
  columns: [
    { key: 'mibPerSec', label: 'MiB/s', better: 'higher', primary: true, digits: 0 },
    { key: 'elu', label: 'event-loop util', better: 'lower', digits: 2 },
    { key: 'cpuMsPerMiB', label: 'CPU ms/MiB', better: 'lower', digits: 2 },
  ],

  params(opts) {
    return { mib: opts.smoke ? 1 : (opts.readMib ?? 128) };
  },

  prepare(p, fixtures) {
    const file = fixtures.textFile(p.mib);
    return { ...p, cat: which('cat'), file: file.path, expectedBytes: file.bytes + file.lines };
  },

  ref(p) {
    return {
      args: ['read', '--', p.cat, p.file],
      result: (out) => measured({ ...out, elu: undefined, status: { exitCode: out.exitCode } }, p),
    };
  },

  async run(contender, p) {
    await warmUp(contender);
    let bytes = 0;
    const elu0 = performance.eventLoopUtilization();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const session = await open(contender, p.cat, [p.file], (chunk) => {
      bytes += chunk.byteLength;
    });
    const status = await session.done;
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const elu = performance.eventLoopUtilization(elu0).utilization;
    return measured({ bytes, ms, cpuMs: (cpu.user + cpu.system) / 1000, elu, status }, p);
  },
};
