#pragma once
// What the SQLite store's two threads own: each its connection and its
// prepared statements (prepared once, reused for every batch or read), and the
// writer its sequence counter and idempotency keys. Private to the store.

#include "store/idempotency.hpp"
#include "store/log_limiter.hpp"
#include "store/sqlite_db.hpp"
#include "store/sqlite_schema.hpp"
#include "store/sqlite_store.hpp"

namespace ferry::store {

/// Lives on: the writer thread (built by the constructor before it starts).
struct sqlite_store::writer_state {
    writer_state(const sqlite_options& options, std::int64_t keys_since_ms);

    database db;
    loaded_state loaded;  // what open_database found; moved into the mirror, then cleared
    idempotency_index keys;
    std::uint64_t last_sequence = 0;
    std::int64_t last_time_ms = 0;

    // Failures (sqlite_writer.cpp). One log line per few seconds at most.
    log_limiter failure_log{std::chrono::seconds(5)};
    bool failing = false;  // since a failed commit, until one succeeds
    std::chrono::steady_clock::time_point last_failure;
    // Set when the file can no longer be appended to by this store (another
    // history replaced ours): every append fails, with this message.
    std::string broken;

    // Rows per multi-row INSERT: one run of a statement per that many rows
    // instead of one per row saves the fixed cost of a run (program start,
    // cursor, halt, reset).
    static constexpr std::size_t events_per_insert = 32;
    static constexpr std::size_t event_rooms_per_insert = 64;

    // Appends (sqlite_writer.cpp).
    statement begin;
    statement commit;
    statement insert_event;   // one row
    statement insert_events;  // events_per_insert rows
    statement insert_event_room;
    statement insert_event_rooms;  // event_rooms_per_insert rows
    statement upsert_room;
    statement set_last_sequence;
    statement insert_key;
    statement touch_meta;  // a one-page write, for an fsync without new data
    statement file_position;  // the file's (newest sequence, epoch): did another process write?

    // Retention (sqlite_retention.cpp).
    statement first_young;
    statement nth_newest;
    statement room_rows_through;
    statement delete_room_rows_through;
    statement room_oldest;
    statement set_trimmed;
    statement delete_room;
    statement raise_evicted;
    statement delete_single_room_event;
    statement delete_single_room_events;
    statement events_between;
    statement event_rooms_of;
    statement room_keeps;
    statement delete_event;
    statement expire_keys;
};

/// Lives on: the reader thread.
struct sqlite_store::reader_state {
    explicit reader_state(const std::string& path);

    database db;
    log_limiter failure_log{std::chrono::seconds(5)};
    statement begin;
    statement commit;
    statement last_sequence;
    statement room_watermark;
    statement nsp_evicted;
    statement room_sequences;
    statement event;
    statement room_oldest;
};

}  // namespace ferry::store
