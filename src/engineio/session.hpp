#pragma once
// One Engine.IO session (engine.io's socket.ts): the heartbeat, the outbound
// queue, and the transport in use — long-polling, WebSocket, or polling that
// is being upgraded to WebSocket.
//
// The layer above (a Socket.IO client) attaches a listener and calls send();
// it never sees which transport carries the packets.
//
// Lifetime: owned by its engine's session table until closed; entry points
// keep a shared_ptr to themselves, so a session that closes while handling a
// packet is destroyed only after the handler returns.
// Lives on: its worker's io_context. Not thread-safe.

#include "engineio/flushable.hpp"
#include "engineio/heartbeat.hpp"
#include "engineio/http_connection.hpp"
#include "engineio/packet.hpp"
#include "engineio/wire.hpp"

#include <boost/asio/steady_timer.hpp>

#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace ferry::engineio {

class engine;
class ws_connection;

/// What the layer above is told about a session.
class session_listener {
public:
    virtual ~session_listener() = default;
    /// A message packet arrived (text, or binary when `binary`).
    virtual void on_message(std::string_view data, bool binary) = 0;
    /// The session closed; `reason` is one of the reference's reasons
    /// ("transport close", "transport error", "ping timeout", "parse error",
    /// "forced close", "server shutting down").
    virtual void on_close(std::string_view reason) = 0;
    /// Queued packets were handed to the client (a write completed, a poll was
    /// answered): producers that paused may check queued_bytes() again.
    virtual void on_drain() {}
};

enum class transport_kind : std::uint8_t { polling, websocket };

class session final : public std::enable_shared_from_this<session>, public flushable {
public:
    session(engine& owner, std::string id, transport_kind transport, std::string remote_address);
    ~session();

    const std::string& id() const noexcept { return id_; }
    transport_kind transport() const noexcept { return transport_; }
    const std::string& remote_address() const noexcept { return remote_address_; }
    bool is_open() const noexcept { return state_ == state::open; }
    engine& owner() noexcept { return *engine_; }

    void set_listener(session_listener* listener) noexcept { listener_ = listener; }

    /// The handshake packet; sent first on the transport that opened the session.
    std::string handshake_payload() const;
    /// Starts the heartbeat (after the handshake was queued or sent).
    void start();

    /// Queues a packet; it is written at the end of the current handler (so
    /// several sends share one write). Returns false when the session is closed.
    bool send(wire_ptr packet);
    /// Hands queued packets to the transport (called by the engine's flush task).
    void flush() override;
    /// Bytes queued and not yet handed to the transport.
    std::size_t queued_bytes() const noexcept { return queued_bytes_; }

    /// Server-initiated close: queued packets are flushed, then a close packet is sent.
    void close(std::string_view reason = "forced close");
    /// Drops the queued packets, then closes (a slow consumer is cut).
    void cut(std::string_view reason);
    /// Ends the session now as a lost transport, on every transport: nothing is
    /// flushed, WebSockets are aborted (no close handshake on a connection the
    /// client has left). A reconnect took the session over.
    void drop(std::string_view reason);
    /// Ends the session now, whatever is queued (shutdown after close() had its chance).
    void terminate(std::string_view reason) { on_close(reason); }

    // --- long-polling transport -------------------------------------------------
    /// A GET: answered now with queued packets, or parked until there are some.
    void on_poll(const std::shared_ptr<http_connection>& connection, const http_request& request);
    /// A POST: its payload is decoded and handled, then answered "ok". A big
    /// payload is handled a slice per turn of the worker (the response waits
    /// for the last slice, so a client has one payload in hand at a time).
    void on_post(const std::shared_ptr<http_connection>& connection, const http_request& request);

    // --- WebSocket transport ----------------------------------------------------
    /// Attaches the WebSocket this session was opened on.
    void attach_websocket(std::shared_ptr<ws_connection> ws);
    /// A WebSocket arrived for this polling session: the probe/upgrade dance begins.
    void begin_upgrade(std::shared_ptr<ws_connection> ws);
    /// Whether a new upgrade may start (not already upgrading or upgraded).
    bool can_upgrade() const noexcept;

    // --- called by ws_connection ---------------------------------------------
    void on_ws_message(ws_connection& ws, std::string_view data, bool binary);
    void on_ws_closed(ws_connection& ws, std::string_view reason);
    void on_ws_written(ws_connection& ws);

private:
    enum class state : std::uint8_t { open, closing, closed };

    void handle_packet(const packet& p);
    void handle_inbound();
    void schedule_flush();
    void flush_polling();
    void answer_poll(std::string body);
    void on_poll_aborted();
    void arm_heartbeat();
    void on_heartbeat_timer();
    void finish_upgrade();
    void abandon_upgrade();
    void on_close(std::string_view reason);

    engine* engine_;
    std::string id_;
    std::string remote_address_;
    session_listener* listener_ = nullptr;
    transport_kind transport_;
    state state_ = state::open;

    std::vector<wire_ptr> queue_;
    std::size_t queued_bytes_ = 0;
    bool flush_scheduled_ = false;

    std::string close_reason_;
    bool close_queued_ = false;
    std::shared_ptr<http_connection> pending_poll_;
    http_request poll_request_;  // method, target and Origin of the parked poll, for CORS
    std::shared_ptr<ws_connection> ws_;
    std::shared_ptr<ws_connection> upgrading_ws_;
    bool probed_ = false;

    // Received packets not handled yet, oldest first: the payloads of POSTs
    // (each answered once its packets are handled) and WebSocket messages
    // that arrived behind them. At most max_posts_in_hand POSTs.
    struct inbound {
        std::vector<packet> packets;
        std::size_t next = 0;
        std::shared_ptr<http_connection> connection;  // the POST to answer after, or null
        http_request request;                         // its method, target and Origin, for CORS
    };
    std::deque<inbound> inbound_;
    bool inbound_posted_ = false;  // a handle_inbound() is posted

    heartbeat heartbeat_;
    boost::asio::steady_timer heartbeat_timer_;
    // Bounds an upgrade in progress, or the wait for the poll that collects a
    // server close; never both (closing abandons the upgrade).
    boost::asio::steady_timer aux_timer_;
};

}  // namespace ferry::engineio
