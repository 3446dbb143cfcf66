#pragma once
/// @file
/// Options of a ferry server, with the defaults of the reference Socket.IO server.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace ferry {

/// Cross-origin resource sharing for the HTTP transports.
struct cors_options {
    /// Allowed origins; "*" allows any. Empty: no CORS headers are sent.
    std::vector<std::string> origins;
    /// Send Access-Control-Allow-Credentials (the request's origin is echoed then, never "*").
    bool credentials = false;
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
};

/// Options of a ferry::server.
struct server_options {
    engine_options engine;
    /// Time a client has to send its Socket.IO CONNECT after the Engine.IO handshake.
    std::chrono::milliseconds connect_timeout{45000};
    /// Worker threads; 0 means one per core. At most 64.
    unsigned workers = 0;
};

}  // namespace ferry
