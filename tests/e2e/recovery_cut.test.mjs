// Connection state recovery after a lost connection (docs/recovery.md): a
// transport cut while events are published, a client that had received nothing,
// a quiet client whose offset is old, and a polite disconnect() + connect().
// Each recovery must give socket.recovered === true, the same socket id, its
// rooms and data, and every missed event in order, exactly once.
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ack, once } from './harness.mjs';
import {
  assertExactly, cut, describeWire, publish, publishMany, receivedCount, reconnected, recoveringClient,
  release, skipOnReference, startRecoveryFixture, waitGone, whenConnected,
} from './recovery_helpers.mjs';

describe('recovery after a disconnect', { skip: skipOnReference }, () => {
  let fx;
  before(async () => { fx = await startRecoveryFixture(['--max-events', '5']); });
  afterEach(() => fx.disconnectClients());
  after(async () => { await fx?.stop(); });

  const publisher = () => whenConnected(recoveringClient(fx, { reconnection: false }));

  test('transport cut while events are published: every missed event, in order, exactly once', async () => {
    const room = 'cut-live';
    // Retention of 5 per room would cut this test's stream: its own fixture keeps 10,000.
    const big = await startRecoveryFixture(['--max-events', '10000']);
    try {
      const client = await whenConnected(recoveringClient(big, { auth: { rooms: [room] }, reconnectionDelay: 150, reconnectionDelayMax: 300 }));
      const pub = await whenConnected(recoveringClient(big, { reconnection: false }));
      const id = client.id;
      const total = 300;
      let missedWhileAway = 0;
      let away = false;
      client.on('disconnect', () => { away = true; });
      client.on('connect', () => { away = false; });

      // A stream of publishes; the client's connection is destroyed a third of the way in,
      // and publishing goes on while it is away and while it reconnects.
      let next = 0;
      const offsets = [];
      const stream = (async () => {
        while (next < total) {
          const batch = [];
          for (let k = 0; k < 10 && next < total; ++k) {
            const i = next++;
            if (away) ++missedWhileAway;
            batch.push(publish(pub, { room, data: { id: i } }).then((o) => { offsets[i] = o; }));
          }
          await Promise.all(batch);
          if (next === 100) await cut(client);  // resolves at the client's 'disconnect'
        }
      })();
      await stream;
      await whenConnected(client);
      await receivedCount(client, total);
      await ack(client, 'echo-ack', 'flush');  // anything duplicated would be here by now

      assert.ok(missedWhileAway > 0, 'some events must have been published while the client was away');
      assert.equal(client.recovered, true, `socket.recovered after the cut\n${describeWire(client)}`);
      assert.equal(client.id, id, 'the same socket id');
      assert.deepEqual(client.log.connects.map((c) => c.recovered), [false, true]);
      assertExactly(assert, client, Array.from({ length: total }, (_, i) => i));
      // The offset each event carried is the one its publisher was acknowledged with.
      assert.deepEqual(client.log.events.filter((e) => e.name === 'ev').map((e) => e.offset), offsets);
      assert.equal(client.log.gaps.length, 0);
    } finally {
      big.disconnectClients();
      await big.stop();
    }
  });

  test('a cut client that had received nothing recovers from its session start', async () => {
    const room = 'zero';
    const client = await whenConnected(recoveringClient(fx, { auth: { rooms: [room] } }));
    const pub = await publisher();
    const id = client.id;
    assert.equal(client._lastOffset, undefined, 'nothing received yet');

    await cut(client, { hold: true, observer: pub });
    const offsets = [];
    for (let i = 0; i < 3; ++i) offsets.push(await publish(pub, { room, data: { id: i } }));
    await release(client);
    await receivedCount(client, 3);
    await ack(client, 'echo-ack', 'flush');

    // The CONNECT it sent carried a pid and no offset.
    assert.equal(client.recovered, true, `recovered\n${describeWire(client)}`);
    assert.equal(client.id, id);
    assertExactly(assert, client, [0, 1, 2]);
    assert.equal(client._lastOffset, offsets[2]);
    assert.deepEqual((await ack(client, 'whoami')).rooms, [id, room].sort());
  });

  test('a quiet client recovers although retention moved on in other rooms', async () => {
    // Retention keeps 5 events per room. The quiet client's offset is old: 20 events
    // were published after it in another room (whose watermark rises past the
    // offset), none in its own. Per docs/store.md a cursor at or above every
    // watermark of *its* rooms is not a gap, however old.
    const quiet = await whenConnected(recoveringClient(fx, { auth: { rooms: ['quiet'] } }));
    const busy = await whenConnected(recoveringClient(fx, { auth: { rooms: ['busy'] } }));
    const pub = await publisher();
    const id = quiet.id;

    await publish(pub, { room: 'quiet', data: { id: 'q0' } });
    await receivedCount(quiet, 1);
    await publishMany(pub, 20, (i) => ({ room: 'busy', data: { id: `b${i}` } }));
    await receivedCount(busy, 20);
    await cut(quiet, { hold: true, observer: pub });
    await publishMany(pub, 20, (i) => ({ room: 'busy', data: { id: `b${20 + i}` } }));
    await release(quiet);
    await ack(quiet, 'echo-ack', 'flush');

    assert.equal(quiet.recovered, true, `a quiet client recovers\n${describeWire(quiet)}`);
    assert.equal(quiet.id, id);
    assert.deepEqual(quiet.log.gaps, []);
    assertExactly(assert, quiet, ['q0']);
    // And it is still in its room: the next event reaches it.
    await publish(pub, { room: 'quiet', data: { id: 'q1' } });
    await receivedCount(quiet, 2);
    assertExactly(assert, quiet, ['q0', 'q1']);
  });

  test('a quiet client that had received nothing recovers too', async () => {
    const quiet = await whenConnected(recoveringClient(fx, { auth: { rooms: ['quiet0'] } }));
    const pub = await publisher();
    const id = quiet.id;
    await publishMany(pub, 20, (i) => ({ room: 'busy0', data: { id: `b${i}` } }));
    await cut(quiet, { hold: true, observer: pub });
    await publishMany(pub, 20, (i) => ({ room: 'busy0', data: { id: `b${20 + i}` } }));
    await publish(pub, { room: 'quiet0', data: { id: 'q0' } });
    await release(quiet);
    await receivedCount(quiet, 1);
    await ack(quiet, 'echo-ack', 'flush');
    assert.equal(quiet.recovered, true, describeWire(quiet));
    assert.equal(quiet.id, id);
    assertExactly(assert, quiet, ['q0']);
  });

  test('polite disconnect() then connect(): recovered, missed events replayed, rooms and data kept', async () => {
    const room = 'polite';
    const client = await whenConnected(recoveringClient(fx, { auth: { rooms: [room] } }));
    const pub = await publisher();
    const id = client.id;
    assert.equal(await ack(client, 'set-data', { user: 'ada', n: 1 }), true);
    await publish(pub, { room, data: { id: 0 } });
    await receivedCount(client, 1);

    client.disconnect();
    assert.equal(client.log.disconnects.at(-1), 'io client disconnect');
    // The server must have handled the DISCONNECT before the events are published
    // (a live socket's session cannot be taken): a round trip of the publisher,
    // sent after it, does not prove that; waiting until the socket is gone does.
    await waitGone(pub, id);
    await publish(pub, { room, data: { id: 1 } });
    await publish(pub, { room, data: { id: 2 } });

    const back = reconnected(client);
    client.connect();
    await back;
    await receivedCount(client, 3);
    await ack(client, 'echo-ack', 'flush');

    assert.equal(client.recovered, true, `recovered after disconnect()+connect()\n${describeWire(client)}`);
    assert.equal(client.id, id);
    assertExactly(assert, client, [0, 1, 2]);
    const who = await ack(client, 'whoami');
    assert.deepEqual(who, { id, recovered: true, rooms: [id, room].sort() });
    assert.deepEqual(await ack(client, 'get-data'), { user: 'ada', n: 1 });
  });

  test('after a recovery the stale auth is ignored: rooms are those of the session', async () => {
    const client = await whenConnected(recoveringClient(fx, { auth: { rooms: ['a1'] } }));
    const id = client.id;
    // The session leaves a1 and joins a2; the client will still send auth {rooms:[a1]}.
    assert.equal(await ack(client, 'leave', 'a1'), true);
    assert.equal(await ack(client, 'join', 'a2'), true);
    await cut(client);
    await reconnected(client);
    assert.equal(client.recovered, true, describeWire(client));
    assert.deepEqual(await ack(client, 'whoami'), { id, recovered: true, rooms: [id, 'a2'].sort() });
  });

  test('an event emitted to the socket itself is recovered too', async () => {
    const client = await whenConnected(recoveringClient(fx));
    const id = client.id;
    const pub = await publisher();
    await cut(client, { hold: true, observer: pub });
    // A publish to the socket's own room (its id).
    await publish(pub, { room: id, data: { id: 'own' } });
    await release(client);
    await receivedCount(client, 1);
    assert.equal(client.recovered, true);
    assertExactly(assert, client, ['own']);
    // A server-side emit to the socket (socket->emit_args through the log) after recovery.
    client.emit('echo', { id: 'echoed' });
    await once(client, 'echo');
  });
});
