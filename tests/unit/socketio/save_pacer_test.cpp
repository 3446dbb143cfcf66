#include <ferry/detail/save_pacer.hpp>

#include <gtest/gtest.h>

namespace {

using ferry::detail::save_pacer;
using namespace std::chrono_literals;

const save_pacer::clock::time_point t0 = save_pacer::clock::time_point() + 1h;

TEST(SavePacer, FirstChangeIsWrittenThisTurn) {
    save_pacer pacer;
    EXPECT_FALSE(pacer.scheduled());
    EXPECT_EQ(pacer.on_change(t0), t0);
    EXPECT_TRUE(pacer.scheduled());
}

TEST(SavePacer, ChangesBeforeTheWriteRideAlong) {
    save_pacer pacer;
    ASSERT_TRUE(pacer.on_change(t0));
    // 80,000 joins in one turn: one write.
    for (int i = 0; i < 80000; ++i) EXPECT_FALSE(pacer.on_change(t0 + 1us * i));
    pacer.on_written(t0 + 1ms, 80000);
    EXPECT_FALSE(pacer.scheduled());
    EXPECT_TRUE(pacer.on_change(t0 + 2ms));
}

TEST(SavePacer, AWriteIsFollowedByAPauseProportionalToItsSize) {
    save_pacer pacer;
    ASSERT_TRUE(pacer.on_change(t0));
    pacer.on_written(t0, 1000);
    // 1,000 rooms written: the next write waits 10 ms after the last one.
    EXPECT_EQ(pacer.on_change(t0 + 1ms), t0 + 10ms);
    EXPECT_FALSE(pacer.on_change(t0 + 2ms));
    pacer.on_written(t0 + 10ms, 1001);
    // Past the pause, a change is written in its own turn again.
    EXPECT_EQ(pacer.on_change(t0 + 30ms), t0 + 30ms);
}

TEST(SavePacer, SmallRecordsAreWrittenAtOnce) {
    save_pacer pacer;
    ASSERT_TRUE(pacer.on_change(t0));
    pacer.on_written(t0, 3);
    EXPECT_EQ(pacer.on_change(t0 + 1ms), t0 + 1ms);
}

TEST(SavePacer, ThePauseIsBounded) {
    EXPECT_EQ(save_pacer::pause_after(0), 0s);
    EXPECT_EQ(save_pacer::pause_after(100), 1ms);
    EXPECT_EQ(save_pacer::pause_after(100000), save_pacer::max_pause);
    EXPECT_EQ(save_pacer::pause_after(std::size_t(-1)), save_pacer::max_pause);
}

TEST(SavePacer, WritesPerSecondStayBoundedWhateverTheJoinRate) {
    // One join every 10 µs for a second, each turn writing when due: the
    // rooms written in total stay within a small multiple of the final size
    // per pause, instead of the sum over every join (quadratic).
    save_pacer pacer;
    std::size_t rooms = 0;
    std::size_t written_rooms = 0;
    std::size_t writes = 0;
    std::optional<save_pacer::clock::time_point> due;
    for (auto now = t0; now < t0 + 1s; now += 10us) {
        if (due && now >= *due) {
            pacer.on_written(now, rooms);
            written_rooms += rooms;
            ++writes;
            due.reset();
        }
        ++rooms;
        if (auto d = pacer.on_change(now)) due = d;
    }
    EXPECT_EQ(rooms, 100000u);
    // Every join written once would be 5e9 rooms copied.
    EXPECT_LT(written_rooms, 10 * rooms);
    EXPECT_GT(writes, 1u);
}

TEST(SavePacer, CancelForgetsTheScheduledWrite) {
    save_pacer pacer;
    ASSERT_TRUE(pacer.on_change(t0));
    pacer.cancel();
    EXPECT_FALSE(pacer.scheduled());
    EXPECT_TRUE(pacer.on_change(t0));
}

}  // namespace
