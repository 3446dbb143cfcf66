// The HTTP API for backends (docs/http-api.md) against the real daemon
// (build/ferry): every endpoint, every bad input answered with its documented
// error and nothing changed, and HTTP/1.1 keep-alive reuse.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { io } from 'socket.io-client';
import { withTimeout, once, eventually } from './harness.mjs';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const daemonPath = process.env.FERRY_DAEMON ?? path.join(repoRoot, 'build', 'ferry');
const scratch = mkdtempSync(path.join(tmpdir(), 'ferry-api-'));
const MAX_BODY = 4096;

let daemon;
let port;
let base;
const open = [];

async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: p } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return p;
}

before(async () => {
  port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const child = spawn(daemonPath, ['--port', String(port), '--workers', '2', '--data-dir', path.join(scratch, 'data'),
    '--api-max-body', String(MAX_BODY)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c) => { output += c; });
  child.stderr.on('data', (c) => { output += c; });
  daemon = { child, exited: new Promise((resolve) => child.once('exit', resolve)), output: () => output };
  await eventually(async () => {
    try { return (await fetch(`${base}/healthz`)).status === 200; } catch { return false; }
  }, 5000, 'daemon healthy');
});

after(async () => {
  for (const s of open) s.disconnect();
  if (daemon.child.exitCode === null) {
    daemon.child.kill('SIGTERM');
    await withTimeout(daemon.exited, 5000, 'daemon exit');
  }
  rmSync(scratch, { recursive: true, force: true });
});

/** A connected socket.io client (in `rooms`), recording every event it receives. */
async function member(rooms = [], extraAuth = {}) {
  const s = io(base, { forceNew: true, transports: ['websocket'], reconnection: false, auth: { rooms, ...extraAuth } });
  s.received = [];
  s.onAny((event, ...args) => s.received.push([event, ...args]));
  open.push(s);
  await once(s, 'connect');
  return s;
}

function post(p, body, headers = {}) {
  return fetch(base + p, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

async function json(responsePromise) {
  const r = await responsePromise;
  assert.match(r.headers.get('content-type'), /^application\/json/);
  return { status: r.status, body: await r.json(), headers: r.headers };
}

async function expectError(responsePromise, status, code) {
  const r = await json(responsePromise);
  assert.equal(r.status, status, JSON.stringify(r.body));
  assert.equal(r.body.error.code, code, JSON.stringify(r.body));
  assert.equal(typeof r.body.error.message, 'string');
  assert.ok(r.body.error.message.length > 0);
  return r;
}

async function history(room, query = '') {
  const r = await json(fetch(`${base}/api/rooms/${encodeURIComponent(room)}/events${query}`));
  assert.equal(r.status, 200);
  return r.body;
}

/** Every socket's view, after any in-flight delivery has had time to land. */
async function settle() {
  // A round trip through every worker: fetch_sockets visits each worker after
  // whatever was posted to it before.
  await fetch(`${base}/api/sockets`);
}

describe('POST /api/emit', () => {
  test('data reaches the room through the log, with the offset as last argument', async () => {
    const a = await member(['news']);
    const b = await member(['sport']);
    const got = once(a, 'headline');
    const r = await json(post('/api/emit', { room: 'news', event: 'headline', data: { n: 1 } }));
    assert.equal(r.status, 200);
    assert.match(r.body.offset, /^[A-Za-z0-9_-]+-\d+$/);
    assert.deepEqual(await got, [{ n: 1 }, r.body.offset]);
    await settle();
    assert.deepEqual(b.received, []);
    const h = await history('news');
    assert.deepEqual(h.events.at(-1), { offset: r.body.offset, event: 'headline', args: [{ n: 1 }] });
  });

  test('args is the argument list; rooms and except select; no room is the whole namespace', async () => {
    const a = await member(['r1']);
    const b = await member(['r2', 'muted']);
    const c = await member([]);
    const gotA = once(a, 'multi');
    const r = await json(post('/api/emit', { rooms: ['r1', 'r2'], except: 'muted', event: 'multi', args: [1, 'two', null] }));
    assert.equal(r.status, 200);
    assert.deepEqual(await gotA, [1, 'two', null, r.body.offset]);
    const all = [once(a, 'everyone'), once(b, 'everyone'), once(c, 'everyone')];
    const r2 = await json(post('/api/emit', { event: 'everyone' }));
    for (const got of await Promise.all(all)) assert.deepEqual(got, [r2.body.offset]);
    await settle();
    assert.ok(!b.received.some(([e]) => e === 'multi'), 'except excluded b');
  });

  test('volatile answers a null offset and is not stored', async () => {
    const a = await member(['vol']);
    const got = once(a, 'blip');
    const r = await json(post('/api/emit', { room: 'vol', event: 'blip', data: 'x', volatile: true }));
    assert.equal(r.status, 200);
    assert.equal(r.body.offset, null);
    assert.deepEqual(await got, ['x']);
    assert.deepEqual((await history('vol')).events, []);
  });

  test('rooms: [<session id>] reaches that one socket only', async () => {
    const a = await member(['same']);
    const b = await member(['same']);
    const got = once(a, 'private');
    const r = await json(post('/api/emit', { rooms: [a.id], event: 'private', data: 'for a' }));
    assert.equal(r.status, 200);
    assert.deepEqual(await got, ['for a', r.body.offset]);
    await settle();
    assert.ok(!b.received.some(([e]) => e === 'private'));
  });

  test('rooms: [<SSE session id>] reaches that one stream', async () => {
    const controller = new AbortController();
    const res = await fetch(`${base}/events?rooms=ssehere`, { signal: controller.signal });
    assert.equal(res.status, 200);
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let text = '';
    const readUntil = async (pattern) => {
      await withTimeout((async () => {
        while (!pattern.test(text)) {
          const { value, done } = await reader.read();
          if (done) throw new Error('stream ended');
          text += decoder.decode(value, { stream: true });
        }
      })(), 5000, `SSE ${pattern}`);
    };
    await readUntil(/event: session\ndata: (.*)\n/);
    const id = JSON.parse(/event: session\ndata: (.*)\n/.exec(text)[1]).id;
    const r = await json(post('/api/emit', { rooms: [id], event: 'direct', data: { to: 'sse' } }));
    assert.equal(r.status, 200);
    await readUntil(/event: direct\n/);
    assert.ok(text.includes(`id: ${r.body.offset}\nevent: direct\n`), text);
    const listed = await json(fetch(`${base}/api/sockets/${id}`));
    assert.equal(listed.body.state, 'connected');
    assert.equal(listed.body.transport, 'sse');
    controller.abort();
  });

  test('an id makes the emit idempotent: a retry gets the first offset and delivers nothing twice', async () => {
    const a = await member(['idem']);
    const first = await json(post('/api/emit', { room: 'idem', event: 'once', data: 1, id: 'order-17' }));
    const again = await json(post('/api/emit', { room: 'idem', event: 'once', data: 1, id: 'order-17' }));
    assert.equal(again.status, 200);
    assert.equal(again.body.offset, first.body.offset);
    await settle();
    await eventually(() => a.received.length >= 1);
    assert.equal(a.received.filter(([e]) => e === 'once').length, 1);
  });
});

describe('GET /api/rooms/{room}/events', () => {
  test('pages after an offset, with limit, gap and more', async () => {
    const offsets = [];
    for (let i = 0; i < 5; i++) {
      offsets.push((await json(post('/api/emit', { room: 'a/b c', event: 'n', data: i }))).body.offset);
    }
    const all = await history('a/b c');
    assert.equal(all.gap, false);
    assert.deepEqual(all.events.map((e) => e.args[0]), [0, 1, 2, 3, 4]);
    assert.deepEqual(all.events.map((e) => e.offset), offsets);
    const page = await history('a/b c', `?after=${offsets[1]}&limit=2`);
    assert.deepEqual(page.events.map((e) => e.args[0]), [2, 3]);
    assert.equal(page.more, true);
    const rest = await history('a/b c', `?after=${page.events.at(-1).offset}&limit=2`);
    assert.deepEqual(rest.events.map((e) => e.args[0]), [4]);
    assert.deepEqual((await history('never-used')).events, []);
  });

  test('bad after, limit and room are refused', async () => {
    await expectError(fetch(`${base}/api/rooms/x/events?after=garbage`), 400, 'bad_offset');
    await expectError(fetch(`${base}/api/rooms/x/events?limit=0`), 400, 'bad_request');
    await expectError(fetch(`${base}/api/rooms/x/events?limit=ten`), 400, 'bad_request');
    await expectError(fetch(`${base}/api/rooms/${'x'.repeat(201)}/events`), 400, 'bad_room');
    await expectError(fetch(`${base}/api/rooms/a%01b/events`), 400, 'bad_room');
    await expectError(fetch(`${base}/api/rooms/x/events?namespace=/nope`), 404, 'unknown_namespace');
  });
});

describe('GET /api/rooms and /api/sockets', () => {
  test('rooms with member counts across workers, private id rooms left out', async () => {
    const sockets = await Promise.all([member(['count-a']), member(['count-a', 'count-b']), member(['count-a'])]);
    const r = await json(fetch(`${base}/api/rooms`));
    assert.equal(r.status, 200);
    assert.equal(r.body.namespace, '/');
    const byName = Object.fromEntries(r.body.rooms.map((x) => [x.name, x.members]));
    assert.equal(byName['count-a'], 3);
    assert.equal(byName['count-b'], 1);
    for (const s of sockets) assert.equal(byName[s.id], undefined, 'no private room');
    const names = r.body.rooms.map((x) => x.name);
    assert.deepEqual(names, [...names].sort());
    await expectError(fetch(`${base}/api/rooms?namespace=/nope`), 404, 'unknown_namespace');
  });

  test('sockets of a room with id, rooms, transport, state and a handshake summary without secrets', async () => {
    const s = await member(['listed'], { token: 'secret-token-value' });
    const r = await json(fetch(`${base}/api/sockets?room=listed`));
    assert.equal(r.status, 200);
    assert.equal(r.body.sockets.length, 1);
    const [info] = r.body.sockets;
    assert.equal(info.id, s.id);
    assert.equal(info.namespace, '/');
    assert.equal(info.state, 'connected');
    assert.equal(info.transport, 'websocket');
    assert.deepEqual(info.rooms, ['listed']);
    assert.equal(info.handshake.address, '127.0.0.1');
    assert.ok(!Number.isNaN(Date.parse(info.handshake.time)));
    assert.deepEqual([...info.handshake.auth].sort(), ['rooms', 'token']);
    assert.ok(!JSON.stringify(r.body).includes('secret-token-value'), 'auth values are not shown');
    const one = await json(fetch(`${base}/api/sockets/${s.id}`));
    assert.equal(one.body.id, s.id);
    assert.equal(one.body.state, 'connected');
    s.disconnect();
    await eventually(async () => (await json(fetch(`${base}/api/sockets/${s.id}`))).body.state === 'disconnected');
    assert.deepEqual((await json(fetch(`${base}/api/sockets?room=listed`))).body.sockets, []);
    const all = await json(fetch(`${base}/api/sockets`));
    assert.ok(Array.isArray(all.body.sockets));
  });
});

describe('POST /api/sockets/join, leave, disconnect', () => {
  test('join and leave by room and by socket id, with except; the answer comes once applied', async () => {
    const a = await member(['j-src']);
    const b = await member(['j-src', 'j-skip']);
    const c = await member([]);
    let r = await json(post('/api/sockets/join', { in: ['j-src'], except: ['j-skip'], rooms: ['j-dst'] }));
    assert.deepEqual(r.body, { matched: 1 });
    r = await json(post('/api/sockets/join', { sockets: [c.id], rooms: 'j-dst' }));
    assert.deepEqual(r.body, { matched: 1 });
    // Applied when answered: an emit right after reaches the new members.
    const gotA = once(a, 'joined');
    const gotC = once(c, 'joined');
    await json(post('/api/emit', { room: 'j-dst', event: 'joined' }));
    await Promise.all([gotA, gotC]);
    await settle();
    assert.ok(!b.received.some(([e]) => e === 'joined'));
    const listed = await json(fetch(`${base}/api/sockets?room=j-dst`));
    assert.deepEqual(listed.body.sockets.map((s) => s.id).sort(), [a.id, c.id].sort());
    r = await json(post('/api/sockets/leave', { sockets: [a.id, c.id], rooms: ['j-dst'] }));
    assert.deepEqual(r.body, { matched: 2 });
    assert.deepEqual((await json(fetch(`${base}/api/sockets?room=j-dst`))).body.sockets, []);
  });

  test('disconnect by socket id, and with close by room', async () => {
    const a = await member(['d-room']);
    const b = await member(['d-room']);
    const gone = once(a, 'disconnect');
    const r = await json(post('/api/sockets/disconnect', { sockets: [a.id] }));
    assert.deepEqual(r.body, { matched: 1 });
    const [reason] = await gone;
    assert.equal(reason, 'io server disconnect');
    assert.equal(b.connected, true);
    // close: the whole connection goes, which the client sees as a transport close.
    const goneB = once(b, 'disconnect');
    const r2 = await json(post('/api/sockets/disconnect', { in: ['d-room'], close: true }));
    assert.deepEqual(r2.body, { matched: 1 });
    const [reasonB] = await goneB;
    assert.equal(reasonB, 'transport close');
  });
});

describe('bad input: the documented error, and nothing changed', () => {
  const cases = [
    ['malformed JSON', () => post('/api/emit', '{"room":"guard","event":'), 400, 'malformed_json'],
    ['a body that is not an object', () => post('/api/emit', '["guard"]'), 400, 'bad_request'],
    ['no event', () => post('/api/emit', { room: 'guard' }), 400, 'bad_request'],
    ['event of the wrong type', () => post('/api/emit', { room: 'guard', event: 7 }), 400, 'bad_request'],
    ['reserved event', () => post('/api/emit', { room: 'guard', event: 'disconnect' }), 400, 'bad_request'],
    ['both data and args', () => post('/api/emit', { room: 'guard', event: 'e', data: 1, args: [1] }), 400, 'bad_request'],
    ['unknown field', () => post('/api/emit', { room: 'guard', event: 'e', dat: 1 }), 400, 'bad_request'],
    ['room name too long', () => post('/api/emit', { rooms: ['guard', 'x'.repeat(201)], event: 'e' }), 400, 'bad_room'],
    ['room name with a control character', () => post('/api/emit', { rooms: ['guard', 'a\u0000b'], event: 'e' }), 400, 'bad_room'],
    ['except with a control character', () => post('/api/emit', { room: 'guard', except: 'a\nb', event: 'e' }), 400, 'bad_room'],
    ['unknown namespace', () => post('/api/emit', { namespace: '/nope', room: 'guard', event: 'e' }), 404, 'unknown_namespace'],
    ['not JSON content', () => post('/api/emit', JSON.stringify({ room: 'guard', event: 'e' }), { 'content-type': 'text/plain' }), 415, 'unsupported_media_type'],
    ['body too large', () => post('/api/emit', { room: 'guard', event: 'e', data: 'x'.repeat(MAX_BODY) }), 413, 'body_too_large'],
    ['unknown path', () => post('/api/emitt', { room: 'guard', event: 'e' }), 404, 'not_found'],
    ['join with a bad room', () => post('/api/sockets/join', { in: ['guard'], rooms: ['ok', 'x'.repeat(201)] }), 400, 'bad_room'],
    ['join without rooms', () => post('/api/sockets/join', { in: ['guard'] }), 400, 'bad_request'],
    ['join in an unknown namespace', () => post('/api/sockets/join', { namespace: '/nope', rooms: ['x'] }), 404, 'unknown_namespace'],
    ['leave with malformed JSON', () => post('/api/sockets/leave', '{'), 400, 'malformed_json'],
    ['disconnect with close of the wrong type', () => post('/api/sockets/disconnect', { in: ['guard'], close: 'yes' }), 400, 'bad_request'],
    ['disconnect with an empty in', () => post('/api/sockets/disconnect', { in: [] }), 400, 'bad_request'],
  ];

  for (const [name, send, status, code] of cases) {
    test(name, async () => {
      const s = await member(['guard']);
      const before = await history('guard');
      await expectError(send(), status, code);
      await settle();
      assert.deepEqual(await history('guard'), before, 'the log is unchanged');
      assert.deepEqual(s.received, [], 'nothing delivered');
      assert.equal(s.connected, true, 'still connected');
      const info = await json(fetch(`${base}/api/sockets/${s.id}`));
      assert.deepEqual(info.body.rooms, ['guard'], 'rooms unchanged');
      s.disconnect();
    });
  }

  test('wrong method: 405 with Allow', async () => {
    let r = await expectError(fetch(`${base}/api/emit`), 405, 'method_not_allowed');
    assert.equal(r.headers.get('allow'), 'POST');
    r = await expectError(post('/api/rooms', {}), 405, 'method_not_allowed');
    assert.equal(r.headers.get('allow'), 'GET');
    r = await expectError(fetch(`${base}/api/sockets/join`, { method: 'PUT' }), 405, 'method_not_allowed');
    assert.equal(r.headers.get('allow'), 'POST');
  });

  test('a body just under the limit is accepted', async () => {
    const envelope = JSON.stringify({ room: 'big', event: 'e', data: '' });
    const data = 'x'.repeat(MAX_BODY - envelope.length);
    const r = await json(post('/api/emit', { room: 'big', event: 'e', data }));
    assert.equal(r.status, 200);
  });
});

describe('HTTP/1.1 keep-alive', () => {
  test('one connection serves many requests, errors included', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const sockets = new Set();
    const request = (method, p, body) => new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, method, path: p, agent,
        headers: body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => { text += c; });
        res.on('end', () => resolve({ status: res.statusCode, body: JSON.parse(text), reused: req.reusedSocket }));
      });
      req.on('socket', (s) => sockets.add(s));
      req.on('error', reject);
      if (body !== undefined) req.write(body);
      req.end();
    });
    const results = [];
    results.push(await request('POST', '/api/emit', JSON.stringify({ room: 'ka', event: 'e', data: 1 })));
    results.push(await request('POST', '/api/emit', '{bad'));
    results.push(await request('GET', '/api/rooms/ka/events'));
    results.push(await request('GET', '/api/emit'));
    results.push(await request('GET', '/api/nope'));
    results.push(await request('GET', '/api/rooms'));
    assert.deepEqual(results.map((r) => r.status), [200, 400, 200, 405, 404, 200]);
    assert.equal(sockets.size, 1, 'every request on one connection');
    assert.deepEqual(results.map((r) => r.reused), [false, true, true, true, true, true]);
    agent.destroy();
  });
});
