// Server-Sent Events on the daemon (docs/sse.md): the response, the session
// event, live delivery from Socket.IO publishes and the HTTP API, rooms,
// heartbeats, bad input, the utility methods, shutdown. Resume: sse_resume.test.mjs.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { EventSource } from 'eventsource';
import { withTimeout, eventually } from './harness.mjs';
import { startDaemon, openStream, ioClient, publish, api } from './sse_helpers.mjs';

/** Resolves with the next `name` event of an EventSource. */
function nextEvent(es, name, ms = 5000) {
  return withTimeout(new Promise((resolve) => {
    const fn = (e) => { es.removeEventListener(name, fn); resolve(e); };
    es.addEventListener(name, fn);
  }), ms, `EventSource event "${name}"`);
}

describe('SSE: the stream', () => {
  let d;
  let sio;
  before(async () => {
    d = await startDaemon(['--sse-heartbeat', '100', '--sse-retry', '1234']);
    sio = await ioClient(d);
  });
  after(async () => {
    sio?.close();
    await d?.stop();
  });

  test('response head, retry, then the session event', async () => {
    const s = await openStream(`${d.url}/events?rooms=head`);
    try {
      assert.equal(s.response.status, 200);
      assert.equal(s.response.headers.get('content-type'), 'text/event-stream; charset=utf-8');
      assert.equal(s.response.headers.get('cache-control'), 'no-cache');
      assert.equal(s.response.headers.get('x-accel-buffering'), 'no');
      assert.equal(s.response.headers.get('connection'), 'keep-alive');
      await s.until((ev) => ev.length >= 1, 5000, 'session event');
      assert.ok(s.raw().startsWith('retry: 1234\n\n'), s.raw());
      assert.equal(s.retry(), 1234);
      const session = s.events[0];
      assert.equal(session.event, 'session');
      const { id } = JSON.parse(session.data);
      assert.match(id, /^[\w-]+$/);
      // Its id is the log position at connect: resuming from it loses nothing.
      assert.match(session.id, /^[\w-]+-\d+$/);
    } finally {
      s.close();
    }
  });

  test('heartbeat comments at the configured interval', async () => {
    const s = await openStream(`${d.url}/events?rooms=beat`);
    try {
      await s.until((_, comments) => comments.length >= 3, 3000, 'three heartbeats');
      assert.match(s.raw(), /\n:\n\n/);
    } finally {
      s.close();
    }
  });

  test('live events from a Socket.IO publish, several rooms, with offsets as ids (eventsource)', async () => {
    const es = new EventSource(`${d.url}/events?rooms=live-a,live-b`);
    try {
      const session = await nextEvent(es, 'session');
      assert.ok(JSON.parse(session.data).id);
      const got = [];
      for (const name of ['news', 'alert']) es.addEventListener(name, (e) => got.push({ name, id: e.lastEventId, data: JSON.parse(e.data) }));
      const o1 = await publish(sio, 'live-a', 'news', { n: 1 });
      const o2 = await publish(sio, 'live-c', 'news', { n: 2 });  // not subscribed
      const o3 = await publish(sio, 'live-b', 'alert', 'text\nwith newline');
      const o4 = await publish(sio, 'live-a', 'news', [1, 2]);
      await eventually(() => got.length >= 3, 5000, 'three events');
      assert.deepEqual(got, [
        { name: 'news', id: o1, data: { n: 1 } },
        { name: 'alert', id: o3, data: 'text\nwith newline' },
        { name: 'news', id: o4, data: [1, 2] },
      ]);
      assert.ok(o2);
    } finally {
      es.close();
    }
  });

  test('data: one argument is its JSON, none is null, several an array (HTTP API emit)', async () => {
    const s = await openStream(`${d.url}/events?rooms=shapes`);
    try {
      await s.until((ev) => ev.length >= 1);
      const one = await api(d, '/api/emit', { room: 'shapes', event: 'one', data: { a: 1 } });
      assert.equal(one.status, 200, JSON.stringify(one.body));
      await api(d, '/api/emit', { room: 'shapes', event: 'none', args: [] });
      await api(d, '/api/emit', { room: 'shapes', event: 'many', args: [1, 'two', { three: 3 }] });
      await s.until((ev) => ev.length >= 4);
      const [, a, b, c] = s.events;
      assert.deepEqual([a.event, a.data, a.id], ['one', '{"a":1}', one.body.offset]);
      assert.deepEqual([b.event, b.data], ['none', 'null']);
      assert.deepEqual([c.event, JSON.parse(c.data)], ['many', [1, 'two', { three: 3 }]]);
    } finally {
      s.close();
    }
  });

  test('volatile events have no id', async () => {
    const s = await openStream(`${d.url}/events?rooms=vol`);
    try {
      await s.until((ev) => ev.length >= 1);
      const r = await api(d, '/api/emit', { room: 'vol', event: 'tick', data: 1, volatile: true });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      await s.until((ev) => ev.length >= 2);
      assert.equal(s.events[1].event, 'tick');
      assert.equal(s.events[1].id, undefined);
      assert.ok(!s.raw().split('event: tick')[0].split('event: session')[1].includes('id:'));
    } finally {
      s.close();
    }
  });

  test('the session id is a room: /api/emit targets one stream', async () => {
    const a = await openStream(`${d.url}/events?rooms=uni`);
    const b = await openStream(`${d.url}/events?rooms=uni`);
    try {
      await a.until((ev) => ev.length >= 1);
      await b.until((ev) => ev.length >= 1);
      const idA = JSON.parse(a.events[0].data).id;
      const r = await api(d, '/api/emit', { rooms: [idA], event: 'private', data: 'for a' });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      await api(d, '/api/emit', { room: 'uni', event: 'public', data: 'for all' });
      await a.until((ev) => ev.some((e) => e.event === 'public'));
      await b.until((ev) => ev.some((e) => e.event === 'public'));
      assert.deepEqual(a.events.slice(1).map((e) => e.event), ['private', 'public']);
      assert.deepEqual(b.events.slice(1).map((e) => e.event), ['public']);
    } finally {
      a.close();
      b.close();
    }
  });

  test('streams are listed with transport sse, and can be joined, left and disconnected', async () => {
    const s = await openStream(`${d.url}/events?rooms=util`);
    try {
      await s.until((ev) => ev.length >= 1);
      const id = JSON.parse(s.events[0].data).id;
      const listed = await api(d, '/api/sockets?room=util');
      assert.equal(listed.status, 200);
      const mine = listed.body.sockets.find((x) => x.id === id);
      assert.ok(mine, JSON.stringify(listed.body));
      assert.equal(mine.transport, 'sse');
      assert.ok(mine.rooms.includes('util'));

      // Joined to another room by the server, it receives that room's events.
      const joined = await api(d, '/api/sockets/join', { sockets: [id], rooms: ['util-extra'] });
      assert.equal(joined.status, 200, JSON.stringify(joined.body));
      await eventually(async () => (await api(d, '/api/sockets?room=util-extra')).body.sockets.some((x) => x.id === id));
      await publish(sio, 'util-extra', 'extra', 1);
      await s.until((ev) => ev.some((e) => e.event === 'extra'));

      const left = await api(d, '/api/sockets/leave', { sockets: [id], rooms: ['util'] });
      assert.equal(left.status, 200, JSON.stringify(left.body));
      await eventually(async () => !(await api(d, '/api/sockets?room=util')).body.sockets.some((x) => x.id === id));

      const gone = await api(d, '/api/sockets/disconnect', { sockets: [id] });
      assert.equal(gone.status, 200, JSON.stringify(gone.body));
      await withTimeout(s.done, 5000, 'stream closed by the server');
      assert.ok(s.ended());
    } finally {
      s.close();
    }
  });

  test('a Socket.IO client and an SSE stream in one room get the same events', async () => {
    const other = await ioClient(d, { auth: { rooms: ['mixed'] } });
    const s = await openStream(`${d.url}/events?rooms=mixed`);
    try {
      await s.until((ev) => ev.length >= 1);
      const seen = [];
      other.on('m', (data, offset) => seen.push([data, offset]));
      const o = await publish(sio, 'mixed', 'm', 'x');
      await s.until((ev) => ev.length >= 2);
      await eventually(() => seen.length === 1);
      assert.deepEqual(seen[0], ['x', o]);
      assert.deepEqual([s.events[1].data, s.events[1].id], ['"x"', o]);
    } finally {
      other.close();
      s.close();
    }
  });

  test('bad input is answered 400 with a JSON error; other methods 405', async () => {
    const cases = [
      ['/events', {}],
      ['/events?rooms=', {}],
      ['/events?rooms=a,,b', {}],
      ['/events?rooms=a%00b', {}],
      [`/events?rooms=${'x'.repeat(201)}`, {}],
      ['/events?rooms=a&since=garbage', {}],
      ['/events?rooms=a&lastEventId=nope', {}],
      ['/events?rooms=a', { 'Last-Event-ID': 'not an offset' }],
    ];
    for (const [path, headers] of cases) {
      const r = await fetch(`${d.url}${path}`, { headers });
      assert.equal(r.status, 400, path);
      assert.match(r.headers.get('content-type'), /application\/json/);
      const body = await r.json();
      assert.equal(body.error.code, 'bad_request', path);
      assert.equal(typeof body.error.message, 'string');
    }
    const post = await fetch(`${d.url}/events?rooms=a`, { method: 'POST', body: '{}' });
    assert.equal(post.status, 405);
    assert.equal((await post.json()).error.code, 'method_not_allowed');
    // The daemon still serves.
    const s = await openStream(`${d.url}/events?rooms=a`);
    await s.until((ev) => ev.length >= 1);
    s.close();
  });
});

describe('SSE: shutdown', () => {
  test('SIGTERM ends open streams and the daemon exits', async () => {
    const d = await startDaemon();
    const s = await openStream(`${d.url}/events?rooms=bye`);
    await s.until((ev) => ev.length >= 1);
    d.child.kill('SIGTERM');
    await withTimeout(s.done, 3000, 'stream end on shutdown');
    const { code } = await withTimeout(d.exited, 5000, 'daemon exit');
    assert.equal(code, 0, d.output());
  });
});
