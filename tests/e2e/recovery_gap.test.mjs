// When the log cannot give a client everything it missed (retention dropped
// events after its offset, an offset of another epoch, a forged one), the client
// is told plainly: recovered === false and a `gap` event { rooms, oldest } —
// never a silent partial replay (docs/recovery.md, docs/store.md "Offsets, epochs, gaps").
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ack } from './harness.mjs';
import {
  cut, describeWire, epochOf, idsOf, publish, publishMany, receivedCount, recoveringClient, release,
  skipOnReference, startRecoveryFixture, waitGone, whenConnected,
} from './recovery_helpers.mjs';

/** Waits until the client got a `gap` event (bounded). */
async function gapArrives(socket, ms = 5000) {
  const deadline = Date.now() + ms;
  while (socket.log.gaps.length === 0) {
    if (Date.now() > deadline) throw new Error(`no gap event within ${ms} ms\n${describeWire(socket)}`);
    await new Promise((r) => setTimeout(r, 5));
  }
  return socket.log.gaps[0];
}

describe('gaps: what was dropped is said, never replayed in part', { skip: skipOnReference }, () => {
  let fx;
  before(async () => { fx = await startRecoveryFixture(['--max-events', '5']); });
  afterEach(() => fx.disconnectClients());
  after(async () => { await fx?.stop(); });

  const publisher = () => whenConnected(recoveringClient(fx, { reconnection: false }));

  test('retention dropped events the cut client missed: recovered === false and a gap event', async () => {
    const room = 'gap';
    const client = await whenConnected(recoveringClient(fx, { auth: { rooms: [room] } }));
    const pub = await publisher();
    const oldId = client.id;
    await publish(pub, { room, data: { id: 0 } });
    await receivedCount(client, 1);

    await cut(client, { hold: true, observer: pub });
    const offsets = await publishMany(pub, 20, (i) => ({ room, data: { id: 1 + i } }), { inFlight: 1 });
    await release(client);
    const gap = await gapArrives(client);
    await ack(client, 'echo-ack', 'flush');

    assert.equal(client.recovered, false, describeWire(client));
    assert.notEqual(client.id, oldId, 'a new session');
    // Retention keeps the last 5 of the room: ids 16..20.
    assert.deepEqual(gap, { rooms: [room], oldest: offsets[15] });
    assert.deepEqual(idsOf(client), [0], `no partial replay\n${describeWire(client)}`);
    assert.ok((await ack(client, 'stats')).recoveryGaps >= 1, 'the refused recovery is counted');
    // The gap comes after the CONNECT reply and before anything else of the new session.
    const connectAt = client.log.wire.findLastIndex((p) => p.type === 0);
    assert.equal(client.log.wire[connectAt + 1]?.data?.[0], 'gap', describeWire(client));
    // The new session works: the fixture joined auth.rooms again (not recovered).
    await publish(pub, { room, data: { id: 21 } });
    await receivedCount(client, 2);
    assert.deepEqual(idsOf(client), [0, 21]);
  });

  test('retention dropped nothing of the client\'s rooms: recovered despite trimming elsewhere', async () => {
    // The control of the test above, with the trimming in another room.
    const client = await whenConnected(recoveringClient(fx, { auth: { rooms: ['kept'] } }));
    const pub = await publisher();
    await publish(pub, { room: 'kept', data: { id: 0 } });
    await receivedCount(client, 1);
    await cut(client, { hold: true, observer: pub });
    await publishMany(pub, 20, (i) => ({ room: 'elsewhere', data: { id: 1 + i } }));
    await publish(pub, { room: 'kept', data: { id: 99 } });
    await release(client);
    await receivedCount(client, 2);
    await ack(client, 'echo-ack', 'flush');
    assert.equal(client.recovered, true, describeWire(client));
    assert.deepEqual(client.log.gaps, []);
    assert.deepEqual(idsOf(client), [0, 99]);
  });

  test('a whole-namespace event trimmed while away is a gap too', async () => {
    const client = await whenConnected(recoveringClient(fx, { auth: { rooms: ['nsgap'] } }));
    const pub = await publisher();
    await publish(pub, { data: { id: 0 } });
    await receivedCount(client, 1);
    await cut(client, { hold: true, observer: pub });
    await publishMany(pub, 8, (i) => ({ data: { id: 1 + i } }), { inFlight: 1 });
    await release(client);
    const gap = await gapArrives(client);
    assert.equal(client.recovered, false, describeWire(client));
    assert.deepEqual(gap.rooms, ['nsgap']);
    assert.deepEqual(idsOf(client), [0]);
  });

  test('an offset beyond the newest one (forged) is a gap, not a recovery', async () => {
    const room = 'forged';
    const pub = await publisher();
    const old = await whenConnected(recoveringClient(fx, { auth: { rooms: [room] }, reconnection: false }));
    await publish(pub, { room, data: { id: 0 } });
    await receivedCount(old, 1);
    const saved = { pid: old._pid, offset: old._lastOffset, id: old.id };
    old.io.engine.close();
    await waitGone(pub, saved.id);

    const page = recoveringClient(fx, { auth: { rooms: [room] }, autoConnect: false });
    page._pid = saved.pid;
    page._lastOffset = `${epochOf(saved.offset)}-999999999`;
    page.connect();
    await whenConnected(page);
    await gapArrives(page);
    assert.equal(page.recovered, false, describeWire(page));
    assert.notEqual(page.id, saved.id);
    assert.deepEqual(idsOf(page), []);
  });

  test('a malformed offset with a valid pid: not recovered, told with a gap', async () => {
    const room = 'malformed';
    const pub = await publisher();
    const old = await whenConnected(recoveringClient(fx, { auth: { rooms: [room] }, reconnection: false }));
    await publish(pub, { room, data: { id: 0 } });
    await receivedCount(old, 1);
    const saved = { pid: old._pid, id: old.id };
    old.io.engine.close();
    await waitGone(pub, saved.id);

    const page = recoveringClient(fx, { auth: { rooms: [room] }, autoConnect: false });
    page._pid = saved.pid;
    page._lastOffset = 'not-an-offset';
    page.connect();
    await whenConnected(page);
    const gap = await gapArrives(page);
    assert.equal(page.recovered, false, describeWire(page));
    assert.deepEqual(gap, { rooms: [room], oldest: null });
  });

  test('join-since with an offset older than retention: the gap first, then what is kept', async () => {
    const room = 'since-gap';
    const pub = await publisher();
    const offsets = await publishMany(pub, 12, (i) => ({ room, data: { id: i } }), { inFlight: 1 });
    const page = await whenConnected(recoveringClient(fx));
    assert.equal(await ack(page, 'join-since', { rooms: [room], since: offsets[0] }), true);
    await receivedCount(page, 5);
    await ack(page, 'echo-ack', 'flush');
    // Told plainly, before the events that are still kept (a partial replay the app asked for).
    // (Its `oldest` is checked in the next suite, on a fixture of its own.)
    assert.equal(page.log.gaps.length, 1, describeWire(page));
    assert.deepEqual(page.log.gaps[0].rooms, [room]);
    const gapAt = page.log.wire.findIndex((p) => p.data?.[0] === 'gap');
    const firstEv = page.log.wire.findIndex((p) => p.data?.[0] === 'ev');
    assert.ok(gapAt >= 0 && gapAt < firstEv, describeWire(page));
    assert.deepEqual(idsOf(page), [7, 8, 9, 10, 11]);
  });

  test('join-since with an offset of another epoch (the memory store restarted): a gap', async () => {
    const other = await startRecoveryFixture();
    let foreign;
    try {
      const p = await whenConnected(recoveringClient(other, { reconnection: false }));
      foreign = await publish(p, { room: 'epoch', data: { id: 'old' } });
    } finally {
      await other.stop();
    }
    const pub = await publisher();
    await publish(pub, { room: 'epoch', data: { id: 0 } });
    const page = await whenConnected(recoveringClient(fx));
    assert.equal(await ack(page, 'join-since', { rooms: ['epoch'], since: foreign }), true);
    await receivedCount(page, 1);
    await ack(page, 'echo-ack', 'flush');
    assert.equal(page.log.gaps.length, 1, describeWire(page));
    assert.deepEqual(page.log.gaps[0].rooms, ['epoch']);
    assert.deepEqual(idsOf(page), [0]);
  });
});

describe('gap: `oldest` names the oldest event kept in the gap\'s rooms', { skip: skipOnReference }, () => {
  // Whole-namespace events are kept apart (room ""): those older than the
  // client's cursor must not become `oldest`, which is where the client could
  // resume from in the rooms it is told about.
  let fx;
  beforeEach(async () => { fx = await startRecoveryFixture(['--max-events', '5']); });
  afterEach(async () => { await fx?.stop(); });

  test('join-since: a namespace-wide event older than `since` is not `oldest`', async () => {
    const pub = await whenConnected(recoveringClient(fx, { reconnection: false }));
    await publishMany(pub, 3, (i) => ({ data: { id: `ns${i}` } }), { inFlight: 1 });  // sequences 1..3, all kept
    const offsets = await publishMany(pub, 12, (i) => ({ room: 'r', data: { id: i } }), { inFlight: 1 });  // 4..15
    const page = await whenConnected(recoveringClient(fx));
    assert.equal(await ack(page, 'join-since', { rooms: ['r'], since: offsets[0] }), true);
    await receivedCount(page, 5);
    await ack(page, 'echo-ack', 'flush');
    assert.deepEqual(idsOf(page), [7, 8, 9, 10, 11]);
    assert.deepEqual(page.log.gaps, [{ rooms: ['r'], oldest: offsets[7] }], describeWire(page));
  });

  test('recovery: a namespace-wide event the client already had is not `oldest`', async () => {
    const client = await whenConnected(recoveringClient(fx, { auth: { rooms: ['r'] } }));
    const pub = await whenConnected(recoveringClient(fx, { reconnection: false }));
    await publishMany(pub, 3, (i) => ({ data: { id: `ns${i}` } }), { inFlight: 1 });
    await publish(pub, { room: 'r', data: { id: 0 } });
    await receivedCount(client, 4);
    await cut(client, { hold: true, observer: pub });
    const offsets = await publishMany(pub, 10, (i) => ({ room: 'r', data: { id: 1 + i } }), { inFlight: 1 });
    await release(client);
    const gap = await gapArrives(client);
    assert.equal(client.recovered, false);
    assert.deepEqual(gap, { rooms: ['r'], oldest: offsets[5] }, describeWire(client));
  });
});
