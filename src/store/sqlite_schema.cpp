#include "store/sqlite_schema.hpp"

#include "store/sqlite_meta.hpp"

#include "store/epoch.hpp"

#include <map>
#include <optional>
#include <stdexcept>

namespace ferry::store {
namespace {

constexpr std::int64_t schema_version = 1;

constexpr const char* schema_sql = R"sql(
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS events(
    seq INTEGER PRIMARY KEY,
    nsp TEXT NOT NULL,
    rooms BLOB NOT NULL,
    except_rooms BLOB NOT NULL,
    payload TEXT NOT NULL,
    attachments BLOB NOT NULL,
    time INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS event_rooms(
    nsp TEXT NOT NULL, room TEXT NOT NULL, seq INTEGER NOT NULL,
    PRIMARY KEY(nsp, room, seq)) WITHOUT ROWID;
-- Until 0.1 an index found the rooms still keeping an event; retention now
-- reads them from the event's own row, and appends save one B-tree insert.
DROP INDEX IF EXISTS event_rooms_by_seq;
CREATE TABLE IF NOT EXISTS rooms(
    nsp TEXT NOT NULL, room TEXT NOT NULL,
    head INTEGER NOT NULL, trimmed_through INTEGER NOT NULL, last_append INTEGER NOT NULL,
    PRIMARY KEY(nsp, room)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS namespaces(nsp TEXT PRIMARY KEY, evicted_through INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS idempotency(key TEXT PRIMARY KEY, seq INTEGER NOT NULL, time INTEGER NOT NULL) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS idempotency_by_time ON idempotency(time);
)sql";

const char* synchronous_name(durability mode) { return mode == durability::sync ? "full" : "normal"; }

}  // namespace

void load_state(database& db, loaded_state& state, std::int64_t keys_since_ms) {
    {
        auto s = db.prepare("SELECT time FROM events ORDER BY seq DESC LIMIT 1");
        if (s.step()) state.last_time_ms = s.int64(0);
    }
    std::map<std::pair<std::string, std::string>, std::size_t> index;
    {
        auto s = db.prepare("SELECT nsp, room, head, trimmed_through, last_append FROM rooms");
        while (s.step()) {
            loaded_room r;
            r.nsp = s.text(0);
            r.room = s.text(1);
            r.head = s.uint64(2);
            r.trimmed_through = s.uint64(3);
            r.last_append_ms = s.int64(4);
            index.emplace(std::pair(r.nsp, r.room), state.rooms.size());
            state.rooms.push_back(std::move(r));
        }
    }
    {
        // One ordered pass over event_rooms' primary key: no sort, no temp table.
        auto s = db.prepare("SELECT nsp, room, count(*), min(seq) FROM event_rooms GROUP BY nsp, room");
        while (s.step()) {
            const auto it = index.find(std::pair(s.text(0), s.text(1)));
            if (it == index.end()) continue;  // cannot happen: rows and rooms change in one transaction
            state.rooms[it->second].count = s.uint64(2);
            state.rooms[it->second].oldest = s.uint64(3);
        }
    }
    {
        auto s = db.prepare("SELECT nsp, evicted_through FROM namespaces");
        while (s.step()) state.evicted.emplace_back(s.text(0), s.uint64(1));
    }
    {
        auto s = db.prepare("SELECT key, seq, time FROM idempotency WHERE time >= ?1 ORDER BY time");
        s.bind(1, keys_since_ms);
        while (s.step()) state.keys.push_back(loaded_key{s.text(0), s.uint64(1), s.int64(2)});
    }
}

loaded_state open_database(database& db, durability mode, std::int64_t keys_since_ms) {
    {
        auto s = db.prepare("PRAGMA journal_mode=WAL");
        if (!s.step() || s.text(0) != "wal") throw std::runtime_error("the database cannot be put in WAL mode");
    }
    // The "in use" mark below must be on disk before any commit made with
    // synchronous=NORMAL: a WAL is replayed as a prefix, so once this commit is
    // synced, a power cut can take back later commits but not the mark.
    db.exec("PRAGMA synchronous=FULL");

    loaded_state state;
    db.exec("BEGIN IMMEDIATE");
    try {
        db.exec(schema_sql);
        const auto version = meta_int(db, "schema", 0);
        if (version != 0 && version != schema_version) {
            throw std::runtime_error("unsupported event store schema version " + std::to_string(version));
        }
        const auto boot_id = current_boot_id();
        const auto epoch = meta_text(db, "epoch");
        if (!epoch) {
            state.epoch = make_epoch();
            state.new_epoch = true;
        } else {
            state.epoch = *epoch;
            // The last run did not close the file, ran with synchronous=NORMAL,
            // and the machine has rebooted since (or we cannot tell): a power
            // cut or OS crash may have taken back commits whose offsets clients
            // hold, and their sequences would be reused. Start a new history.
            // A crash of the process alone (kill -9) loses no commit in WAL
            // mode, so the epoch is kept then.
            const bool was_normal = meta_text(db, "synchronous").value_or("normal") == "normal";
            if (was_normal && unclean_across_reboot(db, boot_id)) {
                state.epoch = make_epoch();
                state.new_epoch = true;
            }
        }
        state.last_sequence = static_cast<std::uint64_t>(meta_int(db, "last_seq", 0));
        set_meta(db, "schema", std::int64_t{schema_version});
        set_meta(db, "epoch", state.epoch);
        set_meta(db, "last_seq", static_cast<std::int64_t>(state.last_sequence));
        mark_in_use(db, boot_id);
        set_meta(db, "synchronous", synchronous_name(mode));
        load_state(db, state, keys_since_ms);
        db.exec("COMMIT");
    } catch (...) {
        db.rollback();
        throw;
    }
    db.exec(mode == durability::sync ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
    return state;
}

void close_database(database& db) { mark_clean(db); }

}  // namespace ferry::store
