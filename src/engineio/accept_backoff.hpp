#pragma once
// What the accept loop does when accept() fails, as a pure state machine.
//
// When the process is out of file descriptors (EMFILE), the system is
// (ENFILE), or the kernel is out of buffers or memory (ENOBUFS, ENOMEM), the
// pending connection stays in the listen backlog and the next accept fails
// the same way at once: retrying immediately spins a core and helps nobody.
// So the loop pauses instead, as nginx (accept events off for a while) and Go's
// net/http (5 ms doubling to 1 s) do, and resumes by itself; connections
// already accepted are not touched. Any other error (ECONNABORTED: the peer
// gave up while queued) concerns one connection only and is retried at once.
//
// Reports are rate-limited: the first pause of a quiet period is reported at
// once, further ones are counted and reported at most once per interval; the
// end of a run of pauses likewise.
//
// Time comes in as arguments; the caller owns the timer and the log.

#include <boost/system/error_code.hpp>

#include <chrono>
#include <cstdint>
#include <optional>

namespace ferry::engineio {

class accept_backoff {
public:
    using time_point = std::chrono::steady_clock::time_point;
    using duration = std::chrono::steady_clock::duration;

    static constexpr duration first_pause = std::chrono::milliseconds(100);
    static constexpr duration longest_pause = std::chrono::seconds(1);
    static constexpr duration report_interval = std::chrono::seconds(10);

    /// A line worth logging: `pauses` since the previous report, the newest error.
    struct report {
        std::uint64_t pauses;
        boost::system::error_code error;
        duration pause;
    };

    struct decision {
        /// Zero: accept again at once. Otherwise: wait this long first.
        duration pause{};
        /// Set when this failure should be logged now.
        std::optional<report> to_report;
    };

    /// True for the errors that mean "out of descriptors or memory".
    static bool is_exhaustion(boost::system::error_code ec) noexcept;

    /// accept() failed with `ec` at `now`.
    decision on_error(boost::system::error_code ec, time_point now) noexcept;

    /// accept() succeeded at `now`: the next exhaustion starts again from
    /// first_pause. True when this ends a run of pauses and that is worth
    /// logging (at most once per interval too).
    bool on_accepted(time_point now) noexcept;

    /// Pauses since construction (monotonic).
    std::uint64_t pauses() const noexcept { return pauses_; }

private:
    duration next_pause_ = first_pause;
    std::uint64_t pauses_ = 0;
    std::uint64_t unreported_ = 0;
    std::optional<time_point> last_report_;
    bool paused_since_accept_ = false;
    std::optional<time_point> last_resume_report_;
};

}  // namespace ferry::engineio
