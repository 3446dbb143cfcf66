// The SQLite store's writer thread: group commit. Appends queue up while the
// previous transaction commits (sync), or until batch_interval has passed
// since the previous group was taken (batch); each group is one transaction,
// numbered in queue order, and its handlers run after the commit, so an
// acknowledged offset is always on disk per the durability mode.
// Retention is applied on the same thread (sqlite_retention.cpp), so it never
// races an append.
#include "store/list_codec.hpp"
#include "store/room_set.hpp"
#include "store/sqlite_state.hpp"

#include <algorithm>
#include <map>

namespace ferry::store {
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
                // Batch mode: at most one group per batch_interval. A group
                // collects appends until batch_interval has passed since the
                // previous one was taken, so a writer whose commits take
                // longer than that commits back to back and never idles with
                // work queued. A full group, or someone who needs it on disk
                // now, does not wait.
                queue_cv_.wait_until(lock, last_group + options_.batch_interval, [&] {
                    return urgent_ || stopping_ || trim_pending() || queue_.size() >= max_batch;
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

    std::vector<std::uint64_t> sequences;  // one per append, in batch order
    sequences.reserve(batch.size());
    std::vector<std::shared_ptr<stored_event>> fresh;
    string_map<std::uint64_t> fresh_keys;  // keys first seen in this batch
    struct touched_room {
        std::uint64_t head;
        std::int64_t last_append_ms;
    };
    std::map<std::pair<std::string, std::string>, touched_room> touched;
    std::uint64_t sequence = w.last_sequence;
    std::int64_t time_ms = w.last_time_ms;

    try {
        w.begin.reset().run();
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
            }
            auto e = std::make_shared<stored_event>();
            e->sequence = ++sequence;
            // Times never decrease along the sequence (retention relies on it),
            // even if the wall clock steps back.
            time_ms = std::max(time_ms, now_ms);
            e->time = from_ms(time_ms);
            e->nsp = std::move(r.nsp);
            e->rooms = target_rooms(std::move(r.rooms));
            e->except = normalize_rooms(std::move(r.except));
            e->payload = std::move(r.payload);
            e->attachments = std::move(r.attachments);

            w.insert_event.reset()
                .bind(1, sequence)
                .bind_text(2, e->nsp)
                .bind_blob(3, encode_list(e->rooms))
                .bind_blob(4, encode_list(e->except))
                .bind_text(5, e->payload)
                .bind_blob(6, encode_list(e->attachments))
                .bind(7, time_ms)
                .run();
            for (const auto& room : e->rooms) {
                w.insert_event_room.reset().bind_text(1, e->nsp).bind_text(2, room).bind(3, sequence).run();
                touched[{e->nsp, room}] = touched_room{sequence, time_ms};
            }
            if (!r.idempotency_key.empty()) {
                w.insert_key.reset().bind_text(1, r.idempotency_key).bind(2, sequence).bind(3, time_ms).run();
                fresh_keys.emplace(r.idempotency_key, sequence);
            }
            sequences.push_back(sequence);
            fresh.push_back(std::move(e));
        }
        for (const auto& [key, room] : touched) {
            w.upsert_room.reset()
                .bind_text(1, key.first)
                .bind_text(2, key.second)
                .bind(3, room.head)
                .bind(4, room.last_append_ms)
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
        for (auto& e : fresh) {
            const event_ptr shared = std::move(e);
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
