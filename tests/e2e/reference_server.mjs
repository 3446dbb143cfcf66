// The fixture's behaviours on the reference server (npm `socket.io`), same CLI
// and same output as fixture_server.cpp. Running the suite against it
// (FERRY_FIXTURE=tests/e2e/reference_server.mjs) checks the tests themselves:
// anything that fails here is a wrong test, not a ferry bug. --workers is
// accepted and ignored (one Node process).

import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { Server } from 'socket.io';

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '0' },
    workers: { type: 'string', default: '1' },
    'ping-interval': { type: 'string', default: '25000' },
    'ping-timeout': { type: 'string', default: '20000' },
    'max-payload': { type: 'string', default: '1000000' },
    'connect-timeout': { type: 'string', default: '45000' },
  },
});

// Requests outside /socket.io/ fall through to this handler, as in ferry (404).
const httpServer = createServer((req, res) => res.writeHead(404).end());
const io = new Server(httpServer, {
  pingInterval: Number(values['ping-interval']),
  pingTimeout: Number(values['ping-timeout']),
  maxHttpBufferSize: Number(values['max-payload']),
  connectTimeout: Number(values['connect-timeout']),
});

function install(socket, nsp) {
  socket.on('echo', (...args) => socket.emit('echo', ...args));
  socket.on('echo-ack', (...args) => args.pop()(...args));
  socket.on('join', (room, cb) => { socket.join(room); cb(true); });
  socket.on('leave', (room, cb) => { socket.leave(room); cb(true); });
  socket.on('to-room', ({ room, event, data, except }, cb) => {
    let op = socket.to(room);
    if (except) op = op.except(except);
    op.emit(event, ...(data === undefined ? [] : [data]));
    cb(true);
  });
  socket.on('to-room-all', ({ room, event, data, except }, cb) => {
    let op = nsp.to(room);
    if (except) op = op.except(except);
    op.emit(event, ...(data === undefined ? [] : [data]));
    cb(true);
  });
  socket.on('server-ack', (...args) => {
    socket.timeout(1000).emit('ping-me', ...args, (err, ...answer) => {
      if (err) socket.emit('server-ack-result', 'timeout');
      else socket.emit('server-ack-result', ...answer);
    });
  });
  socket.on('kick', () => socket.disconnect());
  socket.on('broadcast-ack', (...args) => {
    nsp.timeout(500).emit('question', ...args, (err, answers) => {
      socket.emit('broadcast-ack-result', { count: answers.length, timedOut: !!err, answers: answers.map((a) => [a]) });
    });
  });
  socket.on('rooms', (cb) => cb([...socket.rooms].sort()));
  socket.on('fetch', (...args) => {
    const cb = args.pop();
    const op = typeof args[0] === 'string' ? nsp.in(args[0]) : nsp;
    op.fetchSockets().then((sockets) => cb(sockets.map((s) => s.id).sort()));
  });
}

for (const name of ['/', '/chat', '/guarded']) {
  const nsp = io.of(name);
  if (name === '/guarded') {
    nsp.use((socket, next) => {
      if (socket.handshake.auth?.token === 'secret') return next();
      const err = new Error('unauthorized');
      err.data = { code: 401 };
      next(err);
    });
  }
  nsp.on('connection', (socket) => install(socket, nsp));
}

io.of(/^\/dyn-\d+$/).on('connection', (socket) => {
  socket.on('echo', (...args) => socket.emit('echo', ...args));
  socket.on('echo-ack', (...args) => args.pop()(...args));
  socket.emit('hello', socket.nsp.name);
});

httpServer.listen(Number(values.port), values.host, () => {
  process.stdout.write(`listening ${httpServer.address().port}\n`);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => io.close(() => process.exit(0)));
}
