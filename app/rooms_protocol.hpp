#pragma once
// The daemon's room protocol for Socket.IO clients (docs/daemon.md):
//   auth { rooms: [...], since? }    joins at connect (and replays after since)
//   subscribe "room" | { room, since? }        -> { ok, offset } | { ok: false, error }
//   unsubscribe "room" | { room }              -> { ok }
//   publish { room, event, data, id? }         -> { ok, offset } through the log
// With no authorization configured every room is allowed (development); the
// `room_policy` seam is where permission rules will plug in.

#include "socketio/room_name.hpp"

#include <ferry/server.hpp>

#include <functional>
#include <string>
#include <string_view>

namespace ferry::app {

/// Decides whether a socket may subscribe to / publish in a room. The default allows everything.
struct room_policy {
    std::function<bool(const socket&, std::string_view room)> may_subscribe;
    std::function<bool(const socket&, std::string_view room)> may_publish;
};

/// Why a room name is refused, or empty when it is acceptable: 1..200 bytes,
/// no control characters (shared with SSE and the HTTP API).
using socketio::room_name_problem;

/// Installs the protocol on namespace `n`.
void install_rooms_protocol(nsp n, room_policy policy = {});

}  // namespace ferry::app
