// The SQLite session store: opening the file, the writer thread's rounds, and
// the encoding of a record in its row (see sqlite_session_store.hpp).
//
// Tables (times in milliseconds since the Unix epoch):
//   sessions(pid, sid, nsp, epoch, rooms, start, data, disconnected_at)
//   meta(key, value)   clean, boot_id
// rooms is a list_codec list alternating a room name and its `since` in
// decimal; disconnected_at is NULL while the session's socket is connected.
#include "store/sqlite_session_store.hpp"

#include "store/list_codec.hpp"
#include "store/retention.hpp"
#include "store/sqlite_db.hpp"
#include "store/sqlite_meta.hpp"
#include "store/sqlite_schema.hpp"

#include <algorithm>
#include <charconv>
#include <limits>
#include <stdexcept>
#include <vector>

namespace ferry::store {
namespace {

constexpr std::int64_t schema_version = 1;

// Upper bound of one transaction, as for the event writer: bounds the latency
// of the takes queued behind a burst of saves.
constexpr std::size_t max_batch = 4096;

// A plain rowid table, not WITHOUT ROWID: `data` is application JSON of any
// size, and WITHOUT ROWID tables are meant for small rows.
constexpr const char* schema_sql = R"sql(
CREATE TABLE IF NOT EXISTS sessions(
    pid TEXT PRIMARY KEY,
    sid TEXT NOT NULL,
    nsp TEXT NOT NULL,
    epoch TEXT NOT NULL,
    rooms BLOB NOT NULL,
    start INTEGER NOT NULL,
    data TEXT NOT NULL,
    disconnected_at INTEGER);
CREATE INDEX IF NOT EXISTS sessions_by_disconnect ON sessions(disconnected_at);
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value) WITHOUT ROWID;
)sql";

std::string encode_rooms(const std::vector<session_room>& rooms) {
    std::vector<std::string> items;
    items.reserve(rooms.size() * 2);
    for (const auto& room : rooms) {
        items.push_back(room.name);
        items.push_back(std::to_string(room.since));
    }
    return encode_list(items);
}

// Total, like decode_list: a damaged value gives nullopt.
std::optional<std::vector<session_room>> decode_rooms(std::string_view bytes) {
    auto items = decode_list(bytes);
    if (!items || items->size() % 2 != 0) return std::nullopt;
    std::vector<session_room> rooms;
    rooms.reserve(items->size() / 2);
    for (std::size_t i = 0; i < items->size(); i += 2) {
        const auto& since = (*items)[i + 1];
        session_room room;
        room.name = std::move((*items)[i]);
        const auto [end, ec] = std::from_chars(since.data(), since.data() + since.size(), room.since);
        if (since.empty() || ec != std::errc() || end != since.data() + since.size()) return std::nullopt;
        rooms.push_back(std::move(room));
    }
    return rooms;
}

// The disconnected_at below which a record is older than max_age. Saturates,
// so that milliseconds::max() means "never".
std::int64_t cutoff_ms(std::int64_t now_ms, std::chrono::milliseconds max_age) {
    std::int64_t cutoff = 0;
    if (__builtin_sub_overflow(now_ms, max_age.count(), &cutoff)) return std::numeric_limits<std::int64_t>::min();
    return cutoff;
}





// Runs in the constructor, before the writer thread starts. Returns the schema
// version, so that it can initialise a member ahead of the statements that
// need the table.
std::int64_t open_file(database& db, std::int64_t now_ms, std::chrono::milliseconds expire_after) {
    {
        auto s = db.prepare("PRAGMA journal_mode=WAL");
        if (!s.step() || s.text(0) != "wal") {
            throw std::runtime_error("the session database cannot be put in WAL mode");
        }
    }
    // The "in use" mark below must be on disk before any commit made with
    // synchronous=NORMAL: a WAL is replayed as a prefix, so once this commit is
    // synced, a power cut can take back later commits but not the mark.
    db.exec("PRAGMA synchronous=FULL");
    db.exec("BEGIN IMMEDIATE");
    try {
        std::int64_t version = 0;
        {
            auto s = db.prepare("PRAGMA user_version");
            if (s.step()) version = s.int64(0);
        }
        if (version != 0 && version != schema_version) {
            throw std::runtime_error("unsupported session store schema version " + std::to_string(version));
        }
        db.exec(schema_sql);
        db.exec(("PRAGMA user_version = " + std::to_string(schema_version)).c_str());
        const auto boot_id = current_boot_id();
        // The last run did not close the file and the machine has rebooted
        // since (or we cannot tell): a power cut or OS crash may have taken
        // back its last NORMAL commits, leaving records older than what their
        // sockets last were (a room joined, then missing). Recovering from one
        // would replay too little without a gap; a new session is the honest
        // answer. kill -9 alone loses no commit in WAL mode: records are kept.
        if (unclean_across_reboot(db, boot_id)) db.exec("DELETE FROM sessions");
        mark_in_use(db, boot_id);
        // Still marked connected: the previous run ended without writing their
        // disconnect (kill -9, crash, power cut). Their clients are
        // reconnecting now, so the recovery window starts now.
        db.prepare("UPDATE sessions SET disconnected_at = ?1 WHERE disconnected_at IS NULL").bind(1, now_ms).run();
        if (expire_after.count() > 0) {
            db.prepare("DELETE FROM sessions WHERE disconnected_at < ?1")
                .bind(1, cutoff_ms(now_ms, expire_after))
                .run();
        }
        db.exec("COMMIT");
    } catch (...) {
        db.rollback();
        throw;
    }
    // Session state is re-written by every change of a live socket: no fsync
    // per commit (docs/store.md "Sessions" says what a power cut loses).
    db.exec("PRAGMA synchronous=NORMAL");
    return schema_version;
}

void close_file(database& db) { mark_clean(db); }

}  // namespace

/// Lives on: the writer thread (built by the constructor before it starts).
struct sqlite_session_store::writer_state {
    writer_state(const std::string& path, time_point now, std::chrono::milliseconds expire_after)
        : db(path),
          schema(open_file(db, to_ms(now), expire_after)),
          next_expiry(now + session_expiry_interval),
          begin(db.handle(), "BEGIN IMMEDIATE"),
          commit(db.handle(), "COMMIT"),
          upsert(db.handle(),
                 "INSERT OR REPLACE INTO sessions(pid, sid, nsp, epoch, rooms, start, data, disconnected_at) "
                 "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"),
          remove(db.handle(), "DELETE FROM sessions WHERE pid = ?1"),
          select(db.handle(),
                 "SELECT sid, nsp, epoch, rooms, start, data, disconnected_at FROM sessions WHERE pid = ?1"),
          expire(db.handle(), "DELETE FROM sessions WHERE disconnected_at < ?1") {}

    database db;
    std::int64_t schema;
    // Set before the thread starts, from the open time: a clock that moves
    // before the thread first runs must still find expiry due.
    time_point next_expiry;
    statement begin;
    statement commit;
    statement upsert;
    statement remove;
    statement select;
    statement expire;
};

std::optional<session_record> sqlite_session_store::take_row(const std::string& pid, time_point now,
                                                             std::chrono::milliseconds max_age) {
    auto& w = *writer_;
    auto& s = w.select.reset().bind_text(1, pid);
    if (!s.step()) return std::nullopt;
    session_record record;
    record.pid = pid;
    record.sid = s.text(0);
    record.nsp = s.text(1);
    record.epoch = s.text(2);
    auto rooms = decode_rooms(s.blob(3));
    record.start = s.uint64(4);
    record.data = s.text(5);
    if (!s.is_null(6)) record.disconnected_at = from_ms(s.int64(6));
    s.reset();

    const auto verdict = judge(record, now, max_age);
    if (verdict == take_verdict::live) {
        // Stays: a socket owns it. Returned so the caller can take it over.
        if (!rooms) return std::nullopt;
        record.rooms = std::move(*rooms);
        return record;
    }
    w.remove.reset().bind_text(1, pid).run();
    // A damaged row cannot be recovered; the client gets a new session, which
    // is the protocol's answer to any failed recovery.
    if (!rooms || verdict == take_verdict::expired) return std::nullopt;
    record.rooms = std::move(*rooms);
    return record;
}

sqlite_session_store::sqlite_session_store(const std::string& path, session_clock clock,
                                           std::chrono::milliseconds expire_after)
    : clock_(clock_or_system(std::move(clock))),
      expire_after_(expire_after),
      writer_(std::make_unique<writer_state>(path, clock_(), expire_after)),
      thread_([this] { writer_loop(); }) {}

sqlite_session_store::~sqlite_session_store() {
    {
        std::lock_guard lock(mu_);
        stopping_ = true;
    }
    queue_cv_.notify_all();
    thread_.join();  // the writer commits what is queued before it returns
    writer_.reset();
}

void sqlite_session_store::save(session_record record) {
    round_times(record);
    op o;
    o.kind = op_kind::save;
    o.record = std::move(record);
    queue_write(std::move(o));
}

void sqlite_session_store::remove(const std::string& pid) {
    op o;
    o.kind = op_kind::remove;
    o.record.pid = pid;
    queue_write(std::move(o));
}

void sqlite_session_store::take(const std::string& pid, std::chrono::milliseconds max_age,
                                std::function<void(result<std::optional<session_record>>)> done) {
    op o;
    o.kind = op_kind::take;
    o.record.pid = pid;
    o.max_age = max_age;
    o.done = std::move(done);
    std::lock_guard lock(mu_);
    // A write after this take must not move before it.
    replaceable_.erase(pid);
    push_locked(std::move(o));
}

void sqlite_session_store::expire(std::chrono::milliseconds max_age) {
    op o;
    o.kind = op_kind::expire;
    o.max_age = max_age;
    std::lock_guard lock(mu_);
    // Nor a write after this expire: replacing an old record with a young one
    // ahead of it would keep a record the caller expected gone, or the reverse.
    replaceable_.clear();
    push_locked(std::move(o));
}

void sqlite_session_store::flush() {
    std::unique_lock lock(mu_);
    const auto ticket = front_seq_ + queue_.size();
    done_cv_.wait(lock, [&] { return completed_ >= ticket; });
}

void sqlite_session_store::queue_write(op o) {
    std::string pid = o.record.pid;
    std::lock_guard lock(mu_);
    if (const auto it = replaceable_.find(pid); it != replaceable_.end() && it->second >= front_seq_) {
        // Only the last state of a pid matters; take it over in place. The
        // writer already knows that the queue holds work.
        queue_[it->second - front_seq_] = std::move(o);
        return;
    }
    replaceable_.insert_or_assign(std::move(pid), front_seq_ + queue_.size());
    push_locked(std::move(o));
}

void sqlite_session_store::push_locked(op o) {
    // The writer waits for an empty queue to fill; later ops ride along.
    // Notifying under the lock is harmless here and keeps this short.
    if (queue_.empty()) queue_cv_.notify_one();
    queue_.push_back(std::move(o));
}

void sqlite_session_store::writer_loop() {
    auto& next_expiry = writer_->next_expiry;
    for (;;) {
        std::deque<op> batch;
        bool stop = false;
        {
            std::unique_lock lock(mu_);
            // Woken by work, or after an interval to expire old records. The
            // injected clock decides whether expiry is due, so that tests can
            // drive it; a real clock agrees with the wait.
            queue_cv_.wait_for(lock, session_expiry_interval, [&] { return !queue_.empty() || stopping_; });
            const auto n = std::min(queue_.size(), max_batch);
            for (std::size_t i = 0; i < n; ++i) {
                auto& o = queue_.front();
                if (o.kind == op_kind::save || o.kind == op_kind::remove) {
                    if (const auto it = replaceable_.find(o.record.pid);
                        it != replaceable_.end() && it->second == front_seq_) {
                        replaceable_.erase(it);
                    }
                }
                batch.push_back(std::move(o));
                queue_.pop_front();
                ++front_seq_;
            }
            stop = stopping_ && queue_.empty();
        }
        const auto now = clock_();
        const bool expiry_due = expire_after_.count() > 0 && now >= next_expiry;
        if (expiry_due) next_expiry = now + session_expiry_interval;
        if (!batch.empty() || expiry_due) apply(batch, now, expiry_due);
        if (stop) break;
    }
    try {
        close_file(writer_->db);
    } catch (const sqlite_error&) {
        // The file stays marked unclean: the next open treats this run as a
        // crash, which is the safe reading.
    }
}

void sqlite_session_store::apply(std::deque<op>& batch, time_point now, bool expiry_due) {
    auto& w = *writer_;
    const auto now_ms = to_ms(now);
    std::vector<std::optional<session_record>> taken;  // one per take, in batch order
    std::uint64_t writes = 0;
    bool committed = true;
    try {
        w.begin.reset().run();
        for (auto& o : batch) {
            switch (o.kind) {
                case op_kind::save: {
                    const auto& r = o.record;
                    auto& s = w.upsert.reset()
                                  .bind_text(1, r.pid)
                                  .bind_text(2, r.sid)
                                  .bind_text(3, r.nsp)
                                  .bind_text(4, r.epoch)
                                  .bind_blob(5, encode_rooms(r.rooms))
                                  .bind(6, r.start)
                                  .bind_text(7, r.data);
                    if (r.disconnected_at) s.bind(8, to_ms(*r.disconnected_at));  // unbound: NULL
                    s.run();
                    ++writes;
                    break;
                }
                case op_kind::remove:
                    w.remove.reset().bind_text(1, o.record.pid).run();
                    ++writes;
                    break;
                case op_kind::take: taken.push_back(take_row(o.record.pid, now, o.max_age)); break;
                case op_kind::expire: w.expire.reset().bind(1, cutoff_ms(now_ms, o.max_age)).run(); break;
            }
        }
        if (expiry_due) w.expire.reset().bind(1, cutoff_ms(now_ms, expire_after_)).run();
        w.commit.reset().run();
    } catch (const sqlite_error&) {
        // Disk full or I/O error: nothing of the round is kept. The saves are
        // lost (a later save of the same socket writes its whole state again);
        // the takes fail visibly, and their clients get new sessions.
        w.db.rollback();
        committed = false;
    }
    if (committed) {
        writes_ += writes;
        ++transactions_;
    }
    {
        std::lock_guard lock(mu_);
        completed_ += batch.size();
    }
    done_cv_.notify_all();
    // Handlers must not throw: an exception here ends the writer thread, and
    // with it the process (std::terminate), which is the right end for a bug.
    std::size_t next = 0;
    for (auto& o : batch) {
        if (o.kind != op_kind::take) continue;
        if (committed) {
            o.done(std::move(taken[next++]));
        } else {
            o.done(make_error_code(error::store_unavailable));
        }
    }
}

}  // namespace ferry::store

namespace ferry {

std::unique_ptr<session_store> make_sqlite_session_store(std::string path,
                                                         std::function<std::chrono::system_clock::time_point()> clock,
                                                         std::chrono::milliseconds expire_after) {
    return std::make_unique<store::sqlite_session_store>(path, std::move(clock), expire_after);
}

}  // namespace ferry
