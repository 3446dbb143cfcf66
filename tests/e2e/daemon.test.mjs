// The ferry daemon itself (build/ferry): start-up, configuration from flags,
// environment and TOML file, /healthz, the room protocol of docs/daemon.md,
// and a graceful restart that clients recover from.

import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { io } from 'socket.io-client';
import { daemonPath, freePort } from './daemon_helpers.mjs';
import { withTimeout, once, eventually, connectError } from './harness.mjs';

const scratch = mkdtempSync(path.join(tmpdir(), 'ferry-daemon-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** Starts the daemon and resolves once /healthz answers 200. */
async function startDaemon(args = [], env = {}) {
  const child = spawn(daemonPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c) => { output += c; });
  child.stderr.on('data', (c) => { output += c; });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return { child, exited, output: () => output };
}

async function healthy(port, ms = 5000) {
  await eventually(async () => {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/healthz`);
      return r.status === 200;
    } catch {
      return false;
    }
  }, ms, `daemon on ${port} healthy`);
}

async function stop(d) {
  if (d.child.exitCode !== null || d.child.signalCode !== null) return d.child.exitCode;
  d.child.kill('SIGTERM');
  return withTimeout(d.exited, 5000, 'daemon exit');
}

function client(port, options = {}) {
  return io(`http://127.0.0.1:${port}`, { forceNew: true, transports: ['websocket'], reconnection: false, ...options });
}

describe('the ferry binary', () => {
  test('--version and --help', () => {
    const v = spawnSync(daemonPath, ['--version'], { encoding: 'utf8' });
    assert.equal(v.status, 0);
    assert.match(v.stdout, /^ferry \d+\.\d+\.\d+/);
    const h = spawnSync(daemonPath, ['--help'], { encoding: 'utf8' });
    assert.equal(h.status, 0);
    for (const flag of ['--config', '--host', '--port', '--data-dir', '--store', '--workers']) assert.ok(h.stdout.includes(flag), flag);
  });

  test('a bad config file is one clear line and a non-zero exit', () => {
    const file = path.join(scratch, 'bad.toml');
    writeFileSync(file, 'port = "not a number"\n');
    const r = spawnSync(daemonPath, ['--config', file], { encoding: 'utf8' });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /bad value for 'port'/);
    assert.equal(r.stderr.trim().split('\n').length, 1);
    writeFileSync(file, 'colour = "blue"\n');
    const u = spawnSync(daemonPath, ['--config', file], { encoding: 'utf8' });
    assert.notEqual(u.status, 0);
    assert.match(u.stderr, /unknown key 'colour'/);
  });

  test('a port in use is one clear line and a non-zero exit', async () => {
    const blocker = createServer();
    await new Promise((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address();
    const r = spawnSync(daemonPath, ['--port', String(port), '--store', 'memory'], { encoding: 'utf8', timeout: 10000 });
    blocker.close();
    assert.equal(r.status, 1);
    assert.match(r.stderr, /cannot listen on 127\.0\.0\.1:\d+: Address already in use/);
  });

  test('flags beat the environment, which beats the config file', async () => {
    const [filePort, envPort, flagPort] = [await freePort(), await freePort(), await freePort()];
    const file = path.join(scratch, 'ferry.toml');
    writeFileSync(file, `port = ${filePort}\nstore = "memory"\nping_interval = 1234\n`);
    // File alone.
    let d = await startDaemon(['--config', file]);
    await healthy(filePort);
    const r = await fetch(`http://127.0.0.1:${filePort}/socket.io/?EIO=4&transport=polling`);
    assert.equal(JSON.parse((await r.text()).slice(1)).pingInterval, 1234);
    assert.equal(await stop(d), 0);
    // Environment over file.
    d = await startDaemon(['--config', file], { FERRY_PORT: String(envPort), FERRY_PING_INTERVAL: '2345' });
    await healthy(envPort);
    const r2 = await fetch(`http://127.0.0.1:${envPort}/socket.io/?EIO=4&transport=polling`);
    assert.equal(JSON.parse((await r2.text()).slice(1)).pingInterval, 2345);
    assert.equal(await stop(d), 0);
    // Flag over environment.
    d = await startDaemon(['--config', file, '--port', String(flagPort)], { FERRY_PORT: String(envPort) });
    await healthy(flagPort);
    assert.equal(await stop(d), 0);
  });
});

describe('configured namespaces', () => {
  test('--namespace serves the room protocol and /api there; other namespaces are refused', async () => {
    const port = await freePort();
    const d = await startDaemon(['--port', String(port), '--store', 'memory', '--namespace', '/chat']);
    await healthy(port);
    const s = io(`http://127.0.0.1:${port}/chat`, { forceNew: true, transports: ['websocket'], reconnection: false,
      auth: { rooms: ['lobby'] } });
    await once(s, 'connect');
    const got = once(s, 'said');
    const r = await fetch(`http://127.0.0.1:${port}/api/emit`, { method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ namespace: '/chat', room: 'lobby', event: 'said', data: 'hi' }) });
    assert.equal(r.status, 200);
    const { offset } = await r.json();
    assert.deepEqual(await got, ['hi', offset]);
    assert.equal((await s.timeout(5000).emitWithAck('subscribe', 'other')).ok, true);
    s.disconnect();
    const other = io(`http://127.0.0.1:${port}/nope`, { forceNew: true, transports: ['websocket'], reconnection: false });
    assert.match((await connectError(other)).message, /Invalid namespace/);
    other.close();
    const bad = spawnSync(daemonPath, ['--namespace', 'chat'], { encoding: 'utf8' });
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /--namespace must look like/);
    assert.equal(await stop(d), 0);
  });
});

describe('the room protocol', () => {
  let daemon;
  let port;

  test('start the daemon on SQLite', async () => {
    port = await freePort();
    daemon = await startDaemon(['--port', String(port), '--data-dir', path.join(scratch, 'rooms')]);
    await healthy(port);
  });

  test('auth.rooms joins at connect; publish reaches the room, sender included, with its offset', async () => {
    const a = client(port, { auth: { rooms: ['news'] } });
    const b = client(port, { auth: { rooms: ['news'] } });
    await Promise.all([once(a, 'connect'), once(b, 'connect')]);
    const gotA = once(a, 'headline');
    const gotB = once(b, 'headline');
    const reply = await a.timeout(5000).emitWithAck('publish', { room: 'news', event: 'headline', data: { n: 1 } });
    assert.equal(reply.ok, true);
    assert.match(reply.offset, /^[A-Za-z0-9_-]+-\d+$/);
    // The data, then the offset as last argument (connection state recovery).
    assert.deepEqual(await gotA, [{ n: 1 }, reply.offset]);
    assert.deepEqual(await gotB, [{ n: 1 }, reply.offset]);
    a.disconnect(); b.disconnect();
  });

  test('subscribe answers the room head; unsubscribe stops delivery', async () => {
    const s = client(port);
    await once(s, 'connect');
    const sub = await s.timeout(5000).emitWithAck('subscribe', 'sports');
    assert.equal(sub.ok, true);
    assert.match(sub.offset, /-\d+$/);
    const seen = [];
    s.on('score', (data) => seen.push(data));
    await s.timeout(5000).emitWithAck('publish', { room: 'sports', event: 'score', data: 1 });
    await eventually(() => seen.length === 1);
    assert.deepEqual(await s.timeout(5000).emitWithAck('unsubscribe', { room: 'sports' }), { ok: true });
    await s.timeout(5000).emitWithAck('publish', { room: 'sports', event: 'score', data: 2 });
    await s.timeout(5000).emitWithAck('subscribe', 'other');  // a round trip after the publish
    assert.deepEqual(seen, [1]);
    s.disconnect();
  });

  test('a publish retried with the same id is delivered once and answers the first offset', async () => {
    const s = client(port, { auth: { rooms: ['retry'] } });
    await once(s, 'connect');
    const seen = [];
    s.on('tick', (data) => seen.push(data));
    const first = await s.timeout(5000).emitWithAck('publish', { room: 'retry', event: 'tick', data: 'x', id: 'client-1' });
    const second = await s.timeout(5000).emitWithAck('publish', { room: 'retry', event: 'tick', data: 'x', id: 'client-1' });
    assert.equal(first.ok, true);
    assert.equal(second.offset, first.offset);
    await s.timeout(5000).emitWithAck('subscribe', 'retry');
    assert.deepEqual(seen, ['x']);
    s.disconnect();
  });

  test('bad input is answered with an error and changes nothing', async () => {
    const s = client(port);
    await once(s, 'connect');
    const cases = [
      ['subscribe', ''],
      ['subscribe', 'x'.repeat(201)],
      ['subscribe', 'bad\u0007room'],
      ['subscribe', 42],
      ['unsubscribe', {}],
      ['publish', 'not an object'],
      ['publish', { room: 'r', event: '' }],
      ['publish', { room: 'r', event: 'disconnect' }],
      ['publish', { room: 'r\n', event: 'e' }],
    ];
    for (const [event, arg] of cases) {
      const reply = await s.timeout(5000).emitWithAck(event, arg);
      assert.equal(reply.ok, false, `${event} ${JSON.stringify(arg)}`);
      assert.equal(reply.error.code, 'bad_request');
      assert.equal(typeof reply.error.message, 'string');
    }
    s.disconnect();
  });

  test('auth.rooms with a bad room name is refused with connect_error', async () => {
    const s = client(port, { auth: { rooms: ['ok', 'no\u0000pe'] } });
    const err = await connectError(s);
    assert.match(err.message, /control character/);
    s.close();
  });

  test('SIGTERM drains; clients recover on the restarted daemon', async () => {
    const dir = path.join(scratch, 'restart');
    const p = await freePort();
    let d = await startDaemon(['--port', String(p), '--data-dir', dir]);
    await healthy(p);
    const url = `http://127.0.0.1:${p}`;
    const c = io(url, { forceNew: true, transports: ['websocket'], auth: { rooms: ['live'] },
      reconnectionDelay: 100, reconnectionDelayMax: 300 });
    await once(c, 'connect');
    const id = c.id;
    const seen = [];
    c.on('msg', (data) => seen.push(data));
    const pub = io(url, { forceNew: true, transports: ['websocket'], reconnectionDelay: 100, reconnectionDelayMax: 300 });
    await once(pub, 'connect');
    await pub.timeout(5000).emitWithAck('publish', { room: 'live', event: 'msg', data: 1 });
    await eventually(() => seen.length === 1);
    assert.equal(await stop(d), 0);
    d = await startDaemon(['--port', String(p), '--data-dir', dir]);
    await healthy(p);
    await eventually(() => c.connected && pub.connected, 10000, 'clients reconnected');
    assert.equal(c.recovered, true);
    assert.equal(c.id, id);
    await pub.timeout(5000).emitWithAck('publish', { room: 'live', event: 'msg', data: 2 });
    await eventually(() => seen.length === 2);
    assert.deepEqual(seen, [1, 2]);
    c.disconnect(); pub.disconnect();
    assert.equal(await stop(d), 0);
  });

  test('stop the daemon', async () => {
    assert.equal(await stop(daemon), 0);
  });
});
