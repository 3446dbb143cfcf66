// Big batches against the real daemon (build/ferry, one worker, so every
// client shares it): one polling POST of 20,000 `subscribe`s, the same as a
// WebSocket burst, one CONNECT naming 50,000 rooms, and SIGTERM in the middle of a batch. A batch is
// handled a slice per turn of the worker, and a join costs O(1) amortised
// (docs/recovery.md "Sessions"), so neighbours keep being served, the batch
// completes in order, and a shutdown is not held up. No timing is asserted:
// every wait is bounded, and the bounds are far above what the work takes.

import { test, describe, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { io } from 'socket.io-client';
import { daemonPath, freePort } from './daemon_helpers.mjs';
import { withTimeout, connected, eventually } from './harness.mjs';

const scratch = mkdtempSync(path.join(tmpdir(), 'ferry-batches-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

// Bounds of the waits on a whole batch: a shared, loaded CI machine, not a figure of merit.
const BATCH_MS = 60000;
const STEP_MS = 10000;
const SEP = '\x1e';

/** The daemon on a free port with one worker and its own data directory; resolves once /healthz answers. */
async function startDaemon(name) {
  const port = await freePort();
  const dir = path.join(scratch, name);
  const child = spawn(daemonPath, ['--port', String(port), '--workers', '1', '--data-dir', dir],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c) => { output += c; });
  child.stderr.on('data', (c) => { output += c; });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  await eventually(async () => {
    try {
      return (await fetch(`http://127.0.0.1:${port}/healthz`)).status === 200;
    } catch {
      return false;
    }
  }, STEP_MS, `daemon on ${port} healthy`);
  return { port, child, exited, output: () => output, url: `http://127.0.0.1:${port}` };
}

function alive(d) { return d.child.exitCode === null && d.child.signalCode === null; }

async function stopDaemon(d) {
  if (!alive(d)) return;
  d.child.kill('SIGTERM');
  try {
    await withTimeout(d.exited, STEP_MS, 'daemon exit');
  } catch {
    d.child.kill('SIGKILL');
  }
}

/** POST /api/emit; resolves to { status, body }, bounded. */
async function emit(d, body) {
  const res = await withTimeout(fetch(`${d.url}/api/emit`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(STEP_MS),
  }), STEP_MS, '/api/emit');
  return { status: res.status, body: await res.json() };
}

/** A raw Engine.IO long-polling session connected to the namespace "/". */
async function rawPolling(d) {
  const base = `${d.url}/socket.io/?EIO=4&transport=polling`;
  const request = async (init) => {
    const res = await fetch(`${base}&sid=${sid}`, { ...init, signal: AbortSignal.timeout(BATCH_MS) });
    return { status: res.status, body: await res.text() };
  };
  const open = await fetch(base, { signal: AbortSignal.timeout(STEP_MS) });
  const handshake = await open.text();
  assert.equal(handshake[0], '0', handshake);
  const { sid } = JSON.parse(handshake.slice(1));
  assert.equal((await request({ method: 'POST', body: '40' })).body, 'ok');
  const connect = await request();
  assert.match(connect.body, /^40\{"sid"/);
  return {
    post: (body) => request({ method: 'POST', body, headers: { 'content-type': 'text/plain;charset=UTF-8' } }),
    /** One GET: the Engine.IO packets it carried. */
    async get() {
      const res = await request();
      assert.equal(res.status, 200, res.body);
      return res.body.split(SEP);
    },
  };
}

/** `count` subscribe packets with ack ids 0..count-1, as one polling payload. */
function subscribes(prefix, count) {
  const packets = [];
  for (let i = 0; i < count; ++i) packets.push(`42${i}["subscribe","${prefix}${i}"]`);
  return packets.join(SEP);
}

/** Reads GETs until `count` acks arrived; asserts they come in order and all succeeded. */
async function collectAcks(poll, count, deadline) {
  let next = 0;
  while (next < count) {
    assert.ok(Date.now() < deadline, `timed out with ${next} of ${count} acks`);
    for (const p of await poll.get()) {
      const m = /^43(\d+)(\[.*)$/.exec(p);
      if (!m) continue;
      assert.equal(Number(m[1]), next, 'acks in the order of the packets');
      assert.equal(JSON.parse(m[2])[0].ok, true, p);
      ++next;
    }
  }
}

describe('big batches on one worker', () => {
  const daemons = [];
  const sockets = [];
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.close();
    for (const d of daemons.splice(0)) await stopDaemon(d);
  });

  test('a POST of 20,000 subscribes completes in order while a neighbour on the worker keeps receiving', async () => {
    const d = await startDaemon('subscribes');
    daemons.push(d);
    const neighbour = io(d.url, { forceNew: true, transports: ['websocket'], reconnection: false, auth: { rooms: ['n'] } });
    sockets.push(neighbour);
    await connected(neighbour, STEP_MS);
    const ticks = [];
    neighbour.on('tick', (data) => ticks.push(data));

    const poll = await rawPolling(d);
    const count = 20000;
    let postAnswered = false;
    const post = poll.post(subscribes('b', count)).then((res) => { postAnswered = true; return res; });
    const acks = collectAcks(poll, count, Date.now() + BATCH_MS);

    // Publishes to the neighbour while the batch is handled: each is answered,
    // and delivered, without waiting for the batch to end.
    let sent = 0;
    let duringBatch = 0;
    while (!postAnswered && sent < 5000) {
      const res = await emit(d, { room: 'n', event: 'tick', data: sent });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      if (!postAnswered) ++duringBatch;
      ++sent;
    }
    assert.equal((await withTimeout(post, BATCH_MS, 'the POST answer')).body, 'ok');
    await acks;
    assert.ok(duringBatch >= 1, 'an /api/emit was answered while the POST was being handled');
    await eventually(() => ticks.length === sent, STEP_MS, `${sent} ticks on the neighbour (got ${ticks.length})`);
    assert.deepEqual(ticks, Array.from({ length: sent }, (_, i) => i), 'every tick, once, in order');

    // Every join took effect: the last room reaches the batch's client.
    assert.equal((await emit(d, { room: `b${count - 1}`, event: 'last', data: 'x' })).status, 200);
    const deadline = Date.now() + STEP_MS;
    for (let seen = false; !seen;) {
      assert.ok(Date.now() < deadline, 'the event of the last room');
      seen = (await poll.get()).some((p) => p.startsWith('42["last","x"'));
    }
  });

  test('a WebSocket burst of 20,000 subscribes completes in order while a neighbour keeps receiving', async () => {
    const d = await startDaemon('burst');
    daemons.push(d);
    const neighbour = io(d.url, { forceNew: true, transports: ['websocket'], reconnection: false, auth: { rooms: ['n'] } });
    const burst = io(d.url, { forceNew: true, transports: ['websocket'], reconnection: false });
    sockets.push(neighbour, burst);
    await Promise.all([connected(neighbour, STEP_MS), connected(burst, STEP_MS)]);
    const ticks = [];
    neighbour.on('tick', (data) => ticks.push(data));

    // Sent in one go: the server reads them in a few large reads.
    const count = 20000;
    const order = [];
    const acked = new Promise((resolve) => {
      for (let i = 0; i < count; ++i) {
        burst.emit('subscribe', `w${i}`, (answer) => {
          assert.equal(answer.ok, true, JSON.stringify(answer));
          order.push(i);
          if (order.length === count) resolve();
        });
      }
    });
    let done = false;
    acked.then(() => { done = true; });
    let sent = 0;
    while (!done && sent < 5000) {
      assert.equal((await emit(d, { room: 'n', event: 'tick', data: sent })).status, 200);
      ++sent;
    }
    await withTimeout(acked, BATCH_MS, 'the acks of the burst');
    assert.deepEqual(order, Array.from({ length: count }, (_, i) => i), 'acks in the order of the packets');
    await eventually(() => ticks.length === sent, STEP_MS, `${sent} ticks on the neighbour (got ${ticks.length})`);
    assert.deepEqual(ticks, Array.from({ length: sent }, (_, i) => i), 'every tick, once, in order');
    const last = new Promise((resolve) => burst.once('last', resolve));
    assert.equal((await emit(d, { room: `w${count - 1}`, event: 'last', data: 'x' })).status, 200);
    assert.equal(await withTimeout(last, STEP_MS, 'the event of the last room'), 'x');
  });

  test('a CONNECT naming 50,000 rooms completes and gets the events of the last one', async () => {
    const d = await startDaemon('connect');
    daemons.push(d);
    const rooms = Array.from({ length: 50000 }, (_, i) => `r${i}`);
    const big = io(d.url, { forceNew: true, transports: ['websocket'], reconnection: false, auth: { rooms }, timeout: BATCH_MS });
    sockets.push(big);
    await connected(big, BATCH_MS);
    const got = new Promise((resolve) => big.once('last', resolve));
    assert.equal((await emit(d, { room: rooms.at(-1), event: 'last', data: 'hello' })).status, 200);
    assert.equal(await withTimeout(got, STEP_MS, 'the event of the last room'), 'hello');
    // And of the first, through the same room index.
    const first = new Promise((resolve) => big.once('first', resolve));
    assert.equal((await emit(d, { room: rooms[0], event: 'first', data: 1 })).status, 200);
    assert.equal(await withTimeout(first, STEP_MS, 'the event of the first room'), 1);
  });

  test('SIGTERM in the middle of a batch: the daemon exits', async () => {
    const d = await startDaemon('sigterm');
    daemons.push(d);
    const poll = await rawPolling(d);
    const post = poll.post(subscribes('s', 30000)).catch(() => null);
    // The first acks: the batch is being handled (its first slices are out).
    let acked = 0;
    const deadline = Date.now() + BATCH_MS;
    while (acked === 0) {
      assert.ok(Date.now() < deadline, 'the first acks of the batch');
      acked += (await poll.get()).filter((p) => p.startsWith('43')).length;
    }
    d.child.kill('SIGTERM');
    const { code } = await withTimeout(d.exited, 5000, 'the daemon to exit after SIGTERM');
    assert.equal(code, 0, d.output());
    await post;
  });
});
