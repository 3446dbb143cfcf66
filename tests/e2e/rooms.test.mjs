// Rooms: join / leave, socket.to(room) (sender excluded), namespace-level
// broadcasts (sender included), except, and one copy per socket.
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ack, eventually, flush, once, record, startFixture } from './harness.mjs';

describe('rooms', () => {
  let fx;
  before(async () => { fx = await startFixture(); });
  afterEach(() => fx.disconnectClients());
  after(async () => { await fx?.stop(); });

  const connectMany = (n, transports = ['websocket']) =>
    Promise.all(Array.from({ length: n }, (_, i) => fx.connect('/', { transports: i % 2 ? ['polling'] : transports })));

  test('a socket is in its own room; join and leave change its rooms', async () => {
    const socket = await fx.connect('/', { transports: ['websocket'] });
    assert.deepEqual(await ack(socket, 'rooms'), [socket.id]);
    assert.equal(await ack(socket, 'join', 'r1'), true);
    assert.equal(await ack(socket, 'join', 'r2'), true);
    assert.deepEqual(await ack(socket, 'rooms'), [socket.id, 'r1', 'r2'].sort());
    assert.equal(await ack(socket, 'leave', 'r1'), true);
    assert.deepEqual(await ack(socket, 'rooms'), [socket.id, 'r2'].sort());
  });

  test('socket.to(room) reaches every other member, not the sender nor non-members', async () => {
    const [sender, m1, m2, outsider] = await connectMany(4);
    for (const s of [sender, m1, m2]) assert.equal(await ack(s, 'join', 'news'), true);
    const rec = record([sender, m1, m2, outsider], 'news');
    assert.equal(await ack(sender, 'to-room', { room: 'news', event: 'news', data: { v: 1 } }), true);
    await rec.all([m1, m2]);
    // One worker, one ordered writer per connection: after a round trip, anything
    // the broadcast had queued for a socket has arrived.
    await Promise.all([sender, m1, m2, outsider].map(flush));
    assert.equal(rec.count(sender), 0, 'the sender must be excluded');
    assert.equal(rec.count(outsider), 0, 'a non-member must not receive it');
    assert.deepEqual(rec.of(m1), [[{ v: 1 }]]);
    assert.deepEqual(rec.of(m2), [[{ v: 1 }]]);
    rec.stop();
  });

  test('a socket may broadcast to a room it is not in', async () => {
    const [sender, member] = await connectMany(2);
    assert.equal(await ack(member, 'join', 'lobby'), true);
    const got = once(member, 'hi');
    assert.equal(await ack(sender, 'to-room', { room: 'lobby', event: 'hi', data: 'there' }), true);
    assert.deepEqual(await got, ['there']);
  });

  test('a namespace-level broadcast to a room includes the sender', async () => {
    const [sender, member, outsider] = await connectMany(3);
    for (const s of [sender, member]) assert.equal(await ack(s, 'join', 'all-room'), true);
    const rec = record([sender, member, outsider], 'evt');
    assert.equal(await ack(sender, 'to-room-all', { room: 'all-room', event: 'evt', data: 7 }), true);
    await rec.all([sender, member]);
    await Promise.all([sender, member, outsider].map(flush));
    assert.deepEqual([rec.count(sender), rec.count(member), rec.count(outsider)], [1, 1, 0]);
    rec.stop();
  });

  test('except(room) leaves out the sockets of that room', async () => {
    const [sender, plain, vip, vip2] = await connectMany(4);
    for (const s of [sender, plain, vip, vip2]) assert.equal(await ack(s, 'join', 'everyone'), true);
    for (const s of [vip, vip2]) assert.equal(await ack(s, 'join', 'vip'), true);
    const rec = record([sender, plain, vip, vip2], 'notice');
    assert.equal(await ack(sender, 'to-room-all', { room: 'everyone', except: 'vip', event: 'notice' }), true);
    await rec.all([sender, plain]);
    await Promise.all([sender, plain, vip, vip2].map(flush));
    assert.deepEqual([sender, plain, vip, vip2].map(rec.count), [1, 1, 0, 0]);
    rec.stop();
  });

  test('socket.to(room).except(room): neither the sender nor the excluded room', async () => {
    const [sender, plain, vip] = await connectMany(3);
    for (const s of [sender, plain, vip]) assert.equal(await ack(s, 'join', 'everyone2'), true);
    assert.equal(await ack(vip, 'join', 'vip2'), true);
    const rec = record([sender, plain, vip], 'notice');
    assert.equal(await ack(sender, 'to-room', { room: 'everyone2', except: 'vip2', event: 'notice' }), true);
    await rec.all([plain]);
    await Promise.all([sender, plain, vip].map(flush));
    assert.deepEqual([sender, plain, vip].map(rec.count), [0, 1, 0]);
    rec.stop();
  });

  test('a socket in several targeted rooms receives one copy', async () => {
    const [sender, both, one] = await connectMany(3);
    for (const r of ['ra', 'rb']) assert.equal(await ack(both, 'join', r), true);
    assert.equal(await ack(one, 'join', 'rb'), true);
    const rec = record([both, one], 'once');
    assert.equal(await ack(sender, 'to-room-all', { room: ['ra', 'rb'], event: 'once' }), true);
    await rec.all();
    await Promise.all([both, one].map(flush));
    assert.deepEqual([rec.count(both), rec.count(one)], [1, 1]);
    rec.stop();
  });

  test('a socket that left a room no longer receives its broadcasts', async () => {
    const [sender, stays, leaves] = await connectMany(3);
    for (const s of [stays, leaves]) assert.equal(await ack(s, 'join', 'temp'), true);
    assert.equal(await ack(leaves, 'leave', 'temp'), true);
    const rec = record([stays, leaves], 'ping-room');
    assert.equal(await ack(sender, 'to-room', { room: 'temp', event: 'ping-room' }), true);
    await rec.all([stays]);
    await flush(leaves);
    assert.deepEqual([rec.count(stays), rec.count(leaves)], [1, 0]);
    rec.stop();
  });

  test('a socket id is a room: to(id) reaches that socket only', async () => {
    const [sender, target, other] = await connectMany(3);
    const rec = record([target, other], 'direct');
    assert.equal(await ack(sender, 'to-room', { room: target.id, event: 'direct', data: 'psst' }), true);
    await rec.all([target]);
    await flush(other);
    assert.deepEqual(rec.of(target), [['psst']]);
    assert.equal(rec.count(other), 0);
    rec.stop();
  });

  test('fetch lists the sockets of a room; a disconnected socket leaves its rooms', async () => {
    const [observer, a, b] = await connectMany(3);
    for (const s of [a, b]) assert.equal(await ack(s, 'join', 'fetch-room'), true);
    assert.deepEqual(await ack(observer, 'fetch', 'fetch-room'), [a.id, b.id].sort());
    const bId = b.id;
    b.disconnect();
    await ack(a, 'echo-ack', 'sync');
    // The client's DISCONNECT travels on b's own connection: poll until the server has handled it.
    await eventually(async () => !(await ack(observer, 'fetch', 'fetch-room')).includes(bId), 3000, 'b to leave fetch-room');
    assert.deepEqual(await ack(observer, 'fetch', 'fetch-room'), [a.id]);
  });
});
