// Disconnection: by the server, by the client, by silence (heartbeat), by not
// joining a namespace in time, and on server shutdown.
import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ack, eventually, once, polling, startFixture, withTimeout, WAIT_MS } from './harness.mjs';

describe('disconnection', () => {
  // A fixture per test with fast heartbeats.
  let fx;
  beforeEach(async () => {
    fx = await startFixture(['--ping-interval', '200', '--ping-timeout', '100', '--connect-timeout', '500']);
  });
  afterEach(async () => { await fx?.stop(); });

  for (const transport of ['polling', 'websocket']) {
    test(`server-side disconnect -> "io server disconnect" (${transport})`, async () => {
      const socket = await fx.connect('/', { transports: [transport] });
      socket.emit('kick');
      const [reason] = await once(socket, 'disconnect');
      assert.equal(reason, 'io server disconnect');
      assert.equal(socket.connected, false);
    });

    test(`a client that answers pings stays connected across many intervals (${transport})`, async () => {
      const socket = await fx.connect('/', { transports: [transport] });
      let disconnected = null;
      socket.on('disconnect', (r) => { disconnected = r; });
      for (let i = 0; i < 5; i++) await once(socket.io, 'ping', 2000);
      assert.equal(disconnected, null);
      assert.equal(await ack(socket, 'echo-ack', 'alive'), 'alive');
    });
  }

  test('kicking one namespace socket keeps the connection for the others', async () => {
    const main = await fx.connect('/', { transports: ['websocket'] });
    const chat = main.io.socket('/chat');
    await once(chat, 'connect');
    chat.emit('kick');
    const [reason] = await once(chat, 'disconnect');
    assert.equal(reason, 'io server disconnect');
    assert.equal(await ack(main, 'echo-ack', 'main lives'), 'main lives');
  });

  test('a client disconnect removes the socket on the server', async () => {
    const [observer, leaver] = await Promise.all([fx.connect('/'), fx.connect('/', { transports: ['websocket'] })]);
    const id = leaver.id;
    assert.ok((await ack(observer, 'fetch')).includes(id));
    leaver.disconnect();
    await eventually(async () => !(await ack(observer, 'fetch')).includes(id), 3000, 'the socket to be gone');
  });

  test('a raw WebSocket that never answers pings is closed by the heartbeat', async () => {
    const observer = await fx.connect('/', { transports: ['websocket'] });
    const { ws, frames } = await fx.rawWebSocket();
    const closed = once(ws, 'close', 3000);
    const open = await frames.next();
    assert.equal(open[0], '0', `expected an OPEN packet, got ${open}`);
    assert.equal(JSON.parse(open.slice(1)).pingInterval, 200);
    ws.send('40');
    const connect = await frames.next();
    assert.match(connect, /^40\{"sid":"[^"]+"\}$/);
    const sid = JSON.parse(connect.slice(2)).sid;
    assert.ok((await ack(observer, 'fetch')).includes(sid));
    // Ignore every ping ("2"): the server must give up after pingInterval + pingTimeout.
    const started = Date.now();
    await closed;
    const elapsed = Date.now() - started;
    assert.ok(elapsed < 2000, `closed after ${elapsed} ms`);
    assert.ok(frames.frames.includes('2'), `the server should have pinged first; frames: ${JSON.stringify(frames.frames)}`);
    await eventually(async () => !(await ack(observer, 'fetch')).includes(sid), 2000, 'the silent socket to leave fetch');
    assert.ok(observer.connected, 'the observer, which answers pings, stays connected');
  });

  test('a polling client that stops polling is dropped by the heartbeat', async () => {
    const observer = await fx.connect('/', { transports: ['websocket'] });
    const http = polling(fx);
    const { sid } = await http.open();
    assert.equal((await http.post(sid, '40')).status, 200);
    const answer = await http.get(sid);
    assert.match(answer.body, /^40\{"sid":"[^"]+"\}/);
    const socketId = JSON.parse(answer.body.slice(2).split('\x1e')[0]).sid;
    assert.ok((await ack(observer, 'fetch')).includes(socketId));
    // No more GETs: the pings go unanswered.
    await eventually(async () => !(await ack(observer, 'fetch')).includes(socketId), 3000, 'the silent polling socket to leave fetch');
    const after = await http.get(sid);
    assert.equal(after.status, 400);
    assert.equal(JSON.parse(after.body).code, 1);
  });

  test('an Engine.IO session that never joins a namespace is closed after connect-timeout', async () => {
    const { ws, frames } = await fx.rawWebSocket();
    const closed = once(ws, 'close', 3000);
    await frames.next();
    // Answer pings so only the connect timeout (500 ms) can end the session.
    ws.on('message', (d) => { if (d.toString() === '2') ws.send('3'); });
    const started = Date.now();
    await closed;
    assert.ok(Date.now() - started < 2500);
  });

  test('SIGTERM: connected clients are disconnected and the fixture exits 0', async () => {
    const sockets = await Promise.all([
      fx.connect('/', { transports: ['websocket'] }),
      fx.connect('/', { transports: ['polling'] }),
    ]);
    const reasons = Promise.all(sockets.map((s) => once(s, 'disconnect', WAIT_MS)));
    const child = fx.child;
    child.kill('SIGTERM');
    const [exit] = await Promise.all([withTimeout(once(child, 'exit', WAIT_MS), WAIT_MS, 'exit'), reasons]);
    assert.deepEqual(exit, [0, null]);
    fx = null;
  });
});
