// nsp::history and nsp::head: the event log read by the application, for
// "load older messages" and for telling a client where a room stands.

#include <ferry/event_store.hpp>
#include <ferry/server.hpp>

#include "socketio/namespace_impl.hpp"
#include "socketio/server_impl.hpp"

#include <boost/json/parse.hpp>

#include <algorithm>

namespace ferry {

void nsp::history(const std::string& room, const std::string& after, std::size_t limit,
                  std::function<void(result<history_page>)> done) const {
    event_store* store = impl_->server().store();
    if (!store) return done(make_error_code(error::store_unavailable));
    offset cursor{store->epoch(), 0};
    if (!after.empty()) {
        auto parsed = offset::parse(after);
        if (!parsed) return done(make_error_code(error::store_unavailable));
        cursor = *parsed;
    }
    const std::string epoch = store->epoch();
    store->read_after(cursor, impl_->name(), {room}, limit, [done, room, epoch](result<read_page> page) {
        if (!page) return done(page.error());
        history_page out;
        out.gap = page->gap;
        out.more = page->more;
        for (auto& e : page->events) {
            // The log also returns namespace-wide events; a room's history is its own.
            if (std::find(e.rooms.begin(), e.rooms.end(), room) == e.rooms.end()) continue;
            boost::system::error_code ec;
            auto parsed = boost::json::parse(e.payload, ec);
            if (ec || !parsed.is_array() || parsed.as_array().empty()) continue;
            auto& arr = parsed.as_array();
            history_event h;
            h.offset = offset{epoch, e.sequence}.to_string();
            h.event = arr.front().is_string() ? std::string(arr.front().get_string()) : std::string();
            for (std::size_t i = 1; i < arr.size(); ++i) h.args.values.push_back(std::move(arr[i]));
            h.args.attachments = std::move(e.attachments);
            out.events.push_back(std::move(h));
        }
        done(std::move(out));
    });
}

std::string nsp::head(const std::string& room) const {
    event_store* store = impl_->server().store();
    return store ? store->head(impl_->name(), room).to_string() : std::string();
}

}  // namespace ferry
