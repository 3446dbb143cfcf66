// Helpers of the Server-Sent Events tests (sse*.test.mjs): start the daemon
// (build/ferry or FERRY_DAEMON) with an in-memory log, read a stream with
// plain fetch and a small parser that follows the WHATWG rules, publish
// through a Socket.IO client or the HTTP API.

import { spawn } from 'node:child_process';
import { io } from 'socket.io-client';
import { daemonPath, freePort } from './daemon_helpers.mjs';
import { withTimeout, eventually } from './harness.mjs';

export { daemonPath, freePort };

/** Starts the daemon (memory store) and resolves once /healthz answers 200. */
export async function startDaemon(args = []) {
  const port = await freePort();
  const child = spawn(daemonPath, ['--port', String(port), '--store', 'memory', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c) => { output += c; });
  child.stderr.on('data', (c) => { output += c; });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const url = `http://127.0.0.1:${port}`;
  await eventually(async () => {
    try {
      return (await fetch(`${url}/healthz`)).status === 200;
    } catch {
      return false;
    }
  }, 5000, 'daemon healthy');
  return {
    port,
    url,
    child,
    exited,
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await withTimeout(exited, 5000, 'daemon exit');
    },
  };
}

/**
 * An event-stream parser (WHATWG HTML 9.2.6): feed it text, it calls
 * onEvent({ id, event, data, lastEventId }) and onComment(text).
 */
export function streamParser({ onEvent = () => {}, onComment = () => {}, onRetry = () => {} } = {}) {
  let buffer = '';
  let data = [];
  let event = '';
  let id;
  let lastEventId = '';
  const line = (l) => {
    if (l === '') {
      if (id !== undefined) lastEventId = id;
      if (data.length > 0) onEvent({ id, event: event || 'message', data: data.join('\n'), lastEventId });
      data = [];
      event = '';
      id = undefined;
      return;
    }
    if (l.startsWith(':')) return onComment(l.slice(1));
    const colon = l.indexOf(':');
    const field = colon < 0 ? l : l.slice(0, colon);
    let value = colon < 0 ? '' : l.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') data.push(value);
    else if (field === 'event') event = value;
    else if (field === 'id') id = value;
    else if (field === 'retry') onRetry(Number(value));
  };
  return (text) => {
    buffer += text;
    for (;;) {
      const m = /\r\n|\r|\n/.exec(buffer);
      // A lone CR at the end may be the start of CRLF: wait for more.
      if (!m || (m[0] === '\r' && m.index === buffer.length - 1)) return;
      line(buffer.slice(0, m.index));
      buffer = buffer.slice(m.index + m[0].length);
    }
  };
}

/**
 * Opens a stream with fetch. Resolves once the response head is in, with
 * { response, events, comments, raw(), next(pred, ms), close(), done }.
 */
export async function openStream(url, headers = {}) {
  const controller = new AbortController();
  const response = await fetch(url, { headers, signal: controller.signal });
  const events = [];
  const comments = [];
  let raw = '';
  let retry;
  const waiters = new Set();
  const wake = () => { for (const w of [...waiters]) w(); };
  const feed = streamParser({
    onEvent: (e) => { events.push(e); wake(); },
    onComment: (c) => { comments.push(c); wake(); },
    onRetry: (ms) => { retry = ms; },
  });
  let ended = false;
  const done = (async () => {
    if (!response.body) return;
    const decoder = new TextDecoder();
    try {
      for await (const chunk of response.body) {
        const text = decoder.decode(chunk, { stream: true });
        raw += text;
        feed(text);
      }
    } catch {
      // aborted by close()
    } finally {
      ended = true;
      wake();
    }
  })();
  return {
    response,
    events,
    comments,
    raw: () => raw,
    retry: () => retry,
    ended: () => ended,
    done,
    /** Resolves once `predicate(events)` holds (polled on every event). */
    until(predicate, ms = 5000, what = 'stream condition') {
      return withTimeout(new Promise((resolve, reject) => {
        const check = () => {
          if (predicate(events, comments)) { waiters.delete(check); resolve(events); return; }
          if (ended) { waiters.delete(check); reject(new Error(`stream ended before ${what}`)); }
        };
        waiters.add(check);
        check();
      }), ms, what);
    },
    close() { controller.abort(); },
  };
}

/** A Socket.IO client of the daemon, connected. */
export async function ioClient(d, options = {}) {
  const socket = io(d.url, { forceNew: true, transports: ['websocket'], reconnection: false, ...options });
  await withTimeout(new Promise((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  }), 5000, 'socket.io connect');
  return socket;
}

/** Publishes through the room protocol; resolves with the offset. */
export async function publish(socket, room, event, data) {
  const answer = await withTimeout(socket.emitWithAck('publish', { room, event, data }), 5000, 'publish ack');
  if (!answer.ok) throw new Error(`publish failed: ${JSON.stringify(answer)}`);
  return answer.offset;
}

/** POSTs JSON to the daemon's API; resolves with { status, body }. */
export async function api(d, path, body) {
  const r = await fetch(`${d.url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : undefined };
}

/** The sequence number of an offset "<epoch>-<sequence>". */
export const seq = (offset) => Number(offset.slice(offset.lastIndexOf('-') + 1));
