// Slow consumers (docs/recovery.md "Slow consumers"): a client that stops
// reading while events keep coming goes over its outbound budget
// (--max-outbound) and is cut; every event is in the log, so when it reads
// again and reconnects it recovers all of them — none lost, none twice.
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { ack, eventually } from './harness.mjs';
import {
  assertExactly, cut, describeWire, publishMany, receivedCount, recoveringClient, release,
  skipOnReference, startRecoveryFixture, whenConnected,
} from './recovery_helpers.mjs';

/** Bytes the kernel can buffer on a loopback connection whose reader stopped (its send + receive buffers). */
function kernelBufferBytes() {
  const max = (file, fallback) => {
    try { return Number(fs.readFileSync(file, 'utf8').trim().split(/\s+/)[2]); } catch { return fallback; }
  };
  return max('/proc/sys/net/ipv4/tcp_wmem', 4 << 20) + (1 << 20);
}

describe('slow consumer', { skip: skipOnReference }, () => {
  let fx;
  before(async () => {
    fx = await startRecoveryFixture(['--max-outbound', '20000', '--max-events', '100000']);
  });
  afterEach(() => fx.disconnectClients());
  after(async () => { await fx?.stop(); });

  const room = 'firehose';
  // 1 kB events, at most 8 unacknowledged: a client that reads never has more
  // than ~8 kB queued, under the 20,000-byte budget; a paused one piles them up.
  const filler = 'x'.repeat(1000);

  /** A slow client (its TCP socket paused) and a fast one, both in `room`; `count` events published. */
  async function firehose(count) {
    const slow = await whenConnected(recoveringClient(fx, { auth: { rooms: [room] }, reconnectionDelay: 100 }));
    const fast = await whenConnected(recoveringClient(fx, { auth: { rooms: [room] } }));
    const pub = await whenConnected(recoveringClient(fx, { reconnection: false }));
    const tcp = slow.io.engine.transport.ws._socket;
    // The slow client stops reading: the kernel buffers fill, then the server's queue grows.
    tcp.pause();
    await publishMany(pub, count, (i) => ({ room, data: { id: i, filler } }), { inFlight: 8, ms: 60000 });
    return { slow, fast, pub, tcp, slowId: slow.id };
  }

  test('a client over its outbound budget is disconnected at once, not after its blocked write', async () => {
    // Enough to fill the kernel's buffers and then the 20,000-byte budget many times over.
    const count = Math.ceil((kernelBufferBytes() + (1 << 20)) / 1000);
    const { pub, slowId, tcp } = await firehose(count);
    try {
      // The socket must leave the server (rooms, fetch_sockets, session saved as
      // disconnected) without waiting for the client to read again.
      await eventually(async () => !(await ack(pub, 'fetch', room)).includes(slowId), 3000,
        `the server to drop the paused client after ${count} events of 1 kB (--max-outbound 20000)`);
      // Cut with its own reason, and counted.
      assert.ok((await ack(pub, 'stats')).slowConsumerCuts >= 1);
    } finally {
      tcp.resume();
    }
  });

  test('a client that stops reading is cut, then recovers every event once', async () => {
    const count = Math.ceil((kernelBufferBytes() + (1 << 20)) / 1000);
    const { slow, fast, tcp, slowId } = await firehose(count);
    tcp.resume();
    await receivedCount(fast, count, 'ev', 20000);
    await receivedCount(slow, count, 'ev', 20000);
    await ack(slow, 'echo-ack', 'flush');

    const all = Array.from({ length: count }, (_, i) => i);
    assert.ok(slow.log.disconnects.length >= 1, `the slow client was disconnected\n${describeWire(slow)}`);
    assert.equal(slow.recovered, true, `recovered after the cut\n${describeWire(slow)}`);
    assert.equal(slow.id, slowId);
    assert.deepEqual(slow.log.gaps, []);
    assertExactly(assert, slow, all, 'ev', 'slow');
    assertExactly(assert, fast, all, 'ev', 'fast');
    assert.deepEqual(fast.log.disconnects, [], 'the fast client was never cut');
  });

  test('a recovery whose replay exceeds the outbound budget completes (no cut-and-retry loop)', async () => {
    // A client that reads promptly, away while 200 events of 1 kB (200 kB, ten
    // times the budget) were published: its replay must be paced, not cut.
    const client = await whenConnected(recoveringClient(fx, { auth: { rooms: ['replay-big'] } }));
    const pub = await whenConnected(recoveringClient(fx, { reconnection: false }));
    await cut(client, { hold: true, observer: pub });
    await publishMany(pub, 200, (i) => ({ room: 'replay-big', data: { id: i, filler } }), { inFlight: 8 });
    await release(client);
    await receivedCount(client, 200, 'ev', 10000);
    await ack(client, 'echo-ack', 'flush');
    assert.equal(client.recovered, true, describeWire(client));
    assertExactly(assert, client, Array.from({ length: 200 }, (_, i) => i));
    assert.deepEqual(client.log.disconnects, ['transport close'],
      `one disconnect (the test's cut), then one recovery: ${client.log.connects.length - 1} reconnections`);
  });
});
