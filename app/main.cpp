// ferry — the daemon. At this stage it serves the Socket.IO main namespace
// and logs what it does; rooms, the event log and the HTTP API come next
// (see docs/architecture.md).

#include "socketio/server_impl.hpp"

#include <ferry/server.hpp>

#include <CLI/CLI.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/beast/http/field.hpp>
#include <spdlog/spdlog.h>

#include <iostream>
#include <thread>

#ifndef FERRY_VERSION
#define FERRY_VERSION "0.0.0"
#endif

namespace {

struct daemon_config {
    std::string host = "127.0.0.1";
    unsigned short port = 3000;
    unsigned workers = 0;
    unsigned ping_interval_ms = 25000;
    unsigned ping_timeout_ms = 20000;
    std::size_t max_payload = 1'000'000;
    unsigned connect_timeout_ms = 45000;
    std::vector<std::string> cors_origins;
    std::string log_level = "info";
};

ferry::server_options to_options(const daemon_config& c) {
    ferry::server_options o;
    o.workers = c.workers;
    o.engine.ping_interval = std::chrono::milliseconds(c.ping_interval_ms);
    o.engine.ping_timeout = std::chrono::milliseconds(c.ping_timeout_ms);
    o.engine.max_payload = c.max_payload;
    o.engine.cors.origins = c.cors_origins;
    o.connect_timeout = std::chrono::milliseconds(c.connect_timeout_ms);
    return o;
}

// GET /healthz answers 200 once the daemon serves: supervisors and tests wait on it.
void add_health_endpoint(ferry::server& io) {
    namespace http = boost::beast::http;
    auto& engine = io.impl().engine();
    for (unsigned i = 0; i < engine.worker_count(); ++i) {
        engine.engine_at(i).on_http = [](ferry::engineio::http_connection& c, ferry::engineio::http_request& r) {
            if (r.target() != "/healthz") return false;
            ferry::engineio::http_response res{http::status::ok, 11};
            res.set(http::field::content_type, "application/json");
            res.body() = R"({"status":"ok"})";
            c.respond(std::move(res));
            return true;
        };
    }
}

void log_main_namespace(ferry::server& io) {
    io.on_connection([](ferry::socket_ptr socket) {
        spdlog::info("connect {} nsp={} transport={} address={}", socket->id(), socket->nsp(),
                     socket->transport(), socket->handshake().address);
        socket->on_any([id = socket->id()](const ferry::event& e) {
            spdlog::debug("event {} from {} ({} args)", e.name, id, e.args.values.size());
        });
        socket->on_disconnect([id = socket->id()](std::string_view reason) {
            spdlog::info("disconnect {} reason={}", id, reason);
        });
    });
}

}  // namespace

int main(int argc, char** argv) {
    daemon_config c;
    CLI::App app{"ferry — a Socket.IO and Server-Sent Events server that never loses an event"};
    app.set_version_flag("--version", std::string("ferry ") + FERRY_VERSION);
    app.add_option("--host", c.host, "address to listen on")->envname("FERRY_HOST")->capture_default_str();
    app.add_option("--port", c.port, "port to listen on")->envname("FERRY_PORT")->capture_default_str();
    app.add_option("--workers", c.workers, "worker threads (0 = one per core)")
        ->envname("FERRY_WORKERS")->capture_default_str();
    app.add_option("--ping-interval", c.ping_interval_ms, "Engine.IO ping interval, ms")
        ->envname("FERRY_PING_INTERVAL")->capture_default_str();
    app.add_option("--ping-timeout", c.ping_timeout_ms, "Engine.IO ping timeout, ms")
        ->envname("FERRY_PING_TIMEOUT")->capture_default_str();
    app.add_option("--max-payload", c.max_payload, "largest packet or polling payload, bytes")
        ->envname("FERRY_MAX_PAYLOAD")->capture_default_str();
    app.add_option("--connect-timeout", c.connect_timeout_ms, "time to send the Socket.IO CONNECT, ms")
        ->envname("FERRY_CONNECT_TIMEOUT")->capture_default_str();
    app.add_option("--cors-origin", c.cors_origins, "allowed CORS origin (repeatable, * for any)")
        ->envname("FERRY_CORS_ORIGIN");
    app.add_option("--log-level", c.log_level, "trace, debug, info, warn, error")
        ->envname("FERRY_LOG_LEVEL")->capture_default_str();
    CLI11_PARSE(app, argc, argv);

    spdlog::set_level(spdlog::level::from_str(c.log_level));
    try {
        ferry::server io(to_options(c));
        log_main_namespace(io);
        add_health_endpoint(io);
        const auto port = io.listen(c.host, c.port);
        io.start();
        spdlog::info("ferry {} listening on http://{}:{} with {} worker(s)", FERRY_VERSION, c.host, port,
                     io.worker_count());

        boost::asio::io_context signals_context;
        boost::asio::signal_set signals(signals_context, SIGINT, SIGTERM);
        signals.async_wait([&](boost::system::error_code, int signo) {
            spdlog::info("signal {}: closing connections", signo);
            io.stop();
        });
        std::thread signal_thread([&] { signals_context.run(); });
        io.join();
        signals_context.stop();
        signal_thread.join();
        spdlog::info("stopped");
    } catch (const boost::system::system_error& e) {
        std::cerr << "ferry: cannot listen on " << c.host << ":" << c.port << ": " << e.code().message() << "\n";
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "ferry: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
