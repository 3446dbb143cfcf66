#include "store/retention.hpp"

namespace ferry::store {

std::uint64_t trim_ring(event_ring& ring, std::size_t max_events, time_point oldest_allowed) {
    std::uint64_t trimmed = 0;
    // Event times never decrease along a ring (stores make them monotonic), so
    // the first young event ends the age scan.
    while (!ring.empty() && (ring.size() > max_events || ring.front()->time < oldest_allowed)) {
        trimmed = ring.front()->sequence;
        ring.pop_front();
    }
    return trimmed;
}

void drop_through(event_ring& ring, std::uint64_t through) {
    while (!ring.empty() && ring.front()->sequence <= through) ring.pop_front();
}

}  // namespace ferry::store
