// Test harness: starts the fixture server, connects official socket.io-client
// sockets and raw `ws` connections to it, and waits for events — every wait
// bounded in time, every server bound to 127.0.0.1 on a free port.
//
// The fixture binary is FERRY_FIXTURE, else <repo>/build/tests/e2e/fixture_server.
// A FERRY_FIXTURE ending in .mjs is run with node (reference_server.mjs: the same
// behaviours on the reference socket.io server, to check the tests themselves).

import { spawn } from 'node:child_process';
import { once as eventsOnce } from 'node:events';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { io as ioClient } from 'socket.io-client';
import WebSocket from 'ws';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

export const fixturePath = process.env.FERRY_FIXTURE
  ? path.resolve(process.env.FERRY_FIXTURE)
  : path.join(repoRoot, 'build', 'tests', 'e2e', 'fixture_server');

/** Default bound on any single wait, in ms. */
export const WAIT_MS = 5000;
const START_TIMEOUT_MS = 10000;
const STOP_TIMEOUT_MS = 5000;
const KILL_TIMEOUT_MS = 2000;

/** Runs `promise` but rejects with `what` after `ms`. */
export function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Resolves after `ms` (only for rate limits in `eventually`; tests wait on events). */
const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits for `child` to exit, at most `ms`; resolves to true when it did. */
async function waitExit(child, ms) {
  if (child.exitCode !== null || child.signalCode !== null) return true;
  try {
    await withTimeout(eventsOnce(child, 'exit'), ms, 'fixture exit');
    return true;
  } catch {
    return child.exitCode !== null || child.signalCode !== null;
  }
}

/**
 * Starts the fixture server with extra CLI arguments (e.g. ['--workers', '2']); without
 * a '--port' among them it binds a free port.
 * Resolves to { port, url, args, stop(), clients... } once it printed `listening <port>`.
 */
export async function startFixture(extraArgs = []) {
  // An explicit --port (a restart on the same port) replaces the free one.
  const args = extraArgs.includes('--port') ? [...extraArgs] : ['--port', '0', ...extraArgs];
  const [command, argv] = fixturePath.endsWith('.mjs')
    ? [process.execPath, [fixturePath, ...args]]
    : [fixturePath, args];
  const child = spawn(command, argv, { stdio: ['ignore', 'pipe', 'pipe'] });

  let stderr = '';
  let stdout = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
    if (process.env.FERRY_E2E_VERBOSE) process.stderr.write(chunk);
  });
  child.stdout.setEncoding('utf8');

  let port;
  try {
    port = await withTimeout(
      new Promise((resolve, reject) => {
        child.stdout.on('data', (chunk) => {
          stdout += chunk;
          const match = /^listening (\d+)\r?$/m.exec(stdout);
          if (match) resolve(Number(match[1]));
        });
        child.once('error', reject);
        child.once('exit', (code, signal) =>
          reject(new Error(`fixture exited before listening (code ${code}, signal ${signal}): ${stderr}`)));
      }),
      START_TIMEOUT_MS,
      `fixture ${fixturePath} to print "listening <port>"`,
    );
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }

  const url = `http://127.0.0.1:${port}`;
  const clients = new Set();
  let stopping = false;

  const fixture = {
    port,
    url,
    child,
    args,
    get stderr() { return stderr; },

    /** True while the fixture process runs. */
    alive() { return child.exitCode === null && child.signalCode === null; },

    /** A socket.io-client socket (forceNew, no reconnection, 5 s connect timeout), tracked for cleanup. */
    client(nsp = '/', options = {}) {
      const socket = ioClient(url + nsp, {
        forceNew: true,
        reconnection: false,
        timeout: WAIT_MS,
        ...options,
      });
      clients.add(socket);
      return socket;
    },

    /** client(), resolved once connected; rejects with the connect_error. */
    async connect(nsp = '/', options = {}) {
      const socket = fixture.client(nsp, options);
      await connected(socket);
      return socket;
    },

    /**
     * A raw WebSocket to the Engine.IO endpoint, tracked for cleanup. Resolves
     * once open to { ws, frames } where frames = framesOf(ws), attached before
     * the first message can arrive.
     */
    async rawWebSocket(query = 'EIO=4&transport=websocket') {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/socket.io/?${query}`);
      const frames = framesOf(ws);
      clients.add(ws);
      await withTimeout(eventsOnce(ws, 'open'), WAIT_MS, 'raw WebSocket open');
      return { ws, frames };
    },

    /** Disconnects every client made through this fixture. */
    disconnectClients() {
      for (const c of clients) {
        if (c instanceof WebSocket) c.terminate();
        else c.disconnect();
      }
      clients.clear();
    },

    /**
     * Disconnects the clients, sends SIGTERM and waits (bounded, then SIGKILL).
     * Resolves to { code, signal }; rejects if the fixture had died before stop()
     * (a crash during the tests), or did not exit 0 on SIGTERM in time.
     */
    async stop() {
      fixture.disconnectClients();
      if (stopping) return { code: child.exitCode, signal: child.signalCode };
      stopping = true;
      if (!fixture.alive()) {
        throw new Error(`fixture died during the tests (code ${child.exitCode}, signal ${child.signalCode}): ${stderr}`);
      }
      child.kill('SIGTERM');
      if (await waitExit(child, STOP_TIMEOUT_MS)) {
        if (child.exitCode !== 0) {
          throw new Error(`fixture exited uncleanly on SIGTERM (code ${child.exitCode}, signal ${child.signalCode}): ${stderr}`);
        }
        return { code: child.exitCode, signal: child.signalCode };
      }
      child.kill('SIGKILL');
      await waitExit(child, KILL_TIMEOUT_MS);
      throw new Error(`fixture did not exit within ${STOP_TIMEOUT_MS} ms of SIGTERM (killed)`);
    },
  };
  return fixture;
}

/**
 * Resolves with the arguments (an array) of the next `event` on `emitter`
 * (socket.io-client socket, manager, engine or ws); rejects after `ms`.
 */
export function once(emitter, event, ms = WAIT_MS) {
  return withTimeout(
    new Promise((resolve) => emitter.once(event, (...args) => resolve(args))),
    ms,
    `event "${event}"`,
  );
}

/** Resolves once `socket` is connected; rejects with its connect_error (or on timeout). */
export function connected(socket, ms = WAIT_MS) {
  if (socket.connected) return Promise.resolve(socket);
  return withTimeout(
    new Promise((resolve, reject) => {
      const onConnect = () => { socket.off('connect_error', onError); resolve(socket); };
      const onError = (err) => { socket.off('connect', onConnect); reject(err); };
      socket.once('connect', onConnect);
      socket.once('connect_error', onError);
    }),
    ms,
    `socket ${socket.nsp} to connect`,
  );
}

/** Resolves with the connect_error `socket` gets; rejects if it connects instead. */
export function connectError(socket, ms = WAIT_MS) {
  return withTimeout(
    new Promise((resolve, reject) => {
      socket.once('connect', () => reject(new Error(`socket ${socket.nsp} connected, expected connect_error`)));
      socket.once('connect_error', resolve);
    }),
    ms,
    `connect_error on ${socket.nsp}`,
  );
}

/** Emits with an ack; resolves with the ack's first argument (use ackAll for every argument). */
export async function ack(socket, event, ...args) {
  return (await ackAll(socket, event, ...args))[0];
}

/** Emits with an ack; resolves with the array of the ack's arguments. */
export function ackAll(socket, event, ...args) {
  return withTimeout(
    new Promise((resolve) => socket.emit(event, ...args, (...answer) => resolve(answer))),
    WAIT_MS,
    `ack of "${event}"`,
  );
}

/**
 * A round trip through the server: once it returns, every packet the server
 * queued for `socket` before handling it has arrived (one connection, one ordered writer).
 */
export async function flush(socket) {
  await ack(socket, 'echo-ack', 'flush');
}

/** Counts the occurrences of `event` on each socket (with their arguments) until stop(). */
export function record(sockets, event) {
  const seen = new Map(sockets.map((s) => [s, []]));
  const listeners = sockets.map((s) => {
    const fn = (...args) => seen.get(s).push(args);
    s.on(event, fn);
    return [s, fn];
  });
  return {
    of: (s) => seen.get(s),
    count: (s) => seen.get(s).length,
    /** Resolves once every socket in `expected` saw the event at least once. */
    async all(expected = sockets, ms = WAIT_MS) {
      const deadline = Date.now() + ms;
      while (expected.some((s) => seen.get(s).length === 0)) {
        if (Date.now() > deadline) {
          const missing = expected.filter((s) => seen.get(s).length === 0).length;
          throw new Error(`timed out after ${ms} ms: "${event}" missing on ${missing} of ${expected.length} sockets`);
        }
        await delay(5);
      }
    },
    stop() { for (const [s, fn] of listeners) s.off(event, fn); },
  };
}

/** Polls `predicate` (may be async) until true; rejects after `ms`. For states with no event. */
export async function eventually(predicate, ms = WAIT_MS, what = 'condition', every = 25) {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await predicate()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await delay(every);
  }
}

/** Resolves once the socket's engine runs over WebSocket (already, or after its upgrade). */
export async function upgraded(socket, ms = WAIT_MS) {
  const engine = socket.io.engine;
  if (engine.transport.name === 'websocket') return;
  await once(engine, 'upgrade', ms);
}

/** A raw Engine.IO WebSocket: collects text frames and lets tests wait for the next one. */
export function framesOf(ws) {
  const frames = [];
  const waiters = [];
  ws.on('message', (data, isBinary) => {
    const frame = isBinary ? data : data.toString();
    const waiter = waiters.shift();
    if (waiter) waiter(frame);
    else frames.push(frame);
  });
  return {
    frames,
    next(ms = WAIT_MS) {
      if (frames.length) return Promise.resolve(frames.shift());
      return withTimeout(new Promise((resolve) => waiters.push(resolve)), ms, 'next WebSocket frame');
    },
  };
}

/** Raw long-polling requests against a fixture (Engine.IO v4 over HTTP). */
export function polling(fixture) {
  const base = `${fixture.url}/socket.io/?EIO=4&transport=polling`;
  const request = (query, init) =>
    withTimeout(fetch(`${base}${query}`, { ...init, signal: AbortSignal.timeout(WAIT_MS) }), WAIT_MS, 'HTTP request');
  return {
    /** The handshake: resolves to the parsed OPEN packet. */
    async open() {
      const res = await request('');
      const body = await res.text();
      if (res.status !== 200 || body[0] !== '0') throw new Error(`handshake failed: ${res.status} ${body}`);
      return JSON.parse(body.slice(1));
    },
    async get(sid) {
      const res = await request(`&sid=${sid}`);
      return { status: res.status, body: await res.text() };
    },
    async post(sid, body) {
      const res = await request(`&sid=${sid}`, { method: 'POST', body, headers: { 'content-type': 'text/plain;charset=UTF-8' } });
      return { status: res.status, body: await res.text() };
    },
  };
}
