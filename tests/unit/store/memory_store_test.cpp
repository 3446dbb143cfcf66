// What only the memory store does: a new epoch per instance, retention by
// count on every append, and age retention without an explicit trim().
#include "store/memory_store.hpp"

#include "store_test_util.hpp"

#include <gtest/gtest.h>

namespace ferry::store_test {
namespace {

retention_policy with_clock(const fake_clock& clock, std::size_t max_events = 1000) {
    retention_policy p;
    p.max_events = max_events;
    p.max_age = std::chrono::hours(1);
    p.clock = clock;
    return p;
}

TEST(MemoryStore, EachInstanceIsANewEpochSoOldCursorsAreGaps) {
    fake_clock clock;
    auto first = make_memory_store(with_clock(clock));
    const auto cursor = append_now(*first, make_event("1"));
    auto second = make_memory_store(with_clock(clock));
    EXPECT_NE(second->epoch(), first->epoch());
    append_now(*second, make_event("other history"));
    const auto page = read_now(*second, cursor, {});
    EXPECT_TRUE(page.gap);
    EXPECT_EQ(payloads(page), (std::vector<std::string>{"other history"}));
}

TEST(MemoryStore, EnforcesMaxEventsOnEveryAppend) {
    fake_clock clock;
    auto store = make_memory_store(with_clock(clock, 2));
    for (int i = 1; i <= 4; ++i) append_now(*store, make_event(std::to_string(i), {"a"}));
    const auto page = read_now(*store, offset{store->epoch(), 0}, {"a"});  // no trim() call
    EXPECT_EQ(payloads(page), (std::vector<std::string>{"3", "4"}));
    EXPECT_TRUE(page.gap);
}

TEST(MemoryStore, AppliesAgeRetentionDuringAppendsOncePerSecond) {
    fake_clock clock;
    auto store = make_memory_store(with_clock(clock));
    append_now(*store, make_event("old", {"a"}));
    clock.advance(std::chrono::minutes(61));
    append_now(*store, make_event("new", {"b"}));  // sweeps: more than a second since the last one
    const auto page = read_now(*store, offset{store->epoch(), 0}, {"a"});
    EXPECT_TRUE(page.events.empty());
    EXPECT_TRUE(page.gap);
}

TEST(MemoryStore, ASharedEventOutlivesItsTrimInOneRoom) {
    fake_clock clock;
    auto store = make_memory_store(with_clock(clock, 1));
    append_now(*store, make_event("shared", {"a", "b"}));
    append_now(*store, make_event("a only", {"a"}));
    EXPECT_EQ(payloads(read_now(*store, offset{store->epoch(), 0}, {"b"})), (std::vector<std::string>{"shared"}));
    EXPECT_EQ(payloads(read_now(*store, offset{store->epoch(), 0}, {"a"})), (std::vector<std::string>{"a only"}));
}

TEST(MemoryStore, CompletesInline) {
    fake_clock clock;
    auto store = make_memory_store(with_clock(clock));
    bool appended = false;
    bool read = false;
    store->append(make_event("x"), [&](result<offset> r) { appended = r.has_value(); });
    store->read_after(offset{store->epoch(), 0}, "/", {}, 10, [&](result<read_page> r) { read = r.has_value(); });
    EXPECT_TRUE(appended);
    EXPECT_TRUE(read);
}

}  // namespace
}  // namespace ferry::store_test
