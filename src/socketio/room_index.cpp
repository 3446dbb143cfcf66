#include "socketio/room_index.hpp"

#include <algorithm>

namespace ferry::socketio {

bool room_index::add(const std::string& room, socket& s) {
    auto [it, created] = rooms_.try_emplace(room);
    const void* key = &it->second;
    for (const auto& slot : s.room_slots) {
        if (slot.first == key) return false;  // already a member
    }
    s.room_slots.emplace_back(key, it->second.size());
    it->second.push_back(&s);
    return created;
}

bool room_index::remove(const std::string& room, socket& s) {
    auto it = rooms_.find(room);
    if (it == rooms_.end()) return false;
    members& m = it->second;
    const void* key = &m;
    auto slot = std::find_if(s.room_slots.begin(), s.room_slots.end(),
                             [key](const auto& entry) { return entry.first == key; });
    if (slot == s.room_slots.end()) return false;
    const std::size_t hole = slot->second;
    *slot = s.room_slots.back();
    s.room_slots.pop_back();
    socket* moved = m.back();
    m[hole] = moved;
    m.pop_back();
    if (moved != &s) {
        for (auto& entry : moved->room_slots) {
            if (entry.first == key) entry.second = hole;
        }
    }
    if (m.empty()) {
        rooms_.erase(it);
        return true;
    }
    return false;
}

const room_index::members* room_index::find(const std::string& room) const {
    auto it = rooms_.find(room);
    return it == rooms_.end() ? nullptr : &it->second;
}

}  // namespace ferry::socketio
