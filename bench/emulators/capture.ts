// Records the fidelity corpus (__test__/screen-corpus.ts) into DIR as
// NAME.bin + NAME.meta for the emulator-compare harness.
// Usage: npx tsx bench/emulators/capture.ts DIR [NAME...]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { corpus } from '../../__test__/screen-corpus.js';

const [dir, ...names] = process.argv.slice(2);
if (!dir) throw new Error('usage: capture.ts DIR [NAME...]');
mkdirSync(dir, { recursive: true });
for (const name of names.length ? names : Object.keys(corpus)) {
  const capture = await corpus[name]!();
  writeFileSync(join(dir, `${name}.bin`), capture.bytes);
  const meta = [`${capture.cols} ${capture.rows}`, ...capture.resizes.map((r) => `resize ${r.offset} ${r.cols} ${r.rows}`), ...capture.checks.map((c) => `check ${c}`)];
  writeFileSync(join(dir, `${name}.meta`), meta.join('\n') + '\n');
  console.log(`${name}: ${capture.bytes.length} bytes, ${capture.checks.length + 1} checkpoints`);
}
