#include "store/event_ring.hpp"

#include "store/room_set.hpp"

#include <algorithm>
#include <limits>

namespace ferry::store {

collected collect_after(const std::vector<const event_ring*>& rings, std::uint64_t after,
                        const std::vector<std::string>& reader_rooms, std::size_t limit) {
    using iterator = event_ring::const_iterator;
    struct cursor {
        iterator at;
        iterator end;
    };
    std::vector<cursor> cursors;
    cursors.reserve(rings.size());
    for (const auto* ring : rings) {
        auto start = std::upper_bound(ring->begin(), ring->end(), after,
                                      [](std::uint64_t seq, const event_ptr& e) { return seq < e->sequence; });
        if (start != ring->end()) cursors.push_back({start, ring->end()});
    }

    collected out;
    // A reader has few rooms, so a linear minimum beats a heap here.
    for (;;) {
        std::uint64_t next = std::numeric_limits<std::uint64_t>::max();
        for (const auto& c : cursors) {
            if (c.at != c.end) next = std::min(next, (*c.at)->sequence);
        }
        if (next == std::numeric_limits<std::uint64_t>::max()) break;

        const stored_event* event = nullptr;
        event_ptr shared;
        for (auto& c : cursors) {
            // The same event in several rings: take it once, advance them all.
            if (c.at != c.end && (*c.at)->sequence == next) {
                if (!event) {
                    shared = *c.at;
                    event = shared.get();
                }
                ++c.at;
            }
        }
        if (intersects(event->except, reader_rooms)) continue;
        if (out.events.size() == limit) {
            out.more = true;
            break;
        }
        out.events.push_back(std::move(shared));
    }
    return out;
}

std::vector<stored_event> copy_out(const std::vector<event_ptr>& events) {
    std::vector<stored_event> out;
    out.reserve(events.size());
    for (const auto& e : events) out.push_back(*e);
    return out;
}

}  // namespace ferry::store
