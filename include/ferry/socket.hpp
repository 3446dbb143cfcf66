#pragma once
/// @file
/// ferry::socket — one client connected to one namespace (Socket.IO's Socket).

#include <ferry/args.hpp>
#include <ferry/broadcast.hpp>
#include <ferry/detail/replayed_sequences.hpp>
#include <ferry/detail/room_member.hpp>
#include <ferry/detail/save_pacer.hpp>
#include <ferry/error.hpp>
#include <ferry/handshake.hpp>

#include <boost/json/value.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace ferry {

struct session_record;
struct stored_event;

namespace socketio {
struct broadcast_packet;
class client;
class worker_state;
class namespace_impl;
}  // namespace socketio

/// Handler of a named event.
using event_handler = std::function<void(event&)>;
/// Handler of any incoming event (on_any / prepend_any).
using any_handler = std::function<void(const event&)>;
/// Handler of any outgoing event (on_any_outgoing): name and arguments.
using outgoing_handler = std::function<void(std::string_view, const args&)>;
/// Completion of a server-to-client emit with ack.
using ack_handler = std::function<void(boost::system::error_code, args)>;
/// Per-packet middleware: call `next()` to go on, `next("reason")` to stop the
/// packet (the socket's error handlers run with the reason).
using packet_middleware = std::function<void(event&, std::function<void(std::optional<std::string>)> next)>;

/// One client connected to one namespace.
///
/// @par Thread safety
/// A socket lives on the worker thread that owns its connection. Call its
/// member functions only from handlers running on that thread (every handler
/// ferry calls for this socket does). Broadcast operators obtained from it
/// (to, except, broadcast) may be used from any thread.
class socket : public std::enable_shared_from_this<socket>, public detail::room_member {
public:
    socket(socketio::client& client, socketio::namespace_impl& nsp, std::string id, handshake hs);
    ~socket() override;
    socket(const socket&) = delete;
    socket& operator=(const socket&) = delete;

    /// The socket id (also the name of its own room).
    const std::string& id() const noexcept { return id_; }
    /// The namespace name, e.g. "/chat".
    const std::string& nsp() const noexcept;
    const ferry::handshake& handshake() const noexcept { return handshake_; }
    /// Free-form data attached by the application (Socket.IO's socket.data).
    /// Changes made through this reference are saved for recovery with the
    /// next join, leave, set_data or disconnect (docs/recovery.md "Sessions").
    boost::json::value& data() noexcept { return data_; }
    const boost::json::value& data() const noexcept { return data_; }
    void set_data(boost::json::value v);
    /// True when this connection resumed an earlier session (same id, rooms,
    /// data, and the events it missed replayed), as socket.recovered in Socket.IO.
    bool recovered() const noexcept { return recovered_; }
    bool connected() const noexcept { return connected_; }
    /// The Engine.IO transport in use: "polling" or "websocket".
    std::string_view transport() const noexcept;

    // --- events ---------------------------------------------------------
    /// Registers the handler of an event (one per name; a new one replaces it).
    void on(std::string name, event_handler handler);
    /// Removes the handler of an event.
    void off(const std::string& name);
    void on_any(any_handler handler);
    void prepend_any(any_handler handler);
    /// Removes every catch-all listener.
    void off_any();
    void on_any_outgoing(outgoing_handler handler);
    /// Adds a per-packet middleware (Socket.IO's socket.use).
    void use(packet_middleware middleware);
    /// Runs with a middleware's error (Socket.IO's "error" event).
    void on_error(std::function<void(const std::string&)> handler);
    /// Runs when the socket starts disconnecting (rooms still joined).
    void on_disconnecting(std::function<void(std::string_view reason)> handler);
    /// Runs once the socket is disconnected.
    void on_disconnect(std::function<void(std::string_view reason)> handler);

    /// Sends an event to this client.
    template <class... T>
    void emit(std::string_view name, T&&... values) {
        emit_args(name, to_args(std::forward<T>(values)...));
    }
    void emit_args(std::string_view name, const args& a);

    /// Sends an event and waits for the client's acknowledgement. `done` gets
    /// error::timeout if none arrives within `timeout` (or the socket disconnects first).
    void emit_with_ack(std::string_view name, args a, std::chrono::milliseconds timeout, ack_handler done);

    // --- rooms ----------------------------------------------------------
    void join(const std::string& room);
    void join(const std::vector<std::string>& rooms);
    /// Joins `rooms` and replays the events of those rooms after `since` (an
    /// offset the client persisted, e.g. across a page reload). When events
    /// after it were already dropped by retention the client gets a `gap`
    /// event `{ rooms, oldest }` first and the events that are kept.
    void join_since(const std::vector<std::string>& rooms, const std::string& since);
    void leave(const std::string& room);
    /// The rooms this socket is in (its own id included).
    const std::unordered_set<std::string>& rooms() const noexcept { return rooms_; }

    /// Everyone in `room` but this socket.
    broadcast_operator to(std::string room) const;
    broadcast_operator in(std::string room) const { return to(std::move(room)); }
    /// Everyone in the namespace but this socket and the sockets in `room`.
    broadcast_operator except(std::string room) const;
    /// Everyone in the namespace but this socket.
    broadcast_operator broadcast() const;

    /// Disconnects from this namespace; with `close`, closes the whole connection.
    void disconnect(bool close = false);

    // --- internal (used by the Socket.IO client) --------------------------
    /// @cond internal
    void handle_event(std::string name, args a, std::optional<std::uint64_t> ack_id);
    void handle_ack(std::uint64_t id, args a);
    void handle_close(std::string_view reason);
    void on_connected();
    /// Sends an event directly, never through the log (protocol notices such as `gap`).
    void emit_unlogged(std::string_view name, const args& a);
    /// Registers the handler of a broadcast ack (the broadcast owns the timeout).
    void expect_ack(std::uint64_t id, ack_handler done);
    /// Writes a broadcast to this client, holding it while a replay runs and
    /// dropping what the replay already sent. False when nothing was written.
    bool deliver(const std::shared_ptr<const socketio::broadcast_packet>& packet) override;
    const std::string& member_id() const noexcept override { return id_; }
    void join_room(const std::string& room) override { join(room); }
    void leave_room(const std::string& room) override { leave(room); }
    void disconnect_member(bool close) override { disconnect(close); }
    socket_info describe() const override;
    /// Recovery: the private session id, and the state restored from a record.
    const std::string& pid() const noexcept { return pid_; }
    void set_pid(std::string pid) { pid_ = std::move(pid); }
    void restore(const session_record& record);
    /// Undoes a restore that turned out to be unrecoverable (rooms left, held events dropped).
    void abandon_restore();
    /// The CONNECT asked for a session (pid or offset) that was not restored:
    /// `gap` ({rooms, oldest}) is sent once the connection handlers ran, its
    /// rooms joined by those the handlers joined, minus the rooms a
    /// join_since() placed at a cursor (that replay says its own gap, if any).
    void expect_unrecovered_gap(boost::json::value gap);
    /// Takes the id of the session being recovered (before connecting).
    void set_id(std::string id) { id_ = std::move(id); }
    /// Starts holding live events until finish_replay().
    void begin_replay() noexcept { ++replays_; }
    /// Writes a replayed event (already filtered) with its offset in `epoch`, remembering its sequence.
    void write_replayed(const stored_event& e, std::string_view epoch);
    /// Ends a replay: held live events newer than the replay are written.
    void finish_replay();
    /// Log position of each room (events at or before it are not for this session).
    const std::unordered_map<std::string, std::uint64_t>& room_since() const noexcept { return room_since_; }
    std::uint64_t session_start() const noexcept { return session_start_; }
    void set_session_start(std::uint64_t s) noexcept { session_start_ = s; }
    socketio::client& client() noexcept { return *client_; }
    socketio::namespace_impl& nsp_impl() noexcept { return *nsp_; }
    /// @endcond

private:
    void dispatch(event& ev, std::size_t middleware_index);
    void send_ack(std::uint64_t id, const std::shared_ptr<bool>& sent, args reply);
    void send_packet_args(std::string_view name, const args& a, std::optional<std::uint64_t> ack_id);
    void leave_all();
    void tell_unrecovered_gap();
    /// The session record changed: schedules its write (see detail::save_pacer).
    void session_changed();
    /// Writes the session record now (a scheduled write, or connect).
    void write_session();

    socketio::client* client_;
    socketio::namespace_impl* nsp_;
    std::string id_;
    ferry::handshake handshake_;
    boost::json::value data_;
    bool connected_ = false;
    std::unordered_set<std::string> rooms_;
    std::unordered_map<std::string, event_handler> handlers_;
    std::vector<any_handler> any_handlers_;
    std::vector<outgoing_handler> outgoing_handlers_;
    std::vector<packet_middleware> middlewares_;
    std::vector<std::function<void(const std::string&)>> error_handlers_;
    std::vector<std::function<void(std::string_view)>> disconnecting_handlers_;
    std::vector<std::function<void(std::string_view)>> disconnect_handlers_;
    struct pending_ack;
    std::map<std::uint64_t, std::shared_ptr<pending_ack>> acks_;
    // Recovery state (see docs/recovery.md).
    std::string pid_;
    bool recovered_ = false;
    std::uint64_t session_start_ = 0;
    std::unordered_map<std::string, std::uint64_t> room_since_;
    std::vector<std::shared_ptr<const socketio::broadcast_packet>> held_;
    unsigned replays_ = 0;
    detail::replayed_sequences replayed_;  // so live events the replay wrote are dropped
    std::unordered_map<std::string, std::uint64_t> replayed_down_to_;  // per room, by join_since
    boost::json::value unrecovered_gap_;            // null unless expect_unrecovered_gap()
    std::unordered_set<std::string> placed_rooms_;  // joined at a cursor while it waits
    detail::save_pacer save_pacer_;
    struct save_timer;
    std::unique_ptr<save_timer> save_timer_;  // made the first time a write must wait
};

using socket_ptr = std::shared_ptr<socket>;

}  // namespace ferry
