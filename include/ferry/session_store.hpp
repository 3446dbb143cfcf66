#pragma once
/// @file
/// ferry::session_store — what a Socket.IO session needs to be recovered after
/// a disconnect, a page reload or a daemon restart: its id, rooms, per-room
/// positions in the event log, and the application's data.
///
/// A record is written when it changes (connect, join, leave, data update,
/// disconnect), not only at disconnect, so a `kill -9` of the daemon loses
/// nothing that a reconnecting client needs. The server saves the changes of
/// one worker turn together, and paces the saves of a socket in many rooms
/// (at most 1 s apart; docs/store.md "Sessions"), so each save here holds
/// the whole record but joins stay O(1) amortised.

#include <ferry/error.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ferry {

/// One room of a session, with the log sequence from which the session has
/// been in it (events at or before it were not for this session).
struct session_room {
    std::string name;
    std::uint64_t since = 0;

    bool operator==(const session_room&) const = default;
};

/// The recoverable state of one Socket.IO session (one socket in one namespace).
struct session_record {
    std::string pid;    ///< private session id, known only to the client
    std::string sid;    ///< public socket id, restored on recovery
    std::string nsp;    ///< namespace name
    std::string epoch;  ///< event log epoch the positions belong to
    std::vector<session_room> rooms;
    /// Log sequence at which the session started (its floor for namespace-wide events).
    std::uint64_t start = 0;
    /// The application's socket data, as JSON text.
    std::string data = "null";
    /// Null while connected; the time of the disconnect otherwise.
    std::optional<std::chrono::system_clock::time_point> disconnected_at;

    bool operator==(const session_record&) const = default;
};

/// Where session records live. Implementations: memory (library default),
/// SQLite (daemon default; survives restarts). Times are kept to the
/// millisecond by both.
///
/// @par Thread safety
/// All member functions may be called from any thread. Completion handlers run
/// inline (memory) or on the store's own thread (SQLite); they must be short
/// and must not call flush().
class session_store {
public:
    virtual ~session_store() = default;

    /// Inserts or replaces the record of `record.pid`. Fire and forget: writes
    /// are applied in call order per pid.
    virtual void save(session_record record) = 0;

    /// Removes a record (the session ended for good, or it was recovered under a new pid).
    virtual void remove(const std::string& pid) = 0;

    /// Loads and removes the record of `pid` (a session is recovered once),
    /// if it exists and disconnected at most `max_age` ago. A record still
    /// marked connected (the daemon died) counts as disconnected when the store
    /// was opened. A record marked connected since then belongs to a live
    /// socket: it is returned as it is (`disconnected_at` null) and stays, so
    /// that the caller can end that socket's connection (a half-open one the
    /// client has left) and take the record again once the socket saved its
    /// disconnect. A record older than `max_age` is removed and not returned.
    /// Sees every earlier save.
    /// @param done `void(result<std::optional<session_record>>)`; the error is
    ///             error::store_unavailable when the store cannot read or commit.
    virtual void take(const std::string& pid, std::chrono::milliseconds max_age,
                      std::function<void(result<std::optional<session_record>>)> done) = 0;

    /// Drops records disconnected longer than `max_age` ago.
    virtual void expire(std::chrono::milliseconds max_age) = 0;

    /// Blocks until every save is durable (graceful shutdown).
    virtual void flush() = 0;
};

/// How long a disconnected record is kept when nobody takes it, unless the
/// factory is told otherwise: longer than any sane recovery window.
inline constexpr std::chrono::milliseconds default_session_expiry = std::chrono::hours(24);

/// A session store in memory. Records disconnected longer than `expire_after`
/// ago are dropped about every 10 s of `clock` (checked on save); zero turns
/// that off. Pass the server's recovery window (max_disconnection_duration).
std::unique_ptr<session_store> make_memory_session_store(
    std::function<std::chrono::system_clock::time_point()> clock = {},
    std::chrono::milliseconds expire_after = default_session_expiry);

/// A session store in a SQLite file (WAL). Throws std::runtime_error when the
/// file cannot be opened. Records disconnected longer than `expire_after` ago
/// are deleted at open and about every 10 s of `clock`; zero turns that off.
std::unique_ptr<session_store> make_sqlite_session_store(
    std::string path, std::function<std::chrono::system_clock::time_point()> clock = {},
    std::chrono::milliseconds expire_after = default_session_expiry);

}  // namespace ferry
