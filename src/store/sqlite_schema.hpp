#pragma once
// The SQLite store's file: schema, opening and closing. Opening decides the
// epoch (kept across restarts, new for a fresh file or when commits may have
// been lost), and loads what the store keeps in memory (room watermarks, the
// sequence counter, live idempotency keys). It does not append, read events or
// trim.
//
// Tables (all integers; times in milliseconds since the Unix epoch):
//   meta(key, value)            schema, epoch, last_seq, clean, boot_id, synchronous
//   events(seq, nsp, rooms, except_rooms, payload, attachments, time)
//   event_rooms(nsp, room, seq) one row per room an event is still kept in
//   rooms(nsp, room, head, trimmed_through, last_append)
//   namespaces(nsp, evicted_through)
//   idempotency(key, seq, time)
// `except` is an SQL keyword, hence except_rooms.

#include <ferry/event_store.hpp>

#include "store/sqlite_db.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace ferry::store {

struct loaded_room {
    std::string nsp;
    std::string room;
    std::uint64_t head = 0;
    std::uint64_t trimmed_through = 0;
    std::int64_t last_append_ms = 0;
    std::uint64_t count = 0;   // rows in event_rooms
    std::uint64_t oldest = 0;  // smallest kept sequence, 0 when none
};

struct loaded_key {
    std::string key;
    std::uint64_t sequence = 0;
    std::int64_t time_ms = 0;
};

struct loaded_state {
    std::string epoch;
    bool new_epoch = false;
    std::uint64_t last_sequence = 0;
    std::int64_t last_time_ms = 0;
    std::vector<loaded_room> rooms;
    std::vector<std::pair<std::string, std::uint64_t>> evicted;  // nsp -> evicted_through
    std::vector<loaded_key> keys;
};

/// Puts `db` in WAL mode, creates the schema, decides the epoch, marks the file
/// in use (so that a crash is recognised at the next open) and loads the state.
/// Leaves `synchronous` as `mode` requires. Throws on failure.
loaded_state open_database(database& db, durability mode, std::int64_t keys_since_ms);

/// Marks a clean shutdown, durably. Call after the last commit.
void close_database(database& db);

/// Reads the rooms, watermarks, newest event time and the idempotency keys
/// younger than `keys_since_ms` into `state` (not the epoch or the sequence).
/// Call inside a transaction, so that all of it is one snapshot. Throws on
/// failure.
void load_state(database& db, loaded_state& state, std::int64_t keys_since_ms);

}  // namespace ferry::store
