#pragma once
/// @file
/// ferry::broadcast_operator — `to(room).except(room).emit(...)` and the
/// utility methods that act on a selection of sockets (Socket.IO's BroadcastOperator).

#include <ferry/args.hpp>
#include <ferry/error.hpp>

#include <boost/json/value.hpp>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ferry {

namespace socketio {
class namespace_impl;
}

/// A snapshot of one socket, as fetch_sockets returns it (Socket.IO's RemoteSocket).
struct socket_info {
    std::string id;
    std::string nsp;
    std::vector<std::string> rooms;
    boost::json::value data;
    boost::json::value auth;
    std::string address;
    std::string transport;
    /// When the connection was made (the handshake's time).
    std::chrono::system_clock::time_point time{};
};

/// Completion of a broadcast with acks: every answer received, and
/// error::timeout when some clients did not answer in time.
using broadcast_ack_handler = std::function<void(boost::system::error_code, std::vector<args>)>;

/// Selects sockets of one namespace and acts on them.
///
/// A value type: each modifier returns a new operator. Emitting encodes the
/// packet once; its bytes are shared by every recipient on every worker.
///
/// @par Thread safety
/// May be used from any thread. Completion handlers run on a worker thread.
class broadcast_operator {
public:
    explicit broadcast_operator(socketio::namespace_impl& nsp) : nsp_(&nsp) {}

    /// Targets the sockets in `room` (several calls add rooms; a socket in
    /// several of them receives one copy).
    broadcast_operator to(std::string room) const;
    broadcast_operator to(const std::vector<std::string>& rooms) const;
    broadcast_operator in(std::string room) const { return to(std::move(room)); }
    /// Excludes the sockets in `room`.
    broadcast_operator except(std::string room) const;
    broadcast_operator except(const std::vector<std::string>& rooms) const;
    /// The packet may be dropped for clients that are not ready to receive it.
    broadcast_operator volatile_() const;
    /// Only sockets of this node (no cluster peers).
    broadcast_operator local() const;
    /// Time to wait for acks with emit_with_ack.
    broadcast_operator timeout(std::chrono::milliseconds t) const;

    template <class... T>
    void emit(std::string_view name, T&&... values) const {
        emit_args(name, to_args(std::forward<T>(values)...));
    }
    void emit_args(std::string_view name, const args& a) const;
    /// Emits and reports the event's offset in the log once it is stored (an
    /// empty string when the server has no store or the emit is volatile), or
    /// error::store_unavailable, in which case nothing was delivered.
    /// With an `idempotency_key`, a retry within the store's idempotency window
    /// reports the first offset and delivers nothing again.
    void publish(std::string_view name, const args& a, std::function<void(result<std::string>)> done,
                 std::string idempotency_key = {}) const;
    /// Emits and collects every recipient's acknowledgement (needs timeout()).
    void emit_with_ack(std::string_view name, const args& a, broadcast_ack_handler done) const;

    /// Makes the selected sockets join / leave rooms.
    void sockets_join(std::vector<std::string> rooms) const;
    void sockets_leave(std::vector<std::string> rooms) const;
    /// Disconnects the selected sockets; with `close`, their whole connections.
    void disconnect_sockets(bool close = false) const;
    /// Snapshots of the selected sockets.
    void fetch_sockets(std::function<void(std::vector<socket_info>)> done) const;

    /// @cond internal
    struct selection {
        std::vector<std::string> rooms;
        std::vector<std::string> except;
        bool is_volatile = false;
        bool is_local = false;
        std::optional<std::chrono::milliseconds> timeout;
    };
    const selection& selected() const noexcept { return sel_; }
    /// @endcond

private:
    socketio::namespace_impl* nsp_;
    selection sel_;
};

}  // namespace ferry
