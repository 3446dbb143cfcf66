#pragma once
// The rooms of one namespace on one worker: room name -> member sockets.
//
// Members are kept in a vector per room (contiguous, fast to iterate during
// fan-out); each member remembers its slot in every room it is in (a hash map,
// so a member of 80,000 rooms joins and leaves as fast as one of two), and
// leaving is O(1) by moving the last member into the hole. Room vectors live in
// unordered_map nodes, whose addresses never move, so a member names a room
// by the address of its vector.
//
// A template over the member type only so that tests can use a plain struct;
// ferry uses room_index = basic_room_index<detail::room_member>.
//
// Lives on: one worker. Not thread-safe.

#include <cstddef>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <ferry/detail/room_member.hpp>

namespace ferry::socketio {

/// Member must have `std::unordered_map<const void*, std::size_t> room_slots`.
template <class Member>
class basic_room_index {
public:
    using members = std::vector<Member*>;

    /// Adds `m` to `room`. Returns true when the room was created by this call.
    bool add(const std::string& room, Member& m) {
        auto [it, created] = rooms_.try_emplace(room);
        if (!m.room_slots.try_emplace(&it->second, it->second.size()).second) return false;  // already a member
        it->second.push_back(&m);
        return created;
    }

    /// Removes `m` from `room`. Returns true when the room became empty and was deleted.
    bool remove(const std::string& room, Member& m) {
        auto it = rooms_.find(room);
        if (it == rooms_.end()) return false;
        members& list = it->second;
        const void* key = &list;
        auto slot = m.room_slots.find(key);
        if (slot == m.room_slots.end()) return false;
        const std::size_t hole = slot->second;
        m.room_slots.erase(slot);
        Member* moved = list.back();
        list[hole] = moved;
        list.pop_back();
        if (moved != &m) moved->room_slots[key] = hole;
        if (!list.empty()) return false;
        rooms_.erase(it);
        return true;
    }

    /// The members of `room`, or nullptr.
    const members* find(const std::string& room) const {
        auto it = rooms_.find(room);
        return it == rooms_.end() ? nullptr : &it->second;
    }

    /// Every room with its members.
    const std::unordered_map<std::string, members>& all() const noexcept { return rooms_; }

private:
    std::unordered_map<std::string, members> rooms_;
};

using room_index = basic_room_index<detail::room_member>;

}  // namespace ferry::socketio
