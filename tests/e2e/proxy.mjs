// A TCP proxy on 127.0.0.1 for the half-open tests: it forwards every
// connection to a target port, and can make the network fail the way a Wi-Fi
// to LTE switch or a NAT that forgets a flow does — the client's side of each
// connection dies at once (a reset), while the server keeps its side open and
// hears nothing more (no FIN, no RST), until the test lets it go.

import net from 'node:net';
import { once as eventsOnce } from 'node:events';

/** Starts a proxy to 127.0.0.1:`targetPort`; resolves to { port, url, halfOpen(), heal(), release(), close() }. */
export async function startProxy(targetPort) {
  const live = new Set();      // connections forwarding both ways
  const stranded = new Set();  // server sides left open by halfOpen()
  let down = false;            // between halfOpen() and heal(), new connections are reset
  const server = net.createServer((client) => {
    if (down) {
      client.on('error', () => {});
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect(targetPort, '127.0.0.1');
    const pair = { client, upstream, frozen: false };
    live.add(pair);
    client.on('error', () => {});
    upstream.on('error', () => {});
    client.on('data', (d) => { if (!pair.frozen) upstream.write(d); });
    upstream.on('data', (d) => { if (!pair.frozen) client.write(d); });
    client.on('close', () => {
      live.delete(pair);
      if (!pair.frozen) upstream.destroy();
    });
    upstream.on('close', () => {
      live.delete(pair);
      stranded.delete(pair);
      client.destroy();
    });
  });
  server.listen(0, '127.0.0.1');
  await eventsOnce(server, 'listening');
  const { port } = server.address();
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    /**
     * Every connection open now goes half-open: nothing crosses any more, the
     * client's side is reset, the server's side stays open and silent; new
     * connections are reset until heal(). Returns how many connections it stranded.
     */
    halfOpen() {
      down = true;
      const pairs = [...live];
      for (const pair of pairs) {
        pair.frozen = true;
        live.delete(pair);
        stranded.add(pair);
        pair.client.resetAndDestroy();
      }
      return pairs.length;
    },
    /** The network is back: new connections are forwarded again. */
    heal() {
      down = false;
    },
    /** The server finally hears that the stranded connections are gone (their late close). */
    release() {
      for (const pair of stranded) pair.upstream.destroy();
      stranded.clear();
    },
    async close() {
      for (const pair of [...live, ...stranded]) {
        pair.client.destroy();
        pair.upstream.destroy();
      }
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
