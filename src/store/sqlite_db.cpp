#include "store/sqlite_db.hpp"

namespace ferry::store {
namespace {

[[noreturn]] void fail(sqlite3* db, int rc, std::string_view context) {
    // The context is often a statement's SQL; a multi-row INSERT is kilobytes
    // long, and the message ends up in logs and /readyz.
    constexpr std::size_t longest = 80;
    std::string what(context.substr(0, longest));
    if (context.size() > longest) what += "...";
    what += ": ";
    what += db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    throw sqlite_error(rc, what);
}

}  // namespace

statement::statement(sqlite3* db, std::string_view sql) : db_(db) {
    const int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                                      &stmt_, nullptr);
    if (rc != SQLITE_OK) fail(db, rc, sql);
}

statement::~statement() { sqlite3_finalize(stmt_); }

statement& statement::reset() noexcept {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    return *this;
}

statement& statement::rebind() noexcept {
    sqlite3_reset(stmt_);
    return *this;
}

statement& statement::bind(int index, std::int64_t value) {
    const int rc = sqlite3_bind_int64(stmt_, index, value);
    if (rc != SQLITE_OK) fail(db_, rc, "bind");
    return *this;
}

statement& statement::bind_text(int index, std::string_view value) {
    const int rc = sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
    if (rc != SQLITE_OK) fail(db_, rc, "bind");
    return *this;
}

statement& statement::bind_blob(int index, std::string_view value) {
    // A zero-length blob must still be a blob, not NULL: pass a valid pointer.
    const int rc = sqlite3_bind_blob64(stmt_, index, value.empty() ? "" : value.data(), value.size(),
                                       SQLITE_TRANSIENT);
    if (rc != SQLITE_OK) fail(db_, rc, "bind");
    return *this;
}

statement& statement::bind_text_ref(int index, std::string_view value) {
    // An empty text must still be text, not NULL: pass a valid pointer.
    const int rc =
        sqlite3_bind_text64(stmt_, index, value.empty() ? "" : value.data(), value.size(), SQLITE_STATIC, SQLITE_UTF8);
    if (rc != SQLITE_OK) fail(db_, rc, "bind");
    return *this;
}

statement& statement::bind_blob_ref(int index, std::string_view value) {
    const int rc = sqlite3_bind_blob64(stmt_, index, value.empty() ? "" : value.data(), value.size(), SQLITE_STATIC);
    if (rc != SQLITE_OK) fail(db_, rc, "bind");
    return *this;
}

bool statement::step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    fail(db_, rc, sqlite3_sql(stmt_));
}

void statement::run() {
    while (step()) {
    }
    // Only sqlite3_reset: it ends the statement (cursors, locks). Clearing the
    // bindings too would cost as much again on the hot path; every use starts
    // with reset() or binds every parameter anew.
    sqlite3_reset(stmt_);
}

bool statement::is_null(int column) const noexcept { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }

std::int64_t statement::int64(int column) const noexcept { return sqlite3_column_int64(stmt_, column); }

std::string statement::text(int column) const {
    const auto* data = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
    const auto size = static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column));
    return data ? std::string(data, size) : std::string();
}

std::string statement::blob(int column) const {
    const auto* data = static_cast<const char*>(sqlite3_column_blob(stmt_, column));
    const auto size = static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column));
    return data ? std::string(data, size) : std::string();
}

database::database(const std::string& path, std::chrono::milliseconds busy_timeout) {
    const int rc = sqlite3_open_v2(path.c_str(), &db_,
                                   SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK) {
        std::string what = "cannot open " + path + ": " + (db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc));
        sqlite3_close(db_);
        throw sqlite_error(rc, what);
    }
    sqlite3_extended_result_codes(db_, 1);
    sqlite3_busy_timeout(db_, static_cast<int>(busy_timeout.count()));
}

database::~database() { sqlite3_close_v2(db_); }

void database::exec(const char* sql) {
    char* message = nullptr;
    const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &message);
    if (rc != SQLITE_OK) {
        std::string what = std::string(sql) + ": " + (message ? message : sqlite3_errstr(rc));
        sqlite3_free(message);
        throw sqlite_error(rc, what);
    }
}

void database::rollback() noexcept {
    if (!sqlite3_get_autocommit(db_)) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

}  // namespace ferry::store
