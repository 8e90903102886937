// The page: an xterm.js terminal on a WebSocket.
//   server -> page: binary frames are output; text frames are JSON
//     {type: 'exit', exitCode, signal} or {type: 'error', message}.
//   page -> server: binary frames are keystrokes (UTF-8); text frames are
//     JSON {type: 'resize', cols, rows} or {type: 'ack', bytes}.
// The page acknowledges output only once xterm.js has parsed it, so the
// server never has more than a few MiB in flight to a page that is behind.
'use strict';
(() => {
  const ACK_EVERY = 128 * 1024;
  const term = new Terminal({
    cursorBlink: true,
    fontFamily: '"DejaVu Sans Mono", "Liberation Mono", monospace',
    fontSize: 14,
    scrollback: 5000,
    theme: { background: '#1e1e1e' },
  });
  const fit = new FitAddon.FitAddon();
  term.loadAddon(fit);
  term.open(document.getElementById('terminal'));
  fit.fit();
  term.focus();

  // What the tests read: the session's state, and a byte count with an
  // FNV-1a hash of all output in order.
  const state = { open: false, closed: null, exit: null, error: null, received: 0, frames: 0, parsed: 0, hash: 0x811c9dc5, firstByteAt: 0, lastParsedAt: 0 };
  const now = () => performance.timeOrigin + performance.now();
  window.rspty = {
    term,
    state,
    // The screen as text, one string per row.
    screen() {
      const buffer = term.buffer.active;
      const rows = [];
      for (let y = 0; y < term.rows; y++) rows.push(buffer.getLine(buffer.viewportY + y)?.translateToString(true) ?? '');
      return rows;
    },
    // Every line, scrollback included.
    allLines() {
      const buffer = term.buffer.active;
      const lines = [];
      for (let y = 0; y < buffer.length; y++) lines.push(buffer.getLine(y).translateToString(true));
      return lines;
    },
  };

  const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`);
  ws.binaryType = 'arraybuffer';
  const encoder = new TextEncoder();
  let acked = 0;

  const sendResize = () => {
    if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: 'resize', cols: term.cols, rows: term.rows }));
  };

  ws.onopen = () => {
    state.open = true;
    sendResize();
  };
  ws.onmessage = (event) => {
    if (typeof event.data === 'string') {
      const message = JSON.parse(event.data);
      if (message.type === 'exit') {
        state.exit = { exitCode: message.exitCode, signal: message.signal };
        const how = message.signal ? `signal ${message.signal}` : `code ${message.exitCode}`;
        term.write(`\r\n\x1b[2m[process exited with ${how}]\x1b[0m\r\n`);
      } else if (message.type === 'error') {
        state.error = message.message;
        term.write(`\r\n\x1b[31m${message.message}\x1b[0m\r\n`);
      }
      return;
    }
    const bytes = new Uint8Array(event.data);
    let hash = state.hash;
    for (let i = 0; i < bytes.length; i++) hash = Math.imul(hash ^ bytes[i], 0x01000193) >>> 0;
    state.hash = hash;
    if (state.received === 0) state.firstByteAt = now();
    state.received += bytes.length;
    state.frames += 1;
    term.write(bytes, () => {
      state.parsed += bytes.length;
      state.lastParsedAt = now();
      if (state.parsed - acked >= ACK_EVERY && ws.readyState === WebSocket.OPEN) {
        acked = state.parsed;
        ws.send(JSON.stringify({ type: 'ack', bytes: acked }));
      }
    });
  };
  ws.onclose = (event) => {
    state.closed = { code: event.code, reason: event.reason };
    if (!state.exit) term.write(`\r\n\x1b[33m[connection closed${event.reason ? `: ${event.reason}` : ''}]\x1b[0m\r\n`);
  };

  term.onData((data) => {
    if (ws.readyState === WebSocket.OPEN) ws.send(encoder.encode(data));
  });
  term.onBinary((data) => {
    if (ws.readyState !== WebSocket.OPEN) return;
    const bytes = new Uint8Array(data.length);
    for (let i = 0; i < data.length; i++) bytes[i] = data.charCodeAt(i) & 0xff;
    ws.send(bytes);
  });
  term.onResize(sendResize);
  window.addEventListener('resize', () => fit.fit());
})();
