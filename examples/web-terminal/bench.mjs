#!/usr/bin/env node
// Throughput of the web terminal into a real browser: N pages at once, each
// running `cat` of a text file, with rspty and node-pty as the server's PTY
// backend in the same run. Prints MB/s into the browser (bytes parsed by
// xterm.js) and the server's CPU time per MB.
//
//   node examples/web-terminal/bench.mjs [--mib 20] [--pages 1,20] [--backends rspty,node-pty] [--json]
//
// node-pty comes from bench/ (`npm --prefix bench ci`).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { browserMissing, cpuMs, launchBrowser, openTerminal, startServer } from './harness.mjs';

/**
 * `mib` MiB of 80-byte lines. Returns the file, and the size and hash of what
 * a page receives from `cat` of it after `prefix` (LF becomes CRLF).
 */
export function makeFile(dir, mib, prefix = '') {
  let cycle = '';
  for (let c = 0; c < 94; c++) cycle += String.fromCharCode(33 + c);
  cycle += cycle;
  const count = Math.ceil((mib * 1024 * 1024) / 80);
  const lines = new Array(count);
  for (let i = 0; i < count; i++) lines[i] = `${String(i).padStart(8, '0')} ${cycle.slice(i % 94, (i % 94) + 70)}\n`;
  const data = Buffer.from(lines.join(''), 'latin1');
  const file = join(dir, `cat-${mib}MiB.txt`);
  writeFileSync(file, data);
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(prefix)) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  for (let i = 0; i < data.length; i++) {
    if (data[i] === 10) hash = Math.imul(hash ^ 13, 0x01000193) >>> 0;
    hash = Math.imul(hash ^ data[i], 0x01000193) >>> 0;
  }
  return { file, bytes: Buffer.byteLength(prefix) + data.length + count, hash };
}

/**
 * One run: `pages` pages each receiving `cat file` through a server on
 * `backend`. Every page waits for a keystroke (its echo is the CRLF before
 * the file), so that all start together once all are open.
 */
export async function measure(browser, { backend, pages, file }) {
  const command = ['sh', '-c', 'read line; exec cat "$0"', file.file];
  const server = await startServer(['--backend', backend, '--max-sessions', String(pages), '--', ...command]);
  try {
    const opened = await Promise.all(Array.from({ length: pages }, () => openTerminal(browser, server.url)));
    const cpuBefore = cpuMs(server.pid);
    await Promise.all(opened.map((page) => page.evaluate(() => window.rspty.term.input('\r'))));
    const results = await Promise.all(
      opened.map(async (page) => {
        await page.waitForFunction(
          (bytes) => {
            const s = window.rspty.state;
            return (s.exit && s.parsed === s.received) || s.closed?.code > 1000 || s.received > bytes;
          },
          { timeout: 600_000, polling: 100 },
          file.bytes,
        );
        return page.evaluate(() => ({ ...window.rspty.state }));
      }),
    );
    const cpu = cpuMs(server.pid) - cpuBefore;
    for (const page of opened) await page.close();
    const bad = results.filter((s) => s.received !== file.bytes || s.hash !== file.hash || s.exit?.exitCode !== 0);
    const first = Math.min(...results.map((s) => s.firstByteAt));
    const last = Math.max(...results.map((s) => s.lastParsedAt));
    // What arrived, which is less than was sent where a backend lost output.
    const mb = results.reduce((sum, s) => sum + s.parsed, 0) / 1e6;
    const perPage = results.map((s) => s.parsed / 1e6 / ((s.lastParsedAt - s.firstByteAt) / 1000));
    return {
      backend,
      pages,
      mb,
      seconds: (last - first) / 1000,
      totalMBps: mb / ((last - first) / 1000),
      perPageMBps: perPage.reduce((a, b) => a + b, 0) / pages,
      cpuMsPerMB: cpu / mb,
      meanFrameKiB: results.reduce((sum, s) => sum + s.received, 0) / results.reduce((sum, s) => sum + s.frames, 0) / 1024,
      complete: bad.length === 0,
      failures: bad.map((s) => `received ${s.received} of ${file.bytes} bytes, hash ${s.hash} (want ${file.hash}), exit ${JSON.stringify(s.exit)}, close ${JSON.stringify(s.closed)}`),
    };
  } catch (error) {
    if (server.child.exitCode !== null || server.child.signalCode !== null) {
      error.message += `\nthe ${backend} server exited (${server.child.exitCode ?? server.child.signalCode}); its log:\n${server.log}`;
    }
    throw error;
  } finally {
    await server.stop();
  }
}

export async function bench({ mib, pages, backends, log = () => {}, browser: given }) {
  const dir = mkdtempSync(join(tmpdir(), 'rspty-web-bench-'));
  const browser = given ?? (await launchBrowser());
  try {
    const file = makeFile(dir, mib, '\r\n');
    const rows = [];
    for (const count of pages) {
      // Alternate the order so that neither backend always goes first.
      const order = count % 2 === 0 ? backends : [...backends].reverse();
      for (const backend of order) {
        const row = await measure(browser, { backend, pages: count, file });
        log(row);
        rows.push(row);
      }
    }
    return rows;
  } finally {
    if (!given) await browser.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function table(rows) {
  const lines = [
    '| backend | pages | total MB/s into the browser | MB/s per page | server CPU ms per MB | mean frame KiB | all bytes arrived |',
    '|---|---:|---:|---:|---:|---:|---|',
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.backend} | ${r.pages} | ${r.totalMBps.toFixed(1)} | ${r.perPageMBps.toFixed(2)} | ${r.cpuMsPerMB.toFixed(1)} | ${r.meanFrameKiB.toFixed(0)} | ${r.complete ? 'yes' : `NO (${r.failures.length} of ${r.pages} pages short)`} |`,
    );
  }
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      mib: { type: 'string', default: '20' },
      pages: { type: 'string', default: '1,20' },
      backends: { type: 'string', default: 'rspty,node-pty' },
      json: { type: 'boolean', default: false },
    },
  });
  const missing = browserMissing();
  if (missing) {
    console.error(`bench: ${missing}`);
    process.exit(1);
  }
  const rows = await bench({
    mib: Number(values.mib),
    pages: values.pages.split(',').map(Number),
    backends: values.backends.split(','),
    log: (row) => console.error(`${row.backend}, ${row.pages} page(s): ${row.totalMBps.toFixed(1)} MB/s, ${row.cpuMsPerMB.toFixed(1)} ms CPU/MB${row.complete ? '' : ` INCOMPLETE on ${row.failures.length} page(s): ${row.failures[0]}`}`),
  });
  console.log(values.json ? JSON.stringify(rows, null, 2) : table(rows));
  // node-pty's losses are a finding to report; rspty's would be a bug.
  if (rows.some((r) => r.backend === 'rspty' && !r.complete)) process.exit(1);
}
