// Connection state recovery for a CONNECT carrying { pid, offset? }
// (socket.io-client 4.x), extended as docs/recovery.md says: a pid without an
// offset (the client received nothing yet) recovers from the session's start,
// and a cursor the log cannot serve is told as a `gap` instead of replayed in part.

#include "socketio/client.hpp"

#include "engineio/engine.hpp"
#include "socketio/namespace_impl.hpp"
#include "socketio/replay.hpp"
#include "socketio/server_impl.hpp"

#include <ferry/event_store.hpp>

#include <boost/asio/post.hpp>

#include <algorithm>
#include <unordered_map>

namespace ferry::socketio {
namespace asio = boost::asio;

namespace {

boost::json::value gap_notice(const session_record& record, const std::optional<offset>& oldest) {
    boost::json::array rooms;
    for (const auto& r : record.rooms) {
        if (r.name != record.sid) rooms.emplace_back(r.name);
    }
    boost::json::object gap;
    gap["rooms"] = std::move(rooms);
    gap["oldest"] = oldest ? boost::json::value(oldest->to_string()) : boost::json::value(nullptr);
    return gap;
}

}  // namespace

void client::take_session(const std::shared_ptr<socket>& s, std::string pid, std::optional<std::string> offset_text,
                          std::function<void(boost::json::value gap)> fallback) {
    auto* context = &session_->owner().context();
    server_->sessions()->take(
        pid, server_->options().recovery.max_disconnection_duration,
        [weak = weak_from_this(), s, offset_text, fallback, context](result<std::optional<session_record>> r) {
            asio::post(*context, [weak, s, offset_text, fallback, r = std::move(r)]() mutable {
                auto self = weak.lock();
                if (!self || self->closed_) {
                    // The client left while its record was loading: keep the record.
                    if (self && r && *r) self->server_->sessions()->save(std::move(**r));
                    return;
                }
                if (!r || !*r || (*r)->nsp != s->nsp()) return fallback(nullptr);
                self->resume(s, std::move(**r), std::move(offset_text), std::move(fallback));
            });
        });
}

void client::resume(const std::shared_ptr<socket>& s, session_record record, std::optional<std::string> offset_text,
                    std::function<void(boost::json::value gap)> fallback) {
    event_store& store = *server_->store();
    if (record.epoch != store.epoch()) {
        server_->counters.recovery_gaps.fetch_add(1, std::memory_order_relaxed);
        return fallback(gap_notice(record, std::nullopt));
    }
    // Where the client says it is; without an offset it has received nothing
    // of this session, so it is at the session's start.
    offset cursor{record.epoch, record.start};
    if (offset_text) {
        auto parsed = offset::parse(*offset_text);
        if (!parsed || parsed->epoch != store.epoch()) {
            server_->counters.recovery_gaps.fetch_add(1, std::memory_order_relaxed);
            return fallback(gap_notice(record, std::nullopt));
        }
        cursor = *parsed;
    }

    // Per room, events at or before max(cursor, since) are not owed to the client.
    std::unordered_map<std::string, std::uint64_t> floor;
    std::uint64_t lowest = std::max(cursor.sequence, record.start);
    for (const auto& r : record.rooms) {
        floor[r.name] = std::max(cursor.sequence, r.since);
        lowest = std::min(lowest, floor[r.name]);
    }
    const std::uint64_t all_floor = std::max(cursor.sequence, record.start);

    s->set_id(record.sid);
    s->begin_replay();  // live events are held from the moment the rooms are joined
    s->restore(record);

    auto job = std::make_shared<replay_job>();
    job->target = s;
    job->store = &store;
    job->context = &session_->owner().context();
    job->nsp = record.nsp;
    for (const auto& r : record.rooms) job->rooms.push_back(r.name);
    job->page_size = server_->options().recovery.replay_page;
    job->wanted = [floor = std::move(floor), all_floor](const stored_event& e) {
        for (const auto& room : e.rooms) {
            if (room == all_room) {
                if (e.sequence > all_floor) return true;
            } else if (auto it = floor.find(room); it != floor.end() && e.sequence > it->second) {
                return true;
            }
        }
        return false;
    };
    job->on_first_page = [weak = weak_from_this(), s, record, fallback](const read_page& page) {
        auto self = weak.lock();
        if (!self || self->closed_) return false;
        if (page.gap) {
            // Never a silent partial replay: a new session, and the gap said plainly.
            self->server_->counters.recovery_gaps.fetch_add(1, std::memory_order_relaxed);
            s->abandon_restore();
            s->set_id(self->server_->make_socket_id());
            fallback(gap_notice(record, page.oldest));
            return false;
        }
        self->server_->counters.recoveries.fetch_add(1, std::memory_order_relaxed);
        self->complete_admission(s);  // CONNECT with the same pid: socket.recovered on the client
        return true;
    };
    job->read(offset{record.epoch, lowest});
}

}  // namespace ferry::socketio
