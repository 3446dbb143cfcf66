#pragma once
// A thin RAII layer over the SQLite C API: one connection, prepared statements
// with typed bind/column helpers. It knows nothing of events.
//
// Failures throw sqlite_error. That is a deliberate, contained exception to the
// house rule "errors on I/O paths are values": a SQLite failure aborts the whole
// transaction, and the exception unwinds straight to the one place per thread
// that rolls back and turns it into error::store_unavailable (the writer's batch,
// the reader's request, the constructor). It never leaves the store module.
//
// Lives on: whichever single thread owns the connection (opened NOMUTEX).

#include <sqlite3.h>

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace ferry::store {

class sqlite_error : public std::runtime_error {
public:
    sqlite_error(int code, const std::string& what) : std::runtime_error(what), code_(code) {}
    int code() const noexcept { return code_; }

private:
    int code_;
};

class statement {
public:
    statement(sqlite3* db, std::string_view sql);
    ~statement();
    statement(statement&& other) noexcept : db_(other.db_), stmt_(other.stmt_) { other.stmt_ = nullptr; }
    statement(const statement&) = delete;
    statement& operator=(const statement&) = delete;
    statement& operator=(statement&&) = delete;

    /// Resets the statement and clears its bindings; call before each use.
    statement& reset() noexcept;
    /// Resets the statement but keeps its bindings (cheaper than reset()): for
    /// a statement whose every parameter is bound again before it runs.
    statement& rebind() noexcept;
    statement& bind(int index, std::int64_t value);
    statement& bind(int index, std::uint64_t value) { return bind(index, static_cast<std::int64_t>(value)); }
    /// Copies `value` into the statement.
    statement& bind_text(int index, std::string_view value);
    statement& bind_blob(int index, std::string_view value);
    /// Binds `value` without copying it: it must stay alive and unchanged
    /// until the statement has run (the hot insert path binds large payloads).
    statement& bind_text_ref(int index, std::string_view value);
    statement& bind_blob_ref(int index, std::string_view value);

    /// Advances; true when a row is available.
    bool step();
    /// Runs to completion (for statements without rows), then resets the
    /// statement; its bindings stay until the next reset() or bind.
    void run();

    bool is_null(int column) const noexcept;
    std::int64_t int64(int column) const noexcept;
    std::uint64_t uint64(int column) const noexcept { return static_cast<std::uint64_t>(int64(column)); }
    std::string text(int column) const;
    std::string blob(int column) const;

private:
    sqlite3* db_;
    sqlite3_stmt* stmt_ = nullptr;
};

class database {
public:
    /// How long a statement waits for a lock held by another connection (a
    /// checkpoint, the other of a store's two connections, an operator's
    /// sqlite3 shell) before it fails, by default.
    static constexpr std::chrono::milliseconds default_busy_timeout{5000};

    /// Opens (creating) `path`. Throws sqlite_error.
    explicit database(const std::string& path, std::chrono::milliseconds busy_timeout = default_busy_timeout);
    ~database();
    database(const database&) = delete;
    database& operator=(const database&) = delete;

    /// Runs one or more statements without results.
    void exec(const char* sql);
    statement prepare(std::string_view sql) { return statement(db_, sql); }
    /// Rolls back an open transaction, if any; never throws (used on error paths).
    void rollback() noexcept;
    sqlite3* handle() const noexcept { return db_; }

private:
    sqlite3* db_ = nullptr;
};

}  // namespace ferry::store
