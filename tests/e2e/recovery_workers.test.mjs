// Ordering across workers (--workers 2): publishes from clients on different
// workers, concurrently; every subscriber sees the same sequence, in offset
// order, and a subscriber cut meanwhile (reconnecting on any worker) recovers
// the very same sequence.
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ack, withTimeout } from './harness.mjs';
import {
  assertExactly, cut, describeWire, publishMany, receivedCount, reconnected, recoveringClient, seqOf,
  skipOnReference, startRecoveryFixture, whenConnected,
} from './recovery_helpers.mjs';

describe('ordering across workers', { skip: skipOnReference }, () => {
  let fx;
  before(async () => { fx = await startRecoveryFixture(['--workers', '2', '--max-events', '10000']); });
  afterEach(() => fx.disconnectClients());
  after(async () => { await fx?.stop(); });

  test('concurrent publishers on two workers: one order for every subscriber, offsets increasing', async () => {
    const room = 'ordered';
    const PUBLISHERS = 4;
    const EACH = 300;
    const subscribers = await Promise.all(Array.from({ length: 6 }, (_, k) =>
      whenConnected(recoveringClient(fx, {
        auth: { rooms: [room] },
        reconnectionDelay: 100,
        transports: k % 3 === 2 ? ['polling'] : ['websocket'],
      }))));
    const publishers = await Promise.all(Array.from({ length: PUBLISHERS }, () =>
      whenConnected(recoveringClient(fx, { reconnection: false }))));

    // Every fifth event of a publisher goes to the whole namespace.
    const acked = await withTimeout(Promise.all(publishers.map((pub, p) =>
      publishMany(pub, EACH, (i) => (i % 5 === 4
        ? { data: { id: `${p}-${i}` } }
        : { room, data: { id: `${p}-${i}` } }), { inFlight: 16 }))), 30000, 'publishes');
    const total = PUBLISHERS * EACH;

    // Each publisher's offsets follow its own sending order.
    for (const [p, offsets] of acked.entries()) {
      for (let i = 1; i < offsets.length; ++i) {
        assert.ok(seqOf(offsets[i]) > seqOf(offsets[i - 1]), `publisher ${p}: offset ${i} after ${i - 1}`);
      }
    }
    const expected = acked.flatMap((offsets, p) => offsets.map((o, i) => ({ seq: seqOf(o), id: `${p}-${i}` })))
      .sort((a, b) => a.seq - b.seq).map((e) => e.id);

    await Promise.all(subscribers.map((s) => receivedCount(s, total, 'ev', 15000)));
    await Promise.all(subscribers.map((s) => ack(s, 'echo-ack', 'flush')));
    for (const [k, s] of subscribers.entries()) assertExactly(assert, s, expected, 'ev', `subscriber ${k}`);
  });

  test('a subscriber cut while two workers publish recovers the same order', async () => {
    const room = 'ordered-cut';
    const [a, b] = await Promise.all([0, 1].map(() =>
      whenConnected(recoveringClient(fx, { auth: { rooms: [room] }, reconnectionDelay: 100 }))));
    const publishers = await Promise.all([0, 1, 2, 3].map(() => whenConnected(recoveringClient(fx, { reconnection: false }))));
    const EACH = 250;
    let cutDone;
    a.on('ev', () => { if (!cutDone && a.log.events.length === 200) cutDone = cut(a); });
    const acked = await withTimeout(Promise.all(publishers.map((pub, p) =>
      publishMany(pub, EACH, (i) => ({ room, data: { id: `${p}-${i}` } }), { inFlight: 8 }))), 30000, 'publishes');
    assert.ok(cutDone, 'the cut happened while publishing');
    await cutDone;
    if (!a.connected) await reconnected(a);
    const expected = acked.flatMap((offsets, p) => offsets.map((o, i) => ({ seq: seqOf(o), id: `${p}-${i}` })))
      .sort((x, y) => x.seq - y.seq).map((e) => e.id);
    await Promise.all([a, b].map((s) => receivedCount(s, expected.length, 'ev', 15000)));
    await Promise.all([a, b].map((s) => ack(s, 'echo-ack', 'flush')));
    assert.equal(a.recovered, true, describeWire(a));
    assertExactly(assert, a, expected, 'ev', 'cut subscriber');
    assertExactly(assert, b, expected, 'ev', 'other subscriber');
  });
});
