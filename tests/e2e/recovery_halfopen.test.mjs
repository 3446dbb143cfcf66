// Half-open connections (docs/recovery.md "Reconnects, case by case"): the
// client's side of a connection dies while the server still holds it (a Wi-Fi
// to LTE switch, a NAT that forgets the flow), and the client reconnects with
// its pid and offset before any heartbeat noticed. The reconnect takes the
// session over: the old connection ends as a transport close, the new one is
// the same socket with every missed event once and in order, on every
// transport and whichever worker held the old connection. A session is never
// restored twice, and a session that cannot be restored is said with a `gap`.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { io as ioClient } from 'socket.io-client';
import { WAIT_MS, ack, eventually, upgraded } from './harness.mjs';
import { startProxy } from './proxy.mjs';
import {
  assertExactly, publish, receivedCount, recoveringClient, release, skipOnReference, startRecoveryFixture,
  waitGone, cut, whenConnected,
} from './recovery_helpers.mjs';
import * as daemon from './sse_helpers.mjs';

/** A stand-in for a fixture whose clients connect through `proxy`. */
function through(proxy) {
  const made = [];
  return {
    made,
    client(nsp = '/', options = {}) {
      const socket = ioClient(proxy.url + nsp, { forceNew: true, reconnection: false, timeout: WAIT_MS, ...options });
      made.push(socket);
      return socket;
    },
  };
}

const range = (from, to) => Array.from({ length: to - from }, (_, i) => from + i);

describe('a reconnect takes over its half-open connection', { skip: skipOnReference }, () => {
  const cases = [
    { label: 'WebSocket only, one worker', transports: ['websocket'], workers: 1 },
    { label: 'upgraded from polling, one worker', transports: ['polling', 'websocket'], workers: 1 },
    { label: 'polling only, one worker', transports: ['polling'], workers: 1 },
    { label: 'WebSocket only, two workers', transports: ['websocket'], workers: 2 },
    { label: 'upgraded from polling, two workers', transports: ['polling', 'websocket'], workers: 2 },
  ];
  for (const { label, transports, workers } of cases) {
    test(label, async () => {
      const fx = await startRecoveryFixture(['--max-events', '1000', '--workers', String(workers)]);
      const proxy = await startProxy(fx.port);
      const via = through(proxy);
      try {
        const room = 'half-open';
        // Three clients: with two workers, some reconnect on the worker that
        // holds their old connection and some on the other.
        const clients = [];
        for (let i = 0; i < 3; ++i) {
          clients.push(await whenConnected(recoveringClient(via, { transports, auth: { rooms: [room] } })));
        }
        if (transports.length === 2) await Promise.all(clients.map((c) => upgraded(c)));
        const pub = await whenConnected(recoveringClient(fx, { reconnection: false }));
        for (let i = 0; i < 2; ++i) await publish(pub, { room, data: { id: i } });
        await Promise.all(clients.map((c) => receivedCount(c, 2)));
        const ids = clients.map((c) => c.id);

        // The network fails under every client at once; they hold off
        // reconnecting while the test publishes what they will have missed.
        for (const c of clients) c.io.reconnection(false);
        const gone = clients.map((c) => new Promise((resolve) => c.once('disconnect', resolve)));
        // (A polling client may be between requests: its next one is reset.)
        assert.ok(proxy.halfOpen() >= 1, 'connections went half-open');
        await Promise.all(gone);
        const listed = await ack(pub, 'fetch');
        for (const id of ids) assert.ok(listed.includes(id), `the server still holds ${id}: the case under test`);
        for (let i = 2; i < 12; ++i) await publish(pub, { room, data: { id: i } });

        // They reconnect while the server still holds the old connections.
        proxy.heal();
        await Promise.all(clients.map((c) => release(c)));
        for (const [k, c] of clients.entries()) {
          await receivedCount(c, 12);
          assert.equal(c.recovered, true, `client ${k}: socket.recovered`);
          assert.equal(c.id, ids[k], `client ${k}: the same socket id`);
          assert.deepEqual(c.log.gaps, [], `client ${k}: no gap`);
        }

        // The old connections' late close must not disturb the restored sessions.
        proxy.release();
        await publish(pub, { room, data: { id: 12 } });
        for (const [k, c] of clients.entries()) {
          await receivedCount(c, 13);
          await ack(c, 'echo-ack', 'flush');  // a duplicate would have arrived by now
          assertExactly(assert, c, range(0, 13), 'ev', `client ${k}`);
          assert.equal(c.connected, true, `client ${k} still connected`);
          assert.equal(c.log.disconnects.length, 1, `client ${k}: one disconnect, the network's`);
        }
        const after = await ack(pub, 'fetch');
        for (const id of ids) assert.equal(after.filter((x) => x === id).length, 1, `${id} listed once`);
      } finally {
        for (const c of via.made) c.disconnect();
        fx.disconnectClients();
        await proxy.close();
        await fx.stop();
      }
    });
  }

  test('two reconnects with the same pid at once: one socket holds the session', async () => {
    const fx = await startRecoveryFixture(['--workers', '2']);
    try {
      const room = 'twice';
      const client = await whenConnected(recoveringClient(fx, { auth: { rooms: [room] } }));
      const pub = await whenConnected(recoveringClient(fx, { reconnection: false }));
      await publish(pub, { room, data: { id: 0 } });
      await receivedCount(client, 1);
      const { id, _pid: pid, _lastOffset: offset } = client;
      await cut(client, { hold: true, observer: pub });
      for (let i = 1; i < 4; ++i) await publish(pub, { room, data: { id: i } });

      // Two clients present the same pid and offset together (a copied session).
      const auth = { pid, offset, rooms: [room] };
      const twins = [recoveringClient(fx, { auth, reconnection: false }), recoveringClient(fx, { auth, reconnection: false })];
      await Promise.allSettled(twins.map((t) => whenConnected(t)));
      await eventually(async () => (await ack(pub, 'fetch')).filter((x) => x === id).length === 1, WAIT_MS,
        `socket ${id} listed once`);
      await eventually(() => twins.filter((t) => t.connected && t.id === id).length === 1, WAIT_MS,
        'exactly one twin holds the session');
      const holder = twins.find((t) => t.connected && t.id === id);
      await receivedCount(holder, 3);
      await ack(holder, 'echo-ack', 'flush');
      assertExactly(assert, holder, [1, 2, 3], 'ev', 'the holder');
      const other = twins.find((t) => t !== holder);
      if (other.connected) {
        // It lost the race for the record: a new session, told plainly.
        assert.notEqual(other.id, id);
        await eventually(() => other.log.gaps.length === 1, WAIT_MS, 'the other twin gets a gap');
      }
    } finally {
      fx.disconnectClients();
      await fx.stop();
    }
  });
});

describe('a CONNECT whose session is not restored is never refused in silence (daemon)', () => {
  let d;
  after(async () => { await d?.stop(); });

  test('an unknown pid with an offset: the rooms asked back replay exactly what came after it', async () => {
    d = await daemon.startDaemon();
    const room = 'cursor';
    const pub = await daemon.ioClient(d);
    const offsets = [];
    for (let i = 0; i < 5; ++i) offsets.push(await daemon.publish(pub, room, 'ev', { id: i }));
    const got = [];
    const gaps = [];
    const socket = ioClient(d.url, {
      forceNew: true, transports: ['websocket'], reconnection: false,
      auth: { pid: 'gone-long-ago', offset: offsets[1], rooms: [room] },
    });
    socket.on('ev', (data) => got.push(data.id));
    socket.on('gap', (g) => gaps.push(g));
    try {
      await eventually(() => got.length === 3, WAIT_MS, 'the three events after the offset');
      await withAck(socket);
      assert.deepEqual(got, [2, 3, 4]);
      assert.deepEqual(gaps, []);
      assert.equal(socket.recovered, false);
    } finally {
      socket.disconnect();
      pub.disconnect();
    }
  });

  test('an unknown pid without an offset: a gap names the rooms asked back', async () => {
    const gaps = [];
    const socket = ioClient(d.url, {
      forceNew: true, transports: ['websocket'], reconnection: false,
      auth: { pid: 'unknown-pid', rooms: ['a', 'b'] },
    });
    socket.on('gap', (g) => gaps.push(g));
    try {
      await eventually(() => gaps.length === 1, WAIT_MS, 'a gap');
      assert.deepEqual(gaps[0], { rooms: ['a', 'b'], oldest: null });
    } finally {
      socket.disconnect();
    }
  });

  test('an offset of another epoch: a gap for the rooms, then live events', async () => {
    const gaps = [];
    const got = [];
    const socket = ioClient(d.url, {
      forceNew: true, transports: ['websocket'], reconnection: false,
      auth: { pid: 'unknown-pid-2', offset: 'someotherepoch-7', rooms: ['epochs'] },
    });
    socket.on('gap', (g) => gaps.push(g));
    socket.on('ev', (data) => got.push(data.id));
    const pub = await daemon.ioClient(d);
    try {
      await eventually(() => gaps.length === 1, WAIT_MS, 'a gap');
      assert.deepEqual(gaps[0].rooms, ['epochs']);
      await daemon.publish(pub, 'epochs', 'ev', { id: 'live' });
      await eventually(() => got.length === 1, WAIT_MS, 'the live event');
      assert.deepEqual(got, ['live']);
    } finally {
      socket.disconnect();
      pub.disconnect();
    }
  });
});

/** A round trip through the daemon (an unsubscribe of nothing), so anything queued before it has arrived. */
async function withAck(socket) {
  await socket.timeout(WAIT_MS).emitWithAck('unsubscribe', 'nothing-here');
}
