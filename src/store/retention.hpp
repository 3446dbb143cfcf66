#pragma once
// Retention arithmetic shared by the backends: the policy's clock, and trimming
// one in-memory ring by count and age. Deciding when to run it and keeping
// watermarks is each store's job; the SQLite store trims its tables in SQL
// (store/sqlite_retention.cpp) and only mirrors the result here.

#include <ferry/event_store.hpp>

#include "store/event_ring.hpp"

#include <chrono>
#include <cstdint>

namespace ferry::store {

using time_point = std::chrono::system_clock::time_point;

/// Milliseconds since the Unix epoch: how the SQLite store keeps times.
inline std::int64_t to_ms(time_point t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
inline time_point from_ms(std::int64_t ms) {
    return time_point(std::chrono::duration_cast<time_point::duration>(std::chrono::milliseconds(ms)));
}

/// The policy's clock, or the system clock.
inline time_point now_of(const retention_policy& policy) {
    return policy.clock ? policy.clock() : std::chrono::system_clock::now();
}

/// Removes events from the front of `ring` while it holds more than
/// `max_events` or the front is older than `oldest_allowed`. Returns the
/// highest sequence removed, 0 when none was.
std::uint64_t trim_ring(event_ring& ring, std::size_t max_events, time_point oldest_allowed);

/// Removes events with a sequence at or below `through` from the front of `ring`.
void drop_through(event_ring& ring, std::uint64_t through);

}  // namespace ferry::store
