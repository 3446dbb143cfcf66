// Several worker threads (--workers 2): connections land on different workers,
// broadcasts reach every member exactly once, polling requests of one session
// may arrive on any worker.
import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ack, flush, once, polling, record, startFixture, upgraded } from './harness.mjs';

describe('two workers', () => {
  let fx;
  beforeEach(async () => { fx = await startFixture(['--workers', '2']); });
  afterEach(async () => { await fx?.stop(); });

  test('many clients in one room each receive one broadcast exactly once', async () => {
    const n = 24;
    const sockets = await Promise.all(Array.from({ length: n }, (_, i) =>
      fx.connect('/', { transports: i % 3 === 0 ? ['polling'] : i % 3 === 1 ? ['websocket'] : ['polling', 'websocket'] })));
    await Promise.all(sockets.map((s) => ack(s, 'join', 'crowd')));
    const outsider = await fx.connect('/', { transports: ['websocket'] });
    const rec = record([...sockets, outsider], 'crowd-msg');
    assert.equal(await ack(sockets[0], 'to-room-all', { room: 'crowd', event: 'crowd-msg', data: { hello: 'all' } }), true);
    await rec.all(sockets);
    // Members on the other worker are reached through a post, so a round trip
    // on each socket is not proof of absence; it still catches duplicates that
    // arrive in the same batch.
    await Promise.all([...sockets, outsider].map(flush));
    for (const s of sockets) assert.deepEqual(rec.of(s), [[{ hello: 'all' }]]);
    assert.equal(rec.count(outsider), 0);
    rec.stop();
  });

  test('socket.to(room) across workers excludes only the sender', async () => {
    const sockets = await Promise.all(Array.from({ length: 8 }, () => fx.connect('/', { transports: ['websocket'] })));
    await Promise.all(sockets.map((s) => ack(s, 'join', 'x-room')));
    const rec = record(sockets, 'x-msg');
    assert.equal(await ack(sockets[3], 'to-room', { room: 'x-room', event: 'x-msg', data: 1 }), true);
    const others = sockets.filter((_, i) => i !== 3);
    await rec.all(others);
    await Promise.all(sockets.map(flush));
    assert.deepEqual(sockets.map(rec.count), sockets.map((_, i) => (i === 3 ? 0 : 1)));
    rec.stop();
  });

  test('polling clients work whichever worker gets each request', async () => {
    const sockets = await Promise.all(Array.from({ length: 10 }, () => fx.connect('/', { transports: ['polling'] })));
    const rounds = await Promise.all(sockets.map(async (s, i) => {
      const answers = [];
      for (let k = 0; k < 10; k++) answers.push(await ack(s, 'echo-ack', `${i}-${k}`));
      s.emit('echo', 'bye', i);
      answers.push((await once(s, 'echo'))[1]);
      return answers;
    }));
    rounds.forEach((answers, i) => assert.deepEqual(answers, [...Array.from({ length: 10 }, (_, k) => `${i}-${k}`), i]));
    for (const s of sockets) assert.ok(s.connected);
  });

  test('raw polling: a session is served through fresh TCP connections', async () => {
    // Each request on its own connection, so the kernel and the acceptor spread them over the workers.
    const http = polling(fx);
    const { sid } = await http.open();
    for (let i = 0; i < 6; i++) {
      const post = await fetchNoKeepAlive(`${fx.url}/socket.io/?EIO=4&transport=polling&sid=${sid}`, {
        method: 'POST', body: i === 0 ? '40' : `42["echo-ack-none",${i}]`,
      });
      assert.equal(post.status, 200, `POST ${i}: ${post.body}`);
    }
    const get = await fetchNoKeepAlive(`${fx.url}/socket.io/?EIO=4&transport=polling&sid=${sid}`);
    assert.equal(get.status, 200);
    assert.match(get.body, /^40\{"sid":"[^"]+"\}/);
  });

  test('raw polling: GETs and POSTs of one session on separate connections deliver in order', async () => {
    const http = polling(fx);
    const { sid } = await http.open();
    const url = `${fx.url}/socket.io/?EIO=4&transport=polling&sid=${sid}`;
    assert.equal((await fetchNoKeepAlive(url, { method: 'POST', body: '40' })).status, 200);
    assert.match((await fetchNoKeepAlive(url)).body, /^40\{"sid":"[^"]+"\}/);
    // Park a GET, then send an event on fresh connections: the echo must come back on the parked GET.
    const parked = fetchNoKeepAlive(url);
    await new Promise((resolve) => setImmediate(resolve));
    for (let i = 0; i < 3; i++) {
      const post = await fetchNoKeepAlive(url, { method: 'POST', body: `42["echo",${i}]` });
      assert.equal(post.status, 200, post.body);
    }
    const got = await parked;
    assert.equal(got.status, 200);
    let body = got.body;
    while (body.split('\x1e').length < 3) {
      const more = await fetchNoKeepAlive(url);
      assert.equal(more.status, 200, more.body);
      body += '\x1e' + more.body;
    }
    assert.deepEqual(body.split('\x1e').filter((p) => p !== '2'), ['42["echo",0]', '42["echo",1]', '42["echo",2]']);
  });

  test('polling sessions upgrade to WebSocket whichever worker the upgrade lands on', async () => {
    const sockets = await Promise.all(Array.from({ length: 10 }, () => fx.connect('/', { transports: ['polling', 'websocket'] })));
    await Promise.all(sockets.map((s) => upgraded(s)));
    for (const s of sockets) assert.equal(s.io.engine.transport.name, 'websocket');
    const answers = await Promise.all(sockets.map((s, i) => ack(s, 'echo-ack', i)));
    assert.deepEqual(answers, Array.from({ length: 10 }, (_, i) => i));
  });

  test('fetch_sockets lists the sockets of both workers (completion acked from the handler)', async () => {
    // fetch_sockets' completion runs on whichever worker finishes last; the fixture acks
    // from it, as a Socket.IO app would (`cb(await io.fetchSockets())`).
    const sockets = await Promise.all(Array.from({ length: 6 }, () => fx.connect('/', { transports: ['websocket'] })));
    const ids = sockets.map((s) => s.id).sort();
    for (let round = 0; round < 10; round++) {
      const lists = await Promise.all(sockets.map((s) => ack(s, 'fetch')));
      for (const list of lists) assert.deepEqual(list, ids);
    }
  });

  test('broadcast with acks counts the clients of both workers', async () => {
    const sockets = await Promise.all(Array.from({ length: 6 }, (_, i) => fx.connect('/', { transports: [i % 2 ? 'polling' : 'websocket'] })));
    sockets.forEach((s, i) => s.on('question', (q, cb) => cb(i)));
    sockets[0].emit('broadcast-ack', 'q');
    const [result] = await once(sockets[0], 'broadcast-ack-result', 3000);
    assert.equal(result.count, 6);
    assert.equal(result.timedOut, false);
  });
});

/** One HTTP request on its own TCP connection (Connection: close). */
async function fetchNoKeepAlive(url, init = {}) {
  const { request } = await import('node:http');
  return new Promise((resolve, reject) => {
    const req = request(url, { method: init.method ?? 'GET', agent: false, headers: { connection: 'close', 'content-type': 'text/plain;charset=UTF-8' }, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('timeout', () => req.destroy(new Error('HTTP request timed out')));
    req.on('error', reject);
    req.end(init.body);
  });
}
