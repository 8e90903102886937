// Write throughput: JS writes N bytes into a child whose terminal is in raw
// mode and which counts them (`head -c N | wc -c`). The child prints 'R' once
// raw mode is on; timing runs from the write call until the child has printed
// its count and exited. The count must be exact.
import { performance } from 'node:perf_hooks';
import { exitFailure, open, OutputCollector, warmUp } from '../lib/session.mjs';

const MiB = 1024 * 1024;

function childArgs(bytes) {
  return ['-c', `stty raw -echo; printf R; head -c ${bytes} | wc -c`];
}

function measured({ ms, cpuMs, reply, status }, p) {
  const metrics = {
    mibPerSec: p.bytes / MiB / (ms / 1000),
    cpuMsPerMiB: cpuMs / (p.bytes / MiB),
  };
  let failure = exitFailure(status);
  const count = /\d+/.exec(reply)?.[0];
  if (count === undefined) failure = `the child's count never arrived (output: ${JSON.stringify(reply)})`;
  else if (Number(count) !== p.bytes) failure = `child counted ${count} bytes, expected ${p.bytes}`;
  return { metrics, failure };
}

export default {
  name: 'write',
  title: 'Write throughput',
  summary: 'bytes written from JS into a raw-mode child that counts them',
  columns: [
    { key: 'mibPerSec', label: 'MiB/s', better: 'higher', primary: true, digits: 0 },
    { key: 'cpuMsPerMiB', label: 'CPU ms/MiB', better: 'lower', digits: 2 },
  ],

  params(opts) {
    return { bytes: Math.round((opts.smoke ? 1 : (opts.writeMib ?? 64)) * MiB) };
  },

  prepare(p) {
    return p;
  },

  ref(p) {
    return {
      args: ['write', String(p.bytes), '--', '/bin/sh', ...childArgs(p.bytes)],
      result: (out) => measured({ ...out, reply: String(out.count), status: { exitCode: out.exitCode } }, p),
    };
  },

  async run(contender, p) {
    await warmUp(contender);
    const data = Buffer.alloc(p.bytes);
    for (let i = 0; i < data.length; i++) data[i] = 0x61 + (i % 26);
    const output = new OutputCollector();
    const session = await open(contender, '/bin/sh', childArgs(p.bytes), output.onData);
    await output.untilText('R', session.done);
    output.clear();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await session.write(data);
    const status = await session.done;
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    return measured({ ms, cpuMs: (cpu.user + cpu.system) / 1000, reply: output.text(), status }, p);
  },
};
