#include "store/cursor.hpp"

namespace ferry::store {

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
