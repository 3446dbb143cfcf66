#pragma once
/// @file
/// @cond internal
/// When a socket writes its session record (docs/recovery.md "Sessions").
/// Not part of the library's API; public only because ferry::socket holds one.
///
/// A record holds every room of its socket, so one write costs O(rooms).
/// Writing it at every join made a batch of n joins cost O(n²) (20,000
/// subscribes in one request held a worker for over a minute). Instead a
/// change only marks the record dirty, and the pacer says when to write it:
/// at the end of the current worker turn, so that every change made by the
/// turn's handlers rides along, but not sooner after the previous write than
/// a pause proportional to the size of that write. Joins then cost O(1)
/// amortised, and writing one socket's record takes at most a small fixed
/// share of its worker whatever the rate of its changes. A record of a few
/// rooms is written at the end of the turn of its change; the longest wait,
/// for a record of 100,000 rooms or more, is max_pause.
///
/// Sans-I/O: times in, decisions out. Lives on: the socket's worker.

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <optional>

namespace ferry::detail {

class save_pacer {
public:
    using clock = std::chrono::steady_clock;

    /// Pause after a write, per room written: ten times what copying and
    /// sorting a room name costs, so saving takes at most about a tenth of the worker.
    static constexpr std::chrono::microseconds pause_per_room{10};
    /// The longest pause: bounds how long a change can stay unwritten.
    static constexpr std::chrono::milliseconds max_pause{1000};

    /// The record changed at `now`. Returns when to write it (`now`: at the
    /// end of this turn), or nullopt when a write is already scheduled: it
    /// will carry this change too.
    std::optional<clock::time_point> on_change(clock::time_point now) noexcept {
        if (scheduled_) return std::nullopt;
        scheduled_ = true;
        return std::max(now, next_allowed_);
    }

    /// The record was written at `now` with `rooms` rooms (a scheduled write,
    /// or one made at once: connect, disconnect).
    void on_written(clock::time_point now, std::size_t rooms) noexcept {
        scheduled_ = false;
        next_allowed_ = now + pause_after(rooms);
    }

    /// Forgets a scheduled write (the socket disconnected: its last write was made).
    void cancel() noexcept { scheduled_ = false; }

    /// Whether a write is scheduled and not yet made.
    bool scheduled() const noexcept { return scheduled_; }

    static clock::duration pause_after(std::size_t rooms) noexcept {
        const auto max_rooms = static_cast<std::size_t>(max_pause / pause_per_room);
        return rooms >= max_rooms ? clock::duration(max_pause) : clock::duration(pause_per_room * rooms);
    }

private:
    bool scheduled_ = false;
    clock::time_point next_allowed_{};
};

}  // namespace ferry::detail
/// @endcond
