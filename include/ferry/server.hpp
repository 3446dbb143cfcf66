#pragma once
/// @file
/// ferry::server and ferry::nsp — the embeddable Socket.IO v5 server.
///
/// @code
/// ferry::server io;
/// io.on_connection([](ferry::socket_ptr socket) {
///     socket->on("chat", [socket](ferry::event& e) {
///         socket->broadcast().emit_args("chat", e.args);
///         e.ack("ok");
///     });
/// });
/// io.listen("127.0.0.1", 3000);
/// io.run();
/// @endcode

#include <ferry/args.hpp>
#include <ferry/broadcast.hpp>
#include <ferry/options.hpp>
#include <ferry/socket.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <string_view>

namespace ferry {

namespace socketio {
class server_impl;
}

/// The error a namespace middleware refuses a connection with; the client
/// receives it as CONNECT_ERROR `{ "message", "data" }`.
struct connect_error {
    std::string message;
    boost::json::value data;
};

/// Continuation of a namespace middleware: `next()` lets the connection in,
/// `next(connect_error{...})` refuses it.
class middleware_next {
public:
    explicit middleware_next(std::function<void(std::optional<connect_error>)> fn) : fn_(std::move(fn)) {}
    void operator()() const { fn_(std::nullopt); }
    void operator()(connect_error e) const { fn_(std::move(e)); }

private:
    std::function<void(std::optional<connect_error>)> fn_;
};

using connection_handler = std::function<void(socket_ptr)>;
using namespace_middleware = std::function<void(socket&, middleware_next)>;
using room_handler = std::function<void(std::string_view room)>;
using room_member_handler = std::function<void(std::string_view room, std::string_view socket_id)>;

/// A namespace (Socket.IO's Namespace).
///
/// @par Thread safety
/// Register handlers and middleware before server::start(). Broadcasts and
/// utility methods may be called from any thread at any time.
class nsp {
public:
    explicit nsp(socketio::namespace_impl& impl) : impl_(&impl) {}

    const std::string& name() const noexcept;
    /// Adds a middleware run before a client is admitted.
    nsp& use(namespace_middleware middleware);
    /// Runs for each connected socket, on its worker thread.
    nsp& on_connection(connection_handler handler);

    /// Adapter events (a room created / deleted on this node, a socket joined / left).
    nsp& on_create_room(room_handler handler);
    nsp& on_delete_room(room_handler handler);
    nsp& on_join_room(room_member_handler handler);
    nsp& on_leave_room(room_member_handler handler);
    /// Messages of other nodes' server_side_emit.
    nsp& on_server_side_emit(std::function<void(const args&)> handler);

    broadcast_operator to(std::string room) const { return all().to(std::move(room)); }
    broadcast_operator in(std::string room) const { return all().to(std::move(room)); }
    broadcast_operator except(std::string room) const { return all().except(std::move(room)); }
    broadcast_operator volatile_() const { return all().volatile_(); }
    broadcast_operator local() const { return all().local(); }
    broadcast_operator timeout(std::chrono::milliseconds t) const { return all().timeout(t); }

    /// Emits to every socket of the namespace.
    template <class... T>
    void emit(std::string_view name, T&&... values) const {
        all().emit(name, std::forward<T>(values)...);
    }
    void sockets_join(std::vector<std::string> rooms) const { all().sockets_join(std::move(rooms)); }
    void sockets_leave(std::vector<std::string> rooms) const { all().sockets_leave(std::move(rooms)); }
    void disconnect_sockets(bool close = false) const { all().disconnect_sockets(close); }
    void fetch_sockets(std::function<void(std::vector<socket_info>)> done) const {
        all().fetch_sockets(std::move(done));
    }
    /// Sends a message to the other nodes of a cluster (none on a single node).
    void server_side_emit(const args& a) const;

    /// One event of a room's history.
    struct history_event {
        std::string offset;  ///< its position in the log (the client form)
        std::string event;   ///< the event name
        ferry::args args;    ///< its arguments
    };
    /// A page of a room's history.
    struct history_page {
        std::vector<history_event> events;  ///< oldest first
        bool gap = false;                   ///< events after `after` were dropped by retention
        bool more = false;                  ///< read again after the last event for more
    };
    /// Reads the events of `room` after the offset `after` ("" = from the oldest
    /// kept), at most `limit`: the base of a "load older messages" feature.
    /// `done` runs on a store thread or inline; error::store_unavailable when
    /// the server has no store or the log cannot be read.
    void history(const std::string& room, const std::string& after, std::size_t limit,
                 std::function<void(result<history_page>)> done) const;
    /// The newest offset of `room` ("" without a store).
    std::string head(const std::string& room) const;

    /// Number of sockets connected to this namespace on this node.
    std::size_t size() const noexcept;

    broadcast_operator all() const { return broadcast_operator(*impl_); }

private:
    socketio::namespace_impl* impl_;
};

/// Counters of what the server did since it started (monotonic).
struct server_stats {
    /// Clients cut because their outbound queue passed engine_options::max_outbound_bytes.
    std::uint64_t slow_consumer_cuts = 0;
    /// Sockets that resumed an earlier session (socket::recovered()).
    std::uint64_t recoveries = 0;
    /// Recoveries refused because the log no longer held what was missed (`gap` sent).
    std::uint64_t recovery_gaps = 0;
    /// Connections ended because a reconnect presented the pid of one of their
    /// sockets (half-open connections: the session moved to the new one).
    std::uint64_t takeovers = 0;
    /// Times accepting new connections paused because the process was out of
    /// file descriptors or memory (EMFILE, ENFILE, ENOBUFS, ENOMEM); open
    /// connections are served meanwhile.
    std::uint64_t accept_pauses = 0;
};

/// The Socket.IO server: namespaces, worker threads and the listening socket.
///
/// @par Thread safety
/// Configure (of, use, on_connection, listen) from one thread before start();
/// broadcasts and stop() are safe from any thread afterwards.
class server {
public:
    explicit server(server_options options = {});
    ~server();
    server(const server&) = delete;
    server& operator=(const server&) = delete;

    /// The namespace with this name, created on first use. "/" is the main namespace.
    nsp of(std::string_view name);
    /// A dynamic namespace family: a client connecting to an unknown namespace
    /// for which `accept(name, auth)` returns true gets a namespace of that
    /// name, with the handlers registered on the returned parent.
    nsp of(std::function<bool(std::string_view name, const boost::json::value& auth)> accept);
    /// A dynamic namespace family matched by a regular expression.
    nsp of(const std::regex& pattern);

    /// Shortcuts on the main namespace.
    server& use(namespace_middleware middleware);
    server& on_connection(connection_handler handler);
    broadcast_operator to(std::string room) const;
    broadcast_operator except(std::string room) const;
    template <class... T>
    void emit(std::string_view name, T&&... values) {
        of("/").emit(name, std::forward<T>(values)...);
    }

    /// Binds to host:port (port 0 picks a free one) and returns the port.
    /// Throws boost::system::system_error when the address cannot be bound.
    unsigned short listen(const std::string& host, unsigned short port);
    /// Starts the worker threads; returns at once.
    void start();
    /// start(), then blocks until stop().
    void run();
    /// Closes every connection (clients are told the server is shutting down)
    /// and stops the workers. Thread-safe.
    void stop();
    /// Blocks until the workers have stopped.
    void join();

    const server_options& options() const noexcept;
    /// Counters since start. Thread-safe.
    server_stats stats() const noexcept;
    unsigned worker_count() const noexcept;

    /// @cond internal
    socketio::server_impl& impl() noexcept { return *impl_; }
    /// @endcond

private:
    std::unique_ptr<socketio::server_impl> impl_;
};

}  // namespace ferry
