#pragma once
// The gap rule (DESIGN.md "Offsets, epochs and retention"), as one pure
// function shared by every backend so they cannot disagree. It decides from
// numbers the backend gathered; it does not read events.

#include <ferry/event_store.hpp>

#include <boost/json/fwd.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ferry::store {

/// A client's cursor as a surface received it, judged by the one rule every
/// surface applies (docs/recovery.md "Cursors"): absent, a well-formed offset,
/// or malformed. A well-formed offset may belong to another epoch or lie
/// beyond the head: that is not malformed, it is a gap (check_cursor decides
/// it when the log is read), so it is never refused here.
struct client_cursor {
    std::optional<offset> at;  ///< none: the client gave no cursor
    std::string problem;       ///< not empty: malformed, and the request is refused with this message
};

/// What an empty cursor means in a surface's field.
enum class empty_cursor {
    /// `since`, `after`: the application chose to send a cursor, so "" is a
    /// bug on its side (a variable never set) and is reported, not guessed at.
    malformed,
    /// Last-Event-ID, lastEventId: the WHATWG "last event ID", where "" means
    /// none (an EventSource sends the header only when it is not empty).
    absent,
};

/// Reads a cursor given as text (`std::nullopt` when the field is absent).
/// `field` names it in the problem ("since", "Last-Event-ID").
client_cursor read_cursor(std::optional<std::string_view> text, std::string_view field,
                          empty_cursor empty = empty_cursor::malformed);

/// Reads a cursor given as JSON (`nullptr` when the field is absent): null is
/// absent too (`since: localStorage.getItem(...)` before anything was saved),
/// a string is read as text, anything else is malformed.
client_cursor read_cursor(const boost::json::value* value, std::string_view field);

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
