#pragma once
// The one list of event names that only ferry (or the Socket.IO client
// library itself) may send, shared by every surface that lets someone else
// name an event (the room protocol's `publish`, POST /api/emit). An event
// published under one of these names would reach a whole room looking like
// the real signal: a fake `gap` makes clients believe they lost events, a fake
// `session` gives SSE clients another stream's id, a fake `connect_error`
// confuses socket.io-client. A name ferry starts sending goes here first.
// A pure function.

#include <array>
#include <string_view>

namespace ferry::socketio {

/// The recovery signal: `{ rooms, oldest }` (Socket.IO and SSE).
inline constexpr std::string_view gap_event = "gap";
/// The first event of an SSE stream: `{ id }`.
inline constexpr std::string_view session_event = "session";

/// Every event name a client may not publish, in no particular order.
inline constexpr std::array<std::string_view, 8> reserved_events{
    gap_event, session_event,
    // Socket.IO's RESERVED_EVENTS (socket.io-client and server socket.ts):
    // the library emits them locally, and a packet with one of them would be
    // taken for its own.
    "connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"};

/// True when `name` is one of reserved_events.
constexpr bool is_reserved_event(std::string_view name) noexcept {
    for (auto reserved : reserved_events) {
        if (name == reserved) return true;
    }
    return false;
}

}  // namespace ferry::socketio
