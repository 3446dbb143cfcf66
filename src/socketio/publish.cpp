// The publish path of DESIGN.md: append to the log (which assigns the
// offset), encode once with the offset as last argument, hand to every worker.

#include "socketio/adapter.hpp"
#include "socketio/client.hpp"
#include "socketio/namespace_impl.hpp"
#include "socketio/server_impl.hpp"
#include "socketio/stored_event.hpp"

#include <ferry/socket.hpp>

#include <boost/json/serialize.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <mutex>
#include <optional>

namespace ferry::socketio {

void server_impl::publish(namespace_impl& nsp, const broadcast_operator::selection& sel, std::string_view name,
                          const args& a, std::function<void(result<std::string>)> done,
                          std::string idempotency_key, int only_worker) {
    // The one gate of every published event (client publish, HTTP API,
    // library emit): what cannot be sent as JSON text is refused here, before
    // the log or any client sees it, so no surface can acknowledge an event
    // that no client could parse.
    auto text = event_payload(name, a);
    if (!text) {
        if (done) done(text.error());
        else spdlog::warn("an event '{}' was not published: {}", name, text.error().message());
        return;
    }
    auto b = std::make_shared<broadcast_packet>();
    b->nsp = &nsp;
    b->selection = sel;
    b->only_worker = only_worker;
    if (!store() || sel.is_volatile) {
        // Volatile events are never stored (Socket.IO's rule): they may be
        // dropped anyway, and a replay must not resurrect them.
        // One serialization serves the Socket.IO frame and the SSE frame.
        b->payload = std::make_shared<const std::string>(std::move(*text));
        b->wire = stored_event_wire(nsp.name(), *b->payload, a.attachments, {});
        adapter_->broadcast(std::move(b));
        if (done) done(std::string());
        return;
    }

    event_record record;
    record.nsp = nsp.name();
    record.rooms = sel.rooms.empty() ? std::vector<std::string>{std::string(all_room)} : sel.rooms;
    record.except = sel.except;
    record.payload = std::move(*text);
    record.attachments = a.attachments;
    record.idempotency_key = std::move(idempotency_key);
    auto payload = std::make_shared<const std::string>(record.payload);

    // The user's completion must not run under publish_mutex_ (it may publish
    // again): when the store completes inline, it is called after the unlock.
    struct pending {
        std::function<void(result<std::string>)> done;
        std::mutex mutex;  // the store may complete on its thread before append() returns
        std::optional<result<std::string>> inline_result;
        bool appending = true;
    };
    auto state = std::make_shared<pending>();
    state->done = std::move(done);
    {
        std::lock_guard lock(publish_mutex_);
        store()->append(std::move(record), [this, b, payload, state,
                                            attachments = a.attachments](result<offset> stored) mutable {
            result<std::string> outcome = stored ? result<std::string>(stored->to_string())
                                                 : result<std::string>(stored.error());
            if (stored && stored->sequence > last_published_) {
                last_published_ = stored->sequence;
                b->sequence = stored->sequence;
                b->offset = *outcome;
                b->payload = payload;
                b->wire = stored_event_wire(b->nsp->name(), *payload, attachments, *outcome);
                adapter_->broadcast(std::move(b));
            }
            // Never deliver as recoverable what the log does not hold: on error
            // nothing was broadcast, and the publisher is told.
            {
                std::lock_guard guard(state->mutex);
                if (state->appending) {
                    state->inline_result = std::move(outcome);
                    return;
                }
            }
            if (state->done) state->done(std::move(outcome));
        });
    }
    std::optional<result<std::string>> early;
    {
        std::lock_guard guard(state->mutex);
        state->appending = false;
        early = std::move(state->inline_result);
    }
    if (early && state->done) state->done(std::move(*early));
}

}  // namespace ferry::socketio

namespace ferry::socketio {

namespace {

session_record record_of(const socket& s, event_store& store) {
    session_record r;
    r.pid = s.pid();
    r.sid = s.id();
    r.nsp = s.nsp();
    r.epoch = store.epoch();
    r.start = s.session_start();
    for (const auto& [room, since] : s.room_since()) r.rooms.push_back(session_room{room, since});
    std::sort(r.rooms.begin(), r.rooms.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    return r;
}

}  // namespace

void server_impl::save_session(const socket& s, bool disconnected) {
    if (!store() || !sessions_ || s.pid().empty()) return;
    session_record r = record_of(s, *store());
    r.data = boost::json::serialize(s.data());
    if (disconnected) r.disconnected_at = std::chrono::system_clock::now();
    sessions_->save(std::move(r));
}

void server_impl::drop_session(const socket& s) {
    if (sessions_ && !s.pid().empty()) sessions_->remove(s.pid());
}

}  // namespace ferry::socketio
