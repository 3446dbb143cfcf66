#pragma once
// A rate limit for one repeated log line (a store failing on every commit
// must not flood the log): at most one line per interval, and that line
// counts the ones held back since the previous. Sans-I/O: the caller passes
// the time and writes the line. It does not lock: one owner thread.

#include <chrono>
#include <cstdint>
#include <optional>

namespace ferry::store {

class log_limiter {
public:
    using clock = std::chrono::steady_clock;

    explicit log_limiter(clock::duration interval) : interval_(interval) {}

    /// One occurrence at `now`. When a line is due, returns how many
    /// occurrences were held back since the previous line (0 for the first);
    /// nullopt when this one is held back.
    std::optional<std::uint64_t> admit(clock::time_point now);

    /// Occurrences held back since the last line written.
    std::uint64_t held_back() const noexcept { return held_back_; }

private:
    clock::duration interval_;
    std::optional<clock::time_point> last_line_;
    std::uint64_t held_back_ = 0;
};

}  // namespace ferry::store
