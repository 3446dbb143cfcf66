#include "engineio/session.hpp"

#include "engineio/engine.hpp"
#include "engineio/ws_connection.hpp"

#include <boost/asio/post.hpp>
#include <boost/beast/http/field.hpp>

#include <algorithm>

namespace ferry::engineio {
namespace asio = boost::asio;
namespace http = boost::beast::http;
using boost::system::error_code;

namespace {

// Packets without data are the same bytes for every session: built once per thread.
const wire_ptr& shared_packet(packet_type type) {
    thread_local const wire_ptr ping = wire_packet::text(packet_type::ping, {});
    thread_local const wire_ptr close = wire_packet::text(packet_type::close, {});
    return type == packet_type::ping ? ping : close;
}

// Received packets handled per turn of the worker. One POST may carry
// thousands (20,000 subscribes fit in the default maxPayload): handled in one
// go they would hold the worker, and every other connection on it, its
// broadcasts and a shutdown, for as long as they all take. A few hundred keep
// a turn to about a millisecond.
constexpr std::size_t packets_per_turn = 256;
// POSTs received and not answered yet. socket.io-client sends one at a time,
// but may send its close packet while one is in flight; more is the
// reference's "data request overlap", a protocol error.
constexpr std::size_t max_posts_in_hand = 2;
// WebSocket messages queued behind a POST still being handled (an upgrade
// that completed meanwhile): a client that floods them is cut, not buffered.
constexpr std::size_t max_queued_messages = 4 * packets_per_turn;

// A POST handled in full is answered "ok" (polling.ts onDataRequest).
void answer_post(engine& owner, http_connection& connection, const http_request& request) {
    http_response res{http::status::ok, 11};
    res.set(http::field::content_type, "text/html");
    owner.add_cors_headers(request, res);
    res.body() = "ok";
    connection.respond(std::move(res));
}

}  // namespace

session::session(engine& owner, std::string id, transport_kind transport, std::string remote_address)
    : engine_(&owner),
      id_(std::move(id)),
      remote_address_(std::move(remote_address)),
      transport_(transport),
      heartbeat_(owner.options().ping_interval, owner.options().ping_timeout),
      heartbeat_timer_(owner.context()),
      aux_timer_(owner.context()) {}

session::~session() = default;

std::string session::handshake_payload() const {
    const auto& o = engine_->options();
    const bool offer_upgrade = transport_ == transport_kind::polling && o.allow_websocket && o.allow_upgrades;
    std::string out = "{\"sid\":\"" + id_ + "\",\"upgrades\":";
    out += offer_upgrade ? "[\"websocket\"]" : "[]";
    out += ",\"pingInterval\":" + std::to_string(o.ping_interval.count());
    out += ",\"pingTimeout\":" + std::to_string(o.ping_timeout.count());
    out += ",\"maxPayload\":" + std::to_string(o.max_payload) + "}";
    return out;
}

void session::start() {
    heartbeat_.start(std::chrono::steady_clock::now());
    arm_heartbeat();
}

void session::arm_heartbeat() {
    heartbeat_timer_.expires_at(heartbeat_.deadline());
    heartbeat_timer_.async_wait([weak = weak_from_this()](error_code ec) {
        auto self = weak.lock();
        if (!ec && self) self->on_heartbeat_timer();
    });
}

void session::on_heartbeat_timer() {
    if (state_ == state::closed) return;
    switch (heartbeat_.on_timer(std::chrono::steady_clock::now())) {
        case heartbeat::action::send_ping:
            send(shared_packet(packet_type::ping));
            break;
        case heartbeat::action::timed_out:
            return on_close("ping timeout");
        case heartbeat::action::none:
            break;
    }
    arm_heartbeat();
}

bool session::send(wire_ptr packet) {
    if (state_ != state::open) return false;
    queued_bytes_ += packet->size();
    queue_.push_back(std::move(packet));
    schedule_flush();
    return true;
}

void session::schedule_flush() {
    if (flush_scheduled_) return;
    flush_scheduled_ = true;
    engine_->request_flush(shared_from_this());
}

void session::flush() {
    flush_scheduled_ = false;
    if (state_ == state::closed || queue_.empty()) return;
    if (transport_ == transport_kind::websocket) {
        if (!ws_ || ws_->writing()) return;  // on_ws_written flushes again
        queued_bytes_ = 0;
        ws_->write(queue_);
        if (state_ == state::closing) {
            ws_->close(1000);
            on_close(close_reason_);
        }
        return;
    }
    if (pending_poll_) flush_polling();
}

void session::flush_polling() {
    std::string body;
    std::size_t size = 0;
    for (const auto& p : queue_) size += p->payload().size() + 1;
    body.reserve(size);
    for (std::size_t i = 0; i < queue_.size(); ++i) {
        if (i) body.push_back(record_separator);
        const auto& p = queue_[i];
        if (p->is_binary()) {
            body.push_back('b');
            body += base64_encode(p->payload());
        } else {
            body.append(p->payload());
        }
    }
    queue_.clear();
    queued_bytes_ = 0;
    answer_poll(std::move(body));
    if (state_ == state::closed) return;
    if (state_ == state::open) {
        if (listener_) listener_->on_drain();
        return;
    }
    // A polling session being closed by the server ends once the close packet
    // was handed over. It travels alone, in the response after the last
    // events: socket.io-client hands events to the app one tick late, so
    // events sharing a payload with the close would reach it after
    // `disconnect` and be replayed twice on recovery.
    if (close_queued_) return on_close(close_reason_);
    close_queued_ = true;
    queued_bytes_ += shared_packet(packet_type::close)->size();
    queue_.push_back(shared_packet(packet_type::close));
}

void session::answer_poll(std::string body) {
    if (!pending_poll_) return;
    auto connection = std::move(pending_poll_);
    pending_poll_.reset();
    http_response res{http::status::ok, 11};
    res.set(http::field::content_type, "text/plain; charset=UTF-8");
    engine_->add_cors_headers(poll_request_, res);
    res.body() = std::move(body);
    connection->respond(std::move(res));
}

void session::on_poll(const std::shared_ptr<http_connection>& connection, const http_request& request) {
    auto self = shared_from_this();
    if (pending_poll_) {
        // engine-protocol: a second concurrent GET is a protocol error that ends the session.
        engine_->reject_request(*connection, request, engine_error_code::bad_request);
        on_close("transport error");
        return;
    }
    pending_poll_ = connection;
    poll_request_ = http_request{request.method(), request.target(), request.version()};
    if (auto origin = request[http::field::origin]; !origin.empty()) {
        poll_request_.set(http::field::origin, origin);
    }
    if (!queue_.empty()) return flush_polling();
    if (probed_ || state_ != state::open) return answer_poll(state_ == state::open ? "6" : "1");
    connection->park([weak = weak_from_this()] {
        if (auto s = weak.lock()) s->on_poll_aborted();
    });
}

void session::on_poll_aborted() {
    pending_poll_.reset();
    on_close("transport close");
}

void session::on_post(const std::shared_ptr<http_connection>& connection, const http_request& request) {
    auto self = shared_from_this();
    auto packets = decode_payload(request.body());
    if (!packets) {
        engine_->reject_request(*connection, request, engine_error_code::bad_request);
        on_close("parse error");
        return;
    }
    const auto posts = std::count_if(inbound_.begin(), inbound_.end(), [](const inbound& in) { return in.connection != nullptr; });
    if (static_cast<std::size_t>(posts) >= max_posts_in_hand) {
        engine_->reject_request(*connection, request, engine_error_code::bad_request);
        on_close("transport error");
        return;
    }
    inbound in;
    in.packets = std::move(*packets);
    in.connection = connection;
    in.request = http_request{request.method(), request.target(), request.version()};
    if (auto origin = request[http::field::origin]; !origin.empty()) in.request.set(http::field::origin, origin);
    inbound_.push_back(std::move(in));
    if (!inbound_posted_) handle_inbound();
}

void session::handle_inbound() {
    auto self = shared_from_this();
    inbound_posted_ = false;
    std::size_t budget = packets_per_turn;
    while (!inbound_.empty()) {
        auto& in = inbound_.front();
        if (in.next == in.packets.size() || state_ != state::open) {
            // Handled, or the session is ending and the rest is dropped (a
            // closing session takes no more messages either way).
            auto connection = std::move(in.connection);
            const auto request = std::move(in.request);
            inbound_.pop_front();
            if (connection) answer_post(*engine_, *connection, request);
            continue;
        }
        if (budget == 0) {
            // The rest in a later turn, in order; whatever else is ready runs first.
            inbound_posted_ = true;
            asio::post(engine_->context(), [weak = weak_from_this()] {
                if (auto s = weak.lock()) s->handle_inbound();
            });
            return;
        }
        --budget;
        // Taken out first: handling it may end the session, which empties the queue.
        const packet p = std::move(in.packets[in.next++]);
        handle_packet(p);
    }
}

void session::handle_packet(const packet& p) {
    switch (p.type) {
        case packet_type::pong:
            heartbeat_.on_pong(std::chrono::steady_clock::now());
            arm_heartbeat();  // re-arming cancels the pong deadline
            break;
        case packet_type::message:
            if (listener_ && state_ == state::open) listener_->on_message(p.data, p.binary);
            break;
        case packet_type::close:
            // A client close answers a parked poll with noop (polling.ts onClose).
            if (pending_poll_) answer_poll("6");
            on_close("transport close");
            break;
        default:
            break;  // open, ping, upgrade and noop carry nothing for an open session
    }
}

void session::close(std::string_view reason) {
    if (state_ != state::open) return;
    state_ = state::closing;
    close_reason_ = std::string(reason);
    if (transport_ == transport_kind::websocket || queue_.empty()) {
        // WebSocket messages are separate tasks for the client: no ordering issue.
        close_queued_ = true;
        queued_bytes_ += shared_packet(packet_type::close)->size();
        queue_.push_back(shared_packet(packet_type::close));
    }
    if (transport_ == transport_kind::websocket) {
        if (ws_) return schedule_flush();
        return on_close(close_reason_);
    }
    if (pending_poll_) return flush_polling();
    // Wait for the client's next GET to hand it the close packet, but not forever.
    abandon_upgrade();
    aux_timer_.expires_after(engine_->options().ping_timeout);
    aux_timer_.async_wait([weak = weak_from_this()](error_code ec) {
        auto s = weak.lock();
        if (!ec && s) s->on_close(s->close_reason_);
    });
}

void session::cut(std::string_view reason) {
    // The backlog is dropped, not flushed: it is what the client could not
    // take, and every recoverable event of it is in the log. A WebSocket whose
    // write is blocked on the slow reader is aborted: a close frame queued
    // behind that write would not leave before the ping timeout.
    queue_.clear();
    queued_bytes_ = 0;
    if (transport_ == transport_kind::websocket && ws_) {
        auto ws = std::move(ws_);
        ws_.reset();
        ws->detach();
        ws->abort();
        return on_close(reason);
    }
    close(reason);
}

void session::drop(std::string_view reason) {
    queue_.clear();
    queued_bytes_ = 0;
    for (auto* slot : {&ws_, &upgrading_ws_}) {
        if (auto ws = std::move(*slot)) {
            slot->reset();
            ws->detach();
            ws->abort();
        }
    }
    on_close(reason);
}

void session::attach_websocket(std::shared_ptr<ws_connection> ws) {
    ws_ = std::move(ws);
    ws_->attach(this);
}

bool session::can_upgrade() const noexcept {
    return state_ == state::open && transport_ == transport_kind::polling && !upgrading_ws_;
}

void session::begin_upgrade(std::shared_ptr<ws_connection> ws) {
    upgrading_ws_ = std::move(ws);
    upgrading_ws_->attach(this);
    aux_timer_.expires_after(engine_->options().upgrade_timeout);
    aux_timer_.async_wait([weak = weak_from_this()](error_code ec) {
        auto s = weak.lock();
        if (!ec && s) s->abandon_upgrade();
    });
}

void session::abandon_upgrade() {
    if (!upgrading_ws_) return;
    auto ws = std::move(upgrading_ws_);
    upgrading_ws_.reset();
    probed_ = false;
    ws->detach();
    ws->close(1000);
}

void session::finish_upgrade() {
    aux_timer_.cancel();
    transport_ = transport_kind::websocket;
    ws_ = std::move(upgrading_ws_);
    upgrading_ws_.reset();
    probed_ = false;
    if (pending_poll_) answer_poll("6");
    if (!queue_.empty()) schedule_flush();
}

void session::on_ws_message(ws_connection& ws, std::string_view data, bool binary) {
    auto self = shared_from_this();
    if (state_ == state::closed) return;
    if (upgrading_ws_ && &ws == upgrading_ws_.get()) {
        auto p = decode_text(data);
        if (!binary && p && p->type == packet_type::ping && p->data == "probe") {
            std::vector<wire_ptr> probe{wire_packet::text(packet_type::pong, "probe")};
            upgrading_ws_->write(probe);
            probed_ = true;
            // Release a parked poll so the client can pause polling (the reference's noop).
            if (pending_poll_ && queue_.empty()) answer_poll("6");
            return;
        }
        if (!binary && p && p->type == packet_type::upgrade && probed_) return finish_upgrade();
        return abandon_upgrade();
    }
    if (!ws_ || &ws != ws_.get()) return;
    auto p = binary ? result<packet>(decode_binary(data)) : decode_text(data);
    if (!p) {
        ws_->close(1002);
        return on_close("parse error");
    }
    if (inbound_.empty()) return handle_packet(*p);
    // Packets of a POST are still being handled: this one goes after them.
    if (inbound_.back().connection) inbound_.emplace_back();
    auto& queued = inbound_.back().packets;
    if (queued.size() >= max_queued_messages) return on_close("transport error");
    queued.push_back(std::move(*p));
}

void session::on_ws_closed(ws_connection& ws, std::string_view reason) {
    auto self = shared_from_this();
    if (upgrading_ws_ && &ws == upgrading_ws_.get()) {
        upgrading_ws_.reset();
        probed_ = false;
        return;
    }
    if (ws_ && &ws == ws_.get()) {
        ws_.reset();
        on_close(reason);
    }
}

void session::on_ws_written(ws_connection& ws) {
    if (ws_ && &ws == ws_.get() && !queue_.empty()) flush();
    if (listener_ && state_ == state::open) listener_->on_drain();
}

void session::on_close(std::string_view reason) {
    if (state_ == state::closed) return;
    auto self = shared_from_this();
    state_ = state::closed;
    const std::string why(reason);
    heartbeat_timer_.cancel();
    aux_timer_.cancel();
    if (pending_poll_) answer_poll("1");
    if (ws_) {
        ws_->detach();
        ws_->close(1000);
        ws_.reset();
    }
    if (upgrading_ws_) {
        upgrading_ws_->detach();
        upgrading_ws_->close(1000);
        upgrading_ws_.reset();
    }
    queue_.clear();
    queued_bytes_ = 0;
    // POSTs in hand are answered; their packets that were not handled are dropped.
    auto posts = std::move(inbound_);
    inbound_.clear();
    for (auto& in : posts) {
        if (in.connection) answer_post(*engine_, *in.connection, in.request);
    }
    if (listener_) {
        auto* listener = listener_;
        listener_ = nullptr;
        listener->on_close(why);
    }
    engine_->forget(*this);
}

}  // namespace ferry::engineio
