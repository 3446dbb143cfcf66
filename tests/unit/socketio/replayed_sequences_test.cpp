// replayed_sequences: live events a replay already wrote are dropped, once.
#include <ferry/detail/replayed_sequences.hpp>

#include <gtest/gtest.h>

namespace {

TEST(ReplayedSequences, DropsLiveEventsTheReplayWrote) {
    ferry::detail::replayed_sequences replayed;
    for (std::uint64_t s : {3, 5, 8}) replayed.add(s);
    EXPECT_TRUE(replayed.already_sent(5));
    EXPECT_FALSE(replayed.already_sent(6));  // not replayed (another room), still older than the newest
    EXPECT_TRUE(replayed.already_sent(8));
    EXPECT_FALSE(replayed.empty());
}

TEST(ReplayedSequences, ANewerLiveEventEndsTheOverlap) {
    ferry::detail::replayed_sequences replayed;
    replayed.add(3);
    replayed.add(5);
    EXPECT_FALSE(replayed.already_sent(9));
    EXPECT_TRUE(replayed.empty());  // released: live events only grow from here
    EXPECT_FALSE(replayed.already_sent(5));
}

TEST(ReplayedSequences, EventsOutsideTheLogAreNeverDropped) {
    ferry::detail::replayed_sequences replayed;
    replayed.add(1);
    EXPECT_FALSE(replayed.already_sent(0));
    EXPECT_FALSE(replayed.empty());
}

TEST(ReplayedSequences, InterleavedReplaysStaySortedWithoutDuplicates) {
    ferry::detail::replayed_sequences replayed;
    for (std::uint64_t s : {10, 20, 15, 5, 20, 15}) replayed.add(s);
    for (std::uint64_t s : {5, 10, 15, 20}) EXPECT_TRUE(replayed.already_sent(s)) << s;
    for (std::uint64_t s : {1, 6, 11, 19}) EXPECT_FALSE(replayed.already_sent(s)) << s;
}

}  // namespace
