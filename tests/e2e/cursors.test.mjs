// One cursor rule on the daemon's four surfaces (docs/recovery.md "Cursors"):
// Socket.IO CONNECT auth.since, subscribe {room, since}, SSE /events (since,
// Last-Event-ID, lastEventId) and GET /api/rooms/{room}/events?after=.
// A malformed cursor is a clear error for that one request and nothing else;
// a well-formed offset of another epoch is a gap, never an error and never a
// silent replay.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { io } from 'socket.io-client';
import { withTimeout, connectError, eventually } from './harness.mjs';
import { startDaemon, openStream, ioClient, publish, api } from './sse_helpers.mjs';

const MALFORMED = ['nonsense', '', 'E-01', '-5', 'E-', 'a b-1'];
// Well-formed, but no store of this run made it: the epoch is another history's.
const FOREIGN = 'otherepoch-2';

let d;
let publisher;
let offsets;
before(async () => {
  d = await startDaemon();
  publisher = await ioClient(d);
  offsets = [];
  for (let i = 0; i < 3; i++) offsets.push(await publish(publisher, 'c', 'ev', i));
});
after(async () => {
  publisher?.close();
  await d?.stop();
});

function client(options = {}) {
  return io(d.url, { forceNew: true, transports: ['websocket'], reconnection: false, ...options });
}

/** Collects every event a socket receives, in order, as [name, ...args]. */
function recordAll(socket) {
  const seen = [];
  socket.onAny((...args) => seen.push(args));
  return seen;
}

describe('Socket.IO CONNECT auth.since', () => {
  test('a malformed since is refused with connect_error, code bad_request', async () => {
    for (const since of [...MALFORMED, 5, true, ['c-1'], { o: 1 }]) {
      const s = client({ auth: { rooms: ['c'], since } });
      const err = await connectError(s);
      assert.equal(err.data?.code, 'bad_request', JSON.stringify(since));
      assert.match(err.message, /auth\.since/, JSON.stringify(since));
      s.close();
    }
    // Nothing else was affected: the publisher's connection still works.
    assert.ok(publisher.connected);
    await publish(publisher, 'c-other', 'ev', 'still fine');
  });

  test('since: null is no cursor: joined, no replay, no gap', async () => {
    const s = client({ auth: { rooms: ['c'], since: null } });
    const seen = recordAll(s);
    await withTimeout(new Promise((resolve) => s.once('connect', resolve)), 5000, 'connect');
    const live = await publish(publisher, 'c', 'ev', 'live');
    await eventually(() => seen.length >= 1, 5000, 'the live event');
    assert.deepEqual(seen, [['ev', 'live', live]]);
    s.close();
  });

  test("another epoch's offset: connected, a gap first, then the kept events", async () => {
    const s = client({ auth: { rooms: ['c'], since: FOREIGN } });
    const seen = recordAll(s);
    await withTimeout(new Promise((resolve) => s.once('connect', resolve)), 5000, 'connect');
    await eventually(() => seen.length >= 4, 5000, 'gap and replay');
    assert.equal(seen[0][0], 'gap');
    assert.deepEqual(seen[0][1].rooms, ['c']);
    assert.equal(seen[0][1].oldest, offsets[0]);
    assert.deepEqual(seen.slice(1, 4).map((e) => e.at(-1)), offsets);
    s.close();
  });
});

describe('subscribe {room, since}', () => {
  test('a malformed since is an error ack; the socket and its other rooms are unaffected', async () => {
    const s = await ioClient(d, { auth: { rooms: ['keep'] } });
    const seen = recordAll(s);
    for (const since of [...MALFORMED, 7, false]) {
      const answer = await withTimeout(s.emitWithAck('subscribe', { room: 'sub-bad', since }), 5000, 'ack');
      assert.equal(answer.ok, false, JSON.stringify(since));
      assert.equal(answer.error.code, 'bad_request', JSON.stringify(since));
      assert.match(answer.error.message, /since/, JSON.stringify(since));
    }
    // Refused means not joined: an event of that room does not arrive, one of its other room does.
    await publish(publisher, 'sub-bad', 'ev', 'not for s');
    const kept = await publish(publisher, 'keep', 'ev', 'for s');
    await eventually(() => seen.length >= 1, 5000, 'the event of the kept room');
    assert.deepEqual(seen, [['ev', 'for s', kept]]);
    assert.ok(s.connected);
    s.close();
  });

  test('since: null subscribes without a replay', async () => {
    const s = await ioClient(d);
    const seen = recordAll(s);
    const answer = await withTimeout(s.emitWithAck('subscribe', { room: 'c', since: null }), 5000, 'ack');
    assert.equal(answer.ok, true);
    const live = await publish(publisher, 'c', 'ev', 'after null');
    await eventually(() => seen.length >= 1, 5000, 'the live event');
    assert.deepEqual(seen, [['ev', 'after null', live]]);
    s.close();
  });

  test("another epoch's offset: ok, a gap, then the kept events", async () => {
    const s = await ioClient(d);
    const seen = recordAll(s);
    const answer = await withTimeout(s.emitWithAck('subscribe', { room: 'c', since: FOREIGN }), 5000, 'ack');
    assert.equal(answer.ok, true);
    await eventually(() => seen.length >= 4, 5000, 'gap and replay');
    assert.equal(seen[0][0], 'gap');
    assert.deepEqual(seen[0][1].rooms, ['c']);
    assert.deepEqual(seen.slice(1, 4).map((e) => e.at(-1)), offsets);
    s.close();
  });
});

describe('SSE /events', () => {
  test('a malformed since, lastEventId or Last-Event-ID is 400 bad_request', async () => {
    const cases = [
      ...MALFORMED.map((c) => [`since=${encodeURIComponent(c)}`, {}]),
      ['lastEventId=nonsense', {}],
      ['', { 'Last-Event-ID': 'nonsense' }],
      // The newest source decides: a good since does not rescue a bad header.
      [`since=${offsets[0]}`, { 'Last-Event-ID': 'E-01' }],
    ];
    for (const [query, headers] of cases) {
      const r = await fetch(`${d.url}/events?rooms=c${query ? `&${query}` : ''}`, { headers });
      assert.equal(r.status, 400, `${query} ${JSON.stringify(headers)}`);
      const body = await r.json();
      assert.equal(body.error.code, 'bad_request');
      assert.match(body.error.message, /since|lastEventId|Last-Event-ID/);
    }
  });

  test('an empty lastEventId is no cursor (WHATWG: the empty last event ID)', async () => {
    const s = await openStream(`${d.url}/events?rooms=c&lastEventId=`);
    try {
      assert.equal(s.response.status, 200);
      await s.until((ev) => ev.length >= 1, 5000, 'session');
      const live = await publish(publisher, 'c', 'ev', 'sse live');
      await s.until((ev) => ev.some((e) => e.id === live), 5000, 'the live event');
      assert.deepEqual(s.events.map((e) => e.event), ['session', 'ev']);
    } finally {
      s.close();
    }
  });

  test("another epoch's offset: 200, event: gap, then the kept events", async () => {
    for (const [query, headers] of [[`since=${FOREIGN}`, {}], ['', { 'Last-Event-ID': FOREIGN }]]) {
      const s = await openStream(`${d.url}/events?rooms=c${query ? `&${query}` : ''}`, headers);
      try {
        assert.equal(s.response.status, 200);
        await s.until((ev) => ev.length >= 5, 5000, 'session, gap, replay');
        assert.deepEqual(s.events.slice(0, 2).map((e) => e.event), ['session', 'gap']);
        assert.deepEqual(s.events.slice(2, 5).map((e) => e.id), offsets);
      } finally {
        s.close();
      }
    }
  });
});

describe('GET /api/rooms/{room}/events?after=', () => {
  test('a malformed after is 400 bad_offset', async () => {
    for (const after of MALFORMED) {
      const r = await api(d, `/api/rooms/c/events?after=${encodeURIComponent(after)}`);
      assert.equal(r.status, 400, JSON.stringify(after));
      assert.equal(r.body.error.code, 'bad_offset');
      assert.match(r.body.error.message, /after/);
    }
  });

  test("another epoch's offset: 200 with gap: true and the kept events", async () => {
    const r = await api(d, `/api/rooms/c/events?after=${FOREIGN}`);
    assert.equal(r.status, 200);
    assert.equal(r.body.gap, true);
    assert.deepEqual(r.body.events.map((e) => e.offset).slice(0, 3), offsets);
  });

  test('no after: from the oldest kept event, no gap', async () => {
    const r = await api(d, '/api/rooms/c/events');
    assert.equal(r.status, 200);
    assert.equal(r.body.gap, false);
    assert.deepEqual(r.body.events.map((e) => e.offset).slice(0, 3), offsets);
  });
});
