#include "socketio/worker_state.hpp"

#include "socketio/namespace_impl.hpp"

namespace ferry::socketio {

namespace_local& worker_state::local(const namespace_impl& nsp) {
    // Namespaces get dense indexes; a dynamic one created by another worker
    // simply grows this vector the first time it is seen here.
    if (nsp.index() >= locals_.size()) locals_.resize(nsp.index() + 1);
    auto& slot = locals_[nsp.index()];
    if (!slot) slot = std::make_unique<namespace_local>();
    return *slot;
}

void worker_state::join(socket& s, const std::string& room) {
    auto& nsp = s.nsp_impl();
    const bool created = local(nsp).rooms.add(room, s);
    if (created) nsp.room_created_on_worker(room);
    for (const auto& h : nsp.handlers().join_room_handlers) h(room, s.id());
}

void worker_state::leave(socket& s, const std::string& room) {
    auto& nsp = s.nsp_impl();
    const bool deleted = local(nsp).rooms.remove(room, s);
    for (const auto& h : nsp.handlers().leave_room_handlers) h(room, s.id());
    if (deleted) nsp.room_deleted_on_worker(room);
}

}  // namespace ferry::socketio
