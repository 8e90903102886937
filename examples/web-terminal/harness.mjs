// For the tests and bench.mjs: runs server.mjs as a child process and drives
// Debian's chromium through puppeteer-core (no browser is downloaded).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SERVER = fileURLToPath(new URL('server.mjs', import.meta.url));
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** Why the browser cannot run here, or null. */
export function browserMissing() {
  return existsSync(CHROMIUM) ? null : `${CHROMIUM} is not installed (scripts/setup-browser.sh installs it with apt-get)`;
}

/**
 * Starts server.mjs with `args`; resolves once it prints its URL. `log` holds
 * everything it wrote to stderr; `waitForLog(re, timeoutMs, from)` resolves
 * with the first match of `re` in it after offset `from`.
 */
export function startServer(args, { env = process.env, cwd } = {}) {
  const child = spawn(process.execPath, [SERVER, '--port', '0', ...args], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  const server = {
    child,
    pid: child.pid,
    log: '',
    url: null,
    // The line with the URL, as printed.
    printed: '',
    port: 0,
    origin: '',
    exited: new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal }))),
    waiters: [],
    waitForLog(re, timeoutMs = 10_000, from = 0) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = server.log.slice(from).match(re);
          if (match) {
            clearTimeout(timer);
            server.waiters = server.waiters.filter((w) => w !== check);
            resolve(match);
            return true;
          }
          return false;
        };
        const timer = setTimeout(() => {
          server.waiters = server.waiters.filter((w) => w !== check);
          reject(new Error(`server log has no ${re} after ${timeoutMs} ms; log:\n${server.log}`));
        }, timeoutMs);
        if (!check()) server.waiters.push(check);
      });
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return server.exited;
    },
  };
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (text) => {
    server.log += text;
    for (const check of [...server.waiters]) check();
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server printed no URL in 30 s; stdout:\n${out}\nlog:\n${server.log}`));
    }, 30_000);
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (text) => {
      out += text;
      const match = out.match(/^(http:\/\/\S+).*\n/m);
      if (match && !server.url) {
        server.url = match[1];
        server.printed = match[0].trimEnd();
        const url = new URL(server.url);
        server.port = Number(url.port);
        server.origin = url.origin;
        clearTimeout(timer);
        resolve(server);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (!server.url) reject(new Error(`server exited with ${code} before listening:\n${server.log}`));
    });
  });
}

/** Launches chromium headless with a fresh profile; close() removes it. */
export async function launchBrowser() {
  const { default: puppeteer } = await import('puppeteer-core');
  const profile = mkdtempSync(join(tmpdir(), 'rspty-chromium-'));
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      // Pages in background tabs must keep running at full speed.
      '--disable-background-timer-throttling',
      '--disable-renderer-backgrounding',
      '--disable-backgrounding-occluded-windows',
      `--user-data-dir=${profile}`,
    ],
  });
  const close = browser.close.bind(browser);
  browser.close = async () => {
    try {
      await close();
    } finally {
      rmSync(profile, { recursive: true, force: true });
    }
  };
  return browser;
}

/** Opens the terminal page at `url` and waits for its WebSocket to open. */
export async function openTerminal(browser, url, { width = 900, height = 500 } = {}) {
  // A window of its own: a background tab would get no resize events and no
  // rendering, unlike a page that someone is looking at.
  const page = await browser.newPage({ type: 'window' });
  await page.setViewport({ width, height });
  await page.goto(url);
  await page.waitForFunction(() => window.rspty && (window.rspty.state.open || window.rspty.state.closed), { timeout: 60_000, polling: 50 });
  return page;
}

/** The children of `pid` (from /proc/<pid>/task/<tid>/children). */
export function childrenOf(pid) {
  const children = [];
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const text = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim();
      if (text) children.push(...text.split(' ').map(Number));
    } catch {}
  }
  return children;
}

/** user + system CPU time of a process, in ms. */
export function cpuMs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of stat, in clock ticks (100 Hz on Linux).
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

/** Resident set size of a process, in bytes. */
export function rssBytes(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(status.match(/^VmRSS:\s+(\d+) kB/m)[1]) * 1024;
}

/** FNV-1a over `bytes`, as the page computes it. */
export function fnv1a(bytes, hash = 0x811c9dc5) {
  for (let i = 0; i < bytes.length; i++) hash = Math.imul(hash ^ bytes[i], 0x01000193) >>> 0;
  return hash;
}
