// Randomised operations: fast-check drives random sequences of spawn, write,
// resize, kill, close, partial iteration and abort against a few PTYs, and
// checks the invariants after each sequence.
import test from 'ava';
import fc from 'fast-check';
import { spawn, type ExitStatus, type Pty } from '../../lib/index.js';
import { childrenOf, isDead, newFds, openFds, within, zombiesOf } from '../helpers.js';
import { patternFile } from './fixtures/pattern-file.js';

/** Sequences tried, commands per sequence and PTY slots they act on. */
const NUM_RUNS = 300;
const MAX_COMMANDS = 30;
const SLOTS = 3;
/** fast-check seed, fixed so that a failure reproduces; change to explore. */
const SEED = 20_240_601;
/** The deterministic program writes a prefix of this file. */
const MAX_PRINT_BYTES = 64 * 1024;
const DATA_SEED = 0xface;
/** Every promise the library hands out must settle within this. */
const SETTLE_MS = 10_000;
const SIGNALS = ['SIGTERM', 'SIGKILL', 'SIGINT', 'SIGHUP'] as const;

type Kind = 'print' | 'cat' | 'sleep';

type Command =
  | { op: 'spawn'; slot: number; kind: Kind; bytes: number; withSignal: boolean; highWaterMark: number | undefined }
  | { op: 'write'; slot: number; text: string }
  | { op: 'resize'; slot: number; cols: number; rows: number }
  | { op: 'kill'; slot: number; signal: (typeof SIGNALS)[number] }
  | { op: 'close'; slot: number }
  | { op: 'read'; slot: number; chunks: number }
  | { op: 'abort'; slot: number };

const slot = fc.integer({ min: 0, max: SLOTS - 1 });
const command: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('spawn' as const),
      slot,
      kind: fc.constantFrom<Kind>('print', 'cat', 'sleep'),
      bytes: fc.integer({ min: 1, max: MAX_PRINT_BYTES }),
      withSignal: fc.boolean(),
      highWaterMark: fc.option(fc.integer({ min: 1, max: 256 * 1024 }), { nil: undefined }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('write' as const), slot, text: fc.string({ unit: 'binary-ascii', maxLength: 64 }) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('resize' as const),
      slot,
      cols: fc.integer({ min: 1, max: 65535 }),
      rows: fc.integer({ min: 1, max: 65535 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('kill' as const), slot, signal: fc.constantFrom(...SIGNALS) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('close' as const), slot }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('read' as const), slot, chunks: fc.integer({ min: 1, max: 4 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('abort' as const), slot }) },
);

interface Live {
  pty: Pty;
  kind: Kind;
  expected: Buffer | null;
  iterator: AsyncIterator<Buffer>;
  chunks: Buffer[];
  ended: boolean;
  /** Reads are chained so that partial iterations and the final drain never overlap. */
  reading: Promise<void>;
  /** A write, kill, close or abort reached it: its output need not be the program's. */
  disturbed: boolean;
  controller: AbortController | null;
  settled: Promise<unknown>[];
}

const printed = patternFile('random', DATA_SEED, MAX_PRINT_BYTES, true);

function onlcrText(buf: Buffer): Buffer {
  return Buffer.from(buf.toString('latin1').replaceAll('\n', '\r\n'), 'latin1');
}

function pull(live: Live, chunks: number): void {
  live.reading = live.reading.then(async () => {
    for (let i = 0; i < chunks && !live.ended; i++) {
      const { done, value } = await live.iterator.next();
      if (done) live.ended = true;
      else live.chunks.push(value);
    }
  });
}

async function start(c: Extract<Command, { op: 'spawn' }>): Promise<Live> {
  const controller = c.withSignal ? new AbortController() : null;
  const [file, args]: [string, string[]] =
    c.kind === 'print' ? ['head', ['-c', String(c.bytes), printed.path]] : c.kind === 'cat' ? ['cat', []] : ['sleep', ['30']];
  const pty = await spawn(file, args, { signal: controller?.signal, highWaterMark: c.highWaterMark });
  return {
    pty,
    kind: c.kind,
    expected: c.kind === 'print' ? onlcrText(printed.data.subarray(0, c.bytes)) : null,
    iterator: pty[Symbol.asyncIterator](),
    chunks: [],
    ended: false,
    reading: Promise.resolve(),
    disturbed: false,
    controller,
    settled: [],
  };
}


async function execute(commands: Command[], problems: string[]): Promise<Live[]> {
  const slots: Array<Live | null> = Array.from({ length: SLOTS }, () => null);
  const all: Live[] = [];
  for (const c of commands) {
    const live = slots[c.slot];
    switch (c.op) {
      case 'spawn': {
        // A PTY already in the slot is left as it is (it is finished at the end).
        const started = await start(c);
        slots[c.slot] = started;
        all.push(started);
        break;
      }
      case 'write': {
        if (!live) continue;
        live.disturbed = true;
        live.settled.push(
          // A write resolves true or false (the PTY ended first); it never rejects.
          live.pty.write(c.text).then(
            () => {},
            (e: Error & { code?: string }) => problems.push(`write failed with ${e.code}: ${e.message}`),
          ),
        );
        break;
      }
      case 'resize': {
        if (!live) continue;
        live.pty.resize(c.cols, c.rows);
        break;
      }
      case 'kill': {
        if (!live) continue;
        live.disturbed = true;
        const result = live.pty.kill(c.signal);
        if (typeof result !== 'boolean') problems.push(`kill returned ${String(result)}`);
        break;
      }
      case 'close': {
        if (!live) continue;
        live.disturbed = true;
        live.settled.push(live.pty.close());
        break;
      }
      case 'read': {
        if (!live) continue;
        pull(live, c.chunks);
        break;
      }
      case 'abort': {
        if (!live?.controller) continue;
        live.disturbed = true;
        live.controller.abort();
        break;
      }
    }
  }
  return all;
}

async function finish(live: Live, problems: string[]): Promise<void> {
  const name = `${live.kind} pid ${live.pty.pid}`;
  let status: ExitStatus;
  if (live.kind === 'print' && !live.disturbed) {
    // Left alone, the deterministic program runs to its end: every byte, then exit 0.
    // (Read while waiting: with a small highWaterMark the child waits for the reader.)
    pull(live, Infinity);
    status = await within(live.pty.exited, SETTLE_MS, `${name} exited`);
    await within(live.reading, SETTLE_MS, `${name} output`);
    const got = Buffer.concat(live.chunks);
    if (!got.equals(live.expected!)) problems.push(`${name}: ${got.length} bytes, want ${live.expected!.length}`);
    if (status.exitCode !== 0 || status.signal !== null) problems.push(`${name}: ${JSON.stringify(status)}`);
    await within(live.pty.close(), SETTLE_MS, `${name} close`);
  } else {
    await within(live.pty.close(), SETTLE_MS, `${name} close`);
    status = await within(live.pty.exited, SETTLE_MS, `${name} exited`);
    pull(live, Infinity);
    await within(live.reading, SETTLE_MS, `${name} output`);
    if ((status.exitCode === null) === (status.signal === null)) problems.push(`${name}: ${JSON.stringify(status)}`);
  }
  await within(Promise.all(live.settled), SETTLE_MS, `${name} pending operations`);
  if (!isDead(live.pty.pid)) problems.push(`${name}: still running after exit`);
  if (live.pty.kill() !== false) problems.push(`${name}: kill() after reaping did not return false`);
}

test.serial(`${NUM_RUNS} random sequences of up to ${MAX_COMMANDS} operations on ${SLOTS} PTYs: invariants hold`, async (t) => {
  let sequences = 0;
  let spawned = 0;
  let lastProblems: string[] = [];
  const everything: Pty[] = [];
  try {
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: MAX_COMMANDS }), async (commands) => {
        const fdsBefore = openFds();
        const problems: string[] = [];
        const all = await execute(commands, problems);
        everything.push(...all.map((l) => l.pty));
        lastProblems = problems;
        for (const live of all) await finish(live, problems);
        const leaked = newFds(fdsBefore);
        if (leaked.length) problems.push(`fds left open: ${leaked.join(', ')}`);
        const zombies = zombiesOf(process.pid);
        if (zombies.length) problems.push(`zombies: ${zombies.join(',')}`);
        const pids = new Set(all.map((l) => l.pty.pid));
        const running = childrenOf(process.pid).filter((c) => pids.has(c.pid));
        if (running.length) problems.push(`children left: ${running.map((c) => c.pid).join(',')}`);
        sequences++;
        spawned += all.length;
        if (problems.length) throw new Error(problems.join('\n'));
      }),
      { numRuns: NUM_RUNS, seed: SEED, endOnFailure: true },
    );
  } catch (error) {
    t.log(`problems in the failing sequence:\n${lastProblems.join('\n') || String((error as Error).cause ?? '')}`);
    throw error;
  } finally {
    await Promise.all(everything.map((p) => within(p.close(), SETTLE_MS, 'cleanup close').catch(() => undefined)));
  }
  t.log(`${sequences} sequences, ${spawned} PTYs`);
  t.pass();
});
