// Retention in the SQLite store, on the writer thread, in one transaction:
// trim each room by count and age (raising its trimmed_through watermark),
// evict idle rooms (raising their namespace's watermark), delete events no
// room keeps any more, and forget expired idempotency keys. Only rooms that
// need work are visited; the in-memory mirror is updated after the commit.
#include "store/sqlite_state.hpp"

#include <algorithm>
#include <limits>

namespace ferry::store {

void sqlite_store::apply_retention() {
    auto& w = *writer_;
    const auto& policy = options_.retention;
    const auto now = now_of(policy);
    const auto age_limit_ms = to_ms(now - policy.max_age);
    const auto idle_limit_ms = to_ms(now - policy.idle_room_eviction);
    const auto max_events = static_cast<std::uint64_t>(
        std::min<std::size_t>(policy.max_events, std::numeric_limits<std::int64_t>::max()));

    struct room_view {
        std::string nsp, room;
        std::uint64_t head, trimmed_through, count, oldest;
        bool idle;
    };
    struct outcome {
        std::string nsp, room;
        bool evicted;
        std::uint64_t head, trimmed_through, count, oldest;
    };
    std::vector<outcome> outcomes;
    std::vector<std::uint64_t> removed;  // sequences taken out of a room: maybe orphaned now

    try {
        w.begin.reset().run();
        // Every event at or below age_cut is expired (times follow sequences).
        std::uint64_t age_cut = w.last_sequence;
        w.first_young.reset().bind(1, age_limit_ms);
        if (w.first_young.step()) age_cut = w.first_young.uint64(0) - 1;
        w.first_young.reset();

        std::vector<room_view> views;
        {
            std::lock_guard lock(mu_);
            for (const auto& [nsp, ns] : namespaces_) {
                for (const auto& [name, r] : ns.rooms) {
                    const bool idle = r.last_append_ms < idle_limit_ms;
                    const bool aged = r.oldest != 0 && r.oldest <= age_cut;
                    if (idle || aged || r.count > max_events) {
                        views.push_back(room_view{nsp, name, r.head, r.trimmed_through, r.count, r.oldest, idle});
                    }
                }
            }
        }

        for (const auto& v : views) {
            if (v.idle) {
                w.evict_room_rows.reset().bind_text(1, v.nsp).bind_text(2, v.room);
                while (w.evict_room_rows.step()) removed.push_back(w.evict_room_rows.uint64(0));
                w.evict_room_rows.reset();
                w.delete_room.reset().bind_text(1, v.nsp).bind_text(2, v.room).run();
                w.raise_evicted.reset().bind_text(1, v.nsp).bind(2, v.head).run();
                outcomes.push_back(outcome{v.nsp, v.room, true, v.head, 0, 0, 0});
                continue;
            }
            std::uint64_t cut = (v.oldest != 0 && v.oldest <= age_cut) ? age_cut : 0;
            if (v.count > max_events) {
                w.nth_newest.reset().bind_text(1, v.nsp).bind_text(2, v.room).bind(3, max_events);
                if (w.nth_newest.step()) cut = std::max(cut, w.nth_newest.uint64(0));
                w.nth_newest.reset();
            }
            if (cut == 0) continue;
            std::uint64_t trimmed = v.trimmed_through;
            std::uint64_t n = 0;
            w.trim_room.reset().bind_text(1, v.nsp).bind_text(2, v.room).bind(3, cut);
            while (w.trim_room.step()) {
                const auto seq = w.trim_room.uint64(0);
                removed.push_back(seq);
                trimmed = std::max(trimmed, seq);
                ++n;
            }
            w.trim_room.reset();
            std::uint64_t oldest = 0;
            w.room_oldest.reset().bind_text(1, v.nsp).bind_text(2, v.room);
            if (w.room_oldest.step() && !w.room_oldest.is_null(0)) oldest = w.room_oldest.uint64(0);
            w.room_oldest.reset();
            w.set_trimmed.reset().bind_text(1, v.nsp).bind_text(2, v.room).bind(3, trimmed).run();
            outcomes.push_back(outcome{v.nsp, v.room, false, v.head, trimmed, v.count - std::min(n, v.count), oldest});
        }

        std::sort(removed.begin(), removed.end());
        removed.erase(std::unique(removed.begin(), removed.end()), removed.end());
        for (const auto seq : removed) w.delete_orphan.reset().bind(1, seq).run();
        w.expire_keys.reset().bind(1, to_ms(now - policy.idempotency_window)).run();
        w.commit.reset().run();
    } catch (const sqlite_error&) {
        // Nothing changed; retention runs again at the next interval. Appends
        // are unaffected: a full disk shows up there on its own.
        w.db.rollback();
        return;
    }

    w.keys.expire(now);
    std::lock_guard lock(mu_);
    for (const auto& o : outcomes) {
        auto& ns = namespaces_[o.nsp];
        if (o.evicted) {
            ns.evicted_through = std::max(ns.evicted_through, o.head);
            ns.rooms.erase(o.room);
            continue;
        }
        const auto it = ns.rooms.find(o.room);
        if (it == ns.rooms.end()) continue;
        auto& room = it->second;
        room.trimmed_through = o.trimmed_through;
        room.count = o.count;
        room.oldest = o.oldest;
        drop_through(room.tail, o.trimmed_through);
        room.tail_from = std::max(room.tail_from, o.trimmed_through);
    }
}

}  // namespace ferry::store
