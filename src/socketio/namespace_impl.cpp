#include "socketio/namespace_impl.hpp"

namespace ferry::socketio {

void namespace_impl::room_created_on_worker(const std::string& room) {
    bool first = false;
    {
        std::lock_guard lock(rooms_mutex_);
        first = ++worker_rooms_[room] == 1;
    }
    if (first) {
        for (const auto& h : handlers().create_room_handlers) h(room);
    }
}

void namespace_impl::room_deleted_on_worker(const std::string& room) {
    bool last = false;
    {
        std::lock_guard lock(rooms_mutex_);
        auto it = worker_rooms_.find(room);
        if (it == worker_rooms_.end()) return;
        if (--it->second == 0) {
            worker_rooms_.erase(it);
            last = true;
        }
    }
    if (last) {
        for (const auto& h : handlers().delete_room_handlers) h(room);
    }
}

}  // namespace ferry::socketio
