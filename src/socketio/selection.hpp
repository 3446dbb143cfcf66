#pragma once
// Which members of one worker a broadcast reaches: those in any target room
// (everyone when there is none), minus those in any except room, each once.
//
// Marks replace sets: every selection takes a fresh mark; a member whose
// excluded_mark equals it is skipped, and delivered_mark records that it was
// already visited through another room. A fan-out therefore allocates nothing.

#include "socketio/room_index.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace ferry::socketio {

/// Calls fn(Member&) once for each selected member.
/// @param for_everyone callable taking a visitor, calling it with every Member* (used when targets is empty)
/// @param mark a value never used before on these members
template <class Member, class ForEveryone, class Fn>
void for_each_selected(const basic_room_index<Member>& rooms, ForEveryone&& for_everyone,
                       const std::vector<std::string>& targets, const std::vector<std::string>& except,
                       std::uint64_t mark, Fn&& fn) {
    for (const auto& room : except) {
        if (const auto* members = rooms.find(room)) {
            for (Member* m : *members) m->excluded_mark = mark;
        }
    }
    auto visit = [&](Member* m) {
        if (m->excluded_mark == mark || m->delivered_mark == mark) return;
        m->delivered_mark = mark;
        fn(*m);
    };
    if (targets.empty()) {
        for_everyone(visit);
        return;
    }
    for (const auto& room : targets) {
        if (const auto* members = rooms.find(room)) {
            // fn may not change room membership (it only queues packets).
            for (Member* m : *members) visit(m);
        }
    }
}

}  // namespace ferry::socketio
