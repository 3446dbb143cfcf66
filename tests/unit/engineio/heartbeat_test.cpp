#include "engineio/heartbeat.hpp"

#include <gtest/gtest.h>

namespace {

using ferry::engineio::heartbeat;
using namespace std::chrono_literals;
using action = heartbeat::action;

const heartbeat::time_point t0{};

TEST(Heartbeat, FirstPingIsDueOneIntervalAfterStart) {
    heartbeat hb(300ms, 200ms);
    hb.start(t0);
    EXPECT_EQ(hb.deadline(), t0 + 300ms);
    EXPECT_EQ(hb.on_timer(t0 + 299ms), action::none);
    EXPECT_EQ(hb.on_timer(t0 + 300ms), action::send_ping);
    EXPECT_TRUE(hb.awaiting_pong());
}

TEST(Heartbeat, TimesOutExactlyPingTimeoutAfterThePing) {
    // The official suite expects the session gone at pingInterval + pingTimeout.
    heartbeat hb(300ms, 200ms);
    hb.start(t0);
    ASSERT_EQ(hb.on_timer(t0 + 300ms), action::send_ping);
    EXPECT_EQ(hb.deadline(), t0 + 500ms);
    EXPECT_EQ(hb.on_timer(t0 + 499ms), action::none);
    EXPECT_EQ(hb.on_timer(t0 + 500ms), action::timed_out);
}

TEST(Heartbeat, PongSchedulesTheNextPingOneIntervalLater) {
    heartbeat hb(300ms, 200ms);
    hb.start(t0);
    ASSERT_EQ(hb.on_timer(t0 + 300ms), action::send_ping);
    hb.on_pong(t0 + 350ms);
    EXPECT_FALSE(hb.awaiting_pong());
    EXPECT_EQ(hb.deadline(), t0 + 650ms);
    EXPECT_EQ(hb.on_timer(t0 + 650ms), action::send_ping);
}

TEST(Heartbeat, UnsolicitedPongChangesNothing) {
    heartbeat hb(300ms, 200ms);
    hb.start(t0);
    hb.on_pong(t0 + 100ms);
    EXPECT_EQ(hb.deadline(), t0 + 300ms);
    EXPECT_FALSE(hb.awaiting_pong());
}

TEST(Heartbeat, LateTimerStillPingsThenTimesOut) {
    heartbeat hb(300ms, 200ms);
    hb.start(t0);
    EXPECT_EQ(hb.on_timer(t0 + 1s), action::send_ping);
    EXPECT_EQ(hb.deadline(), t0 + 1s + 200ms);
    EXPECT_EQ(hb.on_timer(t0 + 5s), action::timed_out);
}

TEST(Heartbeat, ManyRoundsKeepTheSessionAlive) {
    heartbeat hb(25s, 20s);
    hb.start(t0);
    auto now = t0;
    for (int i = 0; i < 100; ++i) {
        now = hb.deadline();
        ASSERT_EQ(hb.on_timer(now), action::send_ping);
        now += 5ms;
        hb.on_pong(now);
    }
    EXPECT_FALSE(hb.awaiting_pong());
}

}  // namespace
