#pragma once
// A Socket.IO client (socket.io's client.ts): one Engine.IO session carrying
// sockets of one or more namespaces. Decodes packets, admits CONNECTs through
// the namespace middleware, routes events and acks to sockets, and writes
// packets to the session.
//
// Lifetime: owned by itself (shared_ptr held by the session listener slot
// until the session closes).
// Lives on: the worker that owns the session. Not thread-safe.

#include "engineio/session.hpp"
#include "socketio/packet.hpp"

#include <ferry/server.hpp>

#include <boost/asio/steady_timer.hpp>

#include <ferry/session_store.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ferry::socketio {

class server_impl;
class worker_state;
class namespace_impl;

class client : public engineio::session_listener, public std::enable_shared_from_this<client> {
public:
    client(server_impl& server, worker_state& worker, std::shared_ptr<engineio::session> session,
           ferry::handshake base_handshake);
    ~client() override;

    /// Starts the connect timeout; called once the session is set up.
    void start();

    /// Writes encoded packets (a text packet and its binary attachments).
    /// Returns false when the session is closed.
    bool write(const std::vector<engineio::wire_ptr>& packets);
    /// Writes without the slow-consumer check: a replay paces itself with
    /// when_drained instead of being cut for the backlog it creates.
    bool write_paced(const std::vector<engineio::wire_ptr>& packets);
    /// Runs `fn` once the outbound backlog is at most half the budget (now, if it is).
    void when_drained(std::function<void()> fn);
    /// Writes unless the transport has a backlog (volatile packets).
    bool write_volatile(const std::vector<engineio::wire_ptr>& packets);
    /// Encodes and writes one packet.
    void send(const packet& p);

    /// Closes the Engine.IO session (all namespaces).
    void close(std::string_view reason = "forced server close");
    /// Ends the Engine.IO session at once as a lost transport ("transport
    /// close"): a reconnect presented the pid of one of its sockets, so the
    /// client has left this connection (half-open) and its sessions move to
    /// the new one, recoverable like any transport loss.
    void drop_for_takeover();
    /// A socket left its namespace.
    void remove(socket& s);

    engineio::session& session() noexcept { return *session_; }
    worker_state& worker() noexcept { return *worker_; }
    server_impl& server() noexcept { return *server_; }

    // engineio::session_listener
    void on_message(std::string_view data, bool binary) override;
    void on_close(std::string_view reason) override;
    void on_drain() override;

private:
    void on_packet(packet p);
    void connect(const std::string& nsp_name, boost::json::value auth);
    void run_middleware(const std::shared_ptr<socket>& s, namespace_impl& nsp, std::size_t index,
                        std::function<void()> then);
    void complete_admission(const std::shared_ptr<socket>& s);
    // Recovery (client_recovery.cpp).
    void take_session(const std::shared_ptr<socket>& s, std::string pid, std::optional<std::string> offset,
                      std::function<void(boost::json::value gap)> fallback, bool evicted = false);
    void take_over(const std::shared_ptr<socket>& s, std::string pid, std::optional<std::string> offset,
                   std::function<void(boost::json::value gap)> fallback, session_record live);
    void resume(const std::shared_ptr<socket>& s, session_record record, std::optional<std::string> offset,
                std::function<void(boost::json::value gap)> fallback);
    void refuse(const std::string& nsp_name, const connect_error& err);
    socket* find(const std::string& nsp_name) const;
    void cut_slow_consumer();

    server_impl* server_;
    worker_state* worker_;
    std::shared_ptr<engineio::session> session_;
    ferry::handshake base_handshake_;
    decoder decoder_;
    std::vector<std::shared_ptr<socket>> sockets_;
    boost::asio::steady_timer connect_timer_;
    bool closed_ = false;
    bool cutting_ = false;
    std::vector<std::function<void()>> drain_waiters_;
    std::shared_ptr<client> self_;  // keeps this alive while the session is open
};

/// The `gap` of a session that is gone (unknown, expired, taken, of another
/// namespace): nothing is known of its rooms; the socket adds those it joins
/// (socket::expect_unrecovered_gap).
boost::json::value unrestored_session_gap();

/// Encodes a Socket.IO packet into Engine.IO wire packets (text first, then attachments).
std::vector<engineio::wire_ptr> encode_for_wire(const packet& p);

}  // namespace ferry::socketio
