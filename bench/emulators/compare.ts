// Compares each Rust emulator's screens (from the emulator-compare harness)
// with @xterm/headless on the same captures, checkpoint by checkpoint.
// Usage: npx tsx bench/emulators/compare.ts HARNESS DIR
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { XtermReference, type ReferenceScreen } from '../../__test__/xterm-reference.js';

const [harness, dir] = process.argv.slice(2) as [string, string];
const names = readdirSync(dir).filter((f) => f.endsWith('.bin')).map((f) => f.slice(0, -4)).sort();
const out = execFileSync(harness, ['screens', ...names.map((n) => join(dir, `${n}.bin`))], { encoding: 'utf8', maxBuffer: 1 << 26 });
const results = out.trim().split('\n').map((l) => JSON.parse(l) as { emulator: string; capture: string; offset: number; rows: string[]; cursor: [number, number] });

async function reference(name: string): Promise<Map<number, ReferenceScreen>> {
  const bytes = readFileSync(join(dir, `${name}.bin`));
  const meta = readFileSync(join(dir, `${name}.meta`), 'utf8').trim().split('\n');
  const [cols, rows] = meta[0]!.split(' ').map(Number) as [number, number];
  const events: Array<[number, [number, number] | null]> = [];
  for (const line of meta.slice(1)) {
    const [kind, ...v] = line.split(' ');
    if (kind === 'resize') events.push([Number(v[0]), [Number(v[1]), Number(v[2])]]);
    if (kind === 'check') events.push([Number(v[0]), null]);
  }
  events.sort((a, b) => a[0] - b[0] || (a[1] ? 1 : 0) - (b[1] ? 1 : 0));
  const term = new XtermReference(cols, rows);
  const screens = new Map<number, ReferenceScreen>();
  let at = 0;
  for (const [offset, resize] of events) {
    await term.feed(bytes.subarray(at, offset));
    at = offset;
    if (resize) term.resize(...resize);
    else screens.set(offset, term.screen());
  }
  await term.feed(bytes.subarray(at));
  screens.set(bytes.length, term.screen());
  return screens;
}

const summary: Record<string, Record<string, string>> = {};
const failures = new Map<string, number>();
for (const name of names) {
  const ref = await reference(name);
  for (const r of results.filter((x) => x.capture === name)) {
    const x = ref.get(r.offset);
    if (!x) throw new Error(`${name}: no reference at ${r.offset}: ${[...ref.keys()]}`);
    const diff: string[] = [];
    x.rows.forEach((row, i) => {
      if (r.rows[i] !== row) diff.push(`row ${i}: ${JSON.stringify(r.rows[i])} vs xterm ${JSON.stringify(row)}`);
    });
    if (r.cursor.join() !== x.cursor.join()) diff.push(`cursor ${r.cursor} vs xterm ${x.cursor}`);
    const cell = (summary[name] ??= {});
    const key = `${r.emulator} failed`;
    failures.set(key + name, (failures.get(key + name) ?? 0) + (diff.length ? 1 : 0));
    const failed = failures.get(key + name)!;
    cell[r.emulator] = failed ? `${failed} of ${ref.size} differ` : `${ref.size} of ${ref.size} match`;
    for (const d of diff) console.log(`${name} @${r.offset} ${r.emulator}: ${d}`);
  }
}
console.log('\n| capture | alacritty_terminal | avt | vt100 |\n|---|---|---|---|');
for (const [name, cells] of Object.entries(summary)) console.log(`| ${name} | ${cells.alacritty_terminal} | ${cells.avt} | ${cells.vt100} |`);
