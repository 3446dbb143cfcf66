// A page reload: the old client instance is gone, a new one connects. It
// recovers the session when the app passes back the pid and offset it persisted
// (socket.io-client sends socket._pid / socket._lastOffset in its CONNECT), or it
// asks for the events after a persisted offset with join_since (auth.since, or
// the fixture's `join-since` event). Each missed event arrives exactly once.
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ack } from './harness.mjs';
import {
  assertExactly, cut, describeWire, publish, receivedCount, reconnected, recoveringClient, skipOnReference,
  startRecoveryFixture, waitGone, whenConnected,
} from './recovery_helpers.mjs';

describe('recovery across a page reload', { skip: skipOnReference }, () => {
  let fx;
  before(async () => { fx = await startRecoveryFixture(); });
  afterEach(() => fx.disconnectClients());
  after(async () => { await fx?.stop(); });

  const publisher = () => whenConnected(recoveringClient(fx, { reconnection: false }));

  /** The old page: joins `room`, receives ids 0..n-1, and is closed as a reload closes it. */
  async function oldPage(pub, room, n) {
    const old = await whenConnected(recoveringClient(fx, { auth: { rooms: [room] }, reconnection: false }));
    for (let i = 0; i < n; ++i) await publish(pub, { room, data: { id: i } });
    await receivedCount(old, n);
    const saved = { id: old.id, pid: old._pid, offset: old._lastOffset };
    // The browser drops the page's WebSocket (no Socket.IO DISCONNECT packet).
    old.io.engine.close();
    await waitGone(pub, saved.id);
    return saved;
  }

  test('the new page passes the persisted pid and offset: recovered, the missed events replayed', async () => {
    const room = 'reload-pid';
    const pub = await publisher();
    const saved = await oldPage(pub, room, 3);
    assert.equal(typeof saved.pid, 'string', 'the CONNECT reply carried a pid');
    assert.equal(typeof saved.offset, 'string', 'events carried their offset as last argument');
    for (let i = 3; i < 6; ++i) await publish(pub, { room, data: { id: i } });

    const page = recoveringClient(fx, { auth: { rooms: [room] }, autoConnect: false });
    page._pid = saved.pid;
    page._lastOffset = saved.offset;
    page.connect();
    await whenConnected(page);
    await receivedCount(page, 3);
    await publish(pub, { room, data: { id: 6 } });
    await receivedCount(page, 4);
    await ack(page, 'echo-ack', 'flush');

    assert.equal(page.recovered, true, describeWire(page));
    assert.equal(page.id, saved.id, 'the same socket id');
    assertExactly(assert, page, [3, 4, 5, 6]);
    assert.deepEqual((await ack(page, 'whoami')).rooms, [saved.id, room].sort());
  });

  test('reload with since (join-since after connecting): exactly the events after it', async () => {
    const room = 'reload-since';
    const pub = await publisher();
    const saved = await oldPage(pub, room, 3);
    for (let i = 3; i < 6; ++i) await publish(pub, { room, data: { id: i } });

    // A new session (no pid): the app asks for what came after its persisted offset.
    const page = await whenConnected(recoveringClient(fx));
    assert.equal(page.recovered, false);
    assert.equal(await ack(page, 'join-since', { rooms: [room], since: saved.offset }), true);
    await receivedCount(page, 3);
    await publish(pub, { room, data: { id: 6 } });
    await receivedCount(page, 4);
    await ack(page, 'echo-ack', 'flush');
    assertExactly(assert, page, [3, 4, 5, 6]);
    assert.deepEqual(page.log.gaps, []);
  });

  test('reload with since, already in the room from auth.rooms: live events are not replayed twice', async () => {
    // The flow: the new page connects with auth {rooms:[r]}, so it is in r and
    // gets r's events live, then asks for the events after its persisted offset.
    const room = 'reload-since-joined';
    const pub = await publisher();
    const saved = await oldPage(pub, room, 2);
    await publish(pub, { room, data: { id: 2 } });  // missed during the reload

    const page = await whenConnected(recoveringClient(fx, { auth: { rooms: [room] } }));
    await publish(pub, { room, data: { id: 3 } });  // live, before the app asked for the past
    await receivedCount(page, 1);
    assert.equal(await ack(page, 'join-since', { rooms: [room], since: saved.offset }), true);
    await publish(pub, { room, data: { id: 4 } });
    await receivedCount(page, 3);
    await ack(page, 'echo-ack', 'flush');
    // Order: 3 arrived live before the app asked for the past, so 2 comes after it;
    // what matters is that nothing arrives twice and nothing is missing.
    const ids = page.log.events.filter((e) => e.name === 'ev').map((e) => e.args[0].id);
    assert.deepEqual([...ids].sort(), [2, 3, 4],
      `each event once, got ${JSON.stringify(ids)}\n${describeWire(page)}`);
  });

  test('auth {rooms, since}: the replay, then a cut recovers without replaying it again', async () => {
    // Pitfalls: the client sends its first auth (with `since`) again on every
    // reconnect, and a `since` replay must not move the room's position back.
    const room = 'auth-since';
    const pub = await publisher();
    const saved = await oldPage(pub, room, 2);
    for (let i = 2; i < 5; ++i) await publish(pub, { room, data: { id: i } });

    const page = await whenConnected(recoveringClient(fx, { auth: { rooms: [room], since: saved.offset } }));
    await receivedCount(page, 3);
    const id = page.id;
    await cut(page, { hold: false });
    await reconnected(page);
    await publish(pub, { room, data: { id: 5 } });
    await receivedCount(page, 4);
    await ack(page, 'echo-ack', 'flush');

    assert.equal(page.recovered, true, describeWire(page));
    assert.equal(page.id, id);
    assertExactly(assert, page, [2, 3, 4, 5]);
  });

  test('auth {rooms, since}, cut before the replayed events were all read: no duplicate, no loss', async () => {
    // The client recovers with the offset of the last replayed event it processed;
    // events between it and the room's join position must come back once.
    const room = 'auth-since-cut';
    const pub = await publisher();
    const saved = await oldPage(pub, room, 1);
    for (let i = 1; i < 4; ++i) await publish(pub, { room, data: { id: i } });
    const page = recoveringClient(fx, { auth: { rooms: [room], since: saved.offset }, reconnectionDelay: 100 });
    // Cut right after the first replayed event is handled.
    let cutDone;
    page.once('ev', () => { cutDone = cut(page); });
    await whenConnected(page);
    await receivedCount(page, 1);
    await cutDone;
    await reconnected(page);
    await receivedCount(page, 3);
    await publish(pub, { room, data: { id: 4 } });
    await receivedCount(page, 4);
    await ack(page, 'echo-ack', 'flush');
    assert.equal(page.recovered, true, describeWire(page));
    assertExactly(assert, page, [1, 2, 3, 4]);
  });

  test('asking again with the same since, for a room it is in: nothing arrives twice', async () => {
    const room = 'reload-since-twice';
    const pub = await publisher();
    const saved = await oldPage(pub, room, 1);
    for (let i = 1; i < 4; ++i) await publish(pub, { room, data: { id: i } });  // missed during the reload

    const page = await whenConnected(recoveringClient(fx, { auth: { rooms: [room], since: saved.offset } }));
    await receivedCount(page, 3);
    // The app asks again (a subscribe {room, since} of its own), twice.
    assert.equal(await ack(page, 'join-since', { rooms: [room], since: saved.offset }), true);
    assert.equal(await ack(page, 'join-since', { rooms: [room], since: saved.offset }), true);
    await publish(pub, { room, data: { id: 4 } });
    await receivedCount(page, 4);
    await ack(page, 'echo-ack', 'flush');
    assertExactly(assert, page, [1, 2, 3, 4]);
  });
});
