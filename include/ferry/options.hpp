#pragma once
/// @file
/// Options of a ferry server, with the defaults of the reference Socket.IO server.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace ferry {

class event_store;
class session_store;

/// Cross-origin resource sharing for the HTTP transports.
struct cors_options {
    /// Allowed origins; "*" allows any. Empty: no CORS headers are sent.
    std::vector<std::string> origins;
    /// Send Access-Control-Allow-Credentials (the request's origin is echoed then, never "*").
    bool credentials = false;
};

/// permessage-deflate (RFC 7692) on the WebSocket transport.
///
/// ferry always negotiates no context takeover in both directions, so it keeps
/// no compression state per connection, and a broadcast is compressed once
/// and the same compressed frame is sent to every recipient that negotiated
/// the extension. Long-polling is never compressed.
struct per_message_deflate_options {
    /// Accept the extension when a client offers it. Off by default, as in the
    /// reference server (engine.io `perMessageDeflate: false`).
    bool enabled = false;
    /// Messages smaller than this many bytes (Engine.IO packet, type included)
    /// are sent uncompressed (the `ws` library's `threshold`).
    std::size_t threshold = 1024;
};

/// Engine.IO transport options (engine.io-protocol v4).
struct engine_options {
    /// Path of the Engine.IO endpoint; always begins and ends with '/'.
    std::string path = "/socket.io/";
    /// Interval between server pings.
    std::chrono::milliseconds ping_interval{25000};
    /// Time a client has to answer a ping before the session closes.
    std::chrono::milliseconds ping_timeout{20000};
    /// Largest packet or polling payload accepted, in bytes; larger closes that client.
    std::size_t max_payload = 1'000'000;
    /// Largest request body accepted outside the Engine.IO path (the
    /// application's HTTP endpoints, such as the daemon's /api), in bytes;
    /// larger is answered 413 and the connection closed.
    std::size_t max_http_body = 1u << 20;
    /// Time a started WebSocket upgrade may take before it is abandoned.
    std::chrono::milliseconds upgrade_timeout{10000};
    /// Accept long-polling.
    bool allow_polling = true;
    /// Accept WebSocket.
    bool allow_websocket = true;
    /// Offer the polling -> WebSocket upgrade in the handshake.
    bool allow_upgrades = true;
    /// Outbound bytes a connection may have queued before it is cut as a slow consumer.
    std::size_t max_outbound_bytes = 1u << 20;
    cors_options cors;
    /// Compression of WebSocket messages; max_payload bounds their inflated size too.
    per_message_deflate_options per_message_deflate;
};

/// Connection state recovery (Socket.IO's connectionStateRecovery, extended:
/// see docs/recovery.md).
struct recovery_options {
    /// How long after a disconnect a session can still be recovered.
    std::chrono::milliseconds max_disconnection_duration{120000};
    /// A recovered socket skips the namespace middleware (as in Socket.IO).
    bool skip_middlewares = true;
    /// Events read from the log per replay page (a replay never holds more).
    std::size_t replay_page = 512;
};

/// Options of a ferry::server.
struct server_options {
    engine_options engine;
    /// Time a client has to send its Socket.IO CONNECT after the Engine.IO handshake.
    std::chrono::milliseconds connect_timeout{45000};
    /// Worker threads; 0 means one per core. At most 64.
    unsigned workers = 0;
    /// The event log. Null: nothing is retained and sessions cannot be recovered.
    /// With a store, every eligible event is appended before it is delivered and
    /// carries its offset as its last argument.
    std::shared_ptr<event_store> store;
    /// Where recoverable session state lives; null with a store means in memory.
    std::shared_ptr<session_store> sessions;
    recovery_options recovery;
};

}  // namespace ferry
