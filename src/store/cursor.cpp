#include "store/cursor.hpp"

#include <boost/json/value.hpp>

namespace ferry::store {

client_cursor read_cursor(std::optional<std::string_view> text, std::string_view field, empty_cursor empty) {
    client_cursor out;
    if (!text) return out;
    if (text->empty()) {
        if (empty == empty_cursor::absent) return out;
        out.problem = std::string(field) + " is empty (leave it out to give no cursor)";
        return out;
    }
    // Only the canonical form ferry hands out; an offset of another epoch
    // parses, and is the gap rule's business, not a malformed request.
    out.at = offset::parse(*text);
    if (!out.at) {
        out.problem = std::string(field) +
                      " is not an offset (the \"<epoch>-<sequence>\" string ferry sends with each event)";
    }
    return out;
}

client_cursor read_cursor(const boost::json::value* value, std::string_view field) {
    if (!value || value->is_null()) return {};
    if (const auto* s = value->if_string()) return read_cursor(std::string_view(*s), field);
    return {std::nullopt, std::string(field) + " must be an offset string"};
}

cursor_check check_cursor(const offset& after, std::string_view epoch, std::uint64_t last_sequence,
                          std::uint64_t trimmed_through) noexcept {
    // Another history: the sequence means nothing here. Replay from the start,
    // flagged, never as if it continued the client's stream.
    if (after.epoch != epoch) return {0, true};
    // Beyond the newest sequence: this store never handed that offset out in
    // this epoch. It is forged, or it names events a crash took back (a
    // synchronous=NORMAL commit lost to a power cut) whose sequences will be
    // reused for different events. Either way the client's position is unknown.
    if (after.sequence > last_sequence) return {0, true};
    // Something newer than the cursor was removed from one of its rooms. A
    // cursor at or above every watermark lost nothing, however old it is: a
    // quiet client must recover.
    return {after.sequence, after.sequence < trimmed_through};
}

}  // namespace ferry::store
