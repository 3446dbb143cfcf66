#include "store/sqlite_state.hpp"

#include <string>
#include <string_view>

namespace ferry::store {
namespace {

constexpr std::string_view insert_event_sql =
    "INSERT INTO events(seq, nsp, rooms, except_rooms, payload, attachments, time) VALUES ";
constexpr std::string_view insert_event_room_sql = "INSERT INTO event_rooms(nsp, room, seq) VALUES ";

// `head` followed by `rows` tuples of `columns` parameters: (?,?),(?,?)...
std::string insert_sql(std::string_view head, int columns, std::size_t rows) {
    std::string sql(head);
    for (std::size_t r = 0; r < rows; ++r) {
        sql += r == 0 ? "(" : ",(";
        for (int c = 0; c < columns; ++c) sql += c == 0 ? "?" : ",?";
        sql += ')';
    }
    return sql;
}

}  // namespace

sqlite_store::writer_state::writer_state(const sqlite_options& options, std::int64_t keys_since_ms)
    : db(options.path, options.busy_timeout),
      loaded(open_database(db, options.mode, keys_since_ms)),
      keys(options.retention.idempotency_window),
      last_sequence(loaded.last_sequence),
      last_time_ms(loaded.last_time_ms),
      begin(db.handle(), "BEGIN IMMEDIATE"),
      commit(db.handle(), "COMMIT"),
      insert_event(db.handle(), insert_sql(insert_event_sql, 7, 1)),
      insert_events(db.handle(), insert_sql(insert_event_sql, 7, events_per_insert)),
      insert_event_room(db.handle(), insert_sql(insert_event_room_sql, 3, 1)),
      insert_event_rooms(db.handle(), insert_sql(insert_event_room_sql, 3, event_rooms_per_insert)),
      // A room created again after an eviction starts at its namespace's
      // eviction watermark, so it does not forget what the eviction removed.
      upsert_room(db.handle(),
                  "INSERT INTO rooms(nsp, room, head, trimmed_through, last_append) "
                  "VALUES (?1, ?2, ?3, COALESCE((SELECT evicted_through FROM namespaces WHERE nsp = ?1), 0), ?4) "
                  "ON CONFLICT(nsp, room) DO UPDATE SET head = excluded.head, last_append = excluded.last_append"),
      set_last_sequence(db.handle(), "UPDATE meta SET value = ?1 WHERE key = 'last_seq'"),
      insert_key(db.handle(), "INSERT OR REPLACE INTO idempotency(key, seq, time) VALUES (?1, ?2, ?3)"),
      touch_meta(db.handle(), "INSERT OR REPLACE INTO meta(key, value) VALUES ('synced_at', ?1)"),
      // The newest sequence taken, by the meta row or by an event row (a
      // writer that did not keep meta up to date): both are one B-tree seek.
      file_position(db.handle(),
                    "SELECT max(COALESCE((SELECT value FROM meta WHERE key = 'last_seq'), 0), "
                    "COALESCE((SELECT max(seq) FROM events), 0)), "
                    "COALESCE((SELECT value FROM meta WHERE key = 'epoch'), '')"),
      // Event times never decrease with the sequence, so the first young event
      // found in rowid order bounds every expired one (no index on time needed).
      first_young(db.handle(), "SELECT seq FROM events WHERE time >= ?1 ORDER BY seq LIMIT 1"),
      nth_newest(db.handle(),
                 "SELECT seq FROM event_rooms WHERE nsp = ?1 AND room = ?2 ORDER BY seq DESC LIMIT 1 OFFSET ?3"),
      room_rows_through(db.handle(),
                        "SELECT seq FROM event_rooms WHERE nsp = ?1 AND room = ?2 AND seq <= ?3 ORDER BY seq"),
      delete_room_rows_through(db.handle(), "DELETE FROM event_rooms WHERE nsp = ?1 AND room = ?2 AND seq <= ?3"),
      room_oldest(db.handle(), "SELECT min(seq) FROM event_rooms WHERE nsp = ?1 AND room = ?2"),
      set_trimmed(db.handle(), "UPDATE rooms SET trimmed_through = ?3 WHERE nsp = ?1 AND room = ?2"),
      delete_room(db.handle(), "DELETE FROM rooms WHERE nsp = ?1 AND room = ?2"),
      raise_evicted(db.handle(),
                    "INSERT INTO namespaces(nsp, evicted_through) VALUES (?1, ?2) ON CONFLICT(nsp) "
                    "DO UPDATE SET evicted_through = max(evicted_through, excluded.evicted_through)"),
      // An event stored in exactly the room its row was just taken from
      // (that room's encode_list) is kept by no room now.
      delete_single_room_event(db.handle(), "DELETE FROM events WHERE seq = ?1 AND rooms = ?2"),
      delete_single_room_events(db.handle(),
                                "DELETE FROM events WHERE seq BETWEEN ?1 AND ?2 AND nsp = ?3 AND rooms = ?4"),
      events_between(db.handle(), "SELECT seq FROM events WHERE seq BETWEEN ?1 AND ?2"),
      event_rooms_of(db.handle(), "SELECT nsp, rooms FROM events WHERE seq = ?1"),
      room_keeps(db.handle(), "SELECT 1 FROM event_rooms WHERE nsp = ?1 AND room = ?2 AND seq = ?3"),
      delete_event(db.handle(), "DELETE FROM events WHERE seq = ?1"),
      expire_keys(db.handle(), "DELETE FROM idempotency WHERE time < ?1") {}

sqlite_store::reader_state::reader_state(const std::string& path)
    : db(path),
      begin(db.handle(), "BEGIN"),
      commit(db.handle(), "COMMIT"),
      last_sequence(db.handle(), "SELECT value FROM meta WHERE key = 'last_seq'"),
      room_watermark(db.handle(), "SELECT trimmed_through FROM rooms WHERE nsp = ?1 AND room = ?2"),
      nsp_evicted(db.handle(), "SELECT evicted_through FROM namespaces WHERE nsp = ?1"),
      room_sequences(db.handle(),
                     "SELECT seq FROM event_rooms WHERE nsp = ?1 AND room = ?2 AND seq > ?3 ORDER BY seq LIMIT ?4"),
      event(db.handle(),
            "SELECT nsp, rooms, except_rooms, payload, attachments, time FROM events WHERE seq = ?1"),
      room_oldest(db.handle(), "SELECT min(seq) FROM event_rooms WHERE nsp = ?1 AND room = ?2") {
    // This connection only reads; make SQLite enforce it.
    db.exec("PRAGMA query_only=1");
}

}  // namespace ferry::store
