// Fidelity: the screen model against @xterm/headless (VS Code's emulator) on
// the output of real programs (__test__/screen-corpus.ts). Both are fed the
// same bytes; at every checkpoint every row's text and the cursor must match.
import test from 'ava';
import { Screen } from '../lib/index.js';
import { corpus, type Capture } from './screen-corpus.js';
import { XtermReference } from './xterm-reference.js';

/**
 * Rows that differ on purpose, by capture: none. (The cursor is compared on
 * the last column while a wrap is pending, where xterm parks it one column
 * further; see xterm-reference.ts.)
 */
const EXPECTED_DIFFERENCES: Record<string, string[]> = {};

/** Text some checkpoint must show: the program ran as scripted. */
const SHOWN: Record<string, string> = {
  bash: 'corpus$ # echo world',
  'ls-color': ' root root ',
  vim: 'first line, typed',
  'vim-resize': 'line 1 of the notes',
  less: 'needle',
  top: 'Tasks:',
  unicode: 'CJK: 日本語のテキスト',
  'alternate-screen': 'on the alternate screen',
  'scroll-region': 'scrolled 2',
  'insert-delete': 'INS',
};

interface Checkpoint {
  offset: number;
  ours: { rows: string[]; cursor: [number, number] };
  xterm: { rows: string[]; cursor: [number, number] };
}

async function replay(capture: Capture): Promise<Checkpoint[]> {
  const ours = new Screen({ cols: capture.cols, rows: capture.rows, scrollback: 1000 });
  const xterm = new XtermReference(capture.cols, capture.rows);
  const events = [
    ...capture.resizes.map((r) => ({ offset: r.offset, resize: [r.cols, r.rows] as [number, number] })),
    ...capture.checks.map((offset) => ({ offset, resize: null })),
    { offset: capture.bytes.length, resize: null },
  ].sort((a, b) => a.offset - b.offset || (a.resize ? 1 : 0) - (b.resize ? 1 : 0));
  const checkpoints: Checkpoint[] = [];
  let at = 0;
  for (const event of events) {
    const piece = capture.bytes.subarray(at, event.offset);
    ours.feed(piece);
    await xterm.feed(piece);
    at = event.offset;
    if (event.resize) {
      ours.resize(...event.resize);
      xterm.resize(...event.resize);
      continue;
    }
    const snapshot = ours.snapshot();
    checkpoints.push({
      offset: event.offset,
      ours: { rows: snapshot.lines, cursor: [snapshot.cursor.row, snapshot.cursor.col] },
      xterm: xterm.screen(),
    });
  }
  return checkpoints;
}

for (const name of Object.keys(corpus)) {
  // One at a time: the captures wait for quiet output, which a loaded machine delays.
  test.serial(`${name}: every row and the cursor match @xterm/headless`, async (t) => {
    const capture = await corpus[name]!();
    t.true(capture.bytes.length > 0);
    const checkpoints = await replay(capture);
    t.is(checkpoints.length, capture.checks.length + 1);
    const differences: string[] = [];
    for (const { offset, ours, xterm } of checkpoints) {
      t.is(ours.rows.length, xterm.rows.length);
      xterm.rows.forEach((row, i) => {
        if (ours.rows[i] !== row) differences.push(`@${offset} row ${i}: ${JSON.stringify(ours.rows[i])} vs xterm ${JSON.stringify(row)}`);
      });
      if (ours.cursor.join() !== xterm.cursor.join()) differences.push(`@${offset} cursor ${ours.cursor} vs xterm ${xterm.cursor}`);
    }
    t.deepEqual(differences, EXPECTED_DIFFERENCES[name] ?? []);
    t.true(
      checkpoints.some((c) => c.xterm.rows.some((row) => row.includes(SHOWN[name]!))),
      `no checkpoint shows ${JSON.stringify(SHOWN[name])}`,
    );
  });
}
