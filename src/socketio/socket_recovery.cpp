// The recovery side of ferry::socket: delivering live events around a replay,
// restoring a session, and replaying the log (docs/recovery.md).
//
// The invariant: a client sees one ordered stream with no gap and no
// duplicate. While a replay runs, live events are held; replayed sequences are
// remembered, so a live copy of an event the replay already wrote is dropped.
// Live events reach a worker in sequence order (server_impl::publish), so once
// one passes the newest replayed sequence, the memory can be released.

#include <ferry/event_store.hpp>
#include <ferry/session_store.hpp>
#include <ferry/socket.hpp>

#include "socketio/adapter.hpp"
#include "socketio/client.hpp"
#include "socketio/namespace_impl.hpp"
#include "socketio/replay.hpp"
#include "socketio/server_impl.hpp"
#include "socketio/stored_event.hpp"
#include "socketio/worker_state.hpp"

#include <boost/asio/post.hpp>
#include <boost/json/parse.hpp>

#include <algorithm>
#include <set>
#include <unordered_map>

namespace ferry {
namespace asio = boost::asio;

bool socket::deliver(const std::shared_ptr<const socketio::broadcast_packet>& packet) {
    if (!connected_ && replays_ == 0) return false;
    if (replays_ > 0) {
        held_.push_back(packet);
        return true;
    }
    if (replayed_.already_sent(packet->sequence)) return false;
    return packet->selection.is_volatile ? client_->write_volatile(packet->wire) : client_->write(packet->wire);
}

void socket::restore(const session_record& record) {
    recovered_ = true;
    pid_ = record.pid;
    session_start_ = record.start;
    auto parsed = boost::json::parse(record.data);
    data_ = parsed;
    for (const auto& room : record.rooms) {
        if (!rooms_.insert(room.name).second) continue;
        room_since_[room.name] = room.since;
        client_->worker().join(*nsp_, *this, room.name);
    }
}

void socket::abandon_restore() {
    recovered_ = false;
    pid_.clear();
    leave_all();
    room_since_.clear();
    replayed_down_to_.clear();
    held_.clear();
    replays_ = 0;
    data_ = nullptr;
}

void socket::write_replayed(const stored_event& e, std::string_view epoch) {
    if (!connected_) return;
    const auto& wire = client_->worker().replay_packets().get(nsp_->name(), e, epoch, [&] {
        return socketio::stored_event_wire(nsp_->name(), e.payload, e.attachments,
                                           offset{std::string(epoch), e.sequence}.to_string());
    });
    client_->write_paced(wire);
    replayed_.add(e.sequence);
}

void socket::finish_replay() {
    if (replays_ == 0 || --replays_ > 0) return;
    auto held = std::move(held_);
    held_.clear();
    for (const auto& packet : held) deliver(packet);
}

void socket::join_since(const std::vector<std::string>& rooms, const std::string& since) {
    auto* store = client_->server().store();
    if (!store || !connected_) {
        join(rooms);
        return;
    }
    const auto cursor = offset::parse(since);
    if (!unrecovered_gap_.is_null()) placed_rooms_.insert(rooms.begin(), rooms.end());
    begin_replay();
    join(rooms);
    // A cursor of another epoch (or none) places nothing: the store reports
    // the gap, then what it keeps.
    const bool placed =
        cursor && cursor->epoch == store->epoch() && cursor->sequence <= store->position().sequence;
    const std::uint64_t after = placed ? cursor->sequence : 0;
    // Per room, the client has had every live event since it joined (its
    // position), and what earlier join_since calls replayed below it: the
    // replay fills (since, covered] only, so asking again for a room the
    // socket is in never sends anything twice.
    std::unordered_map<std::string, std::uint64_t> upto;
    std::vector<std::string> replayed;
    for (const auto& r : rooms) {
        auto covered = replayed_down_to_.find(r);
        const std::uint64_t top = covered != replayed_down_to_.end() ? covered->second
                                  : room_since_.count(r)            ? room_since_.at(r)
                                                                    : 0;
        if (placed && after >= top) continue;  // nothing below what it has had
        upto[r] = top;
        replayed_down_to_[r] = after;
        replayed.push_back(r);
    }
    if (replayed.empty()) return finish_replay();
    auto job = std::make_shared<socketio::replay_job>();
    job->target = weak_from_this();
    job->store = store;
    job->context = &client_->session().owner().context();
    job->nsp = nsp_->name();
    job->rooms = replayed;
    job->page_size = client_->server().options().recovery.replay_page;
    // Nothing at or below the cursor is filtered here: the store reads after
    // the sequence where the gap rule places the cursor, which is 0 for
    // another epoch's cursor or one beyond the head (the sequence of another
    // history says nothing about this one).
    job->wanted = [upto = std::move(upto)](const stored_event& e) {
        return std::any_of(e.rooms.begin(), e.rooms.end(), [&](const std::string& r) {
            auto it = upto.find(r);
            return it != upto.end() && e.sequence <= it->second;
        });
    };
    job->on_first_page = [weak = weak_from_this(), rooms = std::move(replayed)](const read_page& page) {
        auto self = weak.lock();
        if (!self || !page.gap) return true;
        // Told plainly, before the events that are still kept.
        boost::json::object gap;
        boost::json::array names;
        for (const auto& r : rooms) names.emplace_back(r);
        gap["rooms"] = std::move(names);
        gap["oldest"] = page.oldest ? boost::json::value(page.oldest->to_string()) : boost::json::value(nullptr);
        self->emit_unlogged("gap", make_args(std::move(gap)));
        return true;
    };
    // A cursor that does not parse cannot be placed in the log: read from the
    // start of this epoch and let the store report the gap.
    job->read(cursor ? *cursor : offset{"", 0});
}

void socket::expect_unrecovered_gap(boost::json::value gap) { unrecovered_gap_ = std::move(gap); }

void socket::tell_unrecovered_gap() {
    if (unrecovered_gap_.is_null()) return;
    auto gap = std::move(unrecovered_gap_.as_object());
    unrecovered_gap_ = nullptr;
    auto placed = std::move(placed_rooms_);
    placed_rooms_.clear();
    // The rooms the old session had, and those the handlers joined without a
    // cursor: the client may have missed events in all of them.
    std::set<std::string> names;
    if (const auto* old = gap.if_contains("rooms"); old && old->is_array()) {
        for (const auto& r : old->get_array()) {
            if (r.is_string()) names.emplace(r.get_string());
        }
    }
    for (const auto& r : rooms_) names.insert(r);
    names.erase(id_);
    for (const auto& r : placed) names.erase(r);
    // Every room was placed at a cursor: those replays decided, exactly.
    if (names.empty() && !placed.empty()) return;
    boost::json::array list;
    for (const auto& r : names) list.emplace_back(r);
    gap["rooms"] = std::move(list);
    emit_unlogged("gap", make_args(boost::json::value(std::move(gap))));
}

}  // namespace ferry
