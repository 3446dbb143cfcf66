#pragma once
/// @file
/// ferry::event_store — the retained, ordered log every recoverable event goes
/// through (DESIGN.md "Offsets, epochs and retention").
///
/// An offset names a position in one store. Clients see it as an opaque string
/// ("<epoch>-<sequence>", see offset::to_string); inside the store it is a
/// sequence number that only grows. The epoch changes whenever the store may
/// have lost data (a new memory store, a deleted SQLite file), so a cursor of
/// another epoch is answered with a gap, never with a wrong replay.
///
/// Events are stored once, with the rooms they were sent to. A broadcast to a
/// whole namespace is stored under the room name `all_room` ("" — no socket can
/// join it), and every reader of that namespace reads it too.

#include <ferry/error.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ferry {

/// A position in an event_store.
struct offset {
    std::string epoch;
    std::uint64_t sequence = 0;  ///< 0: before the first event

    /// "<epoch>-<sequence>"; the form clients see.
    std::string to_string() const;
    /// Parses the client form; nullopt when malformed (never throws).
    static std::optional<offset> parse(std::string_view text);

    bool operator==(const offset&) const = default;
};

/// The room name under which namespace-wide broadcasts are stored.
inline constexpr std::string_view all_room = "";

/// One event to append.
struct event_record {
    std::string nsp = "/";
    std::vector<std::string> rooms;   ///< targets; {all_room} for the whole namespace
    std::vector<std::string> except;  ///< rooms whose members must not receive it
    /// The Socket.IO EVENT payload: the JSON text of [name, ...args], placeholders included.
    std::string payload;
    std::vector<std::string> attachments;  ///< binary attachments, by placeholder num
    /// Idempotency key (publish `id`): a second append with the same key within
    /// the idempotency window returns the first offset and stores nothing.
    std::string idempotency_key;
};

/// One stored event, as read back.
struct stored_event {
    std::uint64_t sequence = 0;
    std::string nsp;
    std::vector<std::string> rooms;
    std::vector<std::string> except;
    std::string payload;
    std::vector<std::string> attachments;
    std::chrono::system_clock::time_point time;
};

/// One page of a replay.
///
/// With a gap the page still holds what is kept: the events after the cursor,
/// or, when the cursor cannot be placed in this log (another epoch, or a
/// sequence beyond the newest one), the events from the beginning. A caller that
/// accepts the loss pages on from the last event as usual; one that does not
/// (Socket.IO recovery) discards the page.
struct read_page {
    std::vector<stored_event> events;  ///< in offset order, at most `limit`
    /// The cursor is older than what was kept in one of the rooms (or of another
    /// epoch, or beyond the newest offset): events the client may have needed
    /// are gone, the replay is not complete.
    bool gap = false;
    /// With gap: the offset of the oldest event still kept for those rooms
    /// (nullopt when none is kept).
    std::optional<offset> oldest;
    /// More events follow this page; read again after the last one.
    bool more = false;
};

/// Retention per room (the seed retriever's stackCheck / timeCheck / removeAfter).
///
/// A room's "trimmed through" watermark is the newest sequence retention removed
/// from it; a cursor below it is answered with a gap. An evicted room is
/// forgotten, so its watermark moves to its namespace: a room the store does not
/// know is judged by the newest sequence ever evicted in that namespace (the
/// store cannot tell an evicted room from one that never had events, and a false
/// gap is safe where a silent loss is not).
struct retention_policy {
    std::size_t max_events = 1000;                         ///< per room; 0 keeps nothing
    std::chrono::seconds max_age{24 * 3600};               ///< per event
    std::chrono::seconds idle_room_eviction{7 * 24 * 3600};  ///< rooms without appends for this long are dropped
    std::chrono::seconds idempotency_window{120};
    /// The time used for event timestamps, ages, idleness and the idempotency
    /// window; empty means std::chrono::system_clock::now. Tests inject a fake
    /// clock here instead of sleeping. Called from any thread calling the store
    /// and from the store's own threads: must be thread-safe.
    std::function<std::chrono::system_clock::time_point()> clock;
};

/// When an append is acknowledged (details: docs/store.md).
enum class durability {
    /// After its commit is on disk (WAL, synchronous=FULL): survives kill -9
    /// and a power cut.
    sync,
    /// Commits grouped (see batch_interval) and acknowledged after the commit
    /// (synchronous=NORMAL): acknowledged appends survive kill -9; a power cut
    /// or OS crash may take back those of the last sync_interval, and the store
    /// then starts a new epoch. Unacknowledged appends (the open batch) are lost
    /// either way.
    batch,
};

/// Whether a store can append right now: what a readiness probe reports.
struct store_health {
    /// False from a failed commit until a later commit (an append, or the
    /// store's own probe) succeeds.
    bool can_append = true;
    /// Why not: the last failure, as SQLite or the OS described it. Empty when it can.
    std::string message;
    /// Failed commits since the store opened.
    std::uint64_t failures = 0;
};

/// The retained log. Implementations: memory (library default), SQLite (daemon default).
///
/// @par Thread safety
/// All member functions may be called from any thread. Completion handlers run
/// inline (memory store; SQLite reads answered from its in-memory tail) or on
/// the store's own threads (SQLite appends: the writer thread after the commit;
/// SQLite reads of older offsets: the reader thread). They may run before the
/// initiating call returns, must be short, and must post to a worker for
/// anything else; the store never holds a lock while calling them.
class event_store {
public:
    virtual ~event_store() = default;

    /// The current epoch.
    virtual const std::string& epoch() const noexcept = 0;

    /// Appends one event; `done` gets its offset once it is durable per policy,
    /// or error::store_unavailable (then nothing of it is kept). Appends made
    /// by one thread get increasing offsets in call order. `done` must not throw.
    virtual void append(event_record record, std::function<void(result<offset>)> done) = 0;

    /// Events of namespace `nsp` after `after` in any of `rooms` (all_room is
    /// always included), excluding events whose `except` intersects `rooms`,
    /// at most `limit` of them. See read_page for the gap rule. Never blocks on
    /// disk: reads SQLite cannot answer from memory go to its reader thread.
    virtual void read_after(offset after, std::string nsp, std::vector<std::string> rooms, std::size_t limit,
                            std::function<void(result<read_page>)> done) = 0;

    /// The newest offset stored for `room` of `nsp` (sequence 0 when none).
    virtual offset head(std::string_view nsp, std::string_view room) = 0;

    /// The newest offset assigned in the whole store (sequence 0 when empty).
    /// This is the cursor to give a client that has received nothing yet: a
    /// read after it returns exactly the events appended later, whereas a
    /// per-room head of 0 could be answered with a gap once rooms were evicted.
    virtual offset position() = 0;

    /// Applies retention now (also done periodically by the store itself).
    /// SQLite: blocks until the trimming transaction has committed.
    virtual void trim() = 0;

    /// Blocks until every accepted append is committed and acknowledged
    /// (graceful shutdown). Like trim(), never call it from a completion handler.
    virtual void flush() = 0;

    /// Whether appends can succeed now (readiness). Never blocks on disk.
    /// The memory store can always append.
    virtual store_health health() const { return {}; }
};

/// A store in memory: per-room rings, a new epoch for each instance.
std::unique_ptr<event_store> make_memory_store(retention_policy retention = {});

struct sqlite_options {
    std::string path;  ///< database file (created with its directory's WAL files)
    durability mode = durability::batch;
    /// Batch mode: a group of fewer than 64 appends waits for companions until
    /// batch_interval has passed since the previous group; larger groups are
    /// committed as soon as the writer is free. Bounds the commit rate of a
    /// trickle; with few appends in flight it also bounds their rate to
    /// in-flight / batch_interval (0: never wait).
    std::chrono::milliseconds batch_interval{5};
    retention_policy retention;
    /// Recent events kept in memory per room, so that most replays never touch SQLite.
    std::size_t tail_events = 256;
    /// How often the writer thread applies retention.
    std::chrono::milliseconds retention_interval{1000};
    /// Batch mode: longest time a commit stays in the WAL without an fsync,
    /// i.e. what a power cut can take back (synchronous=NORMAL alone would only
    /// sync at checkpoints, every ~4 MB of WAL).
    std::chrono::milliseconds sync_interval{1000};
    /// How long a statement waits for a lock another connection holds (an
    /// operator's sqlite3 shell, a checkpoint) before its commit fails.
    std::chrono::milliseconds busy_timeout{5000};
};

/// A store in one SQLite file: WAL mode, one writer thread, group commit; see
/// docs/store.md for what each durability mode loses on kill -9 and power cut.
/// Reopening a file keeps its epoch, sequence and watermarks, except after an
/// unclean shutdown in batch mode followed by a reboot: then the last commits
/// may be lost (synchronous=NORMAL), so the store starts a new epoch.
/// Delete the -wal and -shm files together with the database file.
/// Throws std::runtime_error when the file cannot be opened (start-up error).
std::unique_ptr<event_store> make_sqlite_store(sqlite_options options);

}  // namespace ferry
