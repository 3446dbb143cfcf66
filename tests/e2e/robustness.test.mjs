// Peer input never takes the server down: malformed Engine.IO / Socket.IO
// packets close only the connection that sent them; bad HTTP requests get the
// Engine.IO error answers; many clients at once are all served.
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ack, once, startFixture, WAIT_MS } from './harness.mjs';

describe('robustness', () => {
  let fx;
  before(async () => { fx = await startFixture(); });
  afterEach(() => fx.disconnectClients());
  after(async () => { await fx?.stop(); });

  const malformed = {
    'an unknown Engine.IO packet type': '9',
    'an empty Engine.IO packet': '',
    'a Socket.IO EVENT with broken JSON': '42["echo",',
    'a Socket.IO EVENT whose payload is not an array': '42{"a":1}',
    'an unknown Socket.IO packet type': '49',
    'a Socket.IO packet with a bad namespace': '4/no-comma-here["x"]',
  };
  for (const [what, frame] of Object.entries(malformed)) {
    test(`${what} closes that connection only`, async () => {
      const bystander = await fx.connect('/', { transports: ['websocket'] });
      const { ws, frames } = await fx.rawWebSocket();
      const closed = once(ws, 'close', 3000);
      assert.equal((await frames.next())[0], '0');
      ws.send('40');
      assert.match(await frames.next(), /^40/);
      ws.send(frame);
      await closed;
      assert.equal(await ack(bystander, 'echo-ack', 'unaffected'), 'unaffected');
      assert.ok(fx.alive());
    });
  }

  test('a binary WebSocket frame where none is expected does not take the server down', async () => {
    const bystander = await fx.connect('/', { transports: ['websocket'] });
    const { ws, frames } = await fx.rawWebSocket();
    await frames.next();
    ws.send('40');
    await frames.next();
    ws.send(Buffer.from([1, 2, 3]));
    ws.send('42["echo","after"]');
    // Either ignored (and the connection goes on) or closed; the server must live.
    const closed = once(ws, 'close', 3000).then(() => 'closed');
    let outcome = await Promise.race([closed, frames.next(3000)]);
    if (outcome === '1') outcome = await closed;  // an Engine.IO CLOSE packet, then the close
    assert.ok(outcome === 'closed' || outcome === '42["echo","after"]', String(outcome));
    assert.equal(await ack(bystander, 'echo-ack', 'ok'), 'ok');
    assert.ok(fx.alive());
  });

  test('HTTP: unsupported protocol version -> 400 code 5', async () => {
    const res = await fetch(`${fx.url}/socket.io/?EIO=3&transport=polling`, { signal: AbortSignal.timeout(WAIT_MS) });
    assert.equal(res.status, 400);
    assert.deepEqual(await res.json(), { code: 5, message: 'Unsupported protocol version' });
  });

  test('HTTP: unknown transport -> 400 code 0', async () => {
    const res = await fetch(`${fx.url}/socket.io/?EIO=4&transport=carrier-pigeon`, { signal: AbortSignal.timeout(WAIT_MS) });
    assert.equal(res.status, 400);
    assert.deepEqual(await res.json(), { code: 0, message: 'Transport unknown' });
  });

  test('HTTP: a path outside the Engine.IO endpoint -> 404', async () => {
    const res = await fetch(`${fx.url}/not-socket-io/`, { signal: AbortSignal.timeout(WAIT_MS) });
    assert.equal(res.status, 404);
    await res.arrayBuffer();
  });

  test('a raw TCP connection sending garbage is closed; the server lives', async () => {
    const net = await import('node:net');
    const sock = net.connect(fx.port, '127.0.0.1');
    await once(sock, 'connect');
    const ended = once(sock, 'close', 3000);
    sock.on('data', () => {});
    sock.on('error', () => {});
    sock.write('THIS IS NOT HTTP\r\n\r\n');
    await ended;
    const socket = await fx.connect('/', { transports: ['websocket'] });
    assert.equal(await ack(socket, 'echo-ack', 'fine'), 'fine');
  });

  test('100 clients (half polling) connect and are served at once', async () => {
    const sockets = await Promise.all(Array.from({ length: 100 }, (_, i) =>
      fx.connect('/', { transports: [i % 2 ? 'polling' : 'websocket'] })));
    const answers = await Promise.all(sockets.map((s, i) => ack(s, 'echo-ack', i)));
    assert.deepEqual(answers, Array.from({ length: 100 }, (_, i) => i));
  });
});
