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

// A memory store whose appends fail while `failing` is set (a full disk, say).
class flaky_store final : public ferry::event_store {
public:
    bool failing = false;
    const std::string& epoch() const noexcept override { return inner_->epoch(); }
    void append(ferry::event_record r, std::function<void(ferry::result<ferry::offset>)> done) override {
        if (failing) return done(ferry::make_error_code(ferry::error::store_unavailable));
        inner_->append(std::move(r), std::move(done));
    }
    void read_after(ferry::offset after, std::string nsp, std::vector<std::string> rooms, std::size_t limit,
                    std::function<void(ferry::result<ferry::read_page>)> done) override {
        inner_->read_after(std::move(after), std::move(nsp), std::move(rooms), limit, std::move(done));
    }
    ferry::offset head(std::string_view nsp, std::string_view room) override { return inner_->head(nsp, room); }
    ferry::offset position() override { return inner_->position(); }
    void trim() override { inner_->trim(); }
    void flush() override { inner_->flush(); }

private:
    std::unique_ptr<ferry::event_store> inner_ = ferry::make_memory_store();
};

TEST(History, AFailedAppendIsReportedAndLeavesNoTrace) {
    auto store = std::make_shared<flaky_store>();
    ferry::server_options o;
    o.workers = 1;
    o.store = store;
    ferry::server io(o);
    store->failing = true;
    std::optional<boost::system::error_code> failure;
    io.of("/").to("a").publish("msg", ferry::make_args(1), [&](ferry::result<std::string> r) {
        ASSERT_FALSE(r.has_value());
        failure = r.error();
    });
    ASSERT_TRUE(failure.has_value());
    EXPECT_EQ(*failure, ferry::make_error_code(ferry::error::store_unavailable));
    store->failing = false;
    const auto next = publish(io, "a", 2);
    auto page = read(io, "a", "", 10);
    ASSERT_EQ(page.events.size(), 1u);  // only the event that was stored
    EXPECT_EQ(page.events[0].offset, next);
    EXPECT_EQ(page.events[0].args.values.at(0).as_int64(), 2);
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
