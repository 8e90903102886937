// @xterm/headless parse speed on the same streams as `emulator-compare speed`.
// Usage: npx tsx bench/emulators/xterm-speed.ts MEGABYTES CAPTURE.bin...
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { XtermReference } from '../../__test__/xterm-reference.js';

const [megabytes, ...files] = process.argv.slice(2);
for (const file of files) {
  const bytes = readFileSync(file);
  const term = new XtermReference(80, 24);
  const total = Number(megabytes) * 1e6;
  let fed = 0;
  const t0 = performance.now();
  while (fed < total) {
    for (let i = 0; i < bytes.length; i += 65536) await term.feed(bytes.subarray(i, i + 65536));
    fed += bytes.length;
  }
  const mbps = fed / 1e6 / ((performance.now() - t0) / 1000);
  console.log(JSON.stringify({ emulator: '@xterm/headless', capture: basename(file, '.bin'), mbps: Number(mbps.toFixed(1)) }));
}
