// Events and acknowledgements in both directions, over both transports.
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ack, ackAll, once, startFixture } from './harness.mjs';

const values = [
  'text',
  '',
  'unicode: é ü 日本語 🚀',
  'quotes "\\ and\nnewlines',
  0, -1, 3.5, 1e21,
  true, false, null,
  [], [1, [2, [3]]],
  {}, { a: 1, b: { c: [true, null, 'x'] } },
];

for (const transport of ['polling', 'websocket']) {
  describe(`events over ${transport}`, () => {
    let fx;
    const connect = (nsp = '/', opts = {}) => fx.connect(nsp, { transports: [transport], ...opts });
    before(async () => { fx = await startFixture(); });
    afterEach(() => fx.disconnectClients());
    after(async () => { await fx?.stop(); });

    test('client emit, server emits back the same arguments', async () => {
      const socket = await connect();
      socket.emit('echo', ...values);
      assert.deepEqual(await once(socket, 'echo'), values);
    });

    test('an event without arguments', async () => {
      const socket = await connect();
      socket.emit('echo');
      assert.deepEqual(await once(socket, 'echo'), []);
    });

    test('client emit with ack, server acks with the same arguments', async () => {
      const socket = await connect();
      assert.deepEqual(await ackAll(socket, 'echo-ack', ...values), values);
    });

    test('emitWithAck (client timeout API) resolves', async () => {
      const socket = await connect();
      assert.deepEqual(await socket.timeout(2000).emitWithAck('echo-ack', { hello: 'world' }), { hello: 'world' });
    });

    test('acks are matched to their emits when many are in flight', async () => {
      const socket = await connect();
      const answers = await Promise.all(Array.from({ length: 100 }, (_, i) => ack(socket, 'echo-ack', i)));
      assert.deepEqual(answers, Array.from({ length: 100 }, (_, i) => i));
    });

    test('a large message (100 kB) both ways', async () => {
      const socket = await connect();
      const big = 'x'.repeat(100_000);
      assert.equal(await ack(socket, 'echo-ack', big), big);
    });

    test('server emit with ack: the client answers, the server gets it', async () => {
      const socket = await connect();
      socket.on('ping-me', (question, cb) => cb({ answer: question * 2 }, 'second'));
      socket.emit('server-ack', 21);
      assert.deepEqual(await once(socket, 'server-ack-result'), [{ answer: 42 }, 'second']);
    });

    test('server emit with ack: the client never answers -> timeout', async () => {
      const socket = await connect();
      const asked = once(socket, 'ping-me');
      socket.emit('server-ack', 'ignored');
      const [arg] = await asked;
      assert.equal(arg, 'ignored');
      assert.deepEqual(await once(socket, 'server-ack-result', 3000), ['timeout']);
    });

    test('a handler-less event is ignored and the connection stays usable', async () => {
      const socket = await connect();
      socket.emit('no-such-event', 1, 2, 3);
      assert.equal(await ack(socket, 'echo-ack', 'still here'), 'still here');
      assert.ok(socket.connected);
    });
  });
}

describe('broadcast with acks', () => {
  // A fixture per test: the counts must not see the sockets of another test.
  let fx;
  beforeEach(async () => { fx = await startFixture(); });
  afterEach(async () => { await fx?.stop(); });

  test('every client answers: count equals the clients, no timeout', async () => {
    const sockets = await Promise.all([
      fx.connect('/', { transports: ['websocket'] }),
      fx.connect('/', { transports: ['polling'] }),
      fx.connect('/', { transports: ['websocket'] }),
    ]);
    sockets.forEach((s, i) => s.on('question', (q, cb) => cb(`${q}-${i}`)));
    sockets[0].emit('broadcast-ack', 'q');
    const [result] = await once(sockets[0], 'broadcast-ack-result');
    assert.equal(result.count, 3);
    assert.equal(result.timedOut, false);
    assert.deepEqual(result.answers.map((a) => a[0]).sort(), ['q-0', 'q-1', 'q-2']);
  });

  test('one client stays silent: the others are counted and it times out', async () => {
    const sockets = await Promise.all([1, 2, 3].map(() => fx.connect('/', { transports: ['websocket'] })));
    sockets.forEach((s, i) => { if (i !== 2) s.on('question', (q, cb) => cb(i)); });
    const silentAsked = once(sockets[2], 'question');
    sockets[0].emit('broadcast-ack', 'q');
    await silentAsked;
    const [result] = await once(sockets[0], 'broadcast-ack-result', 3000);
    assert.equal(result.count, 2);
    assert.equal(result.timedOut, true);
  });
});
