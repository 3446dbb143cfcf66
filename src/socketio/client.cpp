#include "socketio/client.hpp"

#include "engineio/engine.hpp"
#include "socketio/namespace_impl.hpp"
#include "socketio/server_impl.hpp"
#include "socketio/stored_event.hpp"
#include "socketio/worker_state.hpp"

#include <boost/asio/post.hpp>
#include <boost/json/serialize.hpp>

namespace ferry::socketio {
namespace asio = boost::asio;

std::vector<engineio::wire_ptr> encode_for_wire(const packet& p) { return message_wire(encode_text(p), p.attachments); }

client::client(server_impl& server, worker_state& worker, std::shared_ptr<engineio::session> session,
               ferry::handshake base_handshake)
    : server_(&server),
      worker_(&worker),
      session_(std::move(session)),
      base_handshake_(std::move(base_handshake)),
      connect_timer_(session_->owner().context()) {}

client::~client() = default;

void client::start() {
    self_ = shared_from_this();
    session_->set_listener(this);
    // client.ts: a connection that joins no namespace in time is closed.
    connect_timer_.expires_after(server_->options().connect_timeout);
    connect_timer_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
        auto self = weak.lock();
        if (ec || !self || self->closed_) return;
        if (self->sockets_.empty()) self->close("connect timeout");
    });
}

bool client::write(const std::vector<engineio::wire_ptr>& packets) {
    if (!write_paced(packets)) return false;
    if (session_->queued_bytes() > server_->options().engine.max_outbound_bytes) cut_slow_consumer();
    return true;
}

bool client::write_paced(const std::vector<engineio::wire_ptr>& packets) {
    if (closed_ || cutting_) return false;
    for (const auto& p : packets) {
        if (!session_->send(p)) return false;
    }
    return true;
}

void client::when_drained(std::function<void()> fn) {
    if (closed_) return;
    if (session_->queued_bytes() <= server_->options().engine.max_outbound_bytes / 2) return fn();
    drain_waiters_.push_back(std::move(fn));
}

void client::on_drain() {
    if (drain_waiters_.empty() || session_->queued_bytes() > server_->options().engine.max_outbound_bytes / 2) return;
    auto self = shared_from_this();
    auto waiters = std::move(drain_waiters_);
    drain_waiters_.clear();
    for (auto& fn : waiters) fn();
}

void client::cut_slow_consumer() {
    // Deferred: this runs inside a fan-out that is walking the room index,
    // which closing the sockets would change.
    cutting_ = true;
    server_->counters.slow_consumer_cuts.fetch_add(1, std::memory_order_relaxed);
    boost::asio::post(session_->owner().context(), [self = shared_from_this()] {
        self->session_->cut("slow consumer");
    });
}

bool client::write_volatile(const std::vector<engineio::wire_ptr>& packets) {
    if (session_->queued_bytes() > 0) return false;
    return write(packets);
}

void client::send(const packet& p) { write(encode_for_wire(p)); }

void client::close(std::string_view reason) {
    if (closed_) return;
    session_->close(reason);
}

void client::drop_for_takeover() {
    if (!closed_) session_->drop("transport close");
}

socket* client::find(const std::string& nsp_name) const {
    for (const auto& s : sockets_) {
        if (s->nsp() == nsp_name) return s.get();
    }
    return nullptr;
}

void client::remove(socket& s) {
    std::erase_if(sockets_, [&s](const auto& p) { return p.get() == &s; });
}

void client::on_message(std::string_view data, bool binary) {
    auto self = shared_from_this();
    auto decoded = binary ? decoder_.on_binary(data) : decoder_.on_text(data);
    if (!decoded) {
        // client.ts onerror: a malformed packet closes the whole connection.
        close("parse error");
        return;
    }
    if (*decoded) on_packet(std::move(**decoded));
}

void client::on_packet(packet p) {
    if (p.type == packet_type::connect) {
        boost::json::value auth = p.data.is_object() ? std::move(p.data) : boost::json::value(boost::json::object{});
        return connect(p.nsp, std::move(auth));
    }
    socket* s = find(p.nsp);
    if (!s) return;  // client.ts ignores packets for namespaces it is not in
    switch (p.type) {
        case packet_type::event:
        case packet_type::binary_event: {
            auto& arr = p.data.as_array();
            // The reference accepts a number as the event name; it is matched as text.
            const auto& first = arr.front();
            std::string name = first.is_string() ? std::string(first.get_string()) : boost::json::serialize(first);
            args a;
            a.values.reserve(arr.size() - 1);
            for (std::size_t i = 1; i < arr.size(); ++i) a.values.push_back(std::move(arr[i]));
            a.attachments = std::move(p.attachments);
            s->handle_event(std::move(name), std::move(a), p.id);
            break;
        }
        case packet_type::ack:
        case packet_type::binary_ack: {
            if (!p.id) break;
            args a;
            a.values = std::move(p.data.as_array());
            a.attachments = std::move(p.attachments);
            s->handle_ack(*p.id, std::move(a));
            break;
        }
        case packet_type::disconnect:
            s->handle_close("client namespace disconnect");
            break;
        default:
            break;
    }
}

void client::connect(const std::string& nsp_name, boost::json::value auth) {
    namespace_impl* nsp = server_->resolve_for_connect(nsp_name, auth);
    if (!nsp) return refuse(nsp_name, connect_error{"Invalid namespace", {}});
    if (find(nsp_name)) return;  // already connected to it: the reference ignores a second CONNECT

    std::optional<std::string> pid;
    std::optional<std::string> offset;
    if (server_->store() && auth.is_object()) {
        const auto& a = auth.as_object();
        if (auto it = a.find("pid"); it != a.end() && it->value().is_string()) pid = std::string(it->value().get_string());
        if (auto it = a.find("offset"); it != a.end() && it->value().is_string()) {
            offset = std::string(it->value().get_string());
        }
    }
    ferry::handshake hs = base_handshake_;
    hs.auth = std::move(auth);
    auto s = std::make_shared<socket>(*this, *nsp, server_->make_socket_id(), std::move(hs));

    // A session that was asked for and not restored is said plainly (a `gap`
    // once the connection handlers ran), never refused in silence.
    auto admit_fresh = [weak = weak_from_this(), s, nsp](boost::json::value gap) {
        auto self = weak.lock();
        if (!self || self->closed_) return;
        self->run_middleware(s, *nsp, 0, [weak, s, gap = std::move(gap)]() mutable {
            auto me = weak.lock();
            if (!me) return;
            if (!gap.is_null()) s->expect_unrecovered_gap(std::move(gap));
            me->complete_admission(s);
        });
    };
    if (!pid) return admit_fresh(offset ? unrestored_session_gap() : nullptr);
    if (server_->options().recovery.skip_middlewares) return take_session(s, *pid, offset, admit_fresh);
    run_middleware(s, *nsp, 0, [weak = weak_from_this(), s, pid, offset] {
        auto self = weak.lock();
        if (!self) return;
        self->take_session(s, *pid, offset, [weak, s](boost::json::value gap) {
            auto me = weak.lock();
            if (!me) return;
            if (!gap.is_null()) s->expect_unrecovered_gap(std::move(gap));
            me->complete_admission(s);
        });
    });
}

void client::refuse(const std::string& nsp_name, const connect_error& err) {
    packet p;
    p.type = packet_type::connect_error;
    p.nsp = nsp_name;
    boost::json::object body;
    body["message"] = err.message;
    if (!err.data.is_null()) body["data"] = err.data;
    p.data = std::move(body);
    send(p);
}

void client::run_middleware(const std::shared_ptr<socket>& s, namespace_impl& nsp, std::size_t index,
                            std::function<void()> then) {
    const auto& chain = nsp.handlers().middlewares;
    if (index >= chain.size()) {
        if (!closed_) then();
        return;
    }
    // A middleware may call next() later (after I/O), from this worker.
    auto called = std::make_shared<bool>(false);
    std::weak_ptr<client> weak = weak_from_this();
    try {
        chain[index](*s, middleware_next([weak, s, &nsp, index, called, then](std::optional<connect_error> err) {
            if (*called) return;
            *called = true;
            auto self = weak.lock();
            if (!self || self->closed_) return;
            if (err) return self->refuse(nsp.name(), *err);
            self->run_middleware(s, nsp, index + 1, then);
        }));
    } catch (const std::exception& e) {
        if (!*called) {
            *called = true;
            refuse(nsp.name(), connect_error{e.what(), {}});
        }
    }
}

void client::complete_admission(const std::shared_ptr<socket>& s) {
    if (closed_) return;
    connect_timer_.cancel();
    sockets_.push_back(s);
    s->on_connected();
}

void client::on_close(std::string_view reason) {
    auto self = shared_from_this();
    closed_ = true;
    connect_timer_.cancel();
    drain_waiters_.clear();
    auto sockets = std::move(sockets_);
    sockets_.clear();
    for (auto& s : sockets) s->handle_close(reason);
    self_.reset();
}

}  // namespace ferry::socketio
