// replay_cache: replayed events are encoded once per worker, not per client.
#include "socketio/replay_cache.hpp"
#include "socketio/stored_event.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

using packets_cache = ferry::socketio::replay_cache<std::vector<ferry::engineio::wire_ptr>>;

// What the server's Socket.IO replay does on a miss.
const std::vector<ferry::engineio::wire_ptr>& wire_of(packets_cache& cache, std::string_view nsp,
                                                      const ferry::stored_event& e, std::string_view epoch) {
    return cache.get(nsp, e, epoch, [&] {
        return ferry::socketio::stored_event_wire(nsp, e.payload, e.attachments,
                                                  ferry::offset{std::string(epoch), e.sequence}.to_string());
    });
}

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
    packets_cache cache;
    EXPECT_EQ(text_of(wire_of(cache, "/", event(7), "ep")), R"(42["m","hello","ep-7"])");
    EXPECT_EQ(text_of(wire_of(cache, "/chat", event(8), "ep")), R"(42/chat,["m","hello","ep-8"])");
}

TEST(ReplayCache, SharesTheSamePacketsBetweenClients) {
    packets_cache cache;
    const auto first = wire_of(cache, "/", event(7), "ep").at(0);
    const auto second = wire_of(cache, "/", event(7), "ep").at(0);
    EXPECT_EQ(first.get(), second.get());
}

TEST(ReplayCache, TellsNamespacesEpochsAndSequencesApart) {
    packets_cache cache;
    EXPECT_EQ(text_of(wire_of(cache, "/", event(7), "a")), R"(42["m","hello","a-7"])");
    EXPECT_EQ(text_of(wire_of(cache, "/", event(7), "b")), R"(42["m","hello","b-7"])");
    EXPECT_EQ(text_of(wire_of(cache, "/x", event(7), "b")), R"(42/x,["m","hello","b-7"])");
    // Same slot, other sequence.
    const auto other = 7 + packets_cache::slots;
    EXPECT_EQ(text_of(wire_of(cache, "/x", event(other), "b")), R"(42/x,["m","hello","b-)" + std::to_string(other) + R"("])");
    EXPECT_EQ(text_of(wire_of(cache, "/x", event(7), "b")), R"(42/x,["m","hello","b-7"])");
}

TEST(ReplayCache, LargeEventsAreEncodedEachTime) {
    packets_cache cache;
    const std::string big = R"(["m",")" + std::string(packets_cache::max_payload, 'x') + R"("])";
    const auto first = wire_of(cache, "/", event(9, big), "ep").at(0);
    const auto second = wire_of(cache, "/", event(9, big), "ep").at(0);
    EXPECT_NE(first.get(), second.get());
    EXPECT_EQ(first->payload(), second->payload());
}

TEST(ReplayCache, KeepsBinaryAttachments) {
    packets_cache cache;
    auto e = event(3, R"(["m",{"_placeholder":true,"num":0}])");
    e.attachments = {"\x01\x02"};
    const auto& wire = wire_of(cache, "/", e, "ep");
    ASSERT_EQ(wire.size(), 2u);
    EXPECT_EQ(text_of(wire), R"(451-["m",{"_placeholder":true,"num":0},"ep-3"])");
    EXPECT_EQ(wire[1]->payload(), "\x01\x02");
}

}  // namespace

namespace {

TEST(ReplayCache, CountsEncodingsNotCalls) {
    ferry::socketio::replay_cache<int> cache;
    int encoded = 0;
    auto encode = [&] { return ++encoded; };
    for (int client = 0; client < 100; ++client) {
        for (std::uint64_t seq = 1; seq <= 50; ++seq) cache.get("/", event(seq), "ep", encode);
    }
    EXPECT_EQ(encoded, 50);
}

}  // namespace
