#pragma once
// The gap rule (DESIGN.md "Offsets, epochs and retention"), as one pure
// function shared by every backend so they cannot disagree. It decides from
// numbers the backend gathered; it does not read events.

#include <ferry/event_store.hpp>

#include <cstdint>
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

}  // namespace ferry::store
