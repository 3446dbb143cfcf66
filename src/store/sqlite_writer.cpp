// The SQLite store's writer thread: group commit. Appends queue up while the
// previous transaction commits; in batch mode a group smaller than min_group
// also waits until batch_interval has passed since the previous one. Each
// group is one transaction, numbered in queue order, and its handlers run
// after the commit, so an acknowledged offset is always on disk per the
// durability mode.
// Retention is applied on the same thread (sqlite_retention.cpp), so it never
// races an append.
//
// A failed commit never wedges the writer. Nothing of a failed transaction is
// kept, and the writer's numbering and mirror only move after a commit, so
// the next group simply tries again. Every transaction also starts by checking
// that the file's sequence is still the writer's own (begin_in_sync): if
// another process wrote to the file, the writer reloads its state from the
// file instead of colliding with the sequences that process used; if the file
// now holds another history, it refuses every append and says so. Failures
// are logged (rate-limited) and reported by health(); while failing, a probe
// commit every second finds out when the store can append again.
#include "store/list_codec.hpp"
#include "store/room_set.hpp"
#include "store/sqlite_state.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>

namespace ferry::store {
namespace {

// Inserts `rows` rows: `chunk` (a multi-row INSERT of `per_chunk` rows) while
// whole chunks remain, `single` (one row) for the rest. bind_row(statement,
// first parameter, row) binds the `columns` parameters of one row.
template <class BindRow>
void insert_rows(statement& chunk, std::size_t per_chunk, statement& single, std::size_t rows, int columns,
                 BindRow bind_row) {
    std::size_t i = 0;
    for (; i + per_chunk <= rows; i += per_chunk) {
        chunk.rebind();
        for (std::size_t r = 0; r < per_chunk; ++r) bind_row(chunk, static_cast<int>(r) * columns + 1, i + r);
        chunk.run();
    }
    for (; i < rows; ++i) {
        single.rebind();
        bind_row(single, 1, i);
        single.run();
    }
}

// While failing, how often the writer tries a commit of its own to find out
// whether the store can append again (health() turns back to can_append).
constexpr auto probe_interval = std::chrono::seconds(1);

}  // namespace

void sqlite_store::writer_loop() {
    using clock = std::chrono::steady_clock;
    auto next_retention = clock::now() + options_.retention_interval;
    // Batch mode: when the oldest commit not yet fsynced must be (none: max).
    auto sync_due = clock::time_point::max();
    // While failing (and not broken): when to try a probe commit.
    const auto probe_due = [&w = *writer_] {
        return w.failing && w.broken.empty() ? w.last_failure + probe_interval : clock::time_point::max();
    };
    // The group being committed. Its buffer and the queue's are swapped every
    // turn, so neither side reallocates once both have grown to a burst.
    std::vector<pending_append> batch;
    // When the writer last took a group (batch mode paces groups from here).
    auto last_group = clock::time_point::min();
    for (;;) {
        std::uint64_t trim_ticket = 0;
        bool trim_now = false;
        bool stop = false;
        {
            std::unique_lock lock(queue_mu_);
            const auto trim_pending = [&] { return trims_requested_ > trims_done_; };
            queue_cv_.wait_until(lock, std::min({next_retention, sync_due, probe_due()}),
                                 [&] { return !queue_.empty() || stopping_ || trim_pending(); });
            if (options_.mode == durability::batch && !queue_.empty()) {
                // Batch mode: a small group collects companions until
                // batch_interval has passed since the previous group was
                // taken, so a trickle of appends costs at most one commit per
                // interval. A group of min_group (or someone who needs it on
                // disk now) does not wait: publishers waiting for their acks
                // would otherwise be held to in-flight / batch_interval, and
                // a busy writer commits back to back, never idle with work
                // queued. Like MySQL's binlog_group_commit_sync_delay with
                // binlog_group_commit_sync_no_delay_count.
                queue_cv_.wait_until(lock, last_group + options_.batch_interval, [&] {
                    return urgent_ || stopping_ || trim_pending() || queue_.size() >= min_group;
                });
            }
            if (!queue_.empty()) last_group = clock::now();
            if (queue_.size() <= max_batch) {
                batch.swap(queue_);
            } else {
                const auto n = static_cast<std::ptrdiff_t>(max_batch);
                batch.assign(std::make_move_iterator(queue_.begin()), std::make_move_iterator(queue_.begin() + n));
                queue_.erase(queue_.begin(), queue_.begin() + n);
            }
            if (queue_.empty()) urgent_ = false;
            trim_ticket = trims_requested_;
            trim_now = trim_ticket > trims_done_;
            stop = stopping_ && queue_.empty();
        }
        if (!batch.empty()) {
            commit_batch(batch);
            {
                std::lock_guard lock(queue_mu_);
                completed_ += batch.size();
            }
            done_cv_.notify_all();
            if (options_.mode == durability::batch && sync_due == clock::time_point::max()) {
                sync_due = clock::now() + options_.sync_interval;
            }
            batch.clear();  // keeps the buffer for the next swap
        }
        if (clock::now() >= sync_due) {
            sync_wal();
            sync_due = clock::time_point::max();
        }
        if (clock::now() >= probe_due()) probe();
        if (trim_now || clock::now() >= next_retention) {
            apply_retention();
            next_retention = clock::now() + options_.retention_interval;
            if (trim_now) {
                {
                    std::lock_guard lock(queue_mu_);
                    trims_done_ = trim_ticket;
                }
                done_cv_.notify_all();
            }
        }
        if (stop) break;
    }
    try {
        // A file that now holds another history is not ours to mark clean.
        if (writer_->broken.empty()) close_database(writer_->db);
    } catch (const sqlite_error&) {
        // The file stays marked unclean: the next open treats this run as a
        // crash, which is the safe reading.
    }
}

void sqlite_store::sync_wal() {
    // synchronous=NORMAL syncs the WAL only at checkpoints. One commit made
    // with synchronous=FULL fsyncs the WAL file, and with it every frame the
    // NORMAL commits before it wrote: they are now as safe as sync mode's.
    auto& w = *writer_;
    if (!w.broken.empty()) return;
    bool synced = false;
    try {
        w.db.exec("PRAGMA synchronous=FULL");
        w.begin.reset().run();
        w.touch_meta.reset().bind(1, to_ms(now_of(options_.retention))).run();
        w.commit.reset().run();
        synced = true;
    } catch (const sqlite_error& e) {
        w.db.rollback();  // tried again after the next commit
        note_failure("sync", e.what());
    }
    if (synced) note_success();
    try {
        w.db.exec("PRAGMA synchronous=NORMAL");
    } catch (const sqlite_error&) {
        // Left at FULL: slower, never less safe.
    }
}

void sqlite_store::commit_batch(std::vector<pending_append>& batch) {
    auto& w = *writer_;
    // Nothing of a failed group is kept, nothing is acknowledged: the publish
    // fails visibly (DESIGN.md "Errors and bad input").
    const auto fail = [&](const std::string& message) {
        w.db.rollback();
        note_failure("append", message);
        for (auto& p : batch) p.done(make_error_code(error::store_unavailable));
    };
    if (!w.broken.empty()) return fail(w.broken);
    // The transaction starts before the group is numbered: holding the write
    // lock, begin_in_sync makes sure the sequences it hands out are free.
    try {
        begin_in_sync();
    } catch (const sqlite_error& e) {
        return fail(e.what());
    }
    const auto now = now_of(options_.retention);
    const auto now_ms = to_ms(now);

    // First the rows, without SQL: number the appends, answer repeated
    // idempotency keys, encode the lists. Nothing is added to `fresh` once the
    // inserts start: they bind its strings in place.
    struct fresh_event {
        std::shared_ptr<stored_event> event;
        std::string rooms, except, attachments;  // encode_list of the event's lists
        std::string_view key;                    // its idempotency key, if any
    };
    std::vector<fresh_event> fresh;
    fresh.reserve(batch.size());
    std::vector<std::uint64_t> sequences;  // one per append, in batch order
    sequences.reserve(batch.size());
    string_map<std::uint64_t> fresh_keys;  // keys first seen in this batch
    std::uint64_t sequence = w.last_sequence;
    std::int64_t time_ms = w.last_time_ms;
    // Times never decrease along the sequence (retention relies on it), even
    // if the wall clock steps back.
    time_ms = std::max(time_ms, now_ms);
    for (auto& p : batch) {
        auto& r = p.record;
        if (!r.idempotency_key.empty()) {
            if (const auto it = fresh_keys.find(r.idempotency_key); it != fresh_keys.end()) {
                sequences.push_back(it->second);
                continue;
            }
            if (const auto first = w.keys.find(r.idempotency_key, now)) {
                sequences.push_back(*first);
                continue;
            }
            fresh_keys.emplace(r.idempotency_key, sequence + 1);
        }
        auto e = std::make_shared<stored_event>();
        e->sequence = ++sequence;
        e->time = from_ms(time_ms);
        e->nsp = std::move(r.nsp);
        e->rooms = target_rooms(std::move(r.rooms));
        e->except = normalize_rooms(std::move(r.except));
        e->payload = std::move(r.payload);
        e->attachments = std::move(r.attachments);
        auto& f = fresh.emplace_back();
        f.rooms = encode_list(e->rooms);
        f.except = encode_list(e->except);
        f.attachments = encode_list(e->attachments);
        f.key = r.idempotency_key;  // the record outlives the commit
        f.event = std::move(e);
        sequences.push_back(sequence);
    }

    try {
        insert_rows(w.insert_events, w.events_per_insert, w.insert_event, fresh.size(), 7,
                    [&](statement& s, int at, std::size_t i) {
                        const auto& f = fresh[i];
                        const auto& e = *f.event;
                        s.bind(at, e.sequence)
                            .bind_text_ref(at + 1, e.nsp)
                            .bind_blob_ref(at + 2, f.rooms)
                            .bind_blob_ref(at + 3, f.except)
                            .bind_text_ref(at + 4, e.payload)
                            .bind_blob_ref(at + 5, f.attachments)
                            .bind(at + 6, time_ms);
                    });
        std::vector<std::pair<const stored_event*, const std::string*>> room_rows;  // (event, room)
        room_rows.reserve(fresh.size());
        for (const auto& f : fresh) {
            for (const auto& name : f.event->rooms) room_rows.emplace_back(f.event.get(), &name);
        }
        insert_rows(w.insert_event_rooms, w.event_rooms_per_insert, w.insert_event_room, room_rows.size(), 3,
                    [&](statement& s, int at, std::size_t i) {
                        const auto& [e, name] = room_rows[i];
                        s.bind_text_ref(at, e->nsp).bind_text_ref(at + 1, *name).bind(at + 2, e->sequence);
                    });
        for (const auto& f : fresh) {
            if (f.key.empty()) continue;
            w.insert_key.reset().bind_text_ref(1, f.key).bind(2, f.event->sequence).bind(3, time_ms).run();
        }
        // Each room's head is its newest event of the group.
        std::map<std::pair<std::string_view, std::string_view>, std::uint64_t> heads;
        for (const auto& f : fresh) {
            for (const auto& name : f.event->rooms) heads[{f.event->nsp, name}] = f.event->sequence;
        }
        for (const auto& [key, head] : heads) {
            w.upsert_room.reset()
                .bind_text_ref(1, key.first)
                .bind_text_ref(2, key.second)
                .bind(3, head)
                .bind(4, time_ms)
                .run();
        }
        if (!fresh.empty()) w.set_last_sequence.reset().bind(1, sequence).run();
        w.commit.reset().run();
    } catch (const sqlite_error& e) {
        return fail(e.what());
    }
    note_success();

    w.last_sequence = sequence;
    w.last_time_ms = time_ms;
    for (auto& [key, seq] : fresh_keys) w.keys.insert(key, seq, now);
    {
        std::lock_guard lock(mu_);
        for (auto& f : fresh) {
            const event_ptr shared = std::move(f.event);
            for (const auto& name : shared->rooms) {
                auto& room = room_locked(shared->nsp, name);
                room.tail.push_back(shared);
                if (room.tail.size() > options_.tail_events) {
                    room.tail_from = room.tail.front()->sequence;
                    room.tail.pop_front();
                }
                room.head = shared->sequence;
                room.last_append_ms = to_ms(shared->time);
                ++room.count;
                if (room.oldest == 0) room.oldest = shared->sequence;
            }
        }
        last_sequence_ = sequence;
    }
    // Handlers must not throw: an exception here ends the writer thread, and
    // with it the process (std::terminate), which is the right end for a bug.
    for (std::size_t i = 0; i < batch.size(); ++i) batch[i].done(offset{epoch_, sequences[i]});
}

void sqlite_store::begin_in_sync() {
    auto& w = *writer_;
    w.begin.reset().run();
    // One statement, so one snapshot; with the write lock held, nobody else
    // can change either value until this transaction ends.
    auto& position = w.file_position.reset();
    if (!position.step()) throw sqlite_error(SQLITE_CORRUPT, "the meta table has no position");
    const auto file_sequence = position.uint64(0);
    const auto file_epoch = position.text(1);
    position.reset();
    if (file_epoch == epoch_ && file_sequence == w.last_sequence) return;
    if (file_epoch != epoch_ || file_sequence < w.last_sequence) {
        // Offsets handed out by this store would now name other events:
        // appending more would make clients skip or repeat them.
        w.broken = "the event log file now holds another history (epoch " + file_epoch + ", sequence " +
                   std::to_string(file_sequence) + "; this store has epoch " + epoch_ + ", sequence " +
                   std::to_string(w.last_sequence) + "): appends are refused until ferry restarts";
        spdlog::critical("event log {}: {}", options_.path, w.broken);
        throw sqlite_error(SQLITE_MISMATCH, w.broken);
    }
    resync(file_sequence);
}

void sqlite_store::resync(std::uint64_t file_sequence) {
    // Another process appended (a second daemon on the same file, before the
    // data directory lock existed, or a tool): its sequences are taken. Read
    // the whole state again, in the transaction begin_in_sync opened.
    auto& w = *writer_;
    const auto before = w.last_sequence;
    loaded_state loaded;
    loaded.last_sequence = file_sequence;
    load_state(w.db, loaded, to_ms(now_of(options_.retention) - options_.retention.idempotency_window));
    install_mirror(loaded);
    spdlog::warn("event log {}: another process wrote to it (sequence {} -> {}); state reloaded from the file",
                 options_.path, before, file_sequence);
}

void sqlite_store::probe() {
    auto& w = *writer_;
    try {
        begin_in_sync();
        w.touch_meta.reset().bind(1, to_ms(now_of(options_.retention))).run();
        w.commit.reset().run();
    } catch (const sqlite_error& e) {
        w.db.rollback();
        note_failure("probe commit", e.what());
        return;
    }
    note_success();
}

void sqlite_store::note_failure(const char* what, const std::string& message) {
    auto& w = *writer_;
    w.failing = true;
    w.last_failure = std::chrono::steady_clock::now();
    std::uint64_t failures = 0;
    {
        std::lock_guard lock(health_mu_);
        health_.can_append = false;
        health_.message = message;
        failures = ++health_.failures;
    }
    if (const auto held = w.failure_log.admit(w.last_failure)) {
        spdlog::error("event log {}: {} failed: {} ({} failure(s) since start, {} not logged since the last line)",
                      options_.path, what, message, failures, *held);
    }
}

void sqlite_store::note_success() {
    auto& w = *writer_;
    if (!w.failing) return;
    w.failing = false;
    std::uint64_t failures = 0;
    {
        std::lock_guard lock(health_mu_);
        health_.can_append = true;
        health_.message.clear();
        failures = health_.failures;
    }
    spdlog::warn("event log {}: commits succeed again ({} failure(s) since start, {} not logged)", options_.path,
                 failures, w.failure_log.held_back());
}

}  // namespace ferry::store
