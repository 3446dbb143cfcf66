#pragma once
// The rooms of one namespace on one worker: room name -> member sockets.
//
// Members are kept in a vector per room (contiguous, fast to iterate during
// fan-out); each socket remembers its slot in every room it is in, so leaving
// is O(1) by swapping the last member into the hole.
//
// Lives on: one worker. Not thread-safe.

#include <ferry/socket.hpp>

#include <string>
#include <unordered_map>
#include <vector>

namespace ferry::socketio {

class room_index {
public:
    using members = std::vector<socket*>;

    /// Adds `s` to `room`. Returns true when the room was created by this call.
    bool add(const std::string& room, socket& s);
    /// Removes `s` from `room`. Returns true when the room became empty and was deleted.
    bool remove(const std::string& room, socket& s);
    /// The members of `room`, or nullptr.
    const members* find(const std::string& room) const;
    /// Every room with its members.
    const std::unordered_map<std::string, members>& all() const noexcept { return rooms_; }

private:
    std::unordered_map<std::string, members> rooms_;
};

}  // namespace ferry::socketio
