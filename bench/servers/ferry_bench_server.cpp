// ferry_bench_server — the ferry side of the benchmark (issue 5).
//
// A Socket.IO server built on the library, with the same two behaviours as
// the Node peer (bench/peers/node_server.mjs):
//   - each socket joins the room named by its handshake query `room`;
//   - `POST /publish?room=r` emits the request body, as one string argument,
//     as event "m" to that room: io.to(r).emit("m", body). Answers 200.
// Without a store this is the fan-out path (nothing retained); with
// `--store memory` every event is appended to the memory log first and
// carries its offset (the recovery configuration).
//
// Deliberately not here: logging per connection, auth, CORS — anything that
// is not the path being measured.

#include "socketio/server_impl.hpp"

#include <ferry/event_store.hpp>
#include <ferry/server.hpp>

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/url/parse.hpp>

#include <cstdio>
#include <iostream>
#include <string>
#include <thread>

namespace {

namespace http = boost::beast::http;

// The `room` parameter of a request target, or "" when absent.
std::string room_of(std::string_view target) {
    auto url = boost::urls::parse_origin_form(target);
    if (!url) return {};
    auto it = url->params().find("room");
    return it == url->params().end() ? std::string() : std::string((*it).value);
}

void add_publish_endpoint(ferry::server& io) {
    auto& engine = io.impl().engine();
    for (unsigned i = 0; i < engine.worker_count(); ++i) {
        engine.engine_at(i).on_http = [&io](ferry::engineio::http_connection& c, ferry::engineio::http_request& r) {
            const std::string_view target = r.target();
            if (target.substr(0, 8) == "/healthz") {
                ferry::engineio::http_response res{http::status::ok, 11};
                res.body() = "ok";
                c.respond(std::move(res));
                return true;
            }
            if (target.substr(0, 8) != "/publish") return false;
            ferry::engineio::http_response res{http::status::ok, 11};
            if (r.method() != http::verb::post) {
                res.result(http::status::method_not_allowed);
            } else {
                const std::string room = room_of(target);
                if (room.empty()) io.emit("m", std::move(r.body()));
                else io.to(room).emit("m", std::move(r.body()));
            }
            c.respond(std::move(res));
            return true;
        };
    }
}

}  // namespace

int main(int argc, char** argv) {
    std::string host = "127.0.0.1";
    unsigned short port = 3000;
    unsigned workers = 0;
    std::string store = "none";
    CLI::App app{"ferry_bench_server — rooms from the query, POST /publish?room= emits to a room"};
    app.add_option("--host", host, "address to listen on")->capture_default_str();
    app.add_option("--port", port, "port to listen on (0 picks one; printed)")->capture_default_str();
    app.add_option("--workers", workers, "worker threads (0 = one per core)")->capture_default_str();
    app.add_option("--store", store, "event log: none (the fan-out path) or memory (recovery)")
        ->check(CLI::IsMember({"none", "memory"}))
        ->capture_default_str();
    CLI11_PARSE(app, argc, argv);

    try {
        ferry::server_options options;
        options.workers = workers;
        if (store == "memory") options.store = ferry::make_memory_store();
        ferry::server io(std::move(options));
        io.on_connection([](ferry::socket_ptr socket) {
            if (auto room = socket->handshake().query("room"); room && !room->empty()) socket->join(*room);
        });
        add_publish_endpoint(io);
        const auto bound = io.listen(host, port);
        io.start();
        std::printf("ferry_bench_server listening on http://%s:%u with %u worker(s), store=%s\n", host.c_str(),
                    static_cast<unsigned>(bound), io.worker_count(), store.c_str());
        std::fflush(stdout);

        boost::asio::io_context signals_context;
        boost::asio::signal_set signals(signals_context, SIGINT, SIGTERM);
        signals.async_wait([&](boost::system::error_code, int) { io.stop(); });
        std::thread signal_thread([&] { signals_context.run(); });
        io.join();
        signals_context.stop();
        signal_thread.join();
    } catch (const std::exception& e) {
        std::cerr << "ferry_bench_server: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
