// Connection state recovery for a CONNECT carrying { pid, offset? }
// (socket.io-client 4.x), extended as docs/recovery.md says: a pid without an
// offset (the client received nothing yet) recovers from the session's start;
// a pid whose socket is still connected (the client left a half-open
// connection) takes that session over; and a session that cannot be restored
// is told as a `gap`, never refused in silence or replayed in part.

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

boost::json::value unrestored_session_gap() {
    return boost::json::object{{"rooms", boost::json::array{}}, {"oldest", nullptr}};
}

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
                          std::function<void(boost::json::value gap)> fallback, bool evicted) {
    auto* context = &session_->owner().context();
    server_->sessions()->take(
        pid, server_->options().recovery.max_disconnection_duration,
        [weak = weak_from_this(), s, pid, offset_text, fallback, context,
         evicted](result<std::optional<session_record>> r) mutable {
            asio::post(*context, [weak, s, pid = std::move(pid), offset_text = std::move(offset_text),
                                  fallback = std::move(fallback), evicted, r = std::move(r)]() mutable {
                auto self = weak.lock();
                const bool live = r && *r && !(*r)->disconnected_at;
                if (!self || self->closed_) {
                    // The client left while its record was loading: keep the record.
                    if (self && r && *r && !live) self->server_->sessions()->save(std::move(**r));
                    return;
                }
                if (!r || !*r || (*r)->nsp != s->nsp()) return fallback(unrestored_session_gap());
                if (live) {
                    // Still held by a socket: the client reconnected before the
                    // server noticed it left (a half-open connection). Once.
                    if (evicted) return fallback(gap_notice(**r, std::nullopt));
                    return self->take_over(s, std::move(pid), std::move(offset_text), std::move(fallback),
                                           std::move(**r));
                }
                self->resume(s, std::move(**r), std::move(offset_text), std::move(fallback));
            });
        });
}

void client::take_over(const std::shared_ptr<socket>& s, std::string pid, std::optional<std::string> offset_text,
                       std::function<void(boost::json::value gap)> fallback, session_record live) {
    // The old connection ends as a lost transport: its sockets save their
    // sessions as disconnected, then this one takes the record again. Its late
    // close (the proxy or the kernel giving up on it) finds nothing to do.
    server_->counters.takeovers.fetch_add(1, std::memory_order_relaxed);
    server_->get_adapter().evict(
        s->nsp_impl(), live.sid,
        [weak = weak_from_this(), s, pid = std::move(pid), offset_text = std::move(offset_text),
         fallback = std::move(fallback)](std::size_t) mutable {
            auto self = weak.lock();
            if (!self || self->closed_) return;
            self->take_session(s, std::move(pid), std::move(offset_text), std::move(fallback), true);
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
