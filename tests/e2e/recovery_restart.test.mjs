// Recovery across a restart of the server with the SQLite stores (events.sqlite
// and sessions.sqlite in one data directory), restarted on the same port: after
// a clean stop (SIGTERM) and after `kill -9`. Clients that stayed "connected"
// through the restart (websocket and polling) and one that had disconnected
// before it all recover, with their rooms and data, and every event they
// missed — those acknowledged before the stop and those published after the
// restart — in order, exactly once.
import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ack, startFixture } from './harness.mjs';
import {
  assertExactly, describeWire, epochOf, freePort, killHard, publish, receivedCount, recoveringClient,
  removeDir, skipOnReference, tempDir, terminate, waitGone, whenConnected,
} from './recovery_helpers.mjs';

const RESTART_WAIT_MS = 10000;

describe('recovery across a server restart (SQLite)', { skip: skipOnReference }, () => {
  let cleanup = [];
  afterEach(async () => {
    for (const fn of cleanup.reverse()) {
      try { await fn(); } catch { /* best effort */ }
    }
    cleanup = [];
  });

  async function scenario({ kill, durability = 'batch' }) {
    const dir = tempDir();
    cleanup.push(() => removeDir(dir));
    const port = await freePort();
    const args = ['--port', String(port), '--store', 'sqlite', '--data-dir', dir, '--durability', durability];
    const room = 'r';

    const first = await startFixture(args);
    cleanup.push(() => (first.alive() ? killHard(first) : undefined));
    const opts = { auth: { rooms: [room] }, reconnectionDelay: 100, reconnectionDelayMax: 300 };
    // Sockets of `first` reconnect to `second`: same URL. Cleaned up by hand.
    const live = recoveringClient(first, opts);
    const poll = recoveringClient(first, { ...opts, transports: ['polling'] });
    const away = recoveringClient(first, opts);
    cleanup.push(() => first.disconnectClients());
    await Promise.all([live, poll, away].map((s) => whenConnected(s)));
    const ids = { live: live.id, poll: poll.id, away: away.id };
    assert.equal(await ack(live, 'set-data', { who: 'live' }), true);
    assert.equal(await ack(away, 'set-data', { who: 'away' }), true);

    const pub1 = await whenConnected(recoveringClient(first, { reconnection: false }));
    const offsets = [];
    for (let i = 0; i < 3; ++i) offsets.push(await publish(pub1, { room, data: { id: i } }));
    await Promise.all([live, poll, away].map((s) => receivedCount(s, 3)));

    // `away` leaves politely; the next events, acknowledged before the stop, are for it to recover.
    away.disconnect();
    await waitGone(pub1, ids.away);
    for (let i = 3; i < 6; ++i) offsets.push(await publish(pub1, { room, data: { id: i } }));

    const livesDown = Promise.all([live, poll].map((s) => new Promise((resolve) => s.once('disconnect', resolve))));
    if (kill) await killHard(first); else await terminate(first);
    await livesDown;

    const second = await startFixture(args);
    cleanup.push(() => second.stop());
    const pub2 = await whenConnected(recoveringClient(second, { reconnection: false }));
    // Both reconnect by themselves (their managers retry every 100-300 ms).
    await Promise.all([live, poll].map((s) => whenConnected(s, RESTART_WAIT_MS)));
    for (let i = 6; i < 9; ++i) offsets.push(await publish(pub2, { room, data: { id: i } }));
    const back = whenConnected(away);
    away.connect();
    await back;

    const all = Array.from({ length: 9 }, (_, i) => i);
    for (const [name, s] of Object.entries({ live, poll, away })) {
      await receivedCount(s, 9, 'ev', RESTART_WAIT_MS);
      await ack(s, 'echo-ack', 'flush');
      assert.equal(s.recovered, true, `${name} recovered after the restart\n${describeWire(s)}`);
      assert.equal(s.id, ids[name], `${name} keeps its id`);
      assert.deepEqual(s.log.gaps, [], `${name}: no gap`);
      assertExactly(assert, s, all, 'ev', name);
      assert.deepEqual((await ack(s, 'whoami')).rooms, [ids[name], room].sort(), `${name}: rooms restored`);
    }
    assert.deepEqual(await ack(live, 'get-data'), { who: 'live' });
    assert.deepEqual(await ack(away, 'get-data'), { who: 'away' });
    // One history: the log kept its epoch and sequence.
    assert.equal(new Set(offsets.map(epochOf)).size, 1, `one epoch: ${offsets}`);
    return { first, second };
  }

  test('SIGTERM, restart on the same port and data dir: every client recovers', async () => {
    await scenario({ kill: false });
  });

  test('kill -9 (durability batch), restart: acknowledged events and sessions survive', async () => {
    await scenario({ kill: true, durability: 'batch' });
  });

  test('kill -9 (durability sync), restart: acknowledged events and sessions survive', async () => {
    await scenario({ kill: true, durability: 'sync' });
  });

  // Events still being published when the server goes: whatever a client saw
  // must be in the log after the restart (delivery follows the commit), and
  // each client ends with exactly the log's events of its room, once each —
  // including a polling client, whose last response may carry events and the close.
  async function inFlight({ kill }) {
    const dir = tempDir();
    cleanup.push(() => removeDir(dir));
    const port = await freePort();
    const args = ['--port', String(port), '--store', 'sqlite', '--data-dir', dir];
    const room = 'burst';
    const first = await startFixture(args);
    cleanup.push(() => (first.alive() ? killHard(first) : undefined));
    const opts = { auth: { rooms: [room] }, reconnectionDelay: 100, reconnectionDelayMax: 300 };
    const clients = {
      ws: recoveringClient(first, opts),
      polling: recoveringClient(first, { ...opts, transports: ['polling'] }),
      upgraded: recoveringClient(first, { ...opts, transports: ['polling', 'websocket'] }),
    };
    cleanup.push(() => first.disconnectClients());
    await Promise.all(Object.values(clients).map((s) => whenConnected(s)));
    const pub1 = await whenConnected(recoveringClient(first, { reconnection: false }));
    const epoch = epochOf(await publish(pub1, { room, data: { id: -1 } }));

    // 3000 publishes without waiting; the server goes after 100 acknowledgements.
    let acked = 0;
    let stopping;
    const down = new Promise((resolve) => { stopping = resolve; });
    for (let i = 0; i < 3000; ++i) {
      pub1.emit('publish', { room, event: 'ev', data: { id: i } }, () => { if (++acked === 100) stopping(); });
    }
    await down;
    if (kill) await killHard(first); else await terminate(first);
    const seenBefore = Object.fromEntries(Object.entries(clients).map(([k, s]) => [k, s.log.events.length]));

    const second = await startFixture(args);
    cleanup.push(() => second.stop());
    await Promise.all(Object.values(clients).map((s) => whenConnected(s, RESTART_WAIT_MS)));
    // What the log holds for the room, read from its start by a new session.
    const reader = await whenConnected(recoveringClient(second, { reconnection: false }));
    assert.equal(await ack(reader, 'join-since', { rooms: [room], since: `${epoch}-0` }), true);
    const pub2 = await whenConnected(recoveringClient(second, { reconnection: false }));
    await publish(pub2, { room, data: { id: 'after' } });
    const readerLast = () => reader.log.events.at(-1)?.args[0]?.id;
    const deadline = Date.now() + RESTART_WAIT_MS;
    while (readerLast() !== 'after') {
      if (Date.now() > deadline) throw new Error(`the reader never got the event after the restart\n${describeWire(reader)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    const logged = reader.log.events.map((e) => e.args[0].id);
    if (process.env.FERRY_E2E_VERBOSE) console.log(`log ${logged.length}, seen before the stop ${JSON.stringify(seenBefore)}`);
    assert.ok(logged.length >= 102, `at least the acknowledged events are in the log: ${logged.length}`);
    for (const [name, s] of Object.entries(clients)) {
      await receivedCount(s, logged.length, 'ev', RESTART_WAIT_MS);
      await ack(s, 'echo-ack', 'flush');
      assert.equal(s.recovered, true, `${name} recovered\n${describeWire(s)}`);
      assertExactly(assert, s, logged, 'ev', `${name} (had ${seenBefore[name]} before the stop)`);
    }
  }

  test('SIGTERM while events are being published: each client ends with exactly the log', async () => {
    await inFlight({ kill: false });
  });

  test('kill -9 while events are being published: each client ends with exactly the log', async () => {
    await inFlight({ kill: true });
  });
});
