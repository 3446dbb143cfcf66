// The daemon at its open-file limit (issue 10 §5): started under
// `prlimit --nofile=N:N`, flooded with more idle TCP connections than it has
// descriptors. Accepting must pause rather than spin (the daemon's CPU time
// over the window stays far under the wall time: a bound on busy-looping, not
// a timing assertion), say so in the log, keep serving the clients it has, and
// accept again once descriptors are free. At start it raises its soft limit to
// the hard one and logs the room that leaves.

import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { once, eventually, withTimeout } from './harness.mjs';
import { startDaemon, stopDaemon, client, get } from './daemon_helpers.mjs';

const LIMIT = 64;
const FLOOD = LIMIT + 40;
const WINDOW_MS = 3000;

const clockTicks = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** utime + stime of `pid`, in ms (/proc/<pid>/stat fields 14 and 15). */
function cpuMs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks;
}

const openFds = (pid) => readdirSync(`/proc/${pid}/fd`).length;

const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const flood = [];
after(() => { for (const s of flood) s.destroy(); });

describe('the open-file limit', () => {
  test('at start the soft limit is raised to the hard limit and the capacity logged', async () => {
    const d = await startDaemon(['--store', 'memory', '--workers', '1'], { launcher: ['prlimit', '--nofile=100:200'] });
    try {
      const limits = readFileSync(`/proc/${d.child.pid}/limits`, 'utf8');
      assert.match(limits, /^Max open files\s+200\s+200\s+files/m);
      await eventually(() => /open-file limit raised from 100 to 200/.test(d.output()), 5000, 'the capacity line');
      const room = Number(/room for about (\d+) connections/.exec(d.output())[1]);
      assert.ok(room > 150 && room < 200, `room for ${room} connections`);
    } finally {
      assert.equal((await stopDaemon(d)).code, 0);
    }
  });

  test(`${FLOOD} connections against a limit of ${LIMIT}: accepting pauses, clients are served, then accepting resumes`, async (t) => {
    const d = await startDaemon(['--store', 'memory', '--workers', '2'], { launcher: ['prlimit', `--nofile=${LIMIT}:${LIMIT}`] });
    const pid = d.child.pid;
    try {
      const capacity = new RegExp(`open-file limit ${LIMIT} \\(hard limit ${LIMIT}\\): room for about \\d+ connections`);
      await eventually(() => capacity.test(d.output()), 5000, 'the capacity line');

      // Two clients connected before the flood: one publishes, one listens.
      const listener = client(d, { auth: { rooms: ['news'] } });
      const publisher = client(d, { auth: { rooms: ['news'] } });
      await Promise.all([once(listener, 'connect'), once(publisher, 'connect')]);

      // More idle connections than the daemon has descriptors. The kernel
      // completes every handshake (the listen backlog is large); the daemon
      // accepts until it runs out of descriptors.
      for (let i = 0; i < FLOOD; ++i) {
        const s = connect({ host: '127.0.0.1', port: d.port });
        s.on('error', () => {});
        flood.push(s);
      }
      await withTimeout(Promise.all(flood.map((s) => new Promise((resolve) => {
        if (s.readyState === 'open') resolve(); else s.once('connect', resolve);
      }))), 5000, 'the flood to connect');
      await eventually(() => /cannot accept connections: Too many open files \(open-file limit \d+\); pausing accepts/.test(d.output()),
        5000, 'the back-off in the log');
      assert.ok(openFds(pid) >= LIMIT - 2, `the daemon holds ${openFds(pid)} descriptors`);

      // The window at the limit: the daemon must not spin, and its clients are served.
      const cpuBefore = cpuMs(pid);
      const wallBefore = Date.now();
      let received = 0;
      listener.on('headline', () => { ++received; });
      const deadline = Date.now() + WINDOW_MS;
      let sent = 0;
      while (Date.now() < deadline) {
        const ack = await publisher.timeout(5000).emitWithAck('publish', { room: 'news', event: 'headline', data: { n: sent } });
        assert.equal(ack.ok, true);
        ++sent;
        await delay(50);
      }
      await eventually(() => received === sent, 5000, `the listener to receive ${sent} events (has ${received})`);
      const cpu = cpuMs(pid) - cpuBefore;
      const wall = Date.now() - wallBefore;
      t.diagnostic(`at the limit: ${cpu} ms of CPU in ${wall} ms, ${sent} events published and received`);
      // A bound on spinning, not a timing: an accept loop retrying at once burns
      // a core when it has one, but on a busy shared CI machine may get only a
      // fifth of one, hence 10% (paused, the daemon measured ~0.5% here).
      assert.ok(cpu < wall * 0.1, `the daemon used ${cpu} ms of CPU in ${wall} ms at its open-file limit`);
      // Rate-limited: one line per episode, not one per failed accept.
      const lines = d.output().match(/cannot accept connections/g).length;
      assert.ok(lines <= 2, `${lines} back-off lines`);

      // The flood leaves: descriptors free up and a new client is accepted.
      for (const s of flood) s.destroy();
      flood.length = 0;
      const late = client(d, { auth: { rooms: ['news'] } });
      await once(late, 'connect', 10000);
      const got = once(late, 'headline');
      assert.equal((await publisher.timeout(5000).emitWithAck('publish', { room: 'news', event: 'headline', data: 'after' })).ok, true);
      assert.equal((await got)[0], 'after');
      assert.equal((await get(d.port, '/healthz')).status, 200);
      await eventually(() => /accepting connections again/.test(d.output()), 5000, 'the resume line');
      for (const s of [listener, publisher, late]) s.disconnect();
    } finally {
      assert.equal((await stopDaemon(d)).code, 0, d.output());
    }
  });
});
