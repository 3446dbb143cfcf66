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
    begin_replay();
    join(rooms);
    auto job = std::make_shared<socketio::replay_job>();
    job->target = weak_from_this();
    job->store = store;
    job->context = &client_->session().owner().context();
    job->nsp = nsp_->name();
    job->rooms = rooms;
    job->page_size = client_->server().options().recovery.replay_page;
    // Per room, the client has had every live event since it joined (its
    // position): the replay fills (since, position] and never goes past it, so
    // a room it was already in is not replayed twice.
    std::unordered_map<std::string, std::uint64_t> upto;
    for (const auto& r : rooms) upto[r] = room_since_.count(r) ? room_since_.at(r) : 0;
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
    job->on_first_page = [weak = weak_from_this(), rooms](const read_page& page) {
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

}  // namespace ferry
