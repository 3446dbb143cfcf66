// replay_cache: replayed events are encoded once per worker, not per client.
#include "socketio/replay_cache.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

ferry::stored_event event(std::uint64_t sequence, std::string payload = R"(["m","hello"])") {
    ferry::stored_event e;
    e.sequence = sequence;
    e.payload = std::move(payload);
    return e;
}

std::string text_of(const std::vector<ferry::engineio::wire_ptr>& wire) {
    return std::string(wire.at(0)->payload());
}

TEST(ReplayCache, EncodesTheEventWithItsOffset) {
    ferry::socketio::replay_cache cache;
    EXPECT_EQ(text_of(cache.wire("/", event(7), "ep")), R"(42["m","hello","ep-7"])");
    EXPECT_EQ(text_of(cache.wire("/chat", event(8), "ep")), R"(42/chat,["m","hello","ep-8"])");
}

TEST(ReplayCache, SharesTheSamePacketsBetweenClients) {
    ferry::socketio::replay_cache cache;
    const auto first = cache.wire("/", event(7), "ep").at(0);
    const auto second = cache.wire("/", event(7), "ep").at(0);
    EXPECT_EQ(first.get(), second.get());
}

TEST(ReplayCache, TellsNamespacesEpochsAndSequencesApart) {
    ferry::socketio::replay_cache cache;
    EXPECT_EQ(text_of(cache.wire("/", event(7), "a")), R"(42["m","hello","a-7"])");
    EXPECT_EQ(text_of(cache.wire("/", event(7), "b")), R"(42["m","hello","b-7"])");
    EXPECT_EQ(text_of(cache.wire("/x", event(7), "b")), R"(42/x,["m","hello","b-7"])");
    // Same slot, other sequence.
    const auto other = 7 + ferry::socketio::replay_cache::slots;
    EXPECT_EQ(text_of(cache.wire("/x", event(other), "b")), R"(42/x,["m","hello","b-)" + std::to_string(other) + R"("])");
    EXPECT_EQ(text_of(cache.wire("/x", event(7), "b")), R"(42/x,["m","hello","b-7"])");
}

TEST(ReplayCache, LargeEventsAreEncodedEachTime) {
    ferry::socketio::replay_cache cache;
    const std::string big = R"(["m",")" + std::string(ferry::socketio::replay_cache::max_payload, 'x') + R"("])";
    const auto first = cache.wire("/", event(9, big), "ep").at(0);
    const auto second = cache.wire("/", event(9, big), "ep").at(0);
    EXPECT_NE(first.get(), second.get());
    EXPECT_EQ(first->payload(), second->payload());
}

TEST(ReplayCache, KeepsBinaryAttachments) {
    ferry::socketio::replay_cache cache;
    auto e = event(3, R"(["m",{"_placeholder":true,"num":0}])");
    e.attachments = {"\x01\x02"};
    const auto& wire = cache.wire("/", e, "ep");
    ASSERT_EQ(wire.size(), 2u);
    EXPECT_EQ(text_of(wire), R"(451-["m",{"_placeholder":true,"num":0},"ep-3"])");
    EXPECT_EQ(wire[1]->payload(), "\x01\x02");
}

}  // namespace
