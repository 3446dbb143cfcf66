// ferry — the daemon: the Socket.IO server with the event log on SQLite (or
// in memory), the room protocol for clients, /healthz and /readyz. Configuration:
// app/config.hpp; behaviour: docs/daemon.md.

#include "config.hpp"
#include "data_dir_lock.hpp"
#include "open_files.hpp"
#include "readiness.hpp"
#include "rooms_protocol.hpp"

#include "http/api.hpp"
#include "socketio/server_impl.hpp"
#include "sse/endpoint.hpp"

#include <ferry/event_store.hpp>
#include <ferry/server.hpp>
#include <ferry/session_store.hpp>

#include <boost/asio/signal_set.hpp>
#include <boost/beast/http/field.hpp>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <iostream>
#include <thread>

#ifndef FERRY_VERSION
#define FERRY_VERSION "0.0.0"
#endif

namespace {

using ferry::app::daemon_config;

void set_up_logging(const daemon_config& c) {
    spdlog::set_level(spdlog::level::from_str(c.log_level));
    if (c.log_format == "json") {
        // One JSON object per line; messages are written without quotes in
        // them by ferry, so the pattern needs no escaping step.
        spdlog::set_pattern(R"({"time":"%Y-%m-%dT%H:%M:%S.%e%z","level":"%l","msg":"%v"})");
    }
}

// Opens the configured stores. Throws with a clear message on failure.
void open_stores(const daemon_config& c, ferry::server_options& o) {
    ferry::retention_policy retention;
    retention.max_events = c.max_events;
    retention.max_age = std::chrono::seconds(c.max_age_s);
    retention.idle_room_eviction = std::chrono::seconds(c.idle_room_s);
    const auto max_disconnection = std::chrono::milliseconds(c.max_disconnection_ms);
    if (c.store == "memory") {
        o.store = ferry::make_memory_store(retention);
        o.sessions = ferry::make_memory_session_store({}, max_disconnection);
        return;
    }
    std::filesystem::create_directories(c.data_dir);
    ferry::sqlite_options s;
    s.path = (std::filesystem::path(c.data_dir) / "events.sqlite").string();
    s.mode = c.durability == "sync" ? ferry::durability::sync : ferry::durability::batch;
    s.batch_interval = std::chrono::milliseconds(c.batch_interval_ms);
    s.retention = retention;
    o.store = ferry::make_sqlite_store(s);
    o.sessions = ferry::make_sqlite_session_store(
        (std::filesystem::path(c.data_dir) / "sessions.sqlite").string(), {}, max_disconnection);
}

// GET /healthz answers 200 once the daemon serves: supervisors and tests wait on it.
bool serve_health(ferry::engineio::http_connection& c, ferry::engineio::http_request& r) {
    namespace http = boost::beast::http;
    if (r.target() != "/healthz") return false;
    ferry::engineio::http_response res{http::status::ok, 11};
    res.set(http::field::content_type, "application/json");
    res.body() = R"({"status":"ok"})";
    c.respond(std::move(res));
    return true;
}

// GET /readyz: 200 while every check passes, 503 with the first failure's reason (docs/daemon.md).
bool serve_ready(ferry::engineio::http_connection& c, ferry::engineio::http_request& r,
                 const ferry::app::readiness& checks) {
    namespace http = boost::beast::http;
    if (r.target() != "/readyz") return false;
    auto report = checks.run();
    ferry::engineio::http_response res{report.ready ? http::status::ok : http::status::service_unavailable, 11};
    res.set(http::field::content_type, "application/json");
    res.set(http::field::cache_control, "no-store");
    res.body() = std::move(report.json);
    c.respond(std::move(res));
    return true;
}

ferry::app::readiness readiness_checks(ferry::server& io) {
    ferry::app::readiness checks;
    if (auto* store = io.impl().store()) {
        checks.add("store", [store] {
            const auto h = store->health();
            return ferry::app::check_outcome{h.can_append, h.can_append ? "" : "store_unavailable", h.message};
        });
    }
    return checks;
}

// Every HTTP path of the daemon outside /socket.io/, in order.
void add_http_endpoints(ferry::server& io, const daemon_config& config) {
    ferry::sse::endpoint sse(io.impl(), {.heartbeat = std::chrono::milliseconds(config.sse_heartbeat_ms),
                                         .retry = std::chrono::milliseconds(config.sse_retry_ms)});
    ferry::http::api api(io);
    io.impl().set_http_handler([sse, api, ready = readiness_checks(io)](ferry::engineio::http_connection& c,
                                                                         ferry::engineio::http_request& r) {
        return serve_health(c, r) || serve_ready(c, r, ready) || sse(c, r) || api.serve(c, r);
    });
}

void log_connections(ferry::server& io) {
    io.on_connection([](ferry::socket_ptr socket) {
        spdlog::info("connect {} nsp={} transport={} address={} recovered={}", socket->id(), socket->nsp(),
                     socket->transport(), socket->handshake().address, socket->recovered());
        socket->on_disconnect([id = socket->id()](std::string_view reason) {
            spdlog::info("disconnect {} reason={}", id, reason);
        });
    });
}

}  // namespace

int main(int argc, char** argv) {
    auto parsed = ferry::app::parse_config(argc, argv);
    if (!parsed.config) return parsed.exit_code;
    const daemon_config& c = *parsed.config;
    set_up_logging(c);
    const auto open_files = ferry::app::raise_open_file_limit();
    try {
        auto options = ferry::app::to_server_options(c);
        // Before the stores open: a second daemon must not touch the files.
        ferry::app::data_dir_lock lock;
        if (c.store == "sqlite") lock = ferry::app::data_dir_lock(c.data_dir);
        open_stores(c, options);
        ferry::server io(std::move(options));
        log_connections(io);
        ferry::app::install_rooms_protocol(io.of("/"));
        for (const auto& name : c.namespaces) ferry::app::install_rooms_protocol(io.of(name));
        if (c.store == "memory") spdlog::warn("event log in memory: a restart loses every event");
        spdlog::warn("no authorization configured: every client may use every room");
        add_http_endpoints(io, c);
        const auto port = io.listen(c.host, c.port);
        io.start();
        spdlog::info("ferry {} listening on http://{}:{} ({} worker(s), {} store{})", FERRY_VERSION, c.host, port,
                     io.worker_count(), c.store, c.store == "sqlite" ? " in " + c.data_dir : std::string());
        ferry::app::log_connection_capacity(open_files);

        boost::asio::io_context signals_context;
        boost::asio::signal_set signals(signals_context, SIGINT, SIGTERM);
        signals.async_wait([&](boost::system::error_code, int signo) {
            spdlog::info("signal {}: closing connections, flushing the log", signo);
            io.stop();
        });
        std::thread signal_thread([&] { signals_context.run(); });
        io.join();
        signals_context.stop();
        signal_thread.join();
        // The stores flush and close when `io` releases them, right here.
    } catch (const boost::system::system_error& e) {
        std::cerr << "ferry: cannot listen on " << c.host << ":" << c.port << ": " << e.code().message() << "\n";
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "ferry: " << e.what() << "\n";
        return 1;
    }
    spdlog::info("stopped");
    return 0;
}
