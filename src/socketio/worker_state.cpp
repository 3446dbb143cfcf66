#include "socketio/worker_state.hpp"

#include "socketio/namespace_impl.hpp"

#include <boost/asio/post.hpp>

namespace ferry::socketio {

namespace_local& worker_state::local(const namespace_impl& nsp) {
    // Namespaces get dense indexes; a dynamic one created by another worker
    // simply grows this vector the first time it is seen here.
    if (nsp.index() >= locals_.size()) locals_.resize(nsp.index() + 1);
    auto& slot = locals_[nsp.index()];
    if (!slot) slot = std::make_unique<namespace_local>();
    return *slot;
}

void worker_state::join(namespace_impl& nsp, detail::room_member& m, const std::string& room) {
    const bool created = local(nsp).rooms.add(room, m);
    if (created) nsp.room_created_on_worker(room);
    for (const auto& h : nsp.handlers().join_room_handlers) h(room, m.member_id());
}

void worker_state::close_streams() {
    std::vector<std::shared_ptr<detail::room_member>> all;
    for (const auto& local : locals_) {
        if (!local) continue;
        for (const auto& [id, m] : local->streams) all.push_back(m);
    }
    // Closing removes a stream from its map, so they are collected first.
    for (const auto& m : all) m->disconnect_member(true);
}

void worker_state::leave(namespace_impl& nsp, detail::room_member& m, const std::string& room) {
    const bool deleted = local(nsp).rooms.remove(room, m);
    for (const auto& h : nsp.handlers().leave_room_handlers) h(room, m.member_id());
    if (deleted) nsp.room_deleted_on_worker(room);
}

void worker_state::enqueue(std::function<void(worker_state&)> op, boost::asio::io_context& context) {
    {
        std::lock_guard lock(inbox_mutex_);
        inbox_.push_back(std::move(op));
        if (drain_posted_) return;
        drain_posted_ = true;
    }
    boost::asio::post(context, [this] {
        {
            std::lock_guard lock(inbox_mutex_);
            draining_.swap(inbox_);
            drain_posted_ = false;
        }
        for (auto& queued : draining_) queued(*this);
        draining_.clear();
    });
}

}  // namespace ferry::socketio
