// The SQLite writer after a failed or foreign commit: it never wedges. Another
// process appending to the same file (two daemons on one data directory,
// before the lock) is noticed at the next transaction and the writer reloads
// its state from the file; a commit that fails (here: another connection
// holds the write lock) fails its appends visibly, is reported by health(),
// and the writer recovers on its own once the cause is gone; a file that now
// holds another history makes every append fail, loudly. Real SQLite files
// and real second connections, no mocks.
#include "store/sqlite_store.hpp"

#include "store/log_limiter.hpp"
#include "store_test_util.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <chrono>
#include <future>
#include <thread>

namespace ferry::store_test {
namespace {

/// A connection of its own on the file, as a second process would hold one.
class other_connection {
public:
    explicit other_connection(const std::string& path) {
        EXPECT_EQ(sqlite3_open(path.c_str(), &db_), SQLITE_OK);
    }
    ~other_connection() { sqlite3_close(db_); }
    other_connection(const other_connection&) = delete;
    other_connection& operator=(const other_connection&) = delete;

    void exec(const std::string& sql) {
        char* message = nullptr;
        const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message);
        EXPECT_EQ(rc, SQLITE_OK) << sql << ": " << (message ? message : "");
        sqlite3_free(message);
    }

private:
    sqlite3* db_ = nullptr;
};

/// Appends and waits for the outcome, success or not.
result<offset> try_append(event_store& store, event_record record) {
    std::promise<result<offset>> p;
    auto f = p.get_future();
    store.append(std::move(record), [&p](result<offset> r) { p.set_value(std::move(r)); });
    store.flush();
    return f.get();
}

/// Waits (bounded) until the store reports it can append, without appending.
bool wait_until_can_append(const event_store& store) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
        if (store.health().can_append) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
}

class SqliteRecovery : public ::testing::Test {
protected:
    sqlite_options options() const {
        sqlite_options o;
        o.path = path_;
        o.retention.clock = clock_;
        o.retention_interval = std::chrono::hours(1);
        o.busy_timeout = std::chrono::milliseconds(50);
        return o;
    }
    std::unique_ptr<store::sqlite_store> open() { return std::make_unique<store::sqlite_store>(options()); }

    fake_clock clock_;
    temp_dir dir_;
    std::string path_ = dir_.file("events.db");
};

// The wedge of issue 10: a second store on the file took the next sequences;
// the first one's appends used to collide with them on every retry, forever.
TEST_F(SqliteRecovery, AppendsGoOnAfterAnotherStoreAppendedToTheFile) {
    auto first = open();
    EXPECT_EQ(append_now(*first, make_event("a", {"r"})).sequence, 1u);
    {
        auto second = open();
        EXPECT_EQ(second->epoch(), first->epoch());
        EXPECT_EQ(append_now(*second, make_event("b", {"r"}, {}, "key-1")).sequence, 2u);
        EXPECT_EQ(append_now(*second, make_event("c", {"s"})).sequence, 3u);
    }
    for (int i = 0; i < 3; ++i) {
        const auto r = try_append(*first, make_event("d" + std::to_string(i), {"r"}));
        ASSERT_TRUE(r.has_value()) << r.error().message();
        EXPECT_EQ(r->sequence, 4u + i);
    }
    EXPECT_TRUE(first->health().can_append);
    EXPECT_EQ(first->health().failures, 0u);
    // The state was read again from the file: heads, position, replays and
    // the idempotency keys the other store recorded.
    EXPECT_EQ(first->head("/", "r").sequence, 6u);
    EXPECT_EQ(first->head("/", "s").sequence, 3u);
    EXPECT_EQ(first->position().sequence, 6u);
    EXPECT_EQ(payloads(read_now(*first, offset{first->epoch(), 0}, {"r"})),
              (std::vector<std::string>{"a", "b", "d0", "d1", "d2"}));
    EXPECT_EQ(append_now(*first, make_event("b again", {"r"}, {}, "key-1")).sequence, 2u);
    EXPECT_EQ(sql_count(path_, "SELECT count(*) FROM events"), 6);
}

// A writer that did not even move the meta row (a tool inserting rows): the
// sequences its rows use are still never collided with.
TEST_F(SqliteRecovery, NeverCollidesWithEventRowsWrittenBehindItsBack) {
    auto store = open();
    EXPECT_EQ(append_now(*store, make_event("a", {"r"})).sequence, 1u);
    sql_exec(path_,
             "INSERT INTO events(seq, nsp, rooms, except_rooms, payload, attachments, time) "
             "VALUES (2, '/', x'', x'', 'foreign', x'', 0)");
    const auto r = try_append(*store, make_event("b", {"r"}));
    ASSERT_TRUE(r.has_value()) << r.error().message();
    EXPECT_EQ(r->sequence, 3u);
    EXPECT_EQ(sql_count(path_, "SELECT value FROM meta WHERE key = 'last_seq'"), 3);
}

// A commit that fails (the write lock is held elsewhere past the busy
// timeout; a full disk or an I/O error takes the same path) fails its appends
// and keeps nothing; health() says so with SQLite's reason; once the lock is
// released the writer's probe finds out, without any append, and the next
// append takes the sequence the failed one did not keep.
TEST_F(SqliteRecovery, AFailedCommitIsVisibleAndTheWriterRecoversOnItsOwn) {
    auto store = open();
    EXPECT_EQ(append_now(*store, make_event("a", {"r"})).sequence, 1u);
    EXPECT_TRUE(store->health().can_append);
    {
        other_connection other(path_);
        other.exec("BEGIN IMMEDIATE");
        for (int i = 0; i < 2; ++i) {
            const auto r = try_append(*store, make_event("lost", {"r"}));
            ASSERT_FALSE(r.has_value());
            EXPECT_EQ(r.error(), make_error_code(error::store_unavailable));
        }
        const auto h = store->health();
        EXPECT_FALSE(h.can_append);
        EXPECT_NE(h.message.find("locked"), std::string::npos) << h.message;
        EXPECT_GE(h.failures, 2u);
        other.exec("ROLLBACK");
    }
    ASSERT_TRUE(wait_until_can_append(*store)) << store->health().message;
    EXPECT_TRUE(store->health().message.empty());
    EXPECT_EQ(append_now(*store, make_event("b", {"r"})).sequence, 2u);
    EXPECT_EQ(payloads(read_now(*store, offset{store->epoch(), 0}, {"r"})), (std::vector<std::string>{"a", "b"}));
    EXPECT_EQ(sql_count(path_, "SELECT count(*) FROM events WHERE payload = 'lost'"), 0);
}

// Both at once: the lock holder also appended before letting go. The writer
// recovers from the failure and from the foreign rows.
TEST_F(SqliteRecovery, RecoversWhenTheLockHolderAlsoAppended) {
    auto store = open();
    EXPECT_EQ(append_now(*store, make_event("a", {"r"})).sequence, 1u);
    {
        other_connection other(path_);
        other.exec("BEGIN IMMEDIATE");
        EXPECT_FALSE(try_append(*store, make_event("lost", {"r"})).has_value());
        other.exec("INSERT INTO events(seq, nsp, rooms, except_rooms, payload, attachments, time) "
                   "VALUES (2, '/', x'', x'', 'foreign', x'', 0); "
                   "UPDATE meta SET value = 2 WHERE key = 'last_seq'; COMMIT");
    }
    const auto r = try_append(*store, make_event("b", {"r"}));
    ASSERT_TRUE(r.has_value()) << r.error().message();
    EXPECT_EQ(r->sequence, 3u);
    EXPECT_TRUE(store->health().can_append);
}

// Offsets this store handed out would name other events in the file's new
// history: it refuses every append and says why, for good.
TEST_F(SqliteRecovery, RefusesToAppendToAFileThatHoldsAnotherHistory) {
    auto store = open();
    EXPECT_EQ(append_now(*store, make_event("a", {"r"})).sequence, 1u);
    sql_exec(path_, "UPDATE meta SET value = 'another' WHERE key = 'epoch'");
    for (int i = 0; i < 2; ++i) {
        const auto r = try_append(*store, make_event("b", {"r"}));
        ASSERT_FALSE(r.has_value());
        EXPECT_EQ(r.error(), make_error_code(error::store_unavailable));
    }
    const auto h = store->health();
    EXPECT_FALSE(h.can_append);
    EXPECT_NE(h.message.find("another history"), std::string::npos) << h.message;
    EXPECT_EQ(sql_count(path_, "SELECT count(*) FROM events"), 1);
}

TEST(LogLimiter, WritesOneLinePerIntervalCountingTheOthers) {
    store::log_limiter limiter(std::chrono::seconds(5));
    const auto t0 = store::log_limiter::clock::time_point{} + std::chrono::hours(1);
    EXPECT_EQ(limiter.admit(t0), std::optional<std::uint64_t>(0));
    EXPECT_EQ(limiter.admit(t0 + std::chrono::seconds(1)), std::nullopt);
    EXPECT_EQ(limiter.admit(t0 + std::chrono::seconds(4)), std::nullopt);
    EXPECT_EQ(limiter.held_back(), 2u);
    EXPECT_EQ(limiter.admit(t0 + std::chrono::seconds(5)), std::optional<std::uint64_t>(2));
    EXPECT_EQ(limiter.held_back(), 0u);
    EXPECT_EQ(limiter.admit(t0 + std::chrono::seconds(6)), std::nullopt);
    EXPECT_EQ(limiter.admit(t0 + std::chrono::seconds(60)), std::optional<std::uint64_t>(1));
}

}  // namespace
}  // namespace ferry::store_test
