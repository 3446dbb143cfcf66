// Property: 100 clients in several rooms (two workers), 5,000 events, random
// transport cuts while publishing; every client ends with exactly the events of its rooms, in
// offset order, no gap, no duplicate, and every reconnection recovered.
//
// Seeded: set FERRY_E2E_SEED to replay a run (the seed is printed).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ack, withTimeout } from './harness.mjs';
import {
  assertExactly, describeWire, rng, recoveringClient, seqOf, skipOnReference, sleep, startRecoveryFixture,
  whenConnected,
} from './recovery_helpers.mjs';

const CLIENTS = 100;
const ROOMS = 5;
const EVENTS = 5000;
const CUTS = 50;
const IN_FLIGHT = 64;

describe('property: random cuts under load', { skip: skipOnReference }, () => {
  let fx;
  before(async () => {
    fx = await startRecoveryFixture(['--max-events', String(EVENTS * 2), '--workers', '2']);
  });
  after(async () => {
    fx?.disconnectClients();
    await fx?.stop();
  });

  test(`${CLIENTS} clients, ${EVENTS} events, ${CUTS} transport cuts: exactly the events of their rooms`, async (t) => {
    const seed = Number(process.env.FERRY_E2E_SEED ?? (Date.now() % 1e9));
    t.diagnostic(`seed ${seed} (FERRY_E2E_SEED=${seed} to replay)`);
    const random = rng(seed);
    const pick = (n) => Math.floor(random() * n);
    const roomName = (r) => `p${r}`;

    // Each client joins 1-3 distinct rooms of 5.
    const memberships = Array.from({ length: CLIENTS }, () => {
      const k = 1 + pick(3);
      const rooms = new Set();
      while (rooms.size < k) rooms.add(roomName(pick(ROOMS)));
      return [...rooms];
    });
    // One client in five starts on long-polling and upgrades (its replays may travel over polling).
    const clients = memberships.map((rooms, k) =>
      recoveringClient(fx, {
        auth: { rooms },
        reconnectionDelay: 200,
        reconnectionDelayMax: 400,
        transports: k % 5 === 0 ? ['polling', 'websocket'] : ['websocket'],
      }));
    await withTimeout(Promise.all(clients.map((c) => whenConnected(c, 10000))), 15000, 'clients to connect');
    const ids = clients.map((c) => c.id);
    const pub = await whenConnected(recoveringClient(fx, { reconnection: false }));

    // Targets: 85 % one room, 10 % two rooms, 5 % the whole namespace.
    const targets = Array.from({ length: EVENTS }, () => {
      const x = random();
      if (x < 0.85) return [roomName(pick(ROOMS))];
      if (x < 0.95) {
        const a = pick(ROOMS);
        return [roomName(a), roomName((a + 1 + pick(ROOMS - 1)) % ROOMS)];
      }
      return null;  // publish-all
    });
    // Cut points: CUTS distinct event indexes, each a random client.
    const cutAt = new Map();
    while (cutAt.size < CUTS) cutAt.set(100 + pick(EVENTS - 200), pick(CLIENTS));

    const offsets = new Array(EVENTS);
    let next = 0;
    let cutsDone = 0;
    let cutsSkipped = 0;
    const worker = async () => {
      while (next < EVENTS) {
        const i = next++;
        const victim = cutAt.get(i);
        if (victim !== undefined) {
          const transport = clients[victim].io.engine?.transport;
          if (clients[victim].connected && transport?.name === 'websocket' && transport.ws?._socket && !transport.ws._socket.destroyed) {
            transport.ws._socket.destroy();
            ++cutsDone;
          } else {
            ++cutsSkipped;  // already away (cut a moment ago)
          }
        }
        const target = targets[i];
        const answer = target
          ? await ack(pub, 'publish', { room: target, event: 'ev', data: { id: i } })
          : await ack(pub, 'publish-all', { event: 'ev', data: { id: i } });
        if (!answer?.ok) throw new Error(`publish ${i} failed: ${JSON.stringify(answer)}`);
        offsets[i] = answer.offset;
      }
    };
    const started = Date.now();
    await withTimeout(Promise.all(Array.from({ length: IN_FLIGHT }, worker)), 40000, `${EVENTS} publishes`);
    t.diagnostic(`published in ${Date.now() - started} ms; cuts ${cutsDone}, skipped ${cutsSkipped}`);
    assert.ok(cutsDone >= CUTS * 0.8, `most cuts happened: ${cutsDone}`);

    // Expected per client: the events sent to one of its rooms or to everyone, in offset order.
    const order = Array.from({ length: EVENTS }, (_, i) => i).sort((a, b) => seqOf(offsets[a]) - seqOf(offsets[b]));
    const expected = memberships.map((rooms) =>
      order.filter((i) => targets[i] === null || targets[i].some((r) => rooms.includes(r))));

    // Everyone reconnects and catches up.
    const deadline = Date.now() + 30000;
    for (;;) {
      const behind = clients.filter((c, k) =>
        !c.connected || c.log.events.filter((e) => e.name === 'ev').length < expected[k].length);
      if (behind.length === 0) break;
      if (Date.now() > deadline) {
        const k = clients.indexOf(behind[0]);
        assert.fail(`${behind.length} clients not caught up after 30 s; e.g. client ${k} ` +
          `(${memberships[k]}) has ${behind[0].log.events.length} of ${expected[k].length}\n${describeWire(behind[0])}`);
      }
      await sleep(50);
    }
    await Promise.all(clients.map((c) => ack(c, 'echo-ack', 'flush')));
    t.diagnostic(`caught up ${Date.now() - started} ms after the first publish`);

    let reconnections = 0;
    for (let k = 0; k < CLIENTS; ++k) {
      const c = clients[k];
      const connects = c.log.connects;
      reconnections += connects.length - 1;
      assert.ok(connects.slice(1).every((x) => x.recovered && x.id === ids[k]),
        `client ${k}: every reconnection recovered the session (seed ${seed})\n${describeWire(c)}`);
      assert.deepEqual(c.log.gaps, [], `client ${k}: no gap`);
      assertExactly(assert, c, expected[k], 'ev', `client ${k} in ${memberships[k]} (seed ${seed})`);
    }
    assert.ok(reconnections >= cutsDone, `each cut client reconnected: ${reconnections} reconnections, ${cutsDone} cuts`);
  });
});
