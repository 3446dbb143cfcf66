// Engine.IO transports: long-polling only, WebSocket only, and polling upgraded
// to WebSocket, each carrying Socket.IO events; the handshake's advertised options.
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ack, once, polling, startFixture, upgraded } from './harness.mjs';

describe('transports', () => {
  let fx;
  before(async () => { fx = await startFixture(['--ping-interval', '3000', '--ping-timeout', '2000', '--max-payload', '200000']); });
  afterEach(() => fx.disconnectClients());
  after(async () => { await fx?.stop(); });

  test('the polling handshake advertises sid, upgrades and the configured timings', async () => {
    const open = await polling(fx).open();
    assert.equal(typeof open.sid, 'string');
    assert.ok(open.sid.length > 0);
    assert.deepEqual(open.upgrades, ['websocket']);
    assert.equal(open.pingInterval, 3000);
    assert.equal(open.pingTimeout, 2000);
    assert.equal(open.maxPayload, 200000);
  });

  test('polling only: connect, emit, ack', async () => {
    const socket = await fx.connect('/', { transports: ['polling'] });
    assert.equal(socket.io.engine.transport.name, 'polling');
    socket.emit('echo', 'over polling', 1);
    assert.deepEqual(await once(socket, 'echo'), ['over polling', 1]);
    assert.equal(await ack(socket, 'echo-ack', 'ack over polling'), 'ack over polling');
    assert.equal(socket.io.engine.transport.name, 'polling');
  });

  test('polling only: many events in a burst arrive in order', async () => {
    const socket = await fx.connect('/', { transports: ['polling'] });
    const received = [];
    const done = new Promise((resolve) => socket.on('echo', (n) => { received.push(n); if (received.length === 200) resolve(); }));
    for (let i = 0; i < 200; i++) socket.emit('echo', i);
    await Promise.race([done, once(socket, 'disconnect').then(([r]) => { throw new Error(`disconnected: ${r}`); })]);
    assert.deepEqual(received, Array.from({ length: 200 }, (_, i) => i));
  });

  test('websocket only: connect, emit, ack', async () => {
    const socket = await fx.connect('/', { transports: ['websocket'] });
    assert.equal(socket.io.engine.transport.name, 'websocket');
    socket.emit('echo', 'over websocket', { n: 2 });
    assert.deepEqual(await once(socket, 'echo'), ['over websocket', { n: 2 }]);
    assert.equal(await ack(socket, 'echo-ack', 'ack over websocket'), 'ack over websocket');
  });

  test('polling then upgrade to websocket; events flow before and after', async () => {
    const socket = fx.client('/', { transports: ['polling', 'websocket'] });
    const upgrade = once(socket.io, 'open').then(() => upgraded(socket));
    await once(socket, 'connect');
    assert.equal(await ack(socket, 'echo-ack', 'before upgrade'), 'before upgrade');
    await upgrade;
    assert.equal(socket.io.engine.transport.name, 'websocket');
    socket.emit('echo', 'after upgrade');
    assert.deepEqual(await once(socket, 'echo'), ['after upgrade']);
    assert.equal(await ack(socket, 'echo-ack', 'ack after upgrade'), 'ack after upgrade');
  });

  test('events emitted during the upgrade are neither lost nor duplicated', async () => {
    const socket = fx.client('/', { transports: ['polling', 'websocket'] });
    const upgrade = once(socket.io, 'open').then(() => upgraded(socket));
    await once(socket, 'connect');
    const received = [];
    const all = new Promise((resolve) => socket.on('echo', (n) => { received.push(n); if (received.length === 100) resolve(); }));
    for (let i = 0; i < 50; i++) socket.emit('echo', i);
    await upgrade;
    for (let i = 50; i < 100; i++) socket.emit('echo', i);
    await all;
    assert.deepEqual(received, Array.from({ length: 100 }, (_, i) => i));
    assert.equal(await ack(socket, 'echo-ack', 'done'), 'done');
  });

  test('an unknown sid is refused with Engine.IO error 1', async () => {
    const res = await polling(fx).get('no-such-session');
    assert.equal(res.status, 400);
    assert.deepEqual(JSON.parse(res.body), { code: 1, message: 'Session ID unknown' });
  });
});
