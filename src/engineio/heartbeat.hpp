#pragma once
// The Engine.IO v4 heartbeat as a pure state machine (engine.io socket.ts
// schedulePing / resetPingTimeout): the server pings every pingInterval and
// the session ends when no pong came pingTimeout after a ping.
//
// Time comes in as arguments; the caller owns the one timer and arms it for
// deadline(). That keeps the rules testable with a fake clock and lets a
// session hold one timer instead of two.

#include <chrono>

namespace ferry::engineio {

class heartbeat {
public:
    using time_point = std::chrono::steady_clock::time_point;
    using duration = std::chrono::steady_clock::duration;

    enum class action { none, send_ping, timed_out };

    heartbeat(duration interval, duration timeout) : interval_(interval), timeout_(timeout) {}

    /// The session opened: the first ping is due one interval from now.
    void start(time_point now) noexcept {
        awaiting_pong_ = false;
        deadline_ = now + interval_;
    }

    /// The timer reached deadline() (or fired late). Says what to do, and
    /// moves the deadline: after a ping, to the pong deadline.
    action on_timer(time_point now) noexcept {
        if (now < deadline_) return action::none;
        if (awaiting_pong_) return action::timed_out;
        awaiting_pong_ = true;
        deadline_ = now + timeout_;
        return action::send_ping;
    }

    /// A pong arrived: the next ping is due one interval from now. A pong
    /// nobody asked for changes nothing (the reference ignores it too).
    void on_pong(time_point now) noexcept {
        if (!awaiting_pong_) return;
        awaiting_pong_ = false;
        deadline_ = now + interval_;
    }

    time_point deadline() const noexcept { return deadline_; }
    bool awaiting_pong() const noexcept { return awaiting_pong_; }

private:
    duration interval_;
    duration timeout_;
    time_point deadline_{};
    bool awaiting_pong_ = false;
};

}  // namespace ferry::engineio
