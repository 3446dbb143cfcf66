#pragma once
// The gap rule (DESIGN.md "Offsets, epochs and retention"), as one pure
// function shared by every backend so they cannot disagree. It decides from
// numbers the backend gathered; it does not read events.

#include <ferry/event_store.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace ferry::store {

/// Where a replay starts and whether it is complete.
struct cursor_check {
    std::uint64_t from = 0;  ///< read events with a sequence above this
    bool gap = false;
};

/// Applies the gap rule to a client's cursor.
///
/// @param after            the client's cursor
/// @param epoch            the store's epoch
/// @param last_sequence    the newest sequence assigned (and committed)
/// @param trimmed_through  the highest "trimmed through" watermark across the
///                         requested rooms and all_room (for a room the store
///                         does not know: its namespace's eviction watermark)
cursor_check check_cursor(const offset& after, std::string_view epoch, std::uint64_t last_sequence,
                          std::uint64_t trimmed_through) noexcept;

/// With a gap, whether one room is among those that lost events the cursor
/// needed: all of them when the cursor cannot be placed (another epoch, or
/// beyond the newest sequence), else those trimmed past it. `oldest` is taken
/// over these rooms only, so it never names an event older than the cursor.
inline bool room_lost_events(const offset& after, const std::string& epoch, std::uint64_t last_sequence,
                             std::uint64_t room_trimmed_through) noexcept {
    if (after.epoch != epoch || after.sequence > last_sequence) return true;
    return after.sequence < room_trimmed_through;
}

}  // namespace ferry::store
