// One request must not poison a room: numbers JSON cannot carry (1e400,
// -1e400, a 400-digit integer parse to infinity) are refused on every surface
// that takes event data, nothing is appended, and the room keeps delivering
// the events after. And an emit to 50,000 rooms is accepted and delivered
// once to each subscriber.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { withTimeout, eventually } from './harness.mjs';
import { startDaemon, openStream, ioClient, publish, api, seq } from './sse_helpers.mjs';

let d;
before(async () => { d = await startDaemon(); });
after(async () => { await d?.stop(); });

/** POSTs a raw JSON text to /api/emit (JSON.stringify cannot write 1e400). */
async function emitRaw(body) {
  const r = await fetch(`${d.url}/api/emit`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body,
  });
  return { status: r.status, body: await r.json() };
}

/**
 * Sends a raw Socket.IO text packet through the client's Engine.IO connection
 * (socket.io-client would write Infinity as null, so no JavaScript client can
 * send 1e400) and resolves with the reason of the disconnect it causes.
 */
function rawSendAndDisconnect(socket, text) {
  return withTimeout(new Promise((resolve) => {
    socket.once('disconnect', resolve);
    socket.io.engine.write(text);
  }), 5000, 'the offender disconnected');
}

describe('a poisoned room', () => {
  test('non-finite data is refused by the API and over Socket.IO; nothing is stored; the room keeps working', async () => {
    const member = await ioClient(d, { auth: { rooms: ['p'] } });
    const publisher = await ioClient(d);
    let disconnects = 0;
    member.on('disconnect', () => { disconnects++; });
    const seen = [];
    member.onAny((...args) => seen.push(args));
    const stream = await openStream(`${d.url}/events?rooms=p`);
    try {
      await stream.until((ev) => ev.length >= 1, 5000, 'session');
      const first = await publish(publisher, 'p', 'v', 1);

      const huge = '9'.repeat(400);
      for (const data of ['1e400', '-1e400', huge, `-${huge}`, '[1,{"x":1e999}]']) {
        const r = await emitRaw(`{"room":"p","event":"v","data":${data}}`);
        assert.equal(r.status, 400, data);
        assert.equal(r.body.error.code, 'bad_request', data);
        assert.match(r.body.error.message, /number/, data);
      }
      const args = await emitRaw('{"room":"p","event":"v","args":[1,1e400]}');
      assert.equal(args.status, 400);
      const volatile = await emitRaw('{"room":"p","event":"v","data":1e400,"volatile":true}');
      assert.equal(volatile.status, 400);

      // Over Socket.IO a number JSON cannot carry breaks the packet's JSON
      // rules (the codec, socketio/packet.cpp): that one connection is closed
      // as a protocol violation, before the room protocol sees it.
      for (const data of ['1e400', '-1e400', huge]) {
        const rogue = await ioClient(d);
        const reason = await rawSendAndDisconnect(rogue, `420["publish",{"room":"p","event":"v","data":${data}}]`);
        assert.equal(reason, 'transport close', data);
        rogue.close();
      }
      assert.ok(publisher.connected, 'the other clients are not affected');

      // Nothing was appended: the next event takes the very next offset, and
      // every surface delivers it.
      const second = await publish(publisher, 'p', 'v', 2);
      assert.equal(seq(second), seq(first) + 1);
      await eventually(() => seen.length >= 2, 5000, 'both events on Socket.IO');
      assert.deepEqual(seen, [['v', 1, first], ['v', 2, second]]);
      await stream.until((ev) => ev.some((e) => e.id === second), 5000, 'the second event on SSE');
      assert.deepEqual(stream.events.slice(1).map((e) => [e.id, e.data]), [[first, '1'], [second, '2']]);
      const history = await api(d, '/api/rooms/p/events');
      assert.equal(history.status, 200);
      assert.equal(history.body.gap, false);
      assert.deepEqual(history.body.events.map((e) => [e.offset, e.args]), [[first, [1]], [second, [2]]]);
      assert.equal(disconnects, 0);
      assert.ok(member.connected);
    } finally {
      stream.close();
      member.close();
      publisher.close();
    }
  });

  test('finite extremes are ordinary data', async () => {
    const r = await emitRaw('{"room":"p2","event":"v","args":[1.7976931348623157e308,1e-400,-0,18446744073709551615]}');
    assert.equal(r.status, 200);
  });
});

describe('an emit to 50,000 rooms', () => {
  test('is accepted and delivered once to each subscriber', async () => {
    const a = await ioClient(d, { auth: { rooms: ['r0', 'r25000', 'r49999'] } });
    const b = await ioClient(d, { auth: { rooms: ['r7'] } });
    const outside = await ioClient(d, { auth: { rooms: ['elsewhere'] } });
    const got = new Map([[a, []], [b, []], [outside, []]]);
    for (const [s, list] of got) s.onAny((...args) => list.push(args));
    try {
      const rooms = Array.from({ length: 50000 }, (_, i) => `r${i}`);
      // Each room twice: the duplicates are dropped, and the check is linear.
      const r = await api(d, '/api/emit', { rooms: [...rooms, ...rooms], event: 'wide', data: 'hello' });
      assert.equal(r.status, 200);
      assert.equal(typeof r.body.offset, 'string');
      // A marker to every socket after it: once each has the marker, the wide event came (or never will).
      const marker = await api(d, '/api/emit', { rooms: ['r0', 'r7', 'elsewhere'], event: 'marker' });
      assert.equal(marker.status, 200);
      await eventually(() => [...got.values()].every((l) => l.some((e) => e[0] === 'marker')), 10000, 'markers');
      assert.deepEqual(got.get(a).map((e) => e[0]), ['wide', 'marker']);
      assert.deepEqual(got.get(b).map((e) => e[0]), ['wide', 'marker']);
      assert.deepEqual(got.get(outside).map((e) => e[0]), ['marker']);
      assert.deepEqual(got.get(a)[0], ['wide', 'hello', r.body.offset]);
    } finally {
      for (const s of got.keys()) s.close();
    }
  });
});
