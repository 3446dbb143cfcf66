// Starting the real daemon (build/ferry, or FERRY_DAEMON) for the operational
// tests: on a free port of 127.0.0.1, output collected, every wait bounded.
// Health checks use one-off connections (no keep-alive), so that the tests
// that count the daemon's file descriptors see only the connections they made.

import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { io } from 'socket.io-client';
import { withTimeout, eventually } from './harness.mjs';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const daemonPath = process.env.FERRY_DAEMON ?? path.join(repoRoot, 'build', 'ferry');

export async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Starts `[...launcher, daemon, ...args]` (launcher: e.g. ['prlimit', '--nofile=64:64'], which
 * execs the daemon, so the child's pid is the daemon's) and resolves once /healthz answers.
 */
export async function startDaemon(args, { launcher = [], env = {} } = {}) {
  const port = await freePort();
  const argv = [...launcher, daemonPath, '--port', String(port), ...args];
  const child = spawn(argv[0], argv.slice(1), { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c) => { output += c; });
  child.stderr.on('data', (c) => { output += c; });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const d = { child, port, url: `http://127.0.0.1:${port}`, exited, output: () => output };
  try {
    await eventually(async () => (await get(port, '/healthz')).status === 200, 10000, `daemon on ${port} healthy`);
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`${err.message}; output: ${output}`);
  }
  return d;
}

/** SIGTERM, then the exit (bounded); SIGKILL if it does not come. */
export async function stopDaemon(d) {
  if (d.child.exitCode !== null || d.child.signalCode !== null) return d.exited;
  d.child.kill('SIGTERM');
  try {
    return await withTimeout(d.exited, 5000, 'daemon exit');
  } catch (err) {
    d.child.kill('SIGKILL');
    throw err;
  }
}

/**
 * GET on a fresh connection closed after the answer; { status, headers, body }, or status 0 when
 * refused. `headersOnly` resolves at the response head and closes (for streams such as /events).
 */
export function get(port, target, headers = {}, { ms = 5000, headersOnly = false } = {}) {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: target, headers, agent: false, timeout: ms }, (res) => {
      if (headersOnly) {
        resolve({ status: res.statusCode, headers: res.headers, body: '' });
        req.destroy();
        return;
      }
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve({ status: 0, headers: {}, body: '' }));
    req.end();
  });
}

/** A WebSocket-only socket.io-client socket without reconnection. */
export function client(d, options = {}) {
  return io(d.url, { forceNew: true, transports: ['websocket'], reconnection: false, timeout: 5000, ...options });
}
