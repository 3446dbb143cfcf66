// Namespaces: a custom one, multiplexing, dynamic (regex) ones, a refusing
// middleware and an unknown namespace.
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ack, connectError, flush, once, record, startFixture } from './harness.mjs';

for (const transport of ['polling', 'websocket']) {
  describe(`namespaces over ${transport}`, () => {
    let fx;
    const opts = (extra = {}) => ({ transports: [transport], ...extra });
    before(async () => { fx = await startFixture(); });
    afterEach(() => fx.disconnectClients());
    after(async () => { await fx?.stop(); });

    test('a custom namespace: connect, emit, ack', async () => {
      const chat = await fx.connect('/chat', opts());
      assert.equal(chat.nsp, '/chat');
      chat.emit('echo', 'in chat');
      assert.deepEqual(await once(chat, 'echo'), ['in chat']);
      assert.equal(await ack(chat, 'echo-ack', 'chat ack'), 'chat ack');
    });

    test('two namespaces multiplexed on one connection stay apart', async () => {
      const main = await fx.connect('/', opts());
      const chat = main.io.socket('/chat');
        await once(chat, 'connect');
      assert.equal(main.io, chat.io);
      assert.notEqual(main.id, chat.id);
      assert.equal(await ack(main, 'join', 'shared-name'), true);
      assert.equal(await ack(chat, 'join', 'shared-name'), true);
      // A broadcast in "/" reaches "/" sockets only.
      const other = await fx.connect('/', opts());
      const rec = record([main, chat], 'ns-evt');
      assert.equal(await ack(other, 'to-room', { room: 'shared-name', event: 'ns-evt', data: 'main only' }), true);
      await rec.all([main]);
      await flush(chat);
      assert.equal(rec.count(chat), 0);
      assert.deepEqual(await ack(chat, 'rooms'), [chat.id, 'shared-name'].sort());
      // Leaving one namespace keeps the other (and the connection) up.
      chat.disconnect();
      assert.equal(await ack(main, 'echo-ack', 'still up'), 'still up');
      assert.ok(main.connected);
    });

    test('a dynamic namespace matching ^/dyn-\\d+$ is created and greets with its name', async () => {
      const dyn = fx.client('/dyn-42', opts());
      const [name] = await once(dyn, 'hello');
      assert.equal(name, '/dyn-42');
      assert.ok(dyn.connected);
      assert.equal(await ack(dyn, 'echo-ack', 'dyn'), 'dyn');
      const dyn2 = fx.client('/dyn-7', opts());
      assert.deepEqual(await once(dyn2, 'hello'), ['/dyn-7']);
    });

    test('a namespace not matching the regex is refused', async () => {
      const err = await connectError(fx.client('/dyn-abc', opts()));
      assert.equal(err.message, 'Invalid namespace');
    });

    test('an unknown namespace -> connect_error "Invalid namespace"', async () => {
      const err = await connectError(fx.client('/nope', opts()));
      assert.equal(err.message, 'Invalid namespace');
    });

    test('an unknown namespace does not break the other namespaces of the connection', async () => {
      const main = await fx.connect('/', opts());
      const bad = main.io.socket('/nope');
      assert.equal((await connectError(bad)).message, 'Invalid namespace');
      assert.equal(await ack(main, 'echo-ack', 'fine'), 'fine');
    });

    test('middleware refuses without the token: connect_error "unauthorized" with data.code 401', async () => {
      const err = await connectError(fx.client('/guarded', opts()));
      assert.equal(err.message, 'unauthorized');
      assert.deepEqual(err.data, { code: 401 });
    });

    test('middleware refuses a wrong token', async () => {
      const err = await connectError(fx.client('/guarded', opts({ auth: { token: 'guess' } })));
      assert.equal(err.message, 'unauthorized');
      assert.equal(err.data.code, 401);
    });

    test('middleware admits the right token (auth payload)', async () => {
      const socket = await fx.connect('/guarded', opts({ auth: { token: 'secret' } }));
      assert.equal(await ack(socket, 'echo-ack', 'inside'), 'inside');
    });
  });
}
