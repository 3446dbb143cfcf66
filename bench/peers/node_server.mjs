// The Node Socket.IO 4.8 peer of the ferry benchmark (issue 5): the same
// behaviour as bench/servers/ferry_bench_server.cpp, on the reference server
// with its defaults (the `ws` engine) and connection state recovery on.
//   - each socket joins the room named by its handshake query `room`;
//   - POST /publish?room=r emits the body, as one string argument, as event
//     "m" to that room; answers 200.
// Usage: node node_server.mjs [--port P]   (prints the port once listening)
import { createServer } from "node:http";
import { Server } from "socket.io";

const args = process.argv.slice(2);
const portArg = args.indexOf("--port");
const port = portArg >= 0 ? Number(args[portArg + 1]) : 3000;

const httpServer = createServer((req, res) => {
  const url = new URL(req.url, "http://localhost");
  if (url.pathname === "/healthz") {
    res.writeHead(200, { "content-length": "2" }).end("ok");
    return;
  }
  if (url.pathname !== "/publish" || req.method !== "POST") {
    res.writeHead(404, { "content-length": "0" }).end();
    return;
  }
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    const body = Buffer.concat(chunks).toString("utf8");
    const room = url.searchParams.get("room");
    if (room) io.to(room).emit("m", body);
    else io.emit("m", body);
    res.writeHead(200, { "content-length": "0" }).end();
  });
});

const io = new Server(httpServer, {
  connectionStateRecovery: {
    maxDisconnectionDuration: 2 * 60 * 1000,
    skipMiddlewares: true,
  },
});

io.on("connection", (socket) => {
  const room = socket.handshake.query.room;
  if (typeof room === "string" && room.length > 0) socket.join(room);
});

httpServer.listen(port, "127.0.0.1", () => {
  console.log(`node socket.io ${process.versions.node} listening on http://127.0.0.1:${httpServer.address().port}`);
});

const stop = () => io.close(() => process.exit(0));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
