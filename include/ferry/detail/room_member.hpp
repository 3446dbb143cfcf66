#pragma once
/// @file
/// @cond internal
/// What the room index and broadcasts need of anything that can be in a
/// room: a Socket.IO socket or a Server-Sent Events stream. Not part of the
/// library's API; public only because ferry::socket derives from it.

#include <ferry/broadcast.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>

namespace ferry {
namespace socketio {
struct broadcast_packet;
class namespace_impl;
}  // namespace socketio

namespace detail {

/// Lives on: the worker that owns it. Not thread-safe.
class room_member {
public:
    virtual ~room_member() = default;

    /// The member's id (also the name of its own room).
    virtual const std::string& member_id() const noexcept = 0;
    /// Writes a broadcast to this member; false when nothing was written.
    virtual bool deliver(const std::shared_ptr<const socketio::broadcast_packet>& packet) = 0;
    /// Utility methods of the adapter (sockets_join, sockets_leave, disconnect_sockets, fetch_sockets).
    virtual void join_room(const std::string& room) = 0;
    virtual void leave_room(const std::string& room) = 0;
    virtual void disconnect_member(bool close) = 0;
    virtual socket_info describe() const = 0;

    /// Marks used by broadcasts to deliver one copy per member without allocating.
    std::uint64_t delivered_mark = 0;
    std::uint64_t excluded_mark = 0;
    /// Position in each room's member vector (keyed by that vector), for O(1)
    /// join and leave however many rooms the member is in.
    std::unordered_map<const void*, std::size_t> room_slots;
};

}  // namespace detail
}  // namespace ferry
/// @endcond
