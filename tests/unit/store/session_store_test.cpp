// The session_store contract, run against both backends (round trip, take
// removes and sees earlier saves, max_age, live records, replace, remove,
// expire, periodic expiry, coalesced and concurrent saves), then what only the
// SQLite store does: records survive a reopen, records left connected by a
// dead daemon count from the reopen, an unclean end followed by a reboot drops
// them all, a burst of saves is one write per pid in one transaction, and
// damaged rows are not recovered. Time comes from a fake clock; nothing sleeps.
#include <ferry/session_store.hpp>

#include "store/sqlite_session_store.hpp"

#include "store_test_util.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <future>
#include <thread>

namespace ferry::store_test {
namespace {

using namespace std::chrono_literals;
using time_point = std::chrono::system_clock::time_point;

constexpr auto forever = std::chrono::milliseconds::max();

session_record make_session(std::string pid, std::optional<time_point> disconnected_at, std::string data = "null",
                            std::vector<session_room> rooms = {}) {
    session_record r;
    r.sid = "sid-" + pid;
    r.pid = std::move(pid);
    r.nsp = "/chat";
    r.epoch = "e1";
    r.rooms = std::move(rooms);
    r.start = 7;
    r.data = std::move(data);
    r.disconnected_at = disconnected_at;
    return r;
}

/// Takes and waits for the answer (it may come inline or from the store's thread).
std::optional<session_record> take_now(session_store& store, const std::string& pid,
                                       std::chrono::milliseconds max_age = forever) {
    std::promise<result<std::optional<session_record>>> p;
    auto f = p.get_future();
    store.take(pid, max_age, [&p](result<std::optional<session_record>> r) { p.set_value(std::move(r)); });
    auto r = f.get();
    EXPECT_TRUE(r.has_value());
    return r.has_value() ? *r : std::nullopt;
}

enum class backend { memory, sqlite };

std::string name_of(const ::testing::TestParamInfo<backend>& info) {
    return info.param == backend::memory ? "Memory" : "Sqlite";
}

class SessionStoreContract : public ::testing::TestWithParam<backend> {
protected:
    std::unique_ptr<session_store> open(std::chrono::milliseconds expire_after = default_session_expiry) {
        if (GetParam() == backend::memory) return make_memory_session_store(clock_, expire_after);
        return make_sqlite_session_store(dir_.file("sessions.db"), clock_, expire_after);
    }

    fake_clock clock_;
    temp_dir dir_;
};

TEST_P(SessionStoreContract, TakeReturnsWhatWasSavedWithoutWaitingForAFlush) {
    auto store = open();
    const auto record = make_session("p1", clock_(), R"({"user":"ünï","n":[1,2]})",
                                     {{"", 3}, {"room a", 5}, {std::string("bin\0ary", 7), UINT64_MAX}});
    store->save(record);
    EXPECT_EQ(take_now(*store, "p1"), record);
}

TEST_P(SessionStoreContract, TakeRemovesTheRecord) {
    auto store = open();
    store->save(make_session("p1", clock_()));
    EXPECT_TRUE(take_now(*store, "p1"));
    EXPECT_FALSE(take_now(*store, "p1"));
    EXPECT_FALSE(take_now(*store, "unknown"));
}

TEST_P(SessionStoreContract, TakeRespectsMaxAgeInclusively) {
    auto store = open();
    store->save(make_session("old", clock_()));
    store->save(make_session("edge", clock_()));
    clock_.advance(30s);
    EXPECT_FALSE(take_now(*store, "old", 29'999ms));
    EXPECT_FALSE(take_now(*store, "old")) << "a record too old for a take is removed";
    EXPECT_TRUE(take_now(*store, "edge", 30s));
}

TEST_P(SessionStoreContract, ALiveRecordIsReturnedAndStays) {
    auto store = open();
    const auto live = make_session("p1", std::nullopt, "\"connected\"", {{"a", 3}});
    store->save(live);
    EXPECT_EQ(take_now(*store, "p1"), live) << "returned so that its socket can be taken over";
    EXPECT_EQ(take_now(*store, "p1"), live) << "and not removed";
    store->expire(0ms);  // a live record never expires either
    clock_.advance(1h);
    // Its disconnect arrives later and makes it recoverable.
    auto disconnected = make_session("p1", clock_(), "\"gone\"");
    store->save(disconnected);
    EXPECT_EQ(take_now(*store, "p1", 0ms), disconnected);
}

TEST_P(SessionStoreContract, SaveReplacesTheRecord) {
    auto store = open();
    store->save(make_session("p1", std::nullopt, "1", {{"a", 1}}));
    const auto last = make_session("p1", clock_(), "2", {{"b", 2}, {"c", 3}});
    store->save(last);
    EXPECT_EQ(take_now(*store, "p1"), last);
}

TEST_P(SessionStoreContract, RemoveDeletesTheRecord) {
    auto store = open();
    store->save(make_session("p1", clock_()));
    store->save(make_session("p2", clock_()));
    store->remove("p1");
    store->remove("unknown");
    EXPECT_FALSE(take_now(*store, "p1"));
    EXPECT_TRUE(take_now(*store, "p2"));
}

TEST_P(SessionStoreContract, ExpireDropsOnlyRecordsOlderThanMaxAge) {
    auto store = open();
    store->save(make_session("old", clock_()));
    clock_.advance(30s);
    store->save(make_session("young", clock_()));
    clock_.advance(40s);
    store->expire(60s);
    EXPECT_FALSE(take_now(*store, "old"));  // gone, although this take would accept any age
    EXPECT_TRUE(take_now(*store, "young"));
}

TEST_P(SessionStoreContract, ExpiresByItselfEveryFewSeconds) {
    auto store = open(60s);
    store->save(make_session("old", clock_()));
    clock_.advance(61s);
    store->save(make_session("young", clock_()));  // wakes the store, which finds expiry due
    store->flush();
    EXPECT_FALSE(take_now(*store, "old"));
    EXPECT_TRUE(take_now(*store, "young"));
}

TEST_P(SessionStoreContract, ManySavesOfFewPidsLeaveEachFinalState) {
    auto store = open();
    for (int version = 0; version < 10; ++version) {
        for (int pid = 0; pid < 100; ++pid) {
            store->save(make_session("p" + std::to_string(pid), version == 9 ? std::optional(clock_()) : std::nullopt,
                                     std::to_string(version), {{"v" + std::to_string(version), 1}}));
        }
    }
    store->flush();
    for (int pid = 0; pid < 100; ++pid) {
        const auto got = take_now(*store, "p" + std::to_string(pid));
        ASSERT_TRUE(got) << pid;
        EXPECT_EQ(got->data, "9");
        EXPECT_EQ(got->rooms, (std::vector<session_room>{{"v9", 1}}));
    }
}

TEST_P(SessionStoreContract, ConcurrentSavesFromThreadsAllLand) {
    auto store = open();
    constexpr int threads = 8;
    constexpr int pids_per_thread = 100;
    std::vector<std::thread> savers;
    for (int t = 0; t < threads; ++t) {
        savers.emplace_back([&, t] {
            for (int version = 0; version < 3; ++version) {
                for (int i = 0; i < pids_per_thread; ++i) {
                    store->save(make_session("t" + std::to_string(t) + "-" + std::to_string(i), clock_(),
                                             std::to_string(version)));
                }
            }
        });
    }
    for (auto& t : savers) t.join();
    store->flush();
    for (int t = 0; t < threads; ++t) {
        for (int i = 0; i < pids_per_thread; ++i) {
            const auto got = take_now(*store, "t" + std::to_string(t) + "-" + std::to_string(i));
            ASSERT_TRUE(got);
            EXPECT_EQ(got->data, "2");
        }
    }
}

INSTANTIATE_TEST_SUITE_P(Backends, SessionStoreContract, ::testing::Values(backend::memory, backend::sqlite),
                         name_of);

class SqliteSessionStore : public ::testing::Test {
protected:
    std::unique_ptr<store::sqlite_session_store> open() {
        return std::make_unique<store::sqlite_session_store>(path_, clock_, default_session_expiry);
    }

    // A query on a connection of our own, as an operator or a second process would see the file.
    std::int64_t count(const char* sql) const { return sql_count(path_, sql); }
    void exec(const std::string& sql) const { sql_exec(path_, sql); }

    // What a run that never reached its destructor leaves in meta.
    void mark_unclean() const { exec("UPDATE meta SET value = 0 WHERE key = 'clean'"); }
    void pretend_rebooted() const { exec("UPDATE meta SET value = 'a boot before' WHERE key = 'boot_id'"); }

    fake_clock clock_;
    temp_dir dir_;
    std::string path_ = dir_.file("sessions.db");
};

TEST_F(SqliteSessionStore, FlushMakesSavesVisibleInTheFile) {
    auto store = open();
    store->save(make_session("p1", clock_()));
    store->save(make_session("p2", std::nullopt));
    store->flush();
    EXPECT_EQ(count("SELECT count(*) FROM sessions"), 2);
    EXPECT_EQ(count("SELECT count(*) FROM sessions WHERE disconnected_at IS NULL"), 1);
}

TEST_F(SqliteSessionStore, ReopeningKeepsRecords) {
    const auto a = make_session("a", clock_(), R"({"k":1})", {{"r1", 10}, {"r2", 20}});
    const auto b = make_session("b", clock_() - 5s, "[]");
    {
        auto store = open();
        store->save(a);
        store->save(b);
    }
    clock_.advance(1min);
    auto store = open();
    EXPECT_EQ(take_now(*store, "a"), a);
    EXPECT_EQ(take_now(*store, "b"), b) << "a record already disconnected keeps its time";
}

// kill -9 cannot be done in-process; what matters is the file it leaves: the
// committed rows, some still marked connected, and no clean mark.
TEST_F(SqliteSessionStore, ARecordLeftConnectedCountsAsDisconnectedAtReopen) {
    {
        auto store = open();
        store->save(make_session("c", std::nullopt, "\"c\"", {{"room", 4}}));
        store->save(make_session("d", std::nullopt));
        EXPECT_FALSE(take_now(*store, "c")->disconnected_at) << "live in this run";
    }
    mark_unclean();
    clock_.advance(5min);
    const auto reopened_at = clock_();
    auto store = open();
    EXPECT_EQ(count("SELECT count(*) FROM sessions WHERE disconnected_at IS NULL"), 0);
    clock_.advance(9s);
    auto expected = make_session("c", reopened_at, "\"c\"", {{"room", 4}});
    EXPECT_EQ(take_now(*store, "c", 10s), expected);
    EXPECT_FALSE(take_now(*store, "d", 8s)) << "its window started at the reopen, 9 s ago";
}

TEST_F(SqliteSessionStore, AnUncleanEndFollowedByARebootDropsEveryRecord) {
    {
        auto store = open();
        store->save(make_session("p1", clock_()));
        store->save(make_session("p2", std::nullopt));
    }
    mark_unclean();
    pretend_rebooted();
    auto store = open();
    EXPECT_EQ(count("SELECT count(*) FROM sessions"), 0);
    EXPECT_FALSE(take_now(*store, "p1"));
}

TEST_F(SqliteSessionStore, ACleanCloseFollowedByARebootKeepsRecords) {
    {
        auto store = open();
        store->save(make_session("p1", clock_()));
    }
    pretend_rebooted();
    auto store = open();
    EXPECT_TRUE(take_now(*store, "p1"));
}

TEST_F(SqliteSessionStore, ReopeningDeletesExpiredRecords) {
    {
        auto store = open();
        store->save(make_session("old", clock_()));
    }
    clock_.advance(default_session_expiry + 1s);
    auto store = open();
    EXPECT_EQ(count("SELECT count(*) FROM sessions"), 0);
}

TEST_F(SqliteSessionStore, ABurstOfSavesIsOneWritePerPidInOneTransaction) {
    auto store = open();
    store->save(make_session("gate", clock_()));
    // Hold the writer inside a take's handler while the burst queues up, so
    // that the burst reaches it as one queue, whatever the scheduling.
    std::promise<void> entered;
    std::promise<void> release;
    auto released = release.get_future();
    store->take("gate", forever, [&](result<std::optional<session_record>>) {
        entered.set_value();
        released.wait();
    });
    entered.get_future().wait();
    const auto writes = store->writes_for_test();
    const auto transactions = store->transactions_for_test();
    for (int version = 0; version < 10; ++version) {
        for (int pid = 0; pid < 100; ++pid) {
            store->save(make_session("p" + std::to_string(pid), clock_(), std::to_string(version)));
        }
    }
    release.set_value();
    store->flush();
    EXPECT_EQ(store->writes_for_test() - writes, 100u);
    EXPECT_EQ(store->transactions_for_test() - transactions, 1u);
    for (int pid = 0; pid < 100; ++pid) {
        const auto got = take_now(*store, "p" + std::to_string(pid));
        ASSERT_TRUE(got);
        EXPECT_EQ(got->data, "9");
    }
}

TEST_F(SqliteSessionStore, ASaveAfterATakeIsNotMergedIntoASaveBeforeIt) {
    auto store = open();
    std::promise<void> entered;
    std::promise<void> release;
    auto released = release.get_future();
    store->save(make_session("gate", clock_()));
    store->take("gate", forever, [&](result<std::optional<session_record>>) {
        entered.set_value();
        released.wait();
    });
    entered.get_future().wait();
    // Queued together: save, take, save of one pid. The take must see the
    // first save, and the second must survive the take.
    store->save(make_session("p", clock_(), "\"first\""));
    std::promise<std::optional<session_record>> taken;
    store->take("p", forever, [&](result<std::optional<session_record>> r) { taken.set_value(*r); });
    store->save(make_session("p", clock_(), "\"second\""));
    release.set_value();
    const auto first = taken.get_future().get();
    ASSERT_TRUE(first);
    EXPECT_EQ(first->data, "\"first\"");
    const auto second = take_now(*store, "p");
    ASSERT_TRUE(second);
    EXPECT_EQ(second->data, "\"second\"");
}

TEST_F(SqliteSessionStore, ADamagedRoomListIsNotRecovered) {
    {
        auto store = open();
        store->save(make_session("p1", clock_(), "null", {{"a", 1}}));
    }
    exec("UPDATE sessions SET rooms = x'05' WHERE pid = 'p1'");  // a length with no bytes after it
    auto store = open();
    EXPECT_FALSE(take_now(*store, "p1"));
    store->flush();
    EXPECT_EQ(count("SELECT count(*) FROM sessions"), 0);
}

TEST_F(SqliteSessionStore, AnUnopenableFileThrows) {
    EXPECT_THROW(make_sqlite_session_store(dir_.file("missing/dir/sessions.db"), clock_), std::runtime_error);
}

}  // namespace
}  // namespace ferry::store_test
