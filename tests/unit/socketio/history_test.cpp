#include <ferry/server.hpp>

#include <ferry/event_store.hpp>

#include <gtest/gtest.h>

#include <optional>

namespace {

ferry::server_options with_memory_store() {
    ferry::server_options o;
    o.workers = 1;
    o.store = ferry::make_memory_store();
    return o;
}

// The memory store completes inline, so publish and history finish before they return.
std::string publish(ferry::server& io, const std::string& room, int n) {
    std::string offset;
    io.of("/").to(room).publish("msg", ferry::make_args(n), [&](ferry::result<std::string> r) {
        ASSERT_TRUE(r.has_value());
        offset = *r;
    });
    return offset;
}

ferry::nsp::history_page read(ferry::server& io, const std::string& room, const std::string& after, std::size_t limit) {
    std::optional<ferry::nsp::history_page> page;
    io.of("/").history(room, after, limit, [&](ferry::result<ferry::nsp::history_page> r) {
        ASSERT_TRUE(r.has_value());
        page = std::move(*r);
    });
    EXPECT_TRUE(page.has_value());
    return page.value_or(ferry::nsp::history_page{});
}

TEST(History, ReturnsTheEventsOfOneRoomOldestFirst) {
    ferry::server io(with_memory_store());
    publish(io, "a", 1);
    publish(io, "b", 2);
    const auto third = publish(io, "a", 3);
    auto page = read(io, "a", "", 10);
    ASSERT_EQ(page.events.size(), 2u);
    EXPECT_EQ(page.events[0].event, "msg");
    EXPECT_EQ(page.events[0].args.values.at(0).as_int64(), 1);
    EXPECT_EQ(page.events[1].offset, third);
    EXPECT_FALSE(page.gap);
    EXPECT_EQ(io.of("/").head("a"), third);
}

TEST(History, PagesAfterAnOffset) {
    ferry::server io(with_memory_store());
    std::vector<std::string> offsets;
    for (int i = 0; i < 5; ++i) offsets.push_back(publish(io, "a", i));
    auto page = read(io, "a", offsets[1], 2);
    ASSERT_EQ(page.events.size(), 2u);
    EXPECT_EQ(page.events[0].offset, offsets[2]);
    EXPECT_EQ(page.events[1].offset, offsets[3]);
    EXPECT_TRUE(page.more);
}

TEST(History, PublishCarriesIncreasingOffsets) {
    ferry::server io(with_memory_store());
    auto first = ferry::offset::parse(publish(io, "a", 1));
    auto second = ferry::offset::parse(publish(io, "z", 2));
    ASSERT_TRUE(first && second);
    EXPECT_EQ(first->epoch, second->epoch);
    EXPECT_LT(first->sequence, second->sequence);
}

TEST(History, WithoutAStoreIsUnavailable) {
    ferry::server_options o;
    o.workers = 1;
    ferry::server io(o);
    bool failed = false;
    io.of("/").history("a", "", 10, [&](ferry::result<ferry::nsp::history_page> r) { failed = !r.has_value(); });
    EXPECT_TRUE(failed);
    EXPECT_EQ(io.of("/").head("a"), "");
    std::optional<std::string> offset;
    io.of("/").to("a").publish("msg", ferry::make_args(1), [&](ferry::result<std::string> r) { offset = *r; });
    EXPECT_EQ(offset, std::string());  // delivered, not stored
}

}  // namespace
