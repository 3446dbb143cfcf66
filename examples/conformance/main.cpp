// The server the official protocol test suites run against
// (socketio/socket.io: docs/engine.io-protocol/v4-test-suite and
// docs/socket.io-protocol/v5-test-suite).
//
//   conformance --suite engineio   bare Engine.IO echo server at /engine.io/
//   conformance --suite socketio   the Socket.IO server the v5 suite describes
//   conformance --suite socketio --deflate
//                                  the same with permessage-deflate accepted
//                                  (threshold 0), for manual checks only: the
//                                  suites run with the defaults, deflate off
//
// Both listen on 127.0.0.1:3000 with the suites' timers.

#include "engineio/server.hpp"
#include "engineio/session.hpp"

#include <ferry/server.hpp>

#include <CLI/CLI.hpp>
#include <boost/asio/signal_set.hpp>

#include <iostream>
#include <thread>

namespace {

ferry::server_options suite_options() {
    ferry::server_options o;
    o.engine.ping_interval = std::chrono::milliseconds(300);
    o.engine.ping_timeout = std::chrono::milliseconds(200);
    o.engine.max_payload = 1'000'000;
    o.engine.cors.origins = {"*"};
    o.connect_timeout = std::chrono::milliseconds(1000);
    return o;
}

// Echoes every message of one Engine.IO session back to it.
class echo_listener final : public ferry::engineio::session_listener {
public:
    explicit echo_listener(std::shared_ptr<ferry::engineio::session> s) : session_(std::move(s)) {}
    void on_message(std::string_view data, bool binary) override {
        using ferry::engineio::wire_packet;
        session_->send(binary ? wire_packet::binary(data)
                              : wire_packet::text(ferry::engineio::packet_type::message, data));
    }
    void on_close(std::string_view) override { delete this; }

private:
    std::shared_ptr<ferry::engineio::session> session_;
};

template <class Server>
void run_until_signal(Server& server) {
    boost::asio::io_context signals_context;
    boost::asio::signal_set signals(signals_context, SIGINT, SIGTERM);
    signals.async_wait([&](boost::system::error_code, int) { server.stop(); });
    std::thread signal_thread([&] { signals_context.run(); });
    server.join();
    signals_context.stop();
    signal_thread.join();
}

int run_engineio(const std::string& host, unsigned short port) {
    auto options = suite_options();
    options.engine.path = "/engine.io/";
    ferry::engineio::server server(options.engine, 1);
    auto& e = server.engine_at(0);
    e.on_session = [](const std::shared_ptr<ferry::engineio::session>& s, const ferry::engineio::http_request&) {
        s->set_listener(new echo_listener(s));
    };
    const auto bound = server.listen(host, port);
    server.start();
    std::cout << "engine.io conformance server on " << host << ":" << bound << std::endl;
    run_until_signal(server);
    return 0;
}

int run_socketio(const std::string& host, unsigned short port, unsigned workers, bool deflate) {
    auto options = suite_options();
    options.workers = workers;
    if (deflate) {
        options.engine.per_message_deflate.enabled = true;
        options.engine.per_message_deflate.threshold = 0;
    }
    ferry::server io(options);
    auto on_connect = [](ferry::socket_ptr socket) {
        socket->emit("auth", socket->handshake().auth);
        socket->on("message", [socket](ferry::event& e) { socket->emit_args("message-back", e.args); });
        socket->on("message-with-ack", [](ferry::event& e) { e.ack(e.args); });
    };
    io.of("/").on_connection(on_connect);
    io.of("/custom").on_connection(on_connect);
    const auto bound = io.listen(host, port);
    io.start();
    std::cout << "socket.io conformance server on " << host << ":" << bound << std::endl;
    run_until_signal(io);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"ferry conformance server for the official Engine.IO v4 / Socket.IO v5 test suites"};
    std::string suite = "socketio";
    std::string host = "127.0.0.1";
    unsigned short port = 3000;
    unsigned workers = 1;
    bool deflate = false;
    app.add_option("--suite", suite, "engineio or socketio")->check(CLI::IsMember({"engineio", "socketio"}));
    app.add_option("--host", host, "address to bind");
    app.add_option("--port", port, "port to bind");
    app.add_option("--workers", workers, "worker threads (socketio suite)");
    app.add_flag("--deflate", deflate, "accept permessage-deflate, threshold 0 (socketio suite; not for the suites)");
    CLI11_PARSE(app, argc, argv);
    try {
        return suite == "engineio" ? run_engineio(host, port) : run_socketio(host, port, workers, deflate);
    } catch (const std::exception& e) {
        std::cerr << "conformance: " << e.what() << "\n";
        return 1;
    }
}
