#!/usr/bin/env node
// A web terminal on rspty: one xterm.js page over HTTP, one WebSocket per
// page, one PTY per WebSocket. Locked down by default: loopback only, a random
// token, same-origin WebSockets only. `node server.mjs --help` lists the options.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { isIP } from 'node:net';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { WebSocketServer } from 'ws';
import { openBackend } from './backend.mjs';

const HELP = `usage: node server.mjs [options] [-- command [args...]]

Serves a terminal in the browser. Each page gets its own PTY running the
command (default: $SHELL, else /bin/sh).

  --host ADDR          address to listen on (default 127.0.0.1; anything else
                       exposes a shell to the network: put TLS in front)
  --port N             port (default 7681; 0 picks a free one)
  --token-file FILE    read the access token from FILE instead of making a
                       random one (at least 22 characters)
  --origin URL         also accept WebSockets from this origin, e.g. the
                       https:// address of a TLS proxy (repeatable)
  --max-sessions N     refuse sessions beyond N at once (default 32)
  --cwd DIR            working directory of the command (default: this one)
  --backend NAME       rspty (default) or node-pty (for comparison only)
  -h, --help           this text`;

// Flow control. The server stops pulling output from the PTY while either
// mark is passed, so a slow or stalled page blocks the program in the PTY
// instead of growing the server's memory:
// - bytes queued in the WebSocket and not yet handed to the kernel
//   (ws.bufferedAmount), and
// - bytes sent but not yet acknowledged by the page, which acknowledges
//   only what xterm.js has parsed (xterm.js's own write buffer is unbounded).
const BUFFERED_HIGH = 1 << 20;
const UNACKED_HIGH = 2 << 20;
// Largest message a page may send (keystrokes, pastes, control messages).
const MAX_PAYLOAD = 1 << 20;
const PING_MS = 30_000;

function fail(message) {
  console.error(`web-terminal: ${message}`);
  process.exit(2);
}

function log(message) {
  console.error(`web-terminal: ${message}`);
}

function integer(value, name, min, max) {
  const number = Number(value);
  if (!Number.isInteger(number) || number < min || number > max) {
    fail(`${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
  }
  return number;
}

function parseOptions(argv) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        host: { type: 'string', default: '127.0.0.1' },
        port: { type: 'string', default: '7681' },
        'token-file': { type: 'string' },
        origin: { type: 'string', multiple: true, default: [] },
        'max-sessions': { type: 'string', default: '32' },
        cwd: { type: 'string' },
        backend: { type: 'string', default: 'rspty' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    fail(`${error.message}\n\n${HELP}`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(HELP);
    process.exit(0);
  }
  const origins = values.origin.map((origin) => {
    let url;
    try {
      url = new URL(origin);
    } catch {
      fail(`--origin ${JSON.stringify(origin)} is not a URL`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') fail(`--origin must be http:// or https://, got ${origin}`);
    return url.origin;
  });
  if (values.backend !== 'rspty' && values.backend !== 'node-pty') {
    fail(`--backend must be rspty or node-pty, got ${JSON.stringify(values.backend)}`);
  }
  const command = positionals.length > 0 ? positionals : [process.env.SHELL || '/bin/sh'];
  return {
    host: values.host,
    port: integer(values.port, '--port', 0, 65535),
    tokenFile: values['token-file'],
    origins,
    maxSessions: integer(values['max-sessions'], '--max-sessions', 1, 100_000),
    cwd: values.cwd ?? process.cwd(),
    backend: values.backend,
    command,
  };
}

function readToken(file) {
  let text;
  try {
    text = readFileSync(file, 'utf8');
    if ((statSync(file).mode & 0o077) !== 0) log(`warning: ${file} can be read by other users (chmod 600 it)`);
  } catch (error) {
    fail(`--token-file ${file}: ${error.code ?? error.message}`);
  }
  const token = text.trim();
  if (!/^[\x21-\x7e]{22,}$/.test(token)) {
    fail(`--token-file ${file}: the token must be at least 22 printable ASCII characters without spaces`);
  }
  return token;
}

/** Compares a presented token with ours in constant time. */
function tokenChecker(token) {
  const digest = (text) => createHash('sha256').update(text).digest();
  const expected = digest(token);
  return (presented) => typeof presented === 'string' && timingSafeEqual(digest(presented), expected);
}

function cookies(header) {
  const result = new Map();
  for (const part of (header ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0) result.set(part.slice(0, at).trim(), part.slice(at + 1).trim());
  }
  return result;
}

const here = new URL('.', import.meta.url);
const require = createRequire(import.meta.url);
const ASSETS = new Map(
  [
    ['/', new URL('page/index.html', here), 'text/html; charset=utf-8'],
    ['/app.js', new URL('page/app.js', here), 'text/javascript; charset=utf-8'],
    ['/xterm.js', require.resolve('@xterm/xterm/lib/xterm.js'), 'text/javascript; charset=utf-8'],
    ['/xterm.css', require.resolve('@xterm/xterm/css/xterm.css'), 'text/css; charset=utf-8'],
    ['/addon-fit.js', require.resolve('@xterm/addon-fit/lib/addon-fit.js'), 'text/javascript; charset=utf-8'],
  ].map(([path, file, type]) => [path, { body: readFileSync(file), type }]),
);

const SECURITY_HEADERS = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
  // Every page is small: no idle keep-alive sockets outlive a page.
  Connection: 'close',
};

function main() {
  const options = parseOptions(process.argv.slice(2));
  const token = options.tokenFile ? readToken(options.tokenFile) : randomBytes(32).toString('base64url');
  const validToken = tokenChecker(token);
  const backend = openBackend(options.backend);
  const sessions = new Set();
  let nextId = 1;
  let port = options.port;
  let shuttingDown = false;

  const cookieName = () => `rspty_token_${port}`;
  const presentedToken = (req, url) => url.searchParams.get('token') ?? cookies(req.headers.cookie).get(cookieName());

  const originHosts = new Set(options.origins.map((origin) => new URL(origin).hostname));
  // The Host names this server answers to. Anything else (a DNS-rebinding
  // name, say) gets no WebSocket.
  const knownHost = (hostHeader) => {
    if (!hostHeader) return false;
    let name;
    try {
      name = new URL(`http://${hostHeader}`).hostname;
    } catch {
      return false;
    }
    const bare = name.replace(/^\[(.*)\]$/, '$1');
    return isIP(bare) !== 0 || name === 'localhost' || name === options.host || originHosts.has(name);
  };
  const ownOrigin = (req) => {
    const origin = req.headers.origin;
    if (!origin) return false;
    if (options.origins.includes(origin)) return true;
    return knownHost(req.headers.host) && origin === `http://${req.headers.host}`;
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const refuse = (status, text) => {
      res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', ...SECURITY_HEADERS });
      res.end(`${text}\n`);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(405, 'method not allowed');
    if (!validToken(presentedToken(req, url))) return refuse(401, 'unauthorized: open the URL with the token that the server printed');
    if (!knownHost(req.headers.host)) return refuse(403, 'forbidden: unknown Host');
    if (url.searchParams.has('token')) {
      // Swap the token in the address bar for a cookie the page's scripts
      // cannot read, and drop it from the history.
      res.writeHead(303, {
        ...SECURITY_HEADERS,
        Location: '/',
        'Set-Cookie': `${cookieName()}=${token}; Path=/; HttpOnly; SameSite=Strict`,
      });
      return res.end();
    }
    const asset = ASSETS.get(url.pathname);
    if (!asset) return refuse(404, 'not found');
    res.writeHead(200, { 'Content-Type': asset.type, 'Content-Length': asset.body.length, ...SECURITY_HEADERS });
    res.end(req.method === 'HEAD' ? undefined : asset.body);
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_PAYLOAD, perMessageDeflate: false });

  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const refuse = (status, text) => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${text.length + 1}\r\n\r\n${text}\n`);
    };
    socket.on('error', () => socket.destroy());
    // Every check comes before anything is spawned.
    if (!validToken(presentedToken(req, url))) return refuse(401, 'Unauthorized');
    if (!ownOrigin(req)) return refuse(403, 'Forbidden');
    if (url.pathname !== '/ws') return refuse(404, 'Not Found');
    if (shuttingDown) return refuse(503, 'Service Unavailable');
    wss.handleUpgrade(req, socket, head, (ws) => {
      if (sessions.size >= options.maxSessions) {
        log(`refused a session from ${req.socket.remoteAddress}: ${sessions.size} open, the limit is ${options.maxSessions}`);
        ws.close(1013, `too many sessions: the limit is ${options.maxSessions}`);
        return;
      }
      const session = { id: nextId++, ws, pty: null, closed: null };
      sessions.add(session);
      session.closed = runSession(session, req).finally(() => sessions.delete(session));
    });
  });

  async function runSession(session, req) {
    const { id, ws } = session;
    const [file, ...args] = options.command;
    let closedAt = 0;
    let socketClosed = false;
    let wake = () => {};
    ws.on('close', (code) => {
      socketClosed = true;
      closedAt = performance.now();
      wake();
      if (session.pty) {
        log(`session ${id}: socket closed (${code}); hanging up pid ${session.pty.pid}`);
        void session.pty.close();
      }
    });
    ws.on('error', () => {});

    // The page sends its size as soon as the socket opens: hold its messages
    // until there is a PTY to take them.
    ws.pause();
    let pty;
    try {
      // The terminal is xterm.js, whatever TERM the server runs under.
      pty = await backend.spawn(file, args, { cols: 80, rows: 24, cwd: options.cwd, name: 'xterm-256color' });
    } catch (error) {
      log(`session ${id}: cannot start ${file}: ${error.code ?? error.message}`);
      ws.resume();
      if (!socketClosed) {
        ws.send(JSON.stringify({ type: 'error', message: `cannot start ${file}: ${error.message}` }));
        ws.close(1011, 'cannot start the command');
      }
      return;
    }
    session.pty = pty;
    log(`session ${id}: pid ${pty.pid} started for ${req.socket.remoteAddress}`);
    if (socketClosed) void pty.close();

    let sent = 0;
    let acked = 0;
    const writable = () => socketClosed || (ws.bufferedAmount <= BUFFERED_HIGH && sent - acked <= UNACKED_HIGH);
    const whenWritable = () =>
      new Promise((resolve) => {
        if (writable()) return resolve();
        wake = () => {
          if (writable()) {
            wake = () => {};
            resolve();
          }
        };
      });

    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        pty.write(data).catch(() => {});
        return;
      }
      let message;
      try {
        message = JSON.parse(data.toString());
      } catch {
        message = null;
      }
      if (message?.type === 'resize' && dimension(message.cols) && dimension(message.rows)) {
        try {
          pty.resize(message.cols, message.rows);
        } catch (error) {
          // The program may be gone already: nothing to resize.
          log(`session ${id}: resize failed: ${error.message}`);
        }
      } else if (message?.type === 'ack' && Number.isSafeInteger(message.bytes) && message.bytes >= 0) {
        // Cumulative; never more than was sent.
        acked = Math.max(acked, Math.min(message.bytes, sent));
        wake();
      } else {
        ws.close(1008, 'bad message');
      }
    });
    ws.resume();

    let alive = true;
    ws.on('pong', () => (alive = true));
    const ping = setInterval(() => {
      if (!alive) return ws.terminate();
      alive = false;
      ws.ping();
    }, PING_MS);

    try {
      for (;;) {
        const chunk = await pty.read();
        if (chunk === null || socketClosed) break;
        sent += chunk.length;
        // The callback runs once ws has handed the frame to the kernel,
        // which lowers bufferedAmount.
        ws.send(chunk, { binary: true }, () => wake());
        await whenWritable();
      }
      const status = await pty.exited;
      const how = status.signal ? `signal ${status.signal}` : `code ${status.exitCode}`;
      if (socketClosed) {
        log(`session ${id}: pid ${pty.pid} reaped ${Math.round(performance.now() - closedAt)} ms after the socket closed`);
      } else {
        log(`session ${id}: pid ${pty.pid} exited with ${how}`);
        ws.send(JSON.stringify({ type: 'exit', ...status }));
        ws.close(1000, `exited with ${how}`);
      }
    } finally {
      clearInterval(ping);
      await pty.close();
    }
  }

  function dimension(value) {
    return Number.isInteger(value) && value >= 1 && value <= 4096;
  }

  async function shutdown(signal) {
    if (shuttingDown) {
      log(`${signal} again: exiting now`);
      process.exit(1);
    }
    shuttingDown = true;
    log(`${signal}: closing ${sessions.size} session(s)`);
    server.close();
    server.closeAllConnections();
    const all = [...sessions];
    for (const session of all) {
      session.ws.close(1001, 'server shutting down');
      void session.pty?.close();
    }
    await Promise.all(all.map((session) => session.closed));
    wss.close();
    log('all sessions closed');
    process.exit(0);
  }
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  server.on('error', (error) => fail(`cannot listen on ${options.host}:${options.port}: ${error.code ?? error.message}`));
  server.listen(options.port, options.host, () => {
    port = server.address().port;
    const host = isIP(options.host) === 6 ? `[${options.host}]` : options.host;
    const shown = options.tokenFile ? `<TOKEN>  (TOKEN: the contents of ${options.tokenFile})` : token;
    log(`listening on ${host}:${port} (${options.backend}, ${options.command.join(' ')})`);
    if (!['127.0.0.1', '::1', 'localhost'].includes(options.host)) {
      log(`warning: listening on ${options.host}, not loopback: anyone who can reach it and has the token gets a shell; use TLS`);
    }
    // The one place the token is shown: the URL to open.
    console.log(`http://${host}:${port}/?token=${shown}`);
  });
}

main();
