#pragma once
// Rules both session stores apply the same way, so that the contract test can
// hold them to one behaviour: the clock, the precision of times, when a record
// can be taken, when it has expired, and how often expiry runs by itself.

#include <ferry/session_store.hpp>

#include <chrono>
#include <functional>

namespace ferry::store {

using session_clock = std::function<std::chrono::system_clock::time_point()>;

/// The injected clock, or the system clock.
inline session_clock clock_or_system(session_clock clock) {
    if (clock) return clock;
    return [] { return std::chrono::system_clock::now(); };
}

/// How often a store drops expired records by itself: often enough that an
/// abandoned session does not linger much past its window, rarely enough that
/// the scan (memory) or the DELETE (SQLite) costs nothing.
inline constexpr std::chrono::seconds session_expiry_interval{10};

/// Times are kept to the millisecond, the unit of the SQLite column; the
/// memory store rounds the same way so both return equal records.
inline void round_times(session_record& record) {
    if (record.disconnected_at) {
        record.disconnected_at = std::chrono::floor<std::chrono::milliseconds>(*record.disconnected_at);
    }
}

enum class take_verdict {
    live,         // connected in this run of the store: a socket still owns it (returned, not removed)
    expired,      // disconnected more than max_age ago
    recoverable,  // disconnected at most max_age ago
};

inline take_verdict judge(const session_record& record, std::chrono::system_clock::time_point now,
                          std::chrono::milliseconds max_age) {
    if (!record.disconnected_at) return take_verdict::live;
    // Compared in milliseconds: max_age may be milliseconds::max() ("never"),
    // which overflows in the clock's nanoseconds.
    const auto age = std::chrono::duration_cast<std::chrono::milliseconds>(now - *record.disconnected_at);
    return age > max_age ? take_verdict::expired : take_verdict::recoverable;
}

}  // namespace ferry::store
