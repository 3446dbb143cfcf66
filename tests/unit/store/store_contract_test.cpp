// The event_store contract, run against every backend: the memory store and
// the SQLite store in both durability modes. Ordering, rooms and except,
// paging, retention by count, age and idleness, the gap rule (quiet client,
// zero cursor, other epoch, beyond the head), idempotency and concurrent
// appends. Time comes from a fake clock; nothing sleeps.
#include <ferry/event_store.hpp>

#include "store_test_util.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <mutex>
#include <set>
#include <thread>

namespace ferry::store_test {
namespace {

using namespace std::string_literals;

enum class backend { memory, sqlite_batch, sqlite_sync };

std::string name_of(const ::testing::TestParamInfo<backend>& info) {
    switch (info.param) {
        case backend::memory: return "Memory";
        case backend::sqlite_batch: return "SqliteBatch";
        case backend::sqlite_sync: return "SqliteSync";
    }
    return "Unknown";
}

class StoreContract : public ::testing::TestWithParam<backend> {
protected:
    retention_policy policy(std::size_t max_events = 1000) const {
        retention_policy p;
        p.max_events = max_events;
        p.max_age = std::chrono::hours(1);
        p.idle_room_eviction = std::chrono::hours(24);
        p.idempotency_window = std::chrono::seconds(120);
        p.clock = clock_;
        return p;
    }

    std::unique_ptr<event_store> open(retention_policy p) {
        if (GetParam() == backend::memory) return make_memory_store(std::move(p));
        sqlite_options o;
        o.path = dir_.file("events.db");
        o.mode = GetParam() == backend::sqlite_sync ? durability::sync : durability::batch;
        o.retention = std::move(p);
        o.tail_events = 8;  // small, so that replays exercise both the tail and SQLite
        o.retention_interval = std::chrono::hours(1);  // only explicit trim() in tests
        return make_sqlite_store(std::move(o));
    }

    fake_clock clock_;
    temp_dir dir_;
};

TEST_P(StoreContract, NumbersAppendsInOrderWithinTheStoreEpoch) {
    auto store = open(policy());
    EXPECT_FALSE(store->epoch().empty());
    EXPECT_EQ(store->position(), (offset{store->epoch(), 0}));
    const auto a = append_now(*store, make_event("[\"a\"]"));
    const auto b = append_now(*store, make_event("[\"b\"]"));
    EXPECT_EQ(a.epoch, store->epoch());
    EXPECT_EQ(b.epoch, store->epoch());
    EXPECT_EQ(a.sequence, 1u);
    EXPECT_EQ(b.sequence, 2u);
    EXPECT_EQ(store->position(), b);
}

TEST_P(StoreContract, HeadIsTheNewestOffsetOfARoom) {
    auto store = open(policy());
    append_now(*store, make_event("1", {"a"}));
    const auto two = append_now(*store, make_event("2", {"b"}));
    const auto three = append_now(*store, make_event("3", {"a"}));
    EXPECT_EQ(store->head("/", "a"), three);
    EXPECT_EQ(store->head("/", "b"), two);
    EXPECT_EQ(store->head("/", "c").sequence, 0u);
    EXPECT_EQ(store->head("/other", "a").sequence, 0u);
}

TEST_P(StoreContract, ReadsTheRequestedRoomsAndTheWholeNamespace) {
    auto store = open(policy());
    append_now(*store, make_event("to-a", {"a"}));
    append_now(*store, make_event("to-b", {"b"}));
    append_now(*store, make_event("to-all"));  // no rooms: the whole namespace
    append_now(*store, make_event("other-nsp", {"a"}, {}, {}, "/admin"));
    append_now(*store, make_event("to-a-and-c", {"c", "a"}));
    const auto page = read_now(*store, offset{store->epoch(), 0}, {"a"});
    EXPECT_EQ(payloads(page), (std::vector<std::string>{"to-a", "to-all", "to-a-and-c"}));
    EXPECT_FALSE(page.gap);
    EXPECT_FALSE(page.more);
    const auto admin = read_now(*store, offset{store->epoch(), 0}, {"a"}, 1000, "/admin");
    EXPECT_EQ(payloads(admin), (std::vector<std::string>{"other-nsp"}));
}

TEST_P(StoreContract, ReturnsAnEventInSeveralOfTheReadersRoomsOnce) {
    auto store = open(policy());
    append_now(*store, make_event("both", {"a", "b", "a"}));
    const auto page = read_now(*store, offset{store->epoch(), 0}, {"b", "a", "a"});
    ASSERT_EQ(page.events.size(), 1u);
    EXPECT_EQ(page.events[0].rooms, (std::vector<std::string>{"a", "b"}));
}

TEST_P(StoreContract, SkipsEventsWhoseExceptIntersectsTheReadersRooms) {
    auto store = open(policy());
    append_now(*store, make_event("not-for-x", {}, {"x"}));
    append_now(*store, make_event("for-everyone"));
    append_now(*store, make_event("a-not-for-y", {"a"}, {"y", "z"}));
    EXPECT_EQ(payloads(read_now(*store, offset{store->epoch(), 0}, {"x", "a"})),
              (std::vector<std::string>{"for-everyone", "a-not-for-y"}));
    EXPECT_EQ(payloads(read_now(*store, offset{store->epoch(), 0}, {"a", "z"})),
              (std::vector<std::string>{"not-for-x", "for-everyone"}));
    // An excluded event does not make `more` true.
    const auto page = read_now(*store, offset{store->epoch(), 1}, {"x", "y"}, 1);
    EXPECT_EQ(payloads(page), (std::vector<std::string>{"for-everyone"}));
    EXPECT_FALSE(page.more);
}

TEST_P(StoreContract, KeepsEveryFieldOfAnEvent) {
    auto store = open(policy());
    auto record = make_event("[\"bin\",{\"_placeholder\":true,\"num\":0}]", {"r\xc3\xa9", "\0z"s}, {"q"});
    record.attachments = {"\0\x01\xff"s, ""};
    const auto before = clock_();
    const auto o = append_now(*store, std::move(record));
    const auto page = read_now(*store, offset{store->epoch(), 0}, {"\0z"s});
    ASSERT_EQ(page.events.size(), 1u);
    const auto& e = page.events[0];
    EXPECT_EQ(e.sequence, o.sequence);
    EXPECT_EQ(e.nsp, "/");
    EXPECT_EQ(e.rooms, (std::vector<std::string>{"\0z"s, "r\xc3\xa9"}));
    EXPECT_EQ(e.except, (std::vector<std::string>{"q"}));
    EXPECT_EQ(e.payload, "[\"bin\",{\"_placeholder\":true,\"num\":0}]");
    EXPECT_EQ(e.attachments, (std::vector<std::string>{"\0\x01\xff"s, ""}));
    EXPECT_EQ(e.time, before);
}

// Appends queued together (one SQLite group, inserted several rows per
// statement) keep every field of every event, repeated keys included.
TEST_P(StoreContract, KeepsEveryFieldOfEventsAppendedTogether) {
    auto store = open(policy());
    constexpr int total = 100;
    std::vector<std::uint64_t> got(total, 0);
    for (int i = 0; i < total; ++i) {
        const auto n = std::to_string(i);
        auto record = make_event("[\"e\"," + n + "]", {"r" + n, "all"}, {"x" + n}, i % 10 == 9 ? "k" + n : "",
                                 i % 2 ? "/odd" : "/");
        record.attachments = {"a" + n, std::string(static_cast<std::size_t>(i), '\0')};
        store->append(std::move(record), [&got, i](result<offset> r) { got[i] = r.has_value() ? r->sequence : 0; });
        if (i % 10 == 9) {  // the same key again: answered with the first one's offset, stored once
            store->append(make_event("again", {"r" + n}, {}, "k" + n, i % 2 ? "/odd" : "/"), [](result<offset> r) {
                EXPECT_TRUE(r.has_value());
            });
        }
    }
    store->flush();
    for (const char* nsp : {"/", "/odd"}) {
        const auto page = read_now(*store, offset{store->epoch(), 0}, {"all"}, 1000, nsp);
        ASSERT_EQ(page.events.size(), static_cast<std::size_t>(total / 2));
        for (const auto& e : page.events) {
            const int i = std::stoi(e.payload.substr(5));
            const auto n = std::to_string(i);
            EXPECT_EQ(e.sequence, got[i]);
            EXPECT_EQ(e.nsp, nsp);
            EXPECT_EQ(e.nsp, i % 2 ? "/odd" : "/");
            EXPECT_EQ(e.payload, "[\"e\"," + n + "]");
            EXPECT_EQ(e.rooms, (std::vector<std::string>{"all", "r" + n}));
            EXPECT_EQ(e.except, (std::vector<std::string>{"x" + n}));
            const std::string zeros(static_cast<std::size_t>(i), '\0');
            EXPECT_EQ(e.attachments, (std::vector<std::string>{"a" + n, zeros}));
        }
        // The per-room rows went to the right rooms too.
        const std::string n = nsp[1] ? "41" : "40";
        const auto one = read_now(*store, offset{store->epoch(), 0}, {"r" + n}, 1000, nsp);
        EXPECT_EQ(payloads(one), (std::vector<std::string>{"[\"e\"," + n + "]"}));
    }
    EXPECT_EQ(store->position().sequence, static_cast<std::uint64_t>(total));
}

TEST_P(StoreContract, PagesTenThousandEvents) {
    auto store = open(policy(20000));
    constexpr std::size_t total = 10000;
    std::atomic<std::size_t> acked{0};
    for (std::size_t i = 0; i < total; ++i) {
        store->append(make_event(std::to_string(i), {i % 2 ? "odd" : "even"}), [&acked](result<offset> r) {
            EXPECT_TRUE(r.has_value());
            ++acked;
        });
    }
    store->flush();
    EXPECT_EQ(acked.load(), total);

    std::size_t seen = 0;
    std::size_t pages = 0;
    offset cursor{store->epoch(), 0};
    for (;;) {
        const auto page = read_now(*store, cursor, {"odd", "even"}, 700);
        ++pages;
        EXPECT_FALSE(page.gap);
        EXPECT_LE(page.events.size(), 700u);
        for (const auto& e : page.events) {
            EXPECT_EQ(e.payload, std::to_string(seen));
            EXPECT_EQ(e.sequence, seen + 1);
            ++seen;
        }
        if (!page.more) break;
        ASSERT_FALSE(page.events.empty());
        cursor = offset{store->epoch(), page.events.back().sequence};
    }
    EXPECT_EQ(seen, total);
    EXPECT_EQ(pages, (total + 699) / 700);

    // One room alone: every other event.
    const auto odd = read_now(*store, offset{store->epoch(), 0}, {"odd"}, 100);
    ASSERT_EQ(odd.events.size(), 100u);
    EXPECT_EQ(odd.events[0].sequence, 2u);
    EXPECT_EQ(odd.events[99].sequence, 200u);
    EXPECT_TRUE(odd.more);
}

TEST_P(StoreContract, MoreIsFalseWhenThePageEndsExactlyAtTheLastEvent) {
    auto store = open(policy());
    for (int i = 0; i < 3; ++i) append_now(*store, make_event(std::to_string(i)));
    const auto page = read_now(*store, offset{store->epoch(), 0}, {}, 3);
    EXPECT_EQ(page.events.size(), 3u);
    EXPECT_FALSE(page.more);
    EXPECT_TRUE(read_now(*store, offset{store->epoch(), 0}, {}, 2).more);
}

TEST_P(StoreContract, RetainsAtMostMaxEventsPerRoom) {
    auto store = open(policy(3));
    for (int i = 1; i <= 5; ++i) append_now(*store, make_event(std::to_string(i), {"a"}));
    append_now(*store, make_event("6", {"b"}));
    store->trim();

    const auto from_zero = read_now(*store, offset{store->epoch(), 0}, {"a"});
    EXPECT_EQ(payloads(from_zero), (std::vector<std::string>{"3", "4", "5"}));
    EXPECT_TRUE(from_zero.gap);
    ASSERT_TRUE(from_zero.oldest.has_value());
    EXPECT_EQ(*from_zero.oldest, (offset{store->epoch(), 3}));

    EXPECT_TRUE(read_now(*store, offset{store->epoch(), 1}, {"a"}).gap);
    // Everything trimmed from "a" is at or below 2: a cursor at 2 missed nothing.
    const auto at_two = read_now(*store, offset{store->epoch(), 2}, {"a"});
    EXPECT_FALSE(at_two.gap);
    EXPECT_FALSE(at_two.oldest.has_value());
    EXPECT_EQ(payloads(at_two), (std::vector<std::string>{"3", "4", "5"}));
    // Room "b" lost nothing: a zero cursor there is complete.
    EXPECT_FALSE(read_now(*store, offset{store->epoch(), 0}, {"b"}).gap);
}

TEST_P(StoreContract, TrimsEventsOlderThanMaxAge) {
    auto store = open(policy());
    append_now(*store, make_event("old", {"a"}));
    clock_.advance(std::chrono::minutes(40));
    append_now(*store, make_event("young", {"a"}));
    clock_.advance(std::chrono::minutes(21));  // "old" is 61 minutes old, "young" 21
    store->trim();
    const auto page = read_now(*store, offset{store->epoch(), 0}, {"a"});
    EXPECT_EQ(payloads(page), (std::vector<std::string>{"young"}));
    EXPECT_TRUE(page.gap);
    EXPECT_FALSE(read_now(*store, offset{store->epoch(), 1}, {"a"}).gap);
}

// A client that saw everything and then heard nothing for longer than the
// retention must recover, even though every event it saw has aged out.
TEST_P(StoreContract, QuietClientRecoversAfterItsEventsAgedOut) {
    auto store = open(policy());
    append_now(*store, make_event("1", {"a"}));
    const auto last_seen = append_now(*store, make_event("2", {"a"}));
    append_now(*store, make_event("elsewhere", {"b"}));
    clock_.advance(std::chrono::hours(2));
    store->trim();

    const auto nothing_new = read_now(*store, last_seen, {"a"});
    EXPECT_FALSE(nothing_new.gap);
    EXPECT_TRUE(nothing_new.events.empty());

    append_now(*store, make_event("3", {"a"}));
    const auto page = read_now(*store, last_seen, {"a"});
    EXPECT_FALSE(page.gap);
    EXPECT_EQ(payloads(page), (std::vector<std::string>{"3"}));
}

TEST_P(StoreContract, ZeroCursorReadsFromTheBeginningAndIsAGapOnlyIfItsRoomsLostEvents) {
    auto store = open(policy(2));
    // A client that connected before any event was sent (no offset yet).
    EXPECT_FALSE(read_now(*store, offset{store->epoch(), 0}, {"a"}).gap);
    append_now(*store, make_event("1", {"a"}));
    append_now(*store, make_event("2", {"b"}));
    const auto page = read_now(*store, offset{store->epoch(), 0}, {"a"});
    EXPECT_FALSE(page.gap);
    EXPECT_EQ(payloads(page), (std::vector<std::string>{"1"}));

    for (int i = 3; i <= 5; ++i) append_now(*store, make_event(std::to_string(i), {"a"}));
    store->trim();
    EXPECT_TRUE(read_now(*store, offset{store->epoch(), 0}, {"a"}).gap);
    EXPECT_FALSE(read_now(*store, offset{store->epoch(), 0}, {"b"}).gap);
}

TEST_P(StoreContract, CursorOfAnotherEpochIsAGapReplayedFromTheBeginning) {
    auto store = open(policy());
    append_now(*store, make_event("1"));
    append_now(*store, make_event("2"));
    const auto page = read_now(*store, offset{"someOtherEpoch", 1}, {});
    EXPECT_TRUE(page.gap);
    EXPECT_EQ(payloads(page), (std::vector<std::string>{"1", "2"}));
    ASSERT_TRUE(page.oldest.has_value());
    EXPECT_EQ(page.oldest->sequence, 1u);
}

TEST_P(StoreContract, CursorBeyondTheHeadIsAGap) {
    auto store = open(policy());
    append_now(*store, make_event("1"));
    const auto page = read_now(*store, offset{store->epoch(), 2}, {});
    EXPECT_TRUE(page.gap);
    EXPECT_EQ(payloads(page), (std::vector<std::string>{"1"}));
    EXPECT_FALSE(read_now(*store, offset{store->epoch(), 1}, {}).gap);
}

TEST_P(StoreContract, EvictsIdleRoomsAndStillReportsWhatTheyLost) {
    auto store = open(policy());
    const auto in_a = append_now(*store, make_event("a1", {"a"}));
    clock_.advance(std::chrono::hours(25));
    const auto in_b = append_now(*store, make_event("b1", {"b"}));
    store->trim();

    EXPECT_EQ(store->head("/", "a").sequence, 0u);  // forgotten
    EXPECT_EQ(store->head("/", "b"), in_b);
    // A client of "a" that missed a1 must hear of the loss.
    EXPECT_TRUE(read_now(*store, offset{store->epoch(), 0}, {"a"}).gap);
    // One that had a1 lost nothing.
    EXPECT_FALSE(read_now(*store, in_a, {"a"}).gap);
    // The store position is a safe cursor for a client that has seen nothing.
    EXPECT_FALSE(read_now(*store, store->position(), {"new-room"}).gap);

    // "a" comes back: its old losses are still reported.
    const auto again = append_now(*store, make_event("a2", {"a"}));
    const auto page = read_now(*store, offset{store->epoch(), 0}, {"a"});
    EXPECT_TRUE(page.gap);
    EXPECT_EQ(payloads(page), (std::vector<std::string>{"a2"}));
    EXPECT_FALSE(read_now(*store, in_a, {"a"}).gap);
    EXPECT_EQ(store->head("/", "a"), again);
}

TEST_P(StoreContract, AppendsWithTheSameIdempotencyKeyOnceWithinTheWindow) {
    auto store = open(policy());
    const auto first = append_now(*store, make_event("x", {"a"}, {}, "publish-1"));
    const auto retry = append_now(*store, make_event("x", {"a"}, {}, "publish-1"));
    const auto other = append_now(*store, make_event("y", {"a"}, {}, "publish-2"));
    EXPECT_EQ(retry, first);
    EXPECT_NE(other, first);
    EXPECT_EQ(payloads(read_now(*store, offset{store->epoch(), 0}, {"a"})), (std::vector<std::string>{"x", "y"}));

    // Two in one batch: the second gets the first's offset.
    std::promise<result<offset>> p1, p2;
    store->append(make_event("z", {}, {}, "publish-3"), [&](result<offset> r) { p1.set_value(r); });
    store->append(make_event("z", {}, {}, "publish-3"), [&](result<offset> r) { p2.set_value(r); });
    store->flush();
    EXPECT_EQ(p1.get_future().get().value(), p2.get_future().get().value());

    clock_.advance(std::chrono::seconds(121));
    store->trim();
    const auto later = append_now(*store, make_event("x", {"a"}, {}, "publish-1"));
    EXPECT_GT(later.sequence, other.sequence);
}

TEST_P(StoreContract, ConcurrentAppendsGetDistinctOrderedOffsetsAndNoneIsLost) {
    auto store = open(policy(100000));
    constexpr int threads = 4;
    constexpr int per_thread = 500;
    std::vector<std::vector<std::uint64_t>> got(threads, std::vector<std::uint64_t>(per_thread, 0));
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
            for (int i = 0; i < per_thread; ++i) {
                store->append(make_event(std::to_string(t) + ":" + std::to_string(i), {"t" + std::to_string(t)}),
                              [&got, t, i](result<offset> r) { got[t][i] = r.has_value() ? r->sequence : 0; });
            }
        });
    }
    for (auto& w : workers) w.join();
    store->flush();

    std::set<std::uint64_t> all;
    for (const auto& mine : got) {
        for (std::size_t i = 0; i < mine.size(); ++i) {
            EXPECT_NE(mine[i], 0u);
            if (i > 0) {
                EXPECT_GT(mine[i], mine[i - 1]);  // one thread's appends keep their order
            }
            all.insert(mine[i]);
        }
    }
    EXPECT_EQ(all.size(), static_cast<std::size_t>(threads * per_thread));
    EXPECT_EQ(*all.rbegin(), static_cast<std::uint64_t>(threads * per_thread));

    const auto page = read_now(*store, offset{store->epoch(), 0}, {"t0", "t1", "t2", "t3"}, 100000);
    ASSERT_EQ(page.events.size(), static_cast<std::size_t>(threads * per_thread));
    for (std::size_t i = 0; i < page.events.size(); ++i) EXPECT_EQ(page.events[i].sequence, i + 1);
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreContract,
                         ::testing::Values(backend::memory, backend::sqlite_batch, backend::sqlite_sync), name_of);

}  // namespace
}  // namespace ferry::store_test
