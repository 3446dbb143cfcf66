// Control events cannot be forged: the names ferry itself sends (gap,
// session) and Socket.IO's reserved ones are refused by POST /api/emit and
// by the room protocol's publish, and nothing reaches the room.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { withTimeout, eventually } from './harness.mjs';
import { startDaemon, openStream, ioClient, publish, api } from './sse_helpers.mjs';

const RESERVED = ['gap', 'session', 'connect', 'connect_error', 'disconnect', 'disconnecting', 'newListener',
  'removeListener'];

let d;
before(async () => { d = await startDaemon(); });
after(async () => { await d?.stop(); });

describe('reserved event names', () => {
  test('POST /api/emit and publish refuse each with bad_request; the room sees none of them', async () => {
    const member = await ioClient(d, { auth: { rooms: ['f'] } });
    const publisher = await ioClient(d);
    const seen = [];
    member.onAny((...args) => seen.push(args));
    const stream = await openStream(`${d.url}/events?rooms=f`);
    try {
      await stream.until((ev) => ev.length >= 1, 5000, 'session');
      for (const event of RESERVED) {
        const r = await api(d, '/api/emit', { room: 'f', event, data: { rooms: ['f'], oldest: null, id: 'x' } });
        assert.equal(r.status, 400, event);
        assert.equal(r.body.error.code, 'bad_request', event);
        assert.match(r.body.error.message, /reserved/, event);
        const answer = await withTimeout(publisher.emitWithAck('publish', { room: 'f', event, data: {} }), 5000, 'ack');
        assert.equal(answer.ok, false, event);
        assert.equal(answer.error.code, 'bad_request', event);
      }
      // A marker after them: once it is in, anything forged would have arrived before it.
      const marker = await publish(publisher, 'f', 'marker', 1);
      await eventually(() => seen.length >= 1, 5000, 'the marker');
      await stream.until((ev) => ev.some((e) => e.id === marker), 5000, 'the marker on SSE');
      assert.deepEqual(seen, [['marker', 1, marker]]);
      assert.deepEqual(stream.events.map((e) => e.event), ['session', 'marker']);
    } finally {
      stream.close();
      member.close();
      publisher.close();
    }
  });

  test('names that merely look alike are ordinary events', async () => {
    for (const event of ['Gap', 'gaps', 'session ', 'connection']) {
      const r = await api(d, '/api/emit', { room: 'f2', event, data: 1 });
      assert.equal(r.status, 200, event);
    }
  });
});
