// Retention in the SQLite store, on the writer thread, in one transaction:
// trim each room by count and age (raising its trimmed_through watermark),
// evict idle rooms (raising their namespace's watermark), delete events no
// room keeps any more, and forget expired idempotency keys. Only rooms that
// need work are visited; the in-memory mirror is updated after the commit.
#include "store/list_codec.hpp"
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
    // The rows taken out of one room in this pass, ascending: their events
    // may be kept by no room now.
    struct removal {
        const room_view* from;
        std::vector<std::uint64_t> seqs;
    };
    struct outcome {
        std::string nsp, room;
        bool evicted;
        std::uint64_t head, trimmed_through, count, oldest;
    };
    std::vector<outcome> outcomes;
    std::vector<removal> removals;

    // Takes the rows of room `v` at or below `cut` out of event_rooms: one
    // read of their sequences, one range delete (a DELETE ... RETURNING would
    // copy every row through two temporary tables).
    const auto take_rows = [&](const room_view& v, std::uint64_t cut) -> const std::vector<std::uint64_t>& {
        auto& taken = removals.emplace_back(removal{&v, {}}).seqs;
        constexpr std::uint64_t largest = std::numeric_limits<std::int64_t>::max();
        const auto through = static_cast<std::int64_t>(std::min(cut, largest));
        w.room_rows_through.reset().bind_text(1, v.nsp).bind_text(2, v.room).bind(3, through);
        while (w.room_rows_through.step()) taken.push_back(w.room_rows_through.uint64(0));
        w.room_rows_through.reset();
        if (!taken.empty()) {
            w.delete_room_rows_through.reset().bind_text(1, v.nsp).bind_text(2, v.room).bind(3, through).run();
        }
        return taken;
    };

    // True when none of the rooms event `seq` was stored in still has its
    // row (the general case: an event sent to several rooms).
    const auto kept_by_no_room = [&w](std::uint64_t seq) {
        auto& event = w.event_rooms_of;
        event.reset().bind(1, seq);
        if (!event.step()) return false;  // already deleted
        const auto nsp = event.text(0);
        const auto rooms = decode_list(event.blob(1));
        event.reset();
        if (!rooms) return false;  // unreadable: keep it rather than guess
        for (const auto& room : *rooms) {
            const bool kept = w.room_keeps.reset().bind_text(1, nsp).bind_text(2, room).bind(3, seq).step();
            w.room_keeps.reset();
            if (kept) return false;
        }
        return true;
    };

    // Deletes the events that lost their last room in this pass (call after
    // every room's rows are taken). An event whose rooms are exactly the room
    // a row was taken from is kept by no room: when that room's rows are dense
    // in the sequence, one range statement deletes all such events (it can
    // only meet events whose row is gone: every row of that room up to the
    // cut was taken); otherwise one statement per row. What is left had
    // several rooms and is checked room by room.
    const auto delete_unkept_events = [&] {
        constexpr std::uint64_t dense = 4;  // at most this many events scanned per row taken
        std::vector<std::uint64_t> shared;
        for (const auto& r : removals) {
            if (r.seqs.empty()) continue;
            const auto single = encode_list({r.from->room});
            const auto lo = r.seqs.front();
            const auto hi = r.seqs.back();
            shared.clear();
            if (hi - lo < dense * r.seqs.size()) {
                auto& range = w.delete_single_room_events;
                range.reset().bind(1, lo).bind(2, hi).bind_text(3, r.from->nsp).bind_blob(4, single).run();
                // It deleted only events of these rows: if as many, none had several rooms.
                if (static_cast<std::size_t>(sqlite3_changes(w.db.handle())) == r.seqs.size()) continue;
                // Events still in the range that were in this room had several rooms.
                auto next = r.seqs.begin();
                w.events_between.reset().bind(1, lo).bind(2, hi);
                while (w.events_between.step()) {
                    const auto seq = w.events_between.uint64(0);
                    next = std::lower_bound(next, r.seqs.end(), seq);
                    if (next != r.seqs.end() && *next == seq) shared.push_back(seq);
                }
                w.events_between.reset();
            } else {
                for (const auto seq : r.seqs) {
                    w.delete_single_room_event.reset().bind(1, seq).bind_blob(2, single).run();
                    if (sqlite3_changes(w.db.handle()) == 0) shared.push_back(seq);
                }
            }
            for (const auto seq : shared) {
                if (kept_by_no_room(seq)) w.delete_event.reset().bind(1, seq).run();
            }
        }
    };

    if (!w.broken.empty()) return;
    try {
        begin_in_sync();
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
                take_rows(v, std::numeric_limits<std::uint64_t>::max());
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
            const auto& taken = take_rows(v, cut);
            const std::uint64_t trimmed = taken.empty() ? v.trimmed_through : std::max(v.trimmed_through, taken.back());
            const std::uint64_t n = taken.size();
            std::uint64_t oldest = 0;
            w.room_oldest.reset().bind_text(1, v.nsp).bind_text(2, v.room);
            if (w.room_oldest.step() && !w.room_oldest.is_null(0)) oldest = w.room_oldest.uint64(0);
            w.room_oldest.reset();
            w.set_trimmed.reset().bind_text(1, v.nsp).bind_text(2, v.room).bind(3, trimmed).run();
            outcomes.push_back(outcome{v.nsp, v.room, false, v.head, trimmed, v.count - std::min(n, v.count), oldest});
        }

        delete_unkept_events();
        w.expire_keys.reset().bind(1, to_ms(now - policy.idempotency_window)).run();
        w.commit.reset().run();
    } catch (const sqlite_error& e) {
        // Nothing changed; retention runs again at the next interval.
        w.db.rollback();
        note_failure("retention", e.what());
        return;
    }
    note_success();

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
