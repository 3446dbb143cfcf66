// The SQLite store's writer thread: group commit. Appends queue up while the
// previous transaction commits; in batch mode a group smaller than min_group
// also waits until batch_interval has passed since the previous one. Each
// group is one transaction, numbered in queue order, and its handlers run
// after the commit, so an acknowledged offset is always on disk per the
// durability mode.
// Retention is applied on the same thread (sqlite_retention.cpp), so it never
// races an append.
#include "store/list_codec.hpp"
#include "store/room_set.hpp"
#include "store/sqlite_state.hpp"

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

}  // namespace

void sqlite_store::writer_loop() {
    using clock = std::chrono::steady_clock;
    auto next_retention = clock::now() + options_.retention_interval;
    // Batch mode: when the oldest commit not yet fsynced must be (none: max).
    auto sync_due = clock::time_point::max();
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
            queue_cv_.wait_until(lock, std::min(next_retention, sync_due),
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
        close_database(writer_->db);
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
    try {
        w.db.exec("PRAGMA synchronous=FULL");
        w.begin.reset().run();
        w.touch_meta.reset().bind(1, to_ms(now_of(options_.retention))).run();
        w.commit.reset().run();
    } catch (const sqlite_error&) {
        w.db.rollback();  // tried again after the next commit
    }
    try {
        w.db.exec("PRAGMA synchronous=NORMAL");
    } catch (const sqlite_error&) {
        // Left at FULL: slower, never less safe.
    }
}

void sqlite_store::commit_batch(std::vector<pending_append>& batch) {
    auto& w = *writer_;
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
        w.begin.reset().run();
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
    } catch (const sqlite_error&) {
        // Nothing of the batch is kept, nothing is acknowledged: the publish
        // fails visibly (DESIGN.md "Errors and bad input").
        w.db.rollback();
        for (auto& p : batch) p.done(make_error_code(error::store_unavailable));
        return;
    }

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

}  // namespace ferry::store
