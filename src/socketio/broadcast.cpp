// Broadcast operators and the local adapter: a broadcast is encoded once,
// posted to every worker, and each worker writes the shared bytes to its own
// matching sockets.

#include <ferry/broadcast.hpp>

#include "socketio/adapter.hpp"
#include "socketio/client.hpp"
#include "socketio/namespace_impl.hpp"
#include "socketio/server_impl.hpp"
#include "socketio/stored_event.hpp"
#include "socketio/worker_state.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <mutex>

namespace ferry {
namespace asio = boost::asio;
using socketio::namespace_impl;

broadcast_operator broadcast_operator::to(std::string room) const {
    broadcast_operator copy = *this;
    copy.sel_.rooms.push_back(std::move(room));
    return copy;
}

broadcast_operator broadcast_operator::to(const std::vector<std::string>& rooms) const {
    broadcast_operator copy = *this;
    copy.sel_.rooms.insert(copy.sel_.rooms.end(), rooms.begin(), rooms.end());
    return copy;
}

broadcast_operator broadcast_operator::except(std::string room) const {
    broadcast_operator copy = *this;
    copy.sel_.except.push_back(std::move(room));
    return copy;
}

broadcast_operator broadcast_operator::except(const std::vector<std::string>& rooms) const {
    broadcast_operator copy = *this;
    copy.sel_.except.insert(copy.sel_.except.end(), rooms.begin(), rooms.end());
    return copy;
}

broadcast_operator broadcast_operator::volatile_() const {
    broadcast_operator copy = *this;
    copy.sel_.is_volatile = true;
    return copy;
}

broadcast_operator broadcast_operator::local() const {
    broadcast_operator copy = *this;
    copy.sel_.is_local = true;
    return copy;
}

broadcast_operator broadcast_operator::timeout(std::chrono::milliseconds t) const {
    broadcast_operator copy = *this;
    copy.sel_.timeout = t;
    return copy;
}

namespace {

std::shared_ptr<socketio::broadcast_packet> encode_broadcast(namespace_impl& nsp,
                                                             const broadcast_operator::selection& sel,
                                                             std::string_view name, const args& a,
                                                             std::optional<std::uint64_t> ack_id) {
    const socketio::packet p = socketio::make_event_packet(nsp.name(), name, a, ack_id);
    auto b = std::make_shared<socketio::broadcast_packet>();
    b->nsp = &nsp;
    b->selection = sel;
    b->wire = socketio::encode_for_wire(p);
    return b;
}

}  // namespace

void broadcast_operator::emit_args(std::string_view name, const args& a) const {
    nsp_->server().publish(*nsp_, sel_, name, a, nullptr);
}

void broadcast_operator::publish(std::string_view name, const args& a, std::function<void(result<std::string>)> done,
                                 std::string idempotency_key) const {
    nsp_->server().publish(*nsp_, sel_, name, a, std::move(done), std::move(idempotency_key));
}

void broadcast_operator::emit_with_ack(std::string_view name, const args& a, broadcast_ack_handler done) const {
    const std::uint64_t id = nsp_->next_ack_id++;
    auto b = encode_broadcast(*nsp_, sel_, name, a, id);
    b->ack_id = id;
    b->acks = socketio::make_ack_collector(nsp_->server(), sel_.timeout.value_or(std::chrono::seconds(5)),
                                           std::move(done));
    nsp_->server().get_adapter().broadcast(std::move(b));
}

void broadcast_operator::sockets_join(std::vector<std::string> rooms) const {
    nsp_->server().get_adapter().add_sockets(*nsp_, sel_, std::move(rooms));
}

void broadcast_operator::sockets_leave(std::vector<std::string> rooms) const {
    nsp_->server().get_adapter().del_sockets(*nsp_, sel_, std::move(rooms));
}

void broadcast_operator::disconnect_sockets(bool close) const {
    nsp_->server().get_adapter().disconnect_sockets(*nsp_, sel_, close);
}

void broadcast_operator::fetch_sockets(std::function<void(std::vector<socket_info>)> done) const {
    nsp_->server().get_adapter().fetch_sockets(*nsp_, sel_, std::move(done));
}

}  // namespace ferry
