// What only the SQLite store does: it survives a reopen (epoch, sequence,
// watermarks, idempotency keys), starts a new epoch for a new file or after
// commits may have been lost, acknowledges only committed appends in both
// durability modes, answers old replays from SQLite on its reader thread, and
// deletes events no room keeps.
#include "store/sqlite_store.hpp"

#include "store_test_util.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <thread>
#include <vector>

namespace ferry::store_test {
namespace {

class SqliteStore : public ::testing::Test {
protected:
    sqlite_options options(durability mode = durability::batch, std::size_t max_events = 1000) const {
        sqlite_options o;
        o.path = path_;
        o.mode = mode;
        o.retention.max_events = max_events;
        o.retention.max_age = std::chrono::hours(1);
        o.retention.clock = clock_;
        o.tail_events = 4;
        o.retention_interval = std::chrono::hours(1);
        return o;
    }

    std::unique_ptr<store::sqlite_store> open(sqlite_options o) {
        return std::make_unique<store::sqlite_store>(std::move(o));
    }
    std::unique_ptr<store::sqlite_store> open() { return open(options()); }

    // A query on a connection of our own, as an operator or a second process would see the file.
    std::int64_t count(const char* sql) const { return sql_count(path_, sql); }
    void exec(const std::string& sql) const { sql_exec(path_, sql); }

    void remove_files() const {
        for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path_ + suffix);
    }

    fake_clock clock_;
    temp_dir dir_;
    std::string path_ = dir_.file("events.db");
};

TEST_F(SqliteStore, ReopeningKeepsEpochSequenceWatermarksAndKeys) {
    std::string epoch;
    offset last;
    {
        auto store = open(options(durability::batch, 2));
        EXPECT_TRUE(store->started_new_epoch_for_test());
        epoch = store->epoch();
        for (int i = 1; i <= 4; ++i) append_now(*store, make_event(std::to_string(i), {"a"}));
        last = append_now(*store, make_event("keyed", {"b"}, {}, "k1"));
        store->trim();
    }
    auto store = open(options(durability::batch, 2));
    EXPECT_FALSE(store->started_new_epoch_for_test());
    EXPECT_EQ(store->epoch(), epoch);
    EXPECT_EQ(store->position(), last);
    EXPECT_EQ(store->head("/", "a"), (offset{epoch, 4}));

    const auto page = read_now(*store, offset{epoch, 0}, {"a"});
    EXPECT_EQ(payloads(page), (std::vector<std::string>{"3", "4"}));
    EXPECT_TRUE(page.gap);  // the watermark survived
    EXPECT_FALSE(read_now(*store, offset{epoch, 2}, {"a"}).gap);

    EXPECT_EQ(append_now(*store, make_event("keyed", {"b"}, {}, "k1")), last);  // key survived
    EXPECT_EQ(append_now(*store, make_event("next", {"a"})), (offset{epoch, 6}));
    // Replays keep working across the reopen: old events from SQLite, new ones from the tail.
    EXPECT_EQ(payloads(read_now(*store, offset{epoch, 2}, {"a"})), (std::vector<std::string>{"3", "4", "next"}));
}

TEST_F(SqliteStore, ADeletedFileIsANewEpoch) {
    offset cursor;
    std::string epoch;
    {
        auto store = open();
        epoch = store->epoch();
        cursor = append_now(*store, make_event("1"));
    }
    remove_files();
    auto store = open();
    EXPECT_TRUE(store->started_new_epoch_for_test());
    EXPECT_NE(store->epoch(), epoch);
    EXPECT_EQ(store->position().sequence, 0u);
    append_now(*store, make_event("new history"));
    const auto page = read_now(*store, cursor, {});
    EXPECT_TRUE(page.gap);
    EXPECT_EQ(payloads(page), (std::vector<std::string>{"new history"}));
}

// After kill -9, committed WAL transactions survive whatever `synchronous` is,
// so the history goes on. After a power cut with synchronous=NORMAL (batch
// mode) the last commits may be gone and their sequences would be reused: a
// new epoch. The crash is simulated by editing the marks open() leaves.
TEST_F(SqliteStore, UncleanShutdownStartsANewEpochOnlyIfCommitsMayBeLost) {
    std::string epoch;
    {
        auto store = open();
        epoch = store->epoch();
        append_now(*store, make_event("1"));
    }
    // The process died (file left "in use"), same boot: nothing was lost.
    exec("UPDATE meta SET value = 0 WHERE key = 'clean'");
    {
        auto store = open();
        EXPECT_EQ(store->epoch(), epoch);
    }
    // Died in sync mode, then the machine rebooted: FULL commits are on disk.
    exec("UPDATE meta SET value = 0 WHERE key = 'clean'; UPDATE meta SET value = 'another-boot' WHERE key = 'boot_id';"
         "UPDATE meta SET value = 'full' WHERE key = 'synchronous'");
    {
        auto store = open();
        EXPECT_EQ(store->epoch(), epoch);
    }
    // Died in batch mode, then the machine rebooted: commits may be lost.
    exec("UPDATE meta SET value = 0 WHERE key = 'clean'; UPDATE meta SET value = 'another-boot' WHERE key = 'boot_id'");
    auto store = open();
    EXPECT_TRUE(store->started_new_epoch_for_test());
    EXPECT_NE(store->epoch(), epoch);
    // The kept events are still there, under the new epoch, and old cursors are gaps.
    const auto page = read_now(*store, offset{epoch, 1}, {});
    EXPECT_TRUE(page.gap);
    EXPECT_EQ(payloads(page), (std::vector<std::string>{"1"}));
    EXPECT_EQ(append_now(*store, make_event("2")).sequence, 2u);
}

TEST_F(SqliteStore, AcknowledgesOnlyCommittedAppendsInBothModes) {
    for (const auto mode : {durability::sync, durability::batch}) {
        remove_files();
        auto store = open(options(mode));
        std::promise<std::int64_t> rows_at_ack;
        store->append(make_event("1"), [&](result<offset> r) {
            ASSERT_TRUE(r.has_value());
            // Another connection already sees it: the transaction has committed.
            rows_at_ack.set_value(count("SELECT count(*) FROM events WHERE seq = 1"));
        });
        if (mode == durability::sync) {
            // No flush: sync mode commits as soon as the append is queued.
            EXPECT_EQ(rows_at_ack.get_future().get(), 1);
        } else {
            store->flush();
            EXPECT_EQ(rows_at_ack.get_future().get(), 1);
        }
    }
}

TEST_F(SqliteStore, BatchModeCommitsAfterTheBatchIntervalWithoutFlush) {
    auto o = options(durability::batch);
    o.batch_interval = std::chrono::milliseconds(1);
    auto store = open(std::move(o));
    std::promise<result<offset>> p;
    store->append(make_event("1"), [&](result<offset> r) { p.set_value(r); });
    EXPECT_EQ(p.get_future().get().value().sequence, 1u);
}

// batch_interval paces small groups (one per interval); it never holds back
// the first group of an idle writer, nor a group of min_group. With an
// interval of an hour, both are acknowledged without flush(); a regression
// hangs the test.
TEST_F(SqliteStore, BatchModeCommitsAFirstOrLargeGroupWithoutWaitingForTheInterval) {
    auto o = options(durability::batch);
    o.batch_interval = std::chrono::hours(1);
    auto store = open(std::move(o));
    std::promise<result<offset>> first;
    store->append(make_event("first"), [&](result<offset> r) { first.set_value(r); });
    EXPECT_EQ(first.get_future().get().value().sequence, 1u);

    constexpr std::size_t large = store::sqlite_store::min_group;
    std::mutex mu;
    std::condition_variable cv;
    std::vector<std::uint64_t> acked;
    for (std::size_t i = 0; i < large; ++i) {
        store->append(make_event(std::to_string(i)), [&](result<offset> r) {
            std::lock_guard lock(mu);
            acked.push_back(r.value().sequence);
            cv.notify_all();
        });
    }
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return acked.size() == large; });
    EXPECT_EQ(acked.front(), 2u);
    EXPECT_EQ(acked.back(), large + 1);
}

// Batch mode bounds what a power cut can take back: within sync_interval of a
// commit, the writer makes one synchronous=FULL commit, which fsyncs the WAL.
TEST_F(SqliteStore, BatchModeFsyncsTheWalWithinSyncInterval) {
    {
        auto o = options(durability::batch);
        o.sync_interval = std::chrono::hours(1);
        auto store = open(std::move(o));
        append_now(*store, make_event("1"));
        store->trim();  // a barrier: the writer has finished the loop turn of the commit
        EXPECT_EQ(count("SELECT count(*) FROM meta WHERE key = 'synced_at'"), 0);
    }
    remove_files();
    auto o = options(durability::batch);
    o.sync_interval = std::chrono::milliseconds(0);
    auto store = open(std::move(o));
    append_now(*store, make_event("1"));
    store->trim();
    EXPECT_EQ(count("SELECT count(*) FROM meta WHERE key = 'synced_at'"), 1);
}

TEST_F(SqliteStore, OldReplaysGoToTheReaderThreadRecentOnesAreAnsweredFromMemory) {
    auto store = open();
    for (int i = 1; i <= 20; ++i) append_now(*store, make_event(std::to_string(i), {"a"}));
    const auto caller = std::this_thread::get_id();

    std::promise<std::pair<std::thread::id, read_page>> old_read;
    store->read_after(offset{store->epoch(), 0}, "/", {"a"}, 100, [&](result<read_page> r) {
        old_read.set_value({std::this_thread::get_id(), r.value()});
    });
    auto [old_thread, old_page] = old_read.get_future().get();
    EXPECT_NE(old_thread, caller);
    EXPECT_EQ(old_page.events.size(), 20u);

    std::promise<std::pair<std::thread::id, read_page>> recent_read;
    store->read_after(offset{store->epoch(), 17}, "/", {"a"}, 100, [&](result<read_page> r) {
        recent_read.set_value({std::this_thread::get_id(), r.value()});
    });
    auto [recent_thread, recent_page] = recent_read.get_future().get();
    EXPECT_EQ(recent_thread, caller);  // tail_events = 4 covers 17..20
    EXPECT_EQ(payloads(recent_page), (std::vector<std::string>{"18", "19", "20"}));
}

TEST_F(SqliteStore, DeletesEventsThatNoRoomKeeps) {
    auto store = open(options(durability::batch, 1));
    append_now(*store, make_event("shared", {"a", "b"}));
    append_now(*store, make_event("a only", {"a"}));
    store->trim();
    // "shared" left "a" but "b" still keeps it.
    EXPECT_EQ(count("SELECT count(*) FROM events"), 2);
    EXPECT_EQ(payloads(read_now(*store, offset{store->epoch(), 0}, {"b"})), (std::vector<std::string>{"shared"}));
    append_now(*store, make_event("b only", {"b"}));
    store->trim();
    EXPECT_EQ(count("SELECT count(*) FROM events"), 2);
    EXPECT_EQ(count("SELECT count(*) FROM events WHERE payload = 'shared'"), 0);
    EXPECT_EQ(count("SELECT trimmed_through FROM rooms WHERE room = 'b'"), 1);

    // An event leaving both of its rooms in one pass goes too.
    append_now(*store, make_event("c and d", {"c", "d"}));
    append_now(*store, make_event("c only", {"c"}));
    append_now(*store, make_event("d only", {"d"}));
    store->trim();
    EXPECT_EQ(count("SELECT count(*) FROM events WHERE payload = 'c and d'"), 0);
    EXPECT_EQ(count("SELECT count(*) FROM events"), 4);  // the newest of a, b, c, d
    EXPECT_EQ(count("SELECT count(*) FROM event_rooms"), 4);
}

// Rows taken from a room spread thinly over the sequence ("x": 1 and 10) are
// handled one by one, dense ones ("y": 2..8) by range; both keep what another
// room still holds.
TEST_F(SqliteStore, DeletesUnkeptEventsOfSparseAndDenseRooms) {
    auto store = open(options(durability::batch, 1));
    append_now(*store, make_event("x and z", {"x", "z"}));
    for (int i = 1; i <= 8; ++i) append_now(*store, make_event("y" + std::to_string(i), {"y"}));
    append_now(*store, make_event("x2", {"x"}));
    append_now(*store, make_event("x3", {"x"}));
    store->trim();
    EXPECT_EQ(count("SELECT count(*) FROM events"), 3);
    EXPECT_EQ(count("SELECT count(*) FROM events WHERE payload IN ('x and z', 'y8', 'x3')"), 3);
    EXPECT_EQ(payloads(read_now(*store, offset{store->epoch(), 0}, {"z"})), (std::vector<std::string>{"x and z"}));
}

TEST_F(SqliteStore, EvictingARoomDeletesTheEventsOnlyItKept) {
    auto o = options();
    o.retention.idle_room_eviction = std::chrono::hours(24);
    o.retention.max_age = std::chrono::hours(48);
    auto store = open(std::move(o));
    append_now(*store, make_event("a1", {"a"}));
    append_now(*store, make_event("a and b", {"a", "b"}));
    append_now(*store, make_event("a2", {"a"}));
    clock_.advance(std::chrono::hours(25));
    append_now(*store, make_event("b1", {"b"}));
    store->trim();
    EXPECT_EQ(count("SELECT count(*) FROM events WHERE payload IN ('a1', 'a2')"), 0);
    EXPECT_EQ(payloads(read_now(*store, offset{store->epoch(), 0}, {"b"})),
              (std::vector<std::string>{"a and b", "b1"}));
}

TEST_F(SqliteStore, EvictionIsPersisted) {
    {
        auto o = options();
        o.retention.idle_room_eviction = std::chrono::hours(24);
        auto store = open(std::move(o));
        append_now(*store, make_event("a1", {"a"}));
        clock_.advance(std::chrono::hours(25));
        append_now(*store, make_event("b1", {"b"}));
        store->trim();
    }
    EXPECT_EQ(count("SELECT count(*) FROM rooms WHERE room = 'a'"), 0);
    EXPECT_EQ(count("SELECT evicted_through FROM namespaces WHERE nsp = '/'"), 1);
    auto store = open();
    EXPECT_TRUE(read_now(*store, offset{store->epoch(), 0}, {"a"}).gap);
    EXPECT_FALSE(read_now(*store, offset{store->epoch(), 1}, {"a"}).gap);
}

TEST_F(SqliteStore, CannotOpenAFileInAMissingDirectory) {
    auto o = options();
    o.path = "/nonexistent-ferry-dir/events.db";
    EXPECT_THROW(open(std::move(o)), std::runtime_error);
}

}  // namespace
}  // namespace ferry::store_test
