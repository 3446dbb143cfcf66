#pragma once
// The one rule for room names that clients may use, shared by every surface
// that takes them (the Socket.IO room protocol, Server-Sent Events, the HTTP
// API): 1..200 bytes, no control characters. A pure function.

#include <cstddef>
#include <string>
#include <string_view>

namespace ferry::socketio {

inline constexpr std::size_t max_room_bytes = 200;

/// Why a room name is refused, or empty when it is acceptable.
inline std::string room_name_problem(std::string_view room) {
    if (room.empty()) return "room name is empty";
    if (room.size() > max_room_bytes) return "room name is longer than 200 bytes";
    for (unsigned char c : room) {
        if (c < 0x20 || c == 0x7f) return "room name contains a control character";
    }
    return {};
}

}  // namespace ferry::socketio
