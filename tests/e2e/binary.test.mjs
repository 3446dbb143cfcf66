// Binary arguments (Socket.IO BINARY_EVENT / BINARY_ACK with attachments) in both directions.
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ack, ackAll, once, startFixture } from './harness.mjs';

const bytes = (n, seed = 0) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff));

/** socket.io-client hands binary to Node code as Buffer (or ArrayBuffer); compare as Buffer. */
function normalize(value) {
  if (value instanceof ArrayBuffer) return Buffer.from(value);
  if (ArrayBuffer.isView(value)) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (Array.isArray(value)) return value.map(normalize);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalize(v)]));
  return value;
}

for (const transport of ['polling', 'websocket']) {
  describe(`binary over ${transport}`, () => {
    let fx;
    const connect = () => fx.connect('/', { transports: [transport] });
    before(async () => { fx = await startFixture(); });
    afterEach(() => fx.disconnectClients());
    after(async () => { await fx?.stop(); });

    test('one Buffer argument, echoed back by an event', async () => {
      const socket = await connect();
      const payload = bytes(256);
      socket.emit('echo', payload);
      const [got] = await once(socket, 'echo');
      assert.deepEqual(normalize(got), payload);
    });

    test('Buffers nested in objects and arrays, mixed with JSON, echoed back', async () => {
      const socket = await connect();
      const args = [
        'before',
        { file: bytes(10, 1), meta: { name: 'a.bin', parts: [bytes(3, 2), 'text', bytes(1, 3)] } },
        [bytes(5, 4), [bytes(7, 5)]],
        42,
      ];
      socket.emit('echo', ...args);
      assert.deepEqual(normalize(await once(socket, 'echo')), args);
    });

    test('an empty Buffer and a large one (64 kB)', async () => {
      const socket = await connect();
      const args = [Buffer.alloc(0), bytes(65536, 7)];
      socket.emit('echo', ...args);
      assert.deepEqual(normalize(await once(socket, 'echo')), args);
    });

    test('binary in a client -> server ack (server acks with binary)', async () => {
      const socket = await connect();
      const args = [{ data: bytes(100, 9) }, bytes(2, 10)];
      assert.deepEqual(normalize(await ackAll(socket, 'echo-ack', ...args)), args);
    });

    test('binary in a server -> client ack (client answers with binary)', async () => {
      const socket = await connect();
      socket.on('ping-me', (question, cb) => cb({ back: normalize(question) }, bytes(4, 11)));
      socket.emit('server-ack', bytes(8, 12));
      const result = normalize(await once(socket, 'server-ack-result'));
      assert.deepEqual(result, [{ back: bytes(8, 12) }, bytes(4, 11)]);
    });

    test('binary and text events interleaved keep their order', async () => {
      const socket = await connect();
      const received = [];
      const done = new Promise((resolve) => socket.on('echo', (v) => { received.push(normalize(v)); if (received.length === 20) resolve(); }));
      const sent = Array.from({ length: 20 }, (_, i) => (i % 2 ? bytes(i, i) : `text-${i}`));
      for (const v of sent) socket.emit('echo', v);
      await done;
      assert.deepEqual(received, sent);
      assert.ok(await ack(socket, 'echo-ack', true));
    });

    test('binary relayed to a room keeps its bytes', async () => {
      const [a, b] = await Promise.all([connect(), connect()]);
      assert.equal(await ack(b, 'join', 'bin-room'), true);
      const got = once(b, 'blob');
      assert.equal(await ack(a, 'to-room', { room: 'bin-room', event: 'blob', data: { n: 1, buf: bytes(33, 13) } }), true);
      assert.deepEqual(normalize(await got), [{ n: 1, buf: bytes(33, 13) }]);
    });
  });
}
