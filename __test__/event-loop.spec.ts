// A quiet PTY is read on the JavaScript thread's own event loop (Node.js on
// Linux; src/event_loop.rs): the reactor thread leaves such output alone, the
// order of bytes holds across the hand-overs, and closing while a read waits
// lets go of the master.
import test from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import { spawn, type Pty } from '../lib/index.js';
import native = require('../lib/native.js');
import { newFds, openFds, pollUntil, readUntil } from './helpers.js';

const ROUND_TRIPS = 200;
const TOKEN = 8;

/** Bytes read so far by the engine's threads (`rchar` of the threads named rspty). */
function engineThreadBytes(): number {
  let total = 0;
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      if (readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim() !== 'rspty') continue;
      total += Number(/^rchar: (\d+)$/m.exec(readFileSync(`/proc/self/task/${tid}/io`, 'utf8'))![1]);
    } catch {
      // The thread ended meanwhile.
    }
  }
  return total;
}

/** `ROUND_TRIPS` tokens through `cat` in a raw terminal; the bytes the engine's threads read meanwhile. */
async function roundTrips(t: import('ava').ExecutionContext, pty: Pty): Promise<number> {
  const it = pty[Symbol.asyncIterator]();
  const before = engineThreadBytes();
  for (let i = 0; i < ROUND_TRIPS; i++) {
    const token = String(i).padStart(TOKEN, '0');
    await pty.write(token);
    let back = '';
    while (back.length < TOKEN) back += (await it.next()).value.toString();
    if (back !== token) t.fail(`sent ${token}, got back ${back}`);
  }
  return engineThreadBytes() - before;
}

async function rawCat(): Promise<Pty> {
  const pty = await spawn('sh', ['-c', 'stty raw -echo; printf R; exec cat']);
  await readUntil(pty, 'R');
  return pty;
}

test.serial("a quiet PTY's output is read by the JavaScript thread, not the reactor", async (t) => {
  const echoed = ROUND_TRIPS * TOKEN;
  const pty = await rawCat();
  const onLoop = await roundTrips(t, pty);
  pty.close();
  await pty.exited;
  // Without the event loop's reads, the reactor reads every echoed byte.
  native.useEventLoopReads(false);
  try {
    const control = await rawCat();
    const onReactor = await roundTrips(t, control);
    control.close();
    await control.exited;
    t.true(onReactor >= echoed, `the reactor read ${onReactor} bytes of ${echoed} without the event loop's reads`);
  } finally {
    native.useEventLoopReads(true);
  }
  // An echo that comes back before the next read() waits is still the reactor's.
  t.true(onLoop < echoed / 2, `the reactor read ${onLoop} of ${echoed} echoed bytes`);
});

test.serial('bytes stay in order as output goes from quiet to bulk and back', async (t) => {
  const script = [
    'i=0',
    'while [ $i -lt 30 ]; do',
    '  i=$((i+1)); printf "%04d\\n" $i',
    '  if [ $((i % 10)) = 0 ]; then head -c 300000 /dev/zero | tr "\\0" x; echo; fi',
    '  sleep 0.01',
    'done',
  ].join('\n');
  const pty = await spawn('sh', ['-c', script]);
  const chunks: Buffer[] = [];
  for await (const chunk of pty) chunks.push(chunk);
  let expected = '';
  for (let i = 1; i <= 30; i++) {
    expected += `${String(i).padStart(4, '0')}\r\n`;
    if (i % 10 === 0) expected += `${'x'.repeat(300000)}\r\n`;
  }
  t.is(Buffer.concat(chunks).toString(), expected);
  t.deepEqual(await pty.exited, { exitCode: 0, signal: null });
  // Both readers took part: small chunks and large ones.
  t.true(chunks.some((c) => c.length === 6));
  t.true(chunks.some((c) => c.length >= 4096));
});

test.serial('close() while a read waits on a quiet PTY hangs up and lets go of the master', async (t) => {
  const before = openFds();
  const pty = await spawn('cat');
  const reading = (async () => {
    let bytes = 0;
    for await (const chunk of pty) bytes += chunk.length;
    return bytes;
  })();
  // The iteration's first read found nothing (cat prints nothing) and
  // waits: the event loop watches the master.
  pty.close();
  t.deepEqual(await pty.exited, { exitCode: null, signal: 'SIGHUP' });
  t.is(await reading, 0);
  await pollUntil(() => newFds(before).length === 0, 5000, 'the master to be closed');
  t.deepEqual(newFds(before), []);
});

test.serial('a reader that stops after a small chunk does not keep the master open past the exit', async (t) => {
  const before = openFds();
  const pty = await spawn('sh', ['-c', 'printf x; read line']);
  const it = pty[Symbol.asyncIterator]();
  // A small chunk: from now on the event loop watches the master.
  t.is((await it.next()).value.toString(), 'x');
  await pty.write('\n');
  t.deepEqual(await pty.exited, { exitCode: 0, signal: null });
  // Nobody reads any more, and the PTY is still referenced: the master
  // closes with the end of the session all the same.
  await pollUntil(() => newFds(before).length === 0, 5000, 'the master to be closed');
  t.deepEqual(newFds(before), []);
});
