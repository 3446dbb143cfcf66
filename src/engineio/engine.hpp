#pragma once
// The Engine.IO server of one worker: verifies requests, performs handshakes
// and upgrades, and owns the sessions of this worker (engine.io's server.ts).
//
// Every worker has its own engine and its own session table; nothing here is
// shared between threads. A request for a session of another worker is handed
// to that worker together with its TCP connection (http_connection migrates),
// so a session is only ever touched by the thread that owns it.
//
// Deliberately not here: packet framing (packet.hpp, ws_codec.hpp) and
// anything Socket.IO.

#include "engineio/flushable.hpp"
#include "engineio/http_connection.hpp"
#include "engineio/refused_origins.hpp"

#include <ferry/options.hpp>

#include <boost/asio/io_context.hpp>

#include <functional>
#include <memory>
#include <string>
#include <cstdint>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace ferry::engineio {

class session;

/// Handler for HTTP requests outside the Engine.IO path. Returns false when it
/// does not serve the path (the engine then answers 404).
using http_handler = std::function<bool(http_connection&, http_request&)>;

/// Engine.IO error codes (engine.io server.ts `Server.errors`).
enum class engine_error_code : int {
    unknown_transport = 0,
    unknown_sid = 1,
    bad_handshake_method = 2,
    bad_request = 3,
    forbidden = 4,
    unsupported_protocol_version = 5,
};

class engine {
public:
    engine(boost::asio::io_context& context, unsigned index, const engine_options& options);
    engine(const engine&) = delete;
    engine& operator=(const engine&) = delete;
    ~engine();

    /// The engines of all workers, indexed by worker; set once before start.
    void set_group(const std::vector<engine*>* group) noexcept { group_ = group; }
    /// Where refused CORS origins are noted for the log, shared by the
    /// engines of one server; set once before start (null: not logged).
    void set_refused_origins(refused_origins* r) noexcept { refused_origins_ = r; }

    boost::asio::io_context& context() noexcept { return context_; }
    unsigned index() const noexcept { return index_; }
    const engine_options& options() const noexcept { return options_; }

    /// The largest body accepted for a request to `target`: max_payload on the
    /// Engine.IO path, max_http_body elsewhere (the application's endpoints).
    std::uint64_t body_limit_for(std::string_view target) const noexcept;
    /// The 413 answer to a request to `target` whose body is over that limit.
    http_response body_too_large(std::string_view target) const;

    /// Routes one HTTP request read by `connection` (on this worker).
    void dispatch(const std::shared_ptr<http_connection>& connection, http_request request);

    /// Takes over a socket whose request asks for a WebSocket upgrade.
    void upgrade(boost::asio::ip::tcp::socket socket, boost::beast::flat_buffer buffer,
                 http_request request, std::string remote_address);

    /// The session with this id on this worker, or null.
    std::shared_ptr<session> find(std::string_view sid) const;
    /// Called by a session once it is closed.
    void forget(const session& s);
    std::size_t session_count() const noexcept { return sessions_.size(); }
    /// Closes every session of this worker (server shutdown): close packets are sent.
    void close_all();
    /// Ends every session still open at once, without waiting for clients (last step of shutdown).
    void terminate_all();

    /// Flushes `s` once the current handler returns; all connections that
    /// asked during one handler are flushed by one posted task (one write each).
    /// While work_pending says more is queued for this worker, the flush
    /// waits behind it (at most max_flush_deferrals turns), so under load one
    /// write carries the frames of many broadcasts; an idle worker flushes at once.
    void request_flush(std::shared_ptr<flushable> s);
    static constexpr unsigned max_flush_deferrals = 16;

    /// Adds CORS headers to a response, following the options. A cross-origin
    /// request from an origin that is not allowed gets none, and its origin
    /// is logged once (refused_origins.hpp).
    void add_cors_headers(const http_request& request, http_response& response) const;

    /// Called for each new session with the request that opened it, before its handshake is sent.
    std::function<void(const std::shared_ptr<session>&, const http_request&)> on_session;
    /// Serves requests outside the Engine.IO path.
    http_handler on_http;
    /// Whether the layer above has work queued for this worker that will
    /// produce more frames (its inbox of broadcasts). Called on this worker.
    std::function<bool()> work_pending;
    /// Runs at the start of close_all, for connections this engine does not
    /// own (Server-Sent Events streams).
    std::function<void()> on_close_all;

    /// Answers an Engine.IO error (HTTP 400/403 with {"code","message"}).
    void reject_request(http_connection& connection, const http_request& request, engine_error_code code) {
        reject(connection, request, code);
    }

private:
    void handle_engine_request(const std::shared_ptr<http_connection>& connection,
                               http_request& request);
    void reject(http_connection& connection, const http_request& request,
                engine_error_code code);
    void run_flush();
    void note_refused_origin(std::string_view origin) const;
    bool migrate_if_foreign(const std::shared_ptr<http_connection>& connection,
                            http_request& request, std::string_view sid);

    boost::asio::io_context& context_;
    unsigned index_;
    const engine_options& options_;
    const std::vector<engine*>* group_ = nullptr;
    refused_origins* refused_origins_ = nullptr;
    std::unordered_map<std::string, std::shared_ptr<session>> sessions_;
    std::vector<std::shared_ptr<flushable>> dirty_;
    std::vector<std::shared_ptr<flushable>> flushing_;
    bool flush_posted_ = false;
    unsigned flush_deferrals_ = 0;
};

/// The message of an Engine.IO error code, as the reference server words it.
std::string_view engine_error_message(engine_error_code code) noexcept;

}  // namespace ferry::engineio
