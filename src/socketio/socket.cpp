#include <ferry/socket.hpp>

#include "engineio/engine.hpp"
#include "engineio/session.hpp"
#include "socketio/client.hpp"
#include "socketio/namespace_impl.hpp"
#include "socketio/server_impl.hpp"
#include "socketio/stored_event.hpp"
#include "socketio/worker_state.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/spdlog.h>

namespace ferry {
namespace asio = boost::asio;
using socketio::packet;
using socketio::packet_type;

struct socket::pending_ack {
    ack_handler done;
    std::unique_ptr<asio::steady_timer> timer;
};

struct socket::save_timer {
    explicit save_timer(asio::io_context& context) : timer(context) {}
    asio::steady_timer timer;
};

socket::socket(socketio::client& c, socketio::namespace_impl& nsp, std::string id, ferry::handshake hs)
    : client_(&c), nsp_(&nsp), id_(std::move(id)), handshake_(std::move(hs)) {}

socket::~socket() = default;

const std::string& socket::nsp() const noexcept { return nsp_->name(); }

std::string_view socket::transport() const noexcept {
    return client_->session().transport() == engineio::transport_kind::websocket ? "websocket" : "polling";
}

void socket::on(std::string name, event_handler handler) { handlers_[std::move(name)] = std::move(handler); }
void socket::off(const std::string& name) { handlers_.erase(name); }
void socket::on_any(any_handler handler) { any_handlers_.push_back(std::move(handler)); }
void socket::prepend_any(any_handler handler) { any_handlers_.insert(any_handlers_.begin(), std::move(handler)); }
void socket::off_any() { any_handlers_.clear(); }
void socket::on_any_outgoing(outgoing_handler handler) { outgoing_handlers_.push_back(std::move(handler)); }
void socket::use(packet_middleware middleware) { middlewares_.push_back(std::move(middleware)); }
void socket::on_error(std::function<void(const std::string&)> handler) { error_handlers_.push_back(std::move(handler)); }
void socket::on_disconnecting(std::function<void(std::string_view)> handler) {
    disconnecting_handlers_.push_back(std::move(handler));
}
void socket::on_disconnect(std::function<void(std::string_view)> handler) {
    disconnect_handlers_.push_back(std::move(handler));
}

void socket::on_connected() {
    connected_ = true;
    auto& local = client_->worker().local(*nsp_);
    local.sockets.emplace(id_, shared_from_this());
    ++nsp_->socket_count;
    auto* store = client_->server().store();
    if (store && pid_.empty()) {
        pid_ = client_->server().make_socket_id();
        session_start_ = store->position().sequence;
    }
    join(id_);
    packet p;
    p.type = packet_type::connect;
    p.nsp = nsp_->name();
    boost::json::object connect_data{{"sid", id_}};
    // The pid is how socket.io-client asks for recovery when it reconnects.
    if (store) connect_data["pid"] = pid_;
    p.data = std::move(connect_data);
    client_->send(p);
    // Written at once: a client that has its CONNECT answer can be recovered.
    write_session();
    auto self = shared_from_this();
    for (const auto& h : nsp_->handlers().connection_handlers) {
        try {
            h(self);
        } catch (const std::exception& e) {
            spdlog::error("connection handler of {} threw: {}", nsp_->name(), e.what());
            client_->close("server error");
            return;
        }
        if (!connected_) return;
    }
    tell_unrecovered_gap();
}

void socket::send_packet_args(std::string_view name, const args& a, std::optional<std::uint64_t> ack_id) {
    for (const auto& h : outgoing_handlers_) h(name, a);
    client_->send(socketio::make_event_packet(nsp_->name(), name, a, ack_id));
}

void socket::emit_args(std::string_view name, const args& a) {
    if (!connected_) return;
    if (client_->server().store()) {
        // Through the log, to this socket's own room, so that it is replayed
        // if the client misses it (Socket.IO does the same with recovery on).
        for (const auto& h : outgoing_handlers_) h(name, a);
        broadcast_operator::selection sel;
        sel.rooms.push_back(id_);
        // Only this socket's worker can hold the recipient: the others are not asked.
        client_->server().publish(*nsp_, sel, name, a, nullptr, {}, static_cast<int>(client_->worker().index()));
        return;
    }
    send_packet_args(name, a, std::nullopt);
}

void socket::emit_unlogged(std::string_view name, const args& a) {
    if (connected_) send_packet_args(name, a, std::nullopt);
}

void socket::set_data(boost::json::value v) {
    data_ = std::move(v);
    session_changed();
}

void socket::session_changed() {
    if (!connected_ || pid_.empty() || !client_->server().sessions()) return;
    const auto now = detail::save_pacer::clock::now();
    const auto due = save_pacer_.on_change(now);
    if (!due) return;  // the write already scheduled carries this change
    auto& context = client_->session().owner().context();
    auto write = [weak = weak_from_this()] {
        if (auto self = weak.lock()) self->write_session();
    };
    if (*due <= now) {
        // At the end of this turn: the other changes its handlers make ride along.
        asio::post(context, std::move(write));
        return;
    }
    if (!save_timer_) save_timer_ = std::make_unique<save_timer>(context);
    save_timer_->timer.expires_at(*due);
    save_timer_->timer.async_wait([write = std::move(write)](boost::system::error_code ec) {
        if (!ec) write();
    });
}

void socket::write_session() {
    // A disconnect wrote the last state itself and cancelled what was scheduled.
    if (!connected_) return;
    client_->server().save_session(*this, false);
    save_pacer_.on_written(detail::save_pacer::clock::now(), room_since_.size());
}

void socket::emit_with_ack(std::string_view name, args a, std::chrono::milliseconds timeout, ack_handler done) {
    if (!connected_) {
        if (done) done(make_error_code(error::socket_disconnected), {});
        return;
    }
    const std::uint64_t id = nsp_->next_ack_id++;
    auto pending = std::make_shared<pending_ack>();
    pending->done = std::move(done);
    pending->timer = std::make_unique<asio::steady_timer>(client_->session().owner().context(), timeout);
    pending->timer->async_wait([weak = weak_from_this(), id](boost::system::error_code ec) {
        auto self = weak.lock();
        if (ec || !self) return;
        auto it = self->acks_.find(id);
        if (it == self->acks_.end()) return;
        auto entry = std::move(it->second);
        self->acks_.erase(it);
        if (entry->done) entry->done(make_error_code(error::timeout), {});
    });
    acks_.emplace(id, std::move(pending));
    send_packet_args(name, a, id);
}

void socket::expect_ack(std::uint64_t id, ack_handler done) {
    auto pending = std::make_shared<pending_ack>();
    pending->done = std::move(done);
    acks_.emplace(id, std::move(pending));
}

void socket::handle_ack(std::uint64_t id, args a) {
    auto it = acks_.find(id);
    if (it == acks_.end()) return;  // late or unknown ack: ignored, as the reference does
    auto entry = std::move(it->second);
    acks_.erase(it);
    if (entry->timer) entry->timer->cancel();
    if (entry->done) entry->done({}, std::move(a));
}

void socket::handle_event(std::string name, args a, std::optional<std::uint64_t> ack_id) {
    event ev;
    ev.name = std::move(name);
    ev.args = std::move(a);
    if (ack_id) {
        auto sent = std::make_shared<bool>(false);
        auto& context = client_->session().owner().context();
        ev.ack = ack_callback([weak = weak_from_this(), id = *ack_id, sent, &context](args reply) mutable {
            // Apps often ack from a completion that runs elsewhere (fetch_sockets,
            // a database callback): the packet must still be written by the
            // socket's own worker.
            if (!context.get_executor().running_in_this_thread()) {
                asio::post(context, [weak, id, sent, reply = std::move(reply)]() mutable {
                    if (auto self = weak.lock()) self->send_ack(id, sent, std::move(reply));
                });
                return;
            }
            if (auto self = weak.lock()) self->send_ack(id, sent, std::move(reply));
        });
    }
    auto self = shared_from_this();
    try {
        if (!any_handlers_.empty()) {
            for (const auto& h : std::vector<any_handler>(any_handlers_)) h(ev);
        }
        dispatch(ev, 0);
    } catch (const std::exception& e) {
        // A failing handler ends this one connection, never the worker.
        spdlog::error("handler of '{}' on {} threw: {}", ev.name, nsp_->name(), e.what());
        client_->close("server error");
    }
}

void socket::send_ack(std::uint64_t id, const std::shared_ptr<bool>& sent, args reply) {
    if (*sent || !connected_) return;
    *sent = true;
    packet p;
    p.type = packet_type::ack;
    p.nsp = nsp_->name();
    p.id = id;
    p.data = std::move(reply.values);
    p.attachments = std::move(reply.attachments);
    client_->send(p);
}

void socket::dispatch(event& ev, std::size_t index) {
    if (!connected_) return;
    if (index < middlewares_.size()) {
        auto self = shared_from_this();
        auto shared_ev = std::make_shared<event>(std::move(ev));
        middlewares_[index](*shared_ev, [self, shared_ev, index](std::optional<std::string> err) {
            if (err) {
                for (const auto& h : self->error_handlers_) h(*err);
                return;
            }
            self->dispatch(*shared_ev, index + 1);
        });
        return;
    }
    auto it = handlers_.find(ev.name);
    if (it == handlers_.end()) return;
    auto handler = it->second;  // the handler may replace itself
    handler(ev);
}

void socket::join(const std::string& room) {
    if (!rooms_.insert(room).second) return;
    if (auto* store = client_->server().store()) room_since_.try_emplace(room, store->position().sequence);
    client_->worker().join(*nsp_, *this, room);
    if (room != id_) session_changed();
}

socket_info socket::describe() const {
    socket_info info;
    info.id = id_;
    info.nsp = nsp_->name();
    info.rooms.assign(rooms_.begin(), rooms_.end());
    info.data = data_;
    info.auth = handshake_.auth;
    info.address = handshake_.address;
    info.transport = std::string(transport());
    info.time = handshake_.time;
    return info;
}

void socket::join(const std::vector<std::string>& rooms) {
    for (const auto& r : rooms) join(r);
}

void socket::leave(const std::string& room) {
    if (rooms_.erase(room) == 0) return;
    room_since_.erase(room);
    replayed_down_to_.erase(room);
    client_->worker().leave(*nsp_, *this, room);
    session_changed();
}

void socket::leave_all() {
    auto rooms = std::move(rooms_);
    rooms_.clear();
    for (const auto& r : rooms) client_->worker().leave(*nsp_, *this, r);
}

broadcast_operator socket::to(std::string room) const {
    return broadcast_operator(*nsp_).to(std::move(room)).except(id_);
}

broadcast_operator socket::except(std::string room) const {
    return broadcast_operator(*nsp_).except(std::move(room)).except(id_);
}

broadcast_operator socket::broadcast() const { return broadcast_operator(*nsp_).except(id_); }

void socket::disconnect(bool close) {
    if (!connected_) return;
    auto self = shared_from_this();
    if (close) {
        client_->close("forced server close");
        return;
    }
    packet p;
    p.type = packet_type::disconnect;
    p.nsp = nsp_->name();
    client_->send(p);
    handle_close("server namespace disconnect");
}

void socket::handle_close(std::string_view reason) {
    if (!connected_) return;
    auto self = shared_from_this();
    for (const auto& h : disconnecting_handlers_) h(reason);
    // A session the server ended on purpose is not recoverable; any other end
    // (transport loss, ping timeout, shutdown, the client's own disconnect())
    // is, as the seed retriever does for a polite close.
    save_pacer_.cancel();
    if (save_timer_) save_timer_->timer.cancel();
    if (reason == "server namespace disconnect") {
        client_->server().drop_session(*this);
    } else {
        client_->server().save_session(*this, true);
    }
    leave_all();
    auto& local = client_->worker().local(*nsp_);
    local.sockets.erase(id_);
    --nsp_->socket_count;
    client_->remove(*this);
    connected_ = false;
    auto acks = std::move(acks_);
    acks_.clear();
    for (auto& [id, entry] : acks) {
        if (entry->timer) entry->timer->cancel();
        if (entry->done) entry->done(make_error_code(error::socket_disconnected), {});
    }
    for (const auto& h : disconnect_handlers_) h(reason);
}

const std::string* args::binary_at(const boost::json::value& v) const noexcept {
    if (!socketio::is_placeholder(v)) return nullptr;
    const auto num = v.as_object().at("num").to_number<std::size_t>();
    return num < attachments.size() ? &attachments[num] : nullptr;
}

}  // namespace ferry
