#pragma once
// Helpers for the store tests: a fake clock, blocking wrappers around the
// callback API (the completion may run inline or on a store thread), and a
// temporary directory for SQLite files.

#include <ferry/event_store.hpp>

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <memory>
#include <string>
#include <vector>

namespace ferry::store_test {

using namespace std::chrono_literals;

/// A clock that only moves when told; safe to read from the store's threads.
class fake_clock {
public:
    fake_clock() : now_(std::make_shared<std::atomic<std::int64_t>>(1'700'000'000'000)) {}
    std::chrono::system_clock::time_point operator()() const {
        return std::chrono::system_clock::time_point(std::chrono::milliseconds(now_->load()));
    }
    void advance(std::chrono::milliseconds d) const { now_->fetch_add(d.count()); }

private:
    std::shared_ptr<std::atomic<std::int64_t>> now_;
};

inline event_record make_event(std::string payload, std::vector<std::string> rooms = {},
                               std::vector<std::string> except = {}, std::string key = {}, std::string nsp = "/") {
    event_record r;
    r.nsp = std::move(nsp);
    r.rooms = std::move(rooms);
    r.except = std::move(except);
    r.payload = std::move(payload);
    r.idempotency_key = std::move(key);
    return r;
}

/// Appends and waits for the acknowledgement (flush() so that batch mode does
/// not wait for its interval).
inline offset append_now(event_store& store, event_record record) {
    std::promise<result<offset>> p;
    auto f = p.get_future();
    store.append(std::move(record), [&p](result<offset> r) { p.set_value(std::move(r)); });
    store.flush();
    auto r = f.get();
    EXPECT_TRUE(r.has_value());
    return r.has_value() ? *r : offset{};
}

inline read_page read_now(event_store& store, offset after, std::vector<std::string> rooms, std::size_t limit = 1000,
                          std::string nsp = "/") {
    std::promise<result<read_page>> p;
    auto f = p.get_future();
    store.read_after(std::move(after), std::move(nsp), std::move(rooms), limit,
                     [&p](result<read_page> r) { p.set_value(std::move(r)); });
    auto r = f.get();
    EXPECT_TRUE(r.has_value());
    return r.has_value() ? *r : read_page{};
}

inline std::vector<std::string> payloads(const read_page& page) {
    std::vector<std::string> out;
    for (const auto& e : page.events) out.push_back(e.payload);
    return out;
}

inline std::vector<std::uint64_t> sequences(const read_page& page) {
    std::vector<std::uint64_t> out;
    for (const auto& e : page.events) out.push_back(e.sequence);
    return out;
}

/// A directory under /tmp, removed with everything in it.
class temp_dir {
public:
    temp_dir() {
        std::string tmpl = "/tmp/ferry-store-XXXXXX";
        if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
        path_ = tmpl;
    }
    ~temp_dir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;
    std::string file(const std::string& name) const { return (path_ / name).string(); }

private:
    std::filesystem::path path_;
};

/// Runs a one-number query on a connection of its own, as an operator or a
/// second process would see the file. -1 when the query returns no row.
inline std::int64_t sql_count(const std::string& path, const char* sql) {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    sqlite3_stmt* s = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql, -1, &s, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
    std::int64_t n = -1;
    if (sqlite3_step(s) == SQLITE_ROW) n = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    sqlite3_close(db);
    return n;
}

/// Runs SQL on the file from outside the store (to damage or age it on purpose).
inline void sql_exec(const std::string& path, const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
    sqlite3_close(db);
}

}  // namespace ferry::store_test
