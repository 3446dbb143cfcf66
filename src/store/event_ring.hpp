#pragma once
// The in-memory form of a room's events: a deque of shared immutable events in
// sequence order (the memory store's whole retained log of a room, the SQLite
// store's recent tail of it). An event sent to several rooms is stored once and
// shared. This file also merges several rings into one replay page; it does
// not decide gaps (store/cursor.hpp) or trim (store/retention.hpp).

#include <ferry/event_store.hpp>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

namespace ferry::store {

using event_ptr = std::shared_ptr<const stored_event>;
using event_ring = std::deque<event_ptr>;

/// Events collected for one page, still shared (copied out after the lock).
struct collected {
    std::vector<event_ptr> events;
    bool more = false;
};

/// The first `limit` events with a sequence above `after` across `rings`, in
/// sequence order, each once, skipping events whose except intersects
/// `reader_rooms` (normalized); `more` when another such event follows.
/// Cost: O(log n) per ring to find the start, then O(k) per event examined.
collected collect_after(const std::vector<const event_ring*>& rings, std::uint64_t after,
                        const std::vector<std::string>& reader_rooms, std::size_t limit);

/// A copy of each event, for handing to a caller outside the store's lock.
std::vector<stored_event> copy_out(const std::vector<event_ptr>& events);

}  // namespace ferry::store
