// The SQLite store's public side: construction and shutdown of its two
// threads, handing appends to the writer, and answering head() and replays
// from the in-memory mirror when its tails cover them (see sqlite_store.hpp).
#include "store/sqlite_store.hpp"

#include "store/cursor.hpp"
#include "store/room_set.hpp"
#include "store/sqlite_state.hpp"

#include <algorithm>

namespace ferry::store {

sqlite_store::sqlite_store(sqlite_options options) : options_(std::move(options)) {
    const auto now = now_of(options_.retention);
    writer_ = std::make_unique<writer_state>(options_, to_ms(now - options_.retention.idempotency_window));
    epoch_ = writer_->loaded.epoch;
    new_epoch_ = writer_->loaded.new_epoch;
    install_mirror(writer_->loaded);
    writer_->loaded = loaded_state{};

    reader_ = std::make_unique<reader_state>(options_.path);
    writer_thread_ = std::thread([this] { writer_loop(); });
    reader_thread_ = std::thread([this] { reader_loop(); });
}

sqlite_store::~sqlite_store() {
    // Readers first, so that the writer's connection is the last one open: it
    // commits what is queued, marks the file clean and checkpoints on close.
    {
        std::lock_guard lock(read_mu_);
        read_stopping_ = true;
    }
    read_cv_.notify_all();
    reader_thread_.join();
    reader_.reset();
    {
        std::lock_guard lock(queue_mu_);
        stopping_ = true;
    }
    queue_cv_.notify_all();
    writer_thread_.join();
    writer_.reset();
}

void sqlite_store::append(event_record record, std::function<void(result<offset>)> done) {
    bool wake = false;
    {
        std::lock_guard lock(queue_mu_);
        queue_.push_back(pending_append{std::move(record), std::move(done)});
        ++accepted_;
        // The writer waits for the first append of a group, and in batch mode
        // for min_group of them; the others ride along without a wakeup.
        wake = queue_.size() == 1 || queue_.size() == min_group;
    }
    if (wake) queue_cv_.notify_one();
}

void sqlite_store::read_after(offset after, std::string nsp, std::vector<std::string> rooms, std::size_t limit,
                              std::function<void(result<read_page>)> done) {
    rooms = reader_rooms(std::move(rooms));
    if (auto page = read_from_tail(after, nsp, rooms, limit)) {
        done(std::move(*page));
        return;
    }
    {
        std::lock_guard lock(read_mu_);
        reads_.push_back(read_request{std::move(after), std::move(nsp), std::move(rooms), limit, std::move(done)});
    }
    read_cv_.notify_one();
}

std::optional<read_page> sqlite_store::read_from_tail(const offset& after, const std::string& nsp,
                                                      const std::vector<std::string>& rooms, std::size_t limit) {
    collected got;
    cursor_check check;
    std::optional<std::uint64_t> oldest;
    {
        std::lock_guard lock(mu_);
        std::vector<const room_state*> known;
        std::uint64_t trimmed = 0;
        if (const auto ns = namespaces_.find(nsp); ns != namespaces_.end()) {
            for (const auto& name : rooms) {
                if (const auto room = ns->second.rooms.find(name); room != ns->second.rooms.end()) {
                    known.push_back(&room->second);
                    trimmed = std::max(trimmed, room->second.trimmed_through);
                } else {
                    trimmed = std::max(trimmed, ns->second.evicted_through);
                }
            }
        }
        check = check_cursor(after, epoch_, last_sequence_, trimmed);
        std::vector<const event_ring*> tails;
        for (const auto* room : known) {
            if (check.from < room->tail_from) return std::nullopt;  // older than a tail: SQLite's job
            tails.push_back(&room->tail);
            if (check.gap && room->oldest != 0 &&
                room_lost_events(after, epoch_, last_sequence_, room->trimmed_through)) {
                oldest = std::min(oldest.value_or(room->oldest), room->oldest);
            }
        }
        got = collect_after(tails, check.from, rooms, limit);
    }
    read_page page;
    page.events = copy_out(got.events);
    page.gap = check.gap;
    page.more = got.more;
    if (oldest) page.oldest = offset{epoch_, *oldest};
    return page;
}

offset sqlite_store::head(std::string_view nsp, std::string_view room) {
    std::lock_guard lock(mu_);
    if (const auto ns = namespaces_.find(nsp); ns != namespaces_.end()) {
        if (const auto r = ns->second.rooms.find(room); r != ns->second.rooms.end()) {
            return offset{epoch_, r->second.head};
        }
    }
    return offset{epoch_, 0};
}

offset sqlite_store::position() {
    std::lock_guard lock(mu_);
    return offset{epoch_, last_sequence_};
}

void sqlite_store::flush() {
    std::unique_lock lock(queue_mu_);
    const auto ticket = accepted_;
    if (completed_ >= ticket) return;
    urgent_ = true;
    queue_cv_.notify_all();
    done_cv_.wait(lock, [&] { return completed_ >= ticket; });
}

void sqlite_store::trim() {
    std::unique_lock lock(queue_mu_);
    const auto ticket = ++trims_requested_;
    queue_cv_.notify_all();
    done_cv_.wait(lock, [&] { return trims_done_ >= ticket; });
}

store_health sqlite_store::health() const {
    std::lock_guard lock(health_mu_);
    return health_;
}

void sqlite_store::install_mirror(loaded_state& loaded) {
    // Only the writer thread (or the constructor, before it starts) changes
    // the mirror and the writer's own copy of the sequence and keys.
    auto& w = *writer_;
    w.last_sequence = loaded.last_sequence;
    w.last_time_ms = std::max(w.last_time_ms, loaded.last_time_ms);
    w.keys = idempotency_index(options_.retention.idempotency_window);
    for (auto& k : loaded.keys) w.keys.insert(std::move(k.key), k.sequence, from_ms(k.time_ms));
    std::lock_guard lock(mu_);
    namespaces_.clear();
    last_sequence_ = loaded.last_sequence;
    for (const auto& [nsp, through] : loaded.evicted) namespaces_[nsp].evicted_through = through;
    for (auto& r : loaded.rooms) {
        auto& room = namespaces_[r.nsp].rooms[r.room];
        // The tail starts empty: everything up to the head is only in SQLite.
        room.tail_from = r.head;
        room.head = r.head;
        room.trimmed_through = r.trimmed_through;
        room.count = r.count;
        room.oldest = r.oldest;
        room.last_append_ms = r.last_append_ms;
    }
}

sqlite_store::room_state& sqlite_store::room_locked(const std::string& nsp, const std::string& room) {
    auto& ns = namespaces_[nsp];
    auto [it, created] = ns.rooms.try_emplace(room);
    // Same rule as the rooms row (upsert_room): a re-created room keeps the
    // namespace's eviction watermark.
    if (created) it->second.trimmed_through = ns.evicted_through;
    return it->second;
}

}  // namespace ferry::store

namespace ferry {

std::unique_ptr<event_store> make_sqlite_store(sqlite_options options) {
    return std::make_unique<store::sqlite_store>(std::move(options));
}

}  // namespace ferry
