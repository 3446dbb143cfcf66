// The daemon's data directory lock and /readyz (issue 10, part 2), with the
// real build/ferry: a second daemon on the same --data-dir stops at start
// naming the first one's pid, and the first keeps accepting publishes; the
// lock goes with the process, kill -9 included; another process that appends
// to the daemon's events.sqlite anyway (the fixture server, which embeds the
// library and takes no lock: the wedge of issue 10) does not stop the
// daemon's publishes; /readyz answers 503 with a reason while the event log
// cannot append (here: an sqlite3 shell holds the database's write lock, as
// an operator's would) and 200 again once it can.

import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { daemonPath, freePort } from './daemon_helpers.mjs';
import { withTimeout, eventually, fixturePath, startFixture } from './harness.mjs';

const scratch = mkdtempSync(path.join(tmpdir(), 'ferry-store-lock-'));
const running = new Set();
after(() => {
  for (const child of running) child.kill('SIGKILL');
  rmSync(scratch, { recursive: true, force: true });
});

/** Starts the daemon on a free port and resolves once /healthz answers 200. */
async function startDaemon(args) {
  const port = await freePort();
  const child = spawn(daemonPath, ['--port', String(port), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let output = '';
  child.stdout.on('data', (c) => { output += c; });
  child.stderr.on('data', (c) => { output += c; });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => { running.delete(child); resolve(code ?? signal); }));
  await eventually(async () => {
    if (child.exitCode !== null) throw new Error(`daemon exited at start: ${output}`);
    try {
      return (await fetch(`http://127.0.0.1:${port}/healthz`)).status === 200;
    } catch {
      return false;
    }
  }, 10000, `daemon on ${port} healthy`);
  return { child, port, exited, output: () => output };
}

async function stop(d, signal = 'SIGTERM') {
  if (d.child.exitCode !== null || d.child.signalCode !== null) return d.child.exitCode ?? d.child.signalCode;
  d.child.kill(signal);
  return withTimeout(d.exited, 10000, 'daemon exit');
}

async function publish(port, data) {
  const r = await fetch(`http://127.0.0.1:${port}/api/emit`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ room: 'news', event: 'said', data }),
  });
  return { status: r.status, body: await r.json() };
}

async function readyz(port) {
  const r = await fetch(`http://127.0.0.1:${port}/readyz`);
  return { status: r.status, body: await r.json() };
}

const sequenceOf = (offset) => Number(offset.slice(offset.lastIndexOf('-') + 1));

describe('the data directory lock', () => {
  test('a second daemon on the same --data-dir exits at start naming the pid; the first goes on', async () => {
    const dir = path.join(scratch, 'shared');
    const first = await startDaemon(['--data-dir', dir]);
    const one = await publish(first.port, 1);
    assert.equal(one.status, 200);
    assert.equal(readFileSync(path.join(dir, 'ferry.lock'), 'utf8').trim(), String(first.child.pid));

    const secondPort = await freePort();
    const second = spawnSync(daemonPath, ['--port', String(secondPort), '--data-dir', dir], { encoding: 'utf8', timeout: 10000 });
    assert.equal(second.status, 1, second.stderr);
    const lines = second.stderr.trim().split('\n');
    assert.equal(lines.length, 1, second.stderr);
    assert.match(lines[0], new RegExp(`data directory .* is in use by another ferry \\(pid ${first.child.pid}\\b`));

    // The first daemon never noticed: every publish is stored, in sequence.
    let last = sequenceOf(one.body.offset);
    for (let i = 0; i < 5; ++i) {
      const r = await publish(first.port, i);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(sequenceOf(r.body.offset), last + 1);
      last += 1;
    }
    assert.deepEqual(await readyz(first.port), { status: 200, body: { ready: true, checks: [{ name: 'store', ready: true }] } });

    // The memory store uses no data directory, so it takes no lock.
    const memory = await startDaemon(['--store', 'memory', '--data-dir', dir]);
    assert.equal((await publish(memory.port, 'm')).status, 200);
    assert.equal(await stop(memory), 0);

    // kill -9 leaves the lock file but not the lock: the next daemon starts
    // and continues the same log.
    assert.equal(await stop(first, 'SIGKILL'), 'SIGKILL');
    const next = await startDaemon(['--data-dir', dir]);
    const r = await publish(next.port, 'after');
    assert.equal(r.status, 200);
    assert.equal(sequenceOf(r.body.offset), last + 1);
    assert.equal(readFileSync(path.join(dir, 'ferry.lock'), 'utf8').trim(), String(next.child.pid));
    assert.equal(await stop(next), 0);
  });
});

describe('another writer on the log', () => {
  // The reference server has no SQLite log to share.
  const skip = fixturePath.endsWith('.mjs') ? 'needs the ferry fixture' : false;
  test('the daemon goes on publishing after another process appended to its events.sqlite', { skip }, async () => {
    const dir = path.join(scratch, 'two-writers');
    const d = await startDaemon(['--data-dir', dir]);
    const first = await publish(d.port, 'a');
    assert.equal(first.status, 200);
    const fixture = await startFixture(['--store', 'sqlite', '--data-dir', dir]);
    try {
      const s = await fixture.connect('/', { transports: ['websocket'] });
      const answer = await s.timeout(5000).emitWithAck('publish', { room: 'news', event: 'said', data: 'b' });
      assert.equal(answer.ok, true, JSON.stringify(answer));
      assert.equal(sequenceOf(answer.offset), sequenceOf(first.body.offset) + 1);
      // Before the fix every one of these answered 503 store_unavailable, forever.
      let last = sequenceOf(answer.offset);
      for (let i = 0; i < 3; ++i) {
        const r = await publish(d.port, i);
        assert.equal(r.status, 200, JSON.stringify(r.body));
        assert.equal(sequenceOf(r.body.offset), last + 1);
        last += 1;
      }
      assert.equal((await readyz(d.port)).status, 200);
      assert.match(d.output(), /event log .*events\.sqlite: another process wrote to it/);
    } finally {
      await fixture.stop();
    }
    assert.equal(await stop(d), 0);
  });
});

describe('/readyz', () => {
  test('503 with a reason while the event log cannot append, 200 again once it can', async () => {
    const dir = path.join(scratch, 'ready');
    const d = await startDaemon(['--data-dir', dir]);
    assert.equal((await publish(d.port, 'before')).status, 200);
    assert.equal((await readyz(d.port)).status, 200);

    // An sqlite3 shell takes the database's write lock and keeps it.
    const shell = spawn('sqlite3', [path.join(dir, 'events.sqlite')], { stdio: ['pipe', 'pipe', 'pipe'] });
    const shellExited = new Promise((resolve) => shell.once('exit', resolve));
    let shellOut = '';
    shell.stdout.on('data', (c) => { shellOut += c; });
    shell.stderr.on('data', (c) => { shellOut += c; });
    try {
      shell.stdin.write("BEGIN IMMEDIATE;\nSELECT 'holding';\n");
      await eventually(() => shellOut.includes('holding'), 10000, 'the sqlite3 shell to hold the write lock');

      // The publish waits out SQLite's busy timeout, then fails visibly.
      const refused = await publish(d.port, 'refused');
      assert.equal(refused.status, 503);
      assert.equal(refused.body.error.code, 'store_unavailable');
      const notReady = await readyz(d.port);
      assert.equal(notReady.status, 503);
      assert.equal(notReady.body.ready, false);
      assert.equal(notReady.body.reason, 'store_unavailable');
      assert.match(notReady.body.message, /locked/);
      assert.deepEqual(notReady.body.checks.map((c) => [c.name, c.ready]), [['store', false]]);
      // Liveness is another question: the daemon is alive and serves.
      assert.equal((await fetch(`http://127.0.0.1:${d.port}/healthz`)).status, 200);
      assert.match(d.output(), /event log .*events\.sqlite: append failed: .*locked/);
    } finally {
      shell.stdin.end('ROLLBACK;\n.quit\n');
      await withTimeout(shellExited, 10000, 'sqlite3 shell exit');
    }

    // Nobody publishes: the store finds out by itself that it can append again.
    await eventually(async () => (await readyz(d.port)).status === 200, 20000, '/readyz back to 200');
    assert.match(d.output(), /event log .*: commits succeed again/);
    const r = await publish(d.port, 'after');
    assert.equal(r.status, 200);
    assert.equal(await stop(d), 0);
  });
});
