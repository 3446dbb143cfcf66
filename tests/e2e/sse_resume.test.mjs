// Server-Sent Events resume (docs/sse.md): Last-Event-ID (header and
// lastEventId query), since, the eventsource package reconnecting by itself
// after the server cut the stream, a replay racing live publishes, a gap
// after retention, and a slow consumer cut and made whole from the log.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { EventSource } from 'eventsource';
import { withTimeout, eventually } from './harness.mjs';
import { startDaemon, openStream, ioClient, publish, api, seq, streamParser } from './sse_helpers.mjs';

const named = (events, name) => events.filter((e) => e.event === name);

describe('SSE: resume', () => {
  let d;
  let sio;
  before(async () => {
    d = await startDaemon(['--sse-retry', '50']);
    sio = await ioClient(d);
  });
  after(async () => {
    sio?.close();
    await d?.stop();
  });

  test('Last-Event-ID, lastEventId and since: the events after it, in order, once', async () => {
    const offsets = [];
    const data = new Map();
    const send = async (room, n) => {
      const o = await publish(sio, room, 'n', n);
      offsets.push(o);
      data.set(o, n);
      return o;
    };
    for (let i = 0; i < 10; i++) await send(i % 2 ? 'r1' : 'r2', i);
    const cursor = offsets[3];
    for (const [label, url, headers] of [
      ['header', `${d.url}/events?rooms=r1,r2`, { 'Last-Event-ID': cursor }],
      ['query', `${d.url}/events?rooms=r1,r2&lastEventId=${cursor}`, {}],
      ['since', `${d.url}/events?rooms=r1,r2&since=${cursor}`, {}],
      // The header (a reconnect) wins over the URL's older since.
      ['header over since', `${d.url}/events?rooms=r1,r2&since=${offsets[0]}`, { 'Last-Event-ID': cursor }],
    ]) {
      // Every event after the cursor, including the live ones earlier rounds sent.
      const expected = offsets.slice(4);
      const s = await openStream(url, headers);
      try {
        await s.until((ev) => named(ev, 'n').length >= expected.length, 5000, label);
        assert.deepEqual(named(s.events, 'n').map((e) => e.id), expected, label);
        assert.deepEqual(named(s.events, 'n').map((e) => JSON.parse(e.data)), expected.map((o) => data.get(o)), label);
        assert.equal(s.events[0].event, 'session');
        assert.equal(s.events[0].id, cursor, `${label}: the session event carries the cursor`);
        assert.equal(named(s.events, 'gap').length, 0);
        // Then live events follow the replay.
        const live = await send('r1', 100 + offsets.length);
        await s.until((ev) => named(ev, 'n').length >= expected.length + 1, 5000, `${label} live`);
        assert.deepEqual(named(s.events, 'n').map((e) => e.id), [...expected, live], label);
      } finally {
        s.close();
      }
    }
  });

  test('only the requested rooms are replayed', async () => {
    const from = await publish(sio, 'x1', 'm', 0);
    await publish(sio, 'x2', 'm', 1);
    const want = await publish(sio, 'x1', 'm', 2);
    const s = await openStream(`${d.url}/events?rooms=x1&since=${from}`);
    try {
      await s.until((ev) => named(ev, 'm').length >= 1);
      const tail = await publish(sio, 'x1', 'm', 3);
      await s.until((ev) => named(ev, 'm').length >= 2);
      assert.deepEqual(named(s.events, 'm').map((e) => e.id), [want, tail]);
    } finally {
      s.close();
    }
  });

  test('a replay racing live publishes: no gap, no duplicate, in order', async () => {
    const start = await publish(sio, 'race', 'e', -1);
    // Events before the stream opens, and while it replays.
    const before = [];
    for (let i = 0; i < 300; i++) before.push(publish(sio, 'race', 'e', i));
    const mid = await Promise.all(before.slice(0, 150));
    const s = await openStream(`${d.url}/events?rooms=race&since=${start}`);
    try {
      const rest = await Promise.all(before.slice(150));
      const during = [];
      for (let i = 300; i < 400; i++) during.push(await publish(sio, 'race', 'e', i));
      const all = [...mid, ...rest, ...during];
      await s.until((ev) => named(ev, 'e').length >= all.length, 10000, `${all.length} events`);
      const ids = named(s.events, 'e').map((e) => e.id);
      assert.equal(ids.length, all.length);
      assert.deepEqual(ids, [...all].sort((a, b) => seq(a) - seq(b)));
      assert.deepEqual(named(s.events, 'e').map((e) => JSON.parse(e.data)), [...Array(400).keys()]);
    } finally {
      s.close();
    }
  });

  test('the eventsource package reconnects after a cut and resumes with Last-Event-ID', async () => {
    const es = new EventSource(`${d.url}/events?rooms=cut`);
    const got = [];
    const sessions = [];
    es.addEventListener('session', (e) => sessions.push(JSON.parse(e.data).id));
    es.addEventListener('c', (e) => got.push({ id: e.lastEventId, n: JSON.parse(e.data) }));
    try {
      await eventually(() => sessions.length === 1, 5000, 'first session');
      const first = [];
      for (let i = 0; i < 3; i++) first.push(await publish(sio, 'cut', 'c', i));
      await eventually(() => got.length === 3, 5000, 'first events');
      // The server cuts the stream; events keep coming while the client is away.
      const cut = await api(d, '/api/sockets/disconnect', { sockets: [sessions[0]] });
      assert.equal(cut.status, 200, JSON.stringify(cut.body));
      const missed = [];
      for (let i = 3; i < 8; i++) missed.push(await publish(sio, 'cut', 'c', i));
      await eventually(() => sessions.length === 2, 5000, 'reconnected (second session)');
      const live = await publish(sio, 'cut', 'c', 8);
      await eventually(() => got.length >= 9, 5000, 'all events');
      assert.deepEqual(got.map((g) => g.n), [0, 1, 2, 3, 4, 5, 6, 7, 8]);
      assert.deepEqual(got.map((g) => g.id), [...first, ...missed, live]);
      assert.notEqual(sessions[0], sessions[1], 'a new stream, a new session id');
    } finally {
      es.close();
    }
  });

  test('a client cut before any event resumes from where its stream began', async () => {
    const es = new EventSource(`${d.url}/events?rooms=quiet`);
    const sessions = [];
    const got = [];
    es.addEventListener('session', (e) => sessions.push(JSON.parse(e.data).id));
    es.addEventListener('q', (e) => got.push(JSON.parse(e.data)));
    try {
      await eventually(() => sessions.length === 1, 5000, 'session');
      await api(d, '/api/sockets/disconnect', { sockets: [sessions[0]] });
      await publish(sio, 'quiet', 'q', 'while away');
      await eventually(() => got.length === 1, 5000, 'the event sent while away');
      assert.deepEqual(got, ['while away']);
    } finally {
      es.close();
    }
  });
});

describe('SSE: gap after retention', () => {
  test('a cursor older than what is kept gets event: gap first, then the kept events', async () => {
    const d = await startDaemon(['--max-events', '3']);
    const sio = await ioClient(d);
    try {
      const offsets = [];
      for (let i = 0; i < 10; i++) offsets.push(await publish(sio, 'g', 'e', i));
      const s = await openStream(`${d.url}/events?rooms=g`, { 'Last-Event-ID': offsets[1] });
      try {
        await s.until((ev) => named(ev, 'e').length >= 3);
        assert.deepEqual(s.events.map((e) => e.event).slice(0, 2), ['session', 'gap']);
        assert.deepEqual(JSON.parse(s.events[1].data), { rooms: ['g'], oldest: offsets[7] });
        assert.equal(s.events[1].id, undefined);
        assert.deepEqual(named(s.events, 'e').map((e) => e.id), offsets.slice(7));
      } finally {
        s.close();
      }
      // A cursor of another epoch (another store) is a gap too, never a wrong replay.
      const other = await openStream(`${d.url}/events?rooms=g&since=otherepoch-5`);
      try {
        await other.until((ev) => named(ev, 'e').length >= 3);
        assert.equal(other.events[1].event, 'gap');
        assert.deepEqual(named(other.events, 'e').map((e) => e.id), offsets.slice(7));
      } finally {
        other.close();
      }
      // A quiet cursor (nothing newer was trimmed) is no gap.
      const head = await openStream(`${d.url}/events?rooms=g&since=${offsets[9]}`);
      try {
        await head.until((ev) => ev.length >= 1);
        const next = await publish(sio, 'g', 'e', 10);
        await head.until((ev) => named(ev, 'e').length >= 1);
        assert.deepEqual(head.events.map((e) => e.event), ['session', 'e']);
        assert.equal(head.events[1].id, next);
      } finally {
        head.close();
      }
    } finally {
      sio.close();
      await d.stop();
    }
  });
});

describe('SSE: slow consumer', () => {
  test('a stream that does not read is cut, and resumes everything from the log', async () => {
    const d = await startDaemon(['--max-outbound', '65536', '--max-events', '1000']);
    try {
      // A raw connection that stops reading after the head.
      const conn = net.connect(d.port, '127.0.0.1');
      await new Promise((resolve) => conn.once('connect', resolve));
      conn.write('GET /events?rooms=slow HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n');
      let raw = '';
      const closed = new Promise((resolve) => conn.once('close', resolve));
      conn.on('data', (c) => { raw += c.toString('latin1'); });
      await eventually(() => raw.includes('event: session'), 5000, 'session');
      conn.pause();
      const big = 'x'.repeat(60000);
      const offsets = [];
      for (let i = 0; i < 200; i++) {
        const r = await api(d, '/api/emit', { room: 'slow', event: 'big', data: { i, big } });
        assert.equal(r.status, 200, JSON.stringify(r.body));
        offsets.push(r.body.offset);
      }
      // The server gives up on it (its queue passed the budget) ...
      await eventually(async () => (await api(d, '/api/sockets?room=slow')).body.sockets.length === 0, 10000, 'cut');
      conn.resume();
      await withTimeout(closed, 10000, 'connection closed');
      // ... and what it did receive, plus a resume from its last id, is everything, once.
      const got = [];
      streamParser({ onEvent: (e) => { if (e.event === 'big') got.push(e); } })(raw.slice(raw.indexOf('\r\n\r\n') + 4));
      assert.ok(got.length < 200, `cut before the end (${got.length})`);
      const last = got.length ? got[got.length - 1].id : offsets[0].replace(/-\d+$/, '-0');
      const s = await openStream(`${d.url}/events?rooms=slow`, { 'Last-Event-ID': last });
      try {
        await s.until((ev) => got.length + named(ev, 'big').length >= 200, 10000, 'the rest');
        const ids = [...got, ...named(s.events, 'big')].map((e) => e.id);
        assert.deepEqual(ids, offsets);
      } finally {
        s.close();
      }
    } finally {
      await d.stop();
    }
  });
});
