// A browser page on an origin the daemon does not allow gets answers without
// Access-Control-Allow-Origin and stays blank; the daemon says why in its log,
// once per origin (issue 10 §7). Same-origin requests and allowed origins are
// not logged; WebSocket handshakes are not subject to CORS.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { once, eventually } from './harness.mjs';
import { startDaemon, stopDaemon, get, client } from './daemon_helpers.mjs';

const HANDSHAKE = '/socket.io/?EIO=4&transport=polling';
const refusals = (output, origin) => output.split('\n').filter((l) => l.includes(`refused cross-origin requests from ${origin}:`)).length;

// The log arrives through a pipe, possibly after the HTTP answer: wait for the lines expected.
const logged = (d, origins) => eventually(() => origins.every((o) => refusals(d.output(), o) > 0), 5000,
  `refusals of ${origins.join(', ')} in the log`);

describe('refused CORS origins are logged', () => {
  test('without --cors-origin: a foreign page is logged once, same-origin requests never', async () => {
    const d = await startDaemon(['--store', 'memory']);
    try {
      for (let i = 0; i < 3; ++i) {
        const r = await get(d.port, HANDSHAKE, { origin: 'http://localhost:8080' });
        assert.equal(r.status, 200);
        assert.equal(r.headers['access-control-allow-origin'], undefined);
      }
      // Server-Sent Events too: a page opened from a file (Origin "null").
      for (let i = 0; i < 2; ++i) {
        const sse = await get(d.port, '/events?rooms=news', { origin: 'null' }, { headersOnly: true });
        assert.equal(sse.status, 200);
        assert.equal(sse.headers['access-control-allow-origin'], undefined);
      }
      assert.equal((await get(d.port, HANDSHAKE, { origin: d.url })).status, 200);
      // A WebSocket from a foreign page works without CORS, and is not a refusal.
      const ws = client(d, { extraHeaders: { origin: 'http://ws-page.test' } });
      await once(ws, 'connect');
      ws.disconnect();
      await logged(d, ['http://localhost:8080', 'null']);
      const out = d.output();
      assert.equal(refusals(out, 'http://localhost:8080'), 1, out);
      assert.match(out, /--cors-origin/);
      assert.equal(refusals(out, 'null'), 1, out);
      assert.equal(refusals(out, d.url), 0);
      assert.equal(refusals(out, 'http://ws-page.test'), 0);
    } finally {
      assert.equal((await stopDaemon(d)).code, 0);
    }
  });

  test('with --cors-origin: allowed origins pass silently, others are logged once each', async () => {
    const d = await startDaemon(['--store', 'memory', '--cors-origin', 'http://app.test']);
    try {
      const ok = await get(d.port, HANDSHAKE, { origin: 'http://app.test' });
      assert.equal(ok.headers['access-control-allow-origin'], 'http://app.test');
      for (const origin of ['http://evil.test', 'http://evil.test', 'http://other.test']) {
        const r = await get(d.port, HANDSHAKE, { origin });
        assert.equal(r.headers['access-control-allow-origin'], undefined);
      }
      await logged(d, ['http://evil.test', 'http://other.test']);
      const out = d.output();
      assert.equal(refusals(out, 'http://app.test'), 0, out);
      assert.equal(refusals(out, 'http://evil.test'), 1, out);
      assert.equal(refusals(out, 'http://other.test'), 1, out);
    } finally {
      assert.equal((await stopDaemon(d)).code, 0);
    }
  });
});
