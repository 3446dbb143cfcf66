// Helpers of the connection state recovery tests (recovery*.test.mjs): fixtures
// with an event store, reconnecting clients, transport cuts, publishing with
// acks, and per-client logs of what arrived (with the wire packets, so that a
// failure shows what the server sent).
//
// With recovery each stored event carries its offset ("<epoch>-<sequence>") as
// its last argument; socket.io-client passes it to handlers as an extra argument
// and remembers the last one (socket._lastOffset), sending it back with its pid
// (socket._pid) in the CONNECT of every reconnection.

import net from 'node:net';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { once as eventsOnce } from 'node:events';
import { WAIT_MS, ack, fixturePath, once, startFixture, withTimeout } from './harness.mjs';

/** The recovery tests need ferry's fixture options (--store ...): skipped on the reference server. */
export const onReference = fixturePath.endsWith('.mjs');
export const skipOnReference = onReference ? 'needs the ferry fixture (--store)' : false;

/** A port free on 127.0.0.1 right now (for a fixture restarted on the same port). */
export async function freePort() {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await eventsOnce(server, 'listening');
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A fresh temporary directory (the SQLite data dir); removed by `removeDir`. */
export function tempDir(prefix = 'ferry-e2e-') {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function removeDir(dir) {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}

/** The sequence of an offset "<epoch>-<sequence>". */
export function seqOf(offset) {
  const m = /-(\d+)$/.exec(offset);
  if (!m) throw new Error(`not an offset: ${JSON.stringify(offset)}`);
  return Number(m[1]);
}

/** The epoch of an offset. */
export function epochOf(offset) {
  return offset.slice(0, offset.lastIndexOf('-'));
}

/** Starts a fixture with an event store (memory unless `--store` is given). */
export function startRecoveryFixture(extraArgs = []) {
  const args = extraArgs.includes('--store') ? extraArgs : ['--store', 'memory', ...extraArgs];
  return startFixture(args);
}

/** Resolves after `ms`. Only to let time pass where nothing can be observed (a quiet period). */
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A tracked socket.io-client socket that reconnects by itself (websocket only,
 * unless `options.transports` says otherwise) and logs:
 *  - `events`: every event received as { name, args, offset } (offset: the last
 *    argument when it is a string), in arrival order;
 *  - `wire`: every decoded Socket.IO packet its Manager saw, with the time;
 *  - `connects`: { id, recovered } per 'connect', `disconnects`: the reasons.
 */
export function recoveringClient(fx, options = {}, nsp = '/') {
  const socket = fx.client(nsp, {
    transports: ['websocket'],
    reconnection: true,
    reconnectionDelay: 50,
    reconnectionDelayMax: 200,
    ...options,
  });
  const log = { events: [], wire: [], connects: [], disconnects: [], gaps: [] };
  socket.log = log;
  socket.io.on('packet', (p) => log.wire.push({ t: Date.now(), type: p.type, data: p.data, id: p.id }));
  socket.onAny((name, ...args) => {
    if (name === 'gap') { log.gaps.push(args[0]); return; }
    const last = args[args.length - 1];
    log.events.push({ name, args, offset: typeof last === 'string' ? last : undefined });
  });
  socket.on('connect', () => log.connects.push({ id: socket.id, recovered: socket.recovered }));
  socket.on('disconnect', (reason) => log.disconnects.push(reason));
  return socket;
}

/** Resolves once `socket` is connected (now or at its next 'connect'). */
export async function whenConnected(socket, ms = WAIT_MS) {
  if (socket.connected) return socket;
  await withTimeout(
    new Promise((resolve, reject) => {
      const onConnect = () => { socket.off('connect_error', onError); resolve(); };
      const onError = (err) => {
        // With reconnection on, the Manager retries; only a non-retrying socket fails here.
        if (!socket.io.reconnection() || !socket.active) { socket.off('connect', onConnect); reject(err); }
      };
      socket.once('connect', onConnect);
      socket.on('connect_error', onError);
    }),
    ms,
    `socket to connect`,
  );
  return socket;
}

/** The next 'connect' of `socket` (after a cut), bounded. */
export async function reconnected(socket, ms = WAIT_MS) {
  await once(socket, 'connect', ms);
  return socket;
}

/**
 * Cuts the client's connection abruptly: the TCP socket under its WebSocket is
 * destroyed (no close frame, no DISCONNECT packet), as a network loss would.
 * The server sees a transport close. With `hold`, the client does not
 * reconnect until `release(socket)`, so a test controls what it misses.
 * Resolves once the client noticed ('disconnect'), and with `observer` (a
 * connected socket) once the server no longer lists it.
 */
export async function cut(socket, { hold = false, observer } = {}) {
  const transport = socket.io.engine?.transport;
  if (!transport || transport.name !== 'websocket' || !transport.ws?._socket) {
    throw new Error(`cut needs a websocket transport, got ${transport?.name}`);
  }
  if (hold) socket.io.reconnection(false);
  const disconnected = once(socket, 'disconnect');
  transport.ws._socket.destroy();
  const id = socket.id;
  const [reason] = await disconnected;
  // With an observer, also wait until the server has seen the connection go
  // (before that, a reconnection would find the session still live).
  if (observer) await waitGone(observer, id);
  return reason;
}

/** Waits until the socket `id` is no longer connected on the server (the fixture's `fetch`). */
export async function waitGone(observer, id, ms = WAIT_MS) {
  const deadline = Date.now() + ms;
  while ((await ack(observer, 'fetch')).includes(id)) {
    if (Date.now() > deadline) throw new Error(`socket ${id} still connected on the server after ${ms} ms`);
    await sleep(10);
  }
}

/** Lets a socket cut with { hold: true } reconnect; resolves at its 'connect'. */
export async function release(socket, ms = WAIT_MS) {
  socket.io.reconnection(true);
  const connectedAgain = reconnected(socket, ms);
  socket.connect();
  return connectedAgain;
}

/**
 * Publishes through the fixture's `publish` event: { room, event, data } (room
 * absent: `publish-all`). Resolves to the ack {ok, offset}; rejects when not ok.
 */
export async function publish(publisher, { room, event = 'ev', data }) {
  const answer = room === undefined
    ? await ack(publisher, 'publish-all', { event, data })
    : await ack(publisher, 'publish', { room, event, data });
  if (!answer?.ok) throw new Error(`publish failed: ${JSON.stringify(answer)}`);
  return answer.offset;
}

/**
 * Publishes `count` events, at most `inFlight` unacknowledged at a time.
 * `make(i)` returns { room, event, data }. Resolves to the offsets, by i.
 */
export async function publishMany(publisher, count, make, { inFlight = 64, ms = 30000 } = {}) {
  const offsets = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      offsets[i] = await publish(publisher, make(i));
    }
  };
  await withTimeout(Promise.all(Array.from({ length: Math.min(inFlight, count) }, worker)), ms,
    `${count} publishes acknowledged`);
  return offsets;
}

/** The payload ids of the events named `name` a client logged, in arrival order. */
export function idsOf(socket, name = 'ev') {
  return socket.log.events.filter((e) => e.name === name).map((e) => e.args[0]?.id);
}

/** Waits until the client logged `n` events named `name` (bounded). */
export async function receivedCount(socket, n, name = 'ev', ms = WAIT_MS) {
  const deadline = Date.now() + ms;
  for (;;) {
    const have = socket.log.events.filter((e) => e.name === name).length;
    if (have >= n) return;
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${ms} ms: ${have} of ${n} "${name}" events arrived\n${describeWire(socket)}`);
    }
    await sleep(5);
  }
}

/** A short account of what the client saw on the wire, for assertion messages. */
export function describeWire(socket, max = 40) {
  const typeNames = ['CONNECT', 'DISCONNECT', 'EVENT', 'ACK', 'CONNECT_ERROR', 'BINARY_EVENT', 'BINARY_ACK'];
  const lines = socket.log.wire.map((p) => {
    const data = JSON.stringify(p.data);
    return `${typeNames[p.type] ?? p.type}${p.id !== undefined ? `#${p.id}` : ''} ${data?.length > 120 ? data.slice(0, 120) + '…' : data}`;
  });
  const shown = lines.length > max ? [...lines.slice(0, max / 2), `… ${lines.length - max} more …`, ...lines.slice(-max / 2)] : lines;
  return `connects ${JSON.stringify(socket.log.connects)} disconnects ${JSON.stringify(socket.log.disconnects)} ` +
    `gaps ${JSON.stringify(socket.log.gaps)}\nwire (${lines.length} packets):\n  ${shown.join('\n  ')}`;
}

/**
 * Asserts that the events named `name` the client got are exactly `expectedIds`
 * in that order (no gap, no duplicate), with strictly increasing offsets.
 */
export function assertExactly(assert, socket, expectedIds, name = 'ev', label = 'client') {
  const events = socket.log.events.filter((e) => e.name === name);
  const ids = events.map((e) => e.args[0]?.id);
  const offsets = events.map((e) => e.offset);
  let why = '';
  const seen = new Set();
  const dups = ids.filter((id) => (seen.has(id) ? true : (seen.add(id), false)));
  if (dups.length) why += ` duplicates ${JSON.stringify(dups.slice(0, 20))};`;
  const missing = expectedIds.filter((id) => !seen.has(id));
  if (missing.length) why += ` missing ${missing.length}: ${JSON.stringify(missing.slice(0, 20))};`;
  for (let i = 1; i < offsets.length; ++i) {
    if (offsets[i] === undefined || offsets[i - 1] === undefined || seqOf(offsets[i]) <= seqOf(offsets[i - 1])) {
      why += ` offsets not increasing at ${i}: ${offsets[i - 1]} then ${offsets[i]};`;
      break;
    }
  }
  if (why || JSON.stringify(ids) !== JSON.stringify(expectedIds)) {
    assert.fail(`${label}: expected ${expectedIds.length} events ${JSON.stringify(expectedIds.slice(0, 30))}` +
      `${expectedIds.length > 30 ? '…' : ''}, got ${ids.length} ${JSON.stringify(ids.slice(0, 30))}` +
      `${ids.length > 30 ? '…' : ''};${why}\n${describeWire(socket)}`);
  }
}

/** Sends SIGKILL to the fixture and waits for it to die (its stop() is then a no-op). */
export async function killHard(fx) {
  fx.child.kill('SIGKILL');
  if (fx.child.exitCode === null && fx.child.signalCode === null) {
    await withTimeout(eventsOnce(fx.child, 'exit'), WAIT_MS, 'fixture to die of SIGKILL');
  }
}

/** SIGTERM without disconnecting the clients first (they see the server go away); expects exit 0. */
export async function terminate(fx) {
  const exited = eventsOnce(fx.child, 'exit');
  fx.child.kill('SIGTERM');
  const [code, signal] = await withTimeout(exited, WAIT_MS, 'fixture to exit on SIGTERM');
  if (code !== 0) throw new Error(`fixture exited with code ${code}, signal ${signal}: ${fx.stderr}`);
}

/** A seeded PRNG (mulberry32): returns a function giving floats in [0, 1). */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
