#include "store/memory_store.hpp"

#include "store/cursor.hpp"
#include "store/epoch.hpp"
#include "store/room_set.hpp"

#include <algorithm>

namespace ferry::store {
namespace {

// Age and idleness are checked this often; count is enforced on every append.
constexpr std::chrono::seconds sweep_interval{1};

}  // namespace

memory_store::memory_store(retention_policy retention)
    : retention_(std::move(retention)),
      epoch_(make_epoch()),
      idempotency_(retention_.idempotency_window),
      last_sweep_(now_of(retention_)) {}

void memory_store::append(event_record record, std::function<void(result<offset>)> done) {
    const auto now = now_of(retention_);
    // Build the event before taking the lock: only numbering and linking happen under it.
    auto event = std::make_shared<stored_event>();
    event->nsp = std::move(record.nsp);
    event->rooms = target_rooms(std::move(record.rooms));
    event->except = normalize_rooms(std::move(record.except));
    event->payload = std::move(record.payload);
    event->attachments = std::move(record.attachments);

    std::uint64_t sequence = 0;
    {
        std::lock_guard lock(mu_);
        const auto first = record.idempotency_key.empty() ? std::nullopt
                                                          : idempotency_.find(record.idempotency_key, now);
        if (first) {
            sequence = *first;
        } else {
            sequence = ++last_sequence_;
            last_time_ = std::max(last_time_, now);
            event->sequence = sequence;
            event->time = last_time_;
            const event_ptr shared = std::move(event);
            auto& ns = namespaces_[shared->nsp];
            for (const auto& name : shared->rooms) {
                auto [it, created] = ns.rooms.try_emplace(name);
                auto& room = it->second;
                // A room created again after an eviction must not forget what
                // the eviction removed from it.
                if (created) room.trimmed_through = ns.evicted_through;
                room.events.push_back(shared);
                room.head = sequence;
                room.last_append = now;
                while (room.events.size() > retention_.max_events) {
                    room.trimmed_through = room.events.front()->sequence;
                    room.events.pop_front();
                }
            }
            if (!record.idempotency_key.empty()) {
                idempotency_.insert(std::move(record.idempotency_key), sequence, now);
            }
            if (now - last_sweep_ >= sweep_interval) sweep_locked(now);
        }
    }
    done(offset{epoch_, sequence});
}

void memory_store::read_after(offset after, std::string nsp, std::vector<std::string> rooms, std::size_t limit,
                              std::function<void(result<read_page>)> done) {
    rooms = reader_rooms(std::move(rooms));
    collected got;
    cursor_check check;
    std::optional<std::uint64_t> oldest;
    {
        std::lock_guard lock(mu_);
        std::vector<const event_ring*> rings;
        std::vector<std::uint64_t> ring_trimmed;
        std::uint64_t trimmed = 0;
        if (const auto ns = namespaces_.find(nsp); ns != namespaces_.end()) {
            for (const auto& name : rooms) {
                if (const auto room = ns->second.rooms.find(name); room != ns->second.rooms.end()) {
                    rings.push_back(&room->second.events);
                    ring_trimmed.push_back(room->second.trimmed_through);
                    trimmed = std::max(trimmed, room->second.trimmed_through);
                } else {
                    trimmed = std::max(trimmed, ns->second.evicted_through);
                }
            }
        }
        check = check_cursor(after, epoch_, last_sequence_, trimmed);
        got = collect_after(rings, check.from, rooms, limit);
        if (check.gap) {
            for (std::size_t i = 0; i < rings.size(); ++i) {
                const auto* ring = rings[i];
                if (ring->empty() || !room_lost_events(after, epoch_, last_sequence_, ring_trimmed[i])) continue;
                oldest = std::min(oldest.value_or(ring->front()->sequence), ring->front()->sequence);
            }
        }
    }
    read_page page;
    page.events = copy_out(got.events);  // outside the lock: payloads may be large
    page.gap = check.gap;
    page.more = got.more;
    if (oldest) page.oldest = offset{epoch_, *oldest};
    done(std::move(page));
}

offset memory_store::head(std::string_view nsp, std::string_view room) {
    std::lock_guard lock(mu_);
    if (const auto ns = namespaces_.find(nsp); ns != namespaces_.end()) {
        if (const auto r = ns->second.rooms.find(room); r != ns->second.rooms.end()) {
            return offset{epoch_, r->second.head};
        }
    }
    return offset{epoch_, 0};
}

offset memory_store::position() {
    std::lock_guard lock(mu_);
    return offset{epoch_, last_sequence_};
}

void memory_store::trim() {
    const auto now = now_of(retention_);
    std::lock_guard lock(mu_);
    sweep_locked(now);
}

void memory_store::sweep_locked(time_point now) {
    last_sweep_ = now;
    const auto oldest_allowed = now - retention_.max_age;
    for (auto& [nsp_name, ns] : namespaces_) {
        for (auto it = ns.rooms.begin(); it != ns.rooms.end();) {
            auto& room = it->second;
            if (now - room.last_append > retention_.idle_room_eviction) {
                ns.evicted_through = std::max(ns.evicted_through, room.head);
                it = ns.rooms.erase(it);
                continue;
            }
            if (const auto trimmed = trim_ring(room.events, retention_.max_events, oldest_allowed)) {
                room.trimmed_through = trimmed;
            }
            ++it;
        }
    }
    idempotency_.expire(now);
}

}  // namespace ferry::store

namespace ferry {

std::unique_ptr<event_store> make_memory_store(retention_policy retention) {
    return std::make_unique<store::memory_store>(std::move(retention));
}

}  // namespace ferry
