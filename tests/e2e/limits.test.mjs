// maxPayload: an oversized message closes only the connection that sent it.
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ack, once, polling, startFixture } from './harness.mjs';

describe('limits', () => {
  let fx;
  before(async () => { fx = await startFixture(['--max-payload', '1000']); });
  afterEach(() => fx.disconnectClients());
  after(async () => { await fx?.stop(); });

  for (const transport of ['polling', 'websocket']) {
    test(`an oversized message closes that client only (${transport})`, async () => {
      const [offender, bystander] = await Promise.all([
        fx.connect('/', { transports: [transport] }),
        fx.connect('/', { transports: [transport] }),
      ]);
      const gone = once(offender, 'disconnect');
      offender.emit('echo', 'x'.repeat(5000));
      const [reason] = await gone;
      assert.match(reason, /^transport (close|error)$/);
      bystander.emit('echo', 'still served');
      assert.deepEqual(await once(bystander, 'echo'), ['still served']);
      assert.ok(bystander.connected);
    });

    test(`a message under the limit passes (${transport})`, async () => {
      const socket = await fx.connect('/', { transports: [transport] });
      const text = 'y'.repeat(900);
      assert.equal(await ack(socket, 'echo-ack', text), text);
    });
  }

  test('an oversized polling POST is refused with 413', async () => {
    // (engine.io answers 413 Payload Too Large; the client then closes on the transport error.)
    const http = polling(fx);
    const { sid } = await http.open();
    const res = await http.post(sid, '4' + 'z'.repeat(5000));
    assert.equal(res.status, 413);
  });

  test('new clients are still accepted after an offender was closed', async () => {
    const socket = await fx.connect('/', { transports: ['websocket'] });
    assert.equal(await ack(socket, 'echo-ack', 'new'), 'new');
  });
});
