#include "socketio/replay.hpp"

#include "socketio/client.hpp"

#include <boost/asio/post.hpp>

namespace ferry::socketio {

void replay_job::read(offset after) {
    auto self = shared_from_this();
    store->read_after(after, nsp, rooms, page_size, [self, after](result<read_page> page) {
        // Completes inline or on the store's thread: the socket is touched on its worker only.
        boost::asio::post(*self->context, [self, after, page = std::move(page)]() mutable {
            self->on_page(after, std::move(page));
        });
    });
}

void replay_job::on_page(offset after, result<read_page> page) {
    auto s = target.lock();
    if (!s) return;
    if (!page) {
        // The log cannot be read: the client must not believe it is complete.
        s->finish_replay();
        s->client().close("store unavailable");
        return;
    }
    if (first_) {
        first_ = false;
        if (on_first_page && !on_first_page(*page)) return;
    }
    offset last = after;
    for (const auto& e : page->events) {
        last.sequence = e.sequence;
        if (wanted(e)) s->write_replayed(e, store->epoch());
    }
    // Pace on the client: the next page (or the held live events) only once
    // this one has mostly gone out, so a replay of any size is never cut as a
    // slow consumer and never holds more than a page.
    auto self = shared_from_this();
    const bool more = page->more && !page->events.empty() && s->connected();
    s->client().when_drained([self, more, last] {
        auto target_socket = self->target.lock();
        if (!target_socket) return;
        if (more) return self->read(last);
        target_socket->finish_replay();
    });
}

}  // namespace ferry::socketio
