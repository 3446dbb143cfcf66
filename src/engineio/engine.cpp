#include "engineio/engine.hpp"

#include "engineio/deflate.hpp"
#include "engineio/session.hpp"
#include "engineio/sid.hpp"
#include "engineio/ws_codec.hpp"
#include "engineio/ws_connection.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/url/parse.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <optional>

namespace ferry::engineio {
namespace asio = boost::asio;
namespace http = boost::beast::http;

namespace {

struct engine_query {
    std::string eio;
    std::string transport;
    std::string sid;
    bool has_eio = false;
    bool has_transport = false;
};

engine_query parse_query(boost::urls::url_view url) {
    engine_query q;
    for (auto param : url.params()) {
        if (param.key == "EIO") {
            q.eio = param.value;
            q.has_eio = true;
        } else if (param.key == "transport") {
            q.transport = param.value;
            q.has_transport = true;
        } else if (param.key == "sid") {
            q.sid = param.value;
        }
    }
    return q;
}

bool is_websocket_upgrade(const http_request& request) {
    const auto upgrade = request[http::field::upgrade];
    return request.method() == http::verb::get && boost::beast::iequals(upgrade, "websocket");
}

bool matches_path(std::string_view path, std::string_view engine_path) {
    if (path == engine_path) return true;
    // "/socket.io" matches "/socket.io/" as the reference does.
    return engine_path.size() > 1 && path == engine_path.substr(0, engine_path.size() - 1);
}

}  // namespace

std::string_view engine_error_message(engine_error_code code) noexcept {
    switch (code) {
        case engine_error_code::unknown_transport: return "Transport unknown";
        case engine_error_code::unknown_sid: return "Session ID unknown";
        case engine_error_code::bad_handshake_method: return "Bad handshake method";
        case engine_error_code::bad_request: return "Bad request";
        case engine_error_code::forbidden: return "Forbidden";
        case engine_error_code::unsupported_protocol_version: return "Unsupported protocol version";
    }
    return "Bad request";
}

engine::engine(asio::io_context& context, unsigned index, const engine_options& options)
    : context_(context), index_(index), options_(options) {}

engine::~engine() = default;

std::shared_ptr<session> engine::find(std::string_view sid) const {
    auto it = sessions_.find(std::string(sid));
    return it == sessions_.end() ? nullptr : it->second;
}

void engine::forget(const session& s) { sessions_.erase(s.id()); }

void engine::close_all() {
    if (on_close_all) on_close_all();
    std::vector<std::shared_ptr<session>> all;
    all.reserve(sessions_.size());
    for (auto& [id, s] : sessions_) all.push_back(s);
    for (auto& s : all) s->close("server shutting down");
}

void engine::terminate_all() {
    std::vector<std::shared_ptr<session>> all;
    all.reserve(sessions_.size());
    for (auto& [id, s] : sessions_) all.push_back(s);
    for (auto& s : all) s->terminate("server shutting down");
}

void engine::request_flush(std::shared_ptr<flushable> s) {
    dirty_.push_back(std::move(s));
    if (flush_posted_) return;
    flush_posted_ = true;
    asio::post(context_, [this] { run_flush(); });
}

void engine::run_flush() {
    // The first turn always yields once: handlers already ready (the next
    // pipelined request, a broadcast arriving) run first and add their frames.
    // Then the flush waits only while the layer above has work queued.
    if (flush_deferrals_ == 0 || (flush_deferrals_ < max_flush_deferrals && work_pending && work_pending())) {
        ++flush_deferrals_;
        asio::post(context_, [this] { run_flush(); });
        return;
    }
    flush_deferrals_ = 0;
    flush_posted_ = false;
    // The two lists trade places, keeping their capacity: a flush turn
    // allocates nothing once the lists have grown to the worker's fan-out.
    flushing_.swap(dirty_);
    for (auto& dirty : flushing_) dirty->flush();
    flushing_.clear();
}

void engine::add_cors_headers(const http_request& request, http_response& response) const {
    const auto& origins = options_.cors.origins;
    const auto origin = request[http::field::origin];
    const bool any = std::find(origins.begin(), origins.end(), "*") != origins.end();
    if (any && !options_.cors.credentials) {
        response.set(http::field::access_control_allow_origin, "*");
    } else if (!origin.empty() && (any || std::find(origins.begin(), origins.end(), origin) != origins.end())) {
        response.set(http::field::access_control_allow_origin, origin);
        response.set(http::field::vary, "Origin");
    } else {
        if (!origin.empty() && !is_same_origin(origin, request[http::field::host])) note_refused_origin(origin);
        return;
    }
    if (options_.cors.credentials) response.set(http::field::access_control_allow_credentials, "true");
}

void engine::note_refused_origin(std::string_view origin) const {
    if (refused_origins_ == nullptr) return;
    const auto printable = printable_origin(origin);
    switch (refused_origins_->note(printable)) {
    case refused_origins::verdict::first_time:
        spdlog::warn("refused cross-origin requests from {}: not an allowed origin (cors_options; the ferry daemon's "
                     "--cors-origin), so the browser hides the answers from that page; further refusals of this "
                     "origin are not logged",
                     printable);
        break;
    case refused_origins::verdict::too_many:
        spdlog::warn("refused cross-origin requests from more than {} origins; further origins are not logged",
                     refused_origins::default_capacity);
        break;
    case refused_origins::verdict::already_noted:
        break;
    }
}

void engine::reject(http_connection& connection, const http_request& request, engine_error_code code) {
    const auto status = code == engine_error_code::forbidden ? http::status::forbidden : http::status::bad_request;
    http_response res{status, 11};
    res.set(http::field::content_type, "application/json");
    add_cors_headers(request, res);
    res.body() = "{\"code\":" + std::to_string(static_cast<int>(code)) + ",\"message\":\"" +
                 std::string(engine_error_message(code)) + "\"}";
    connection.respond(std::move(res));
}

std::uint64_t engine::body_limit_for(std::string_view target) const noexcept {
    const auto path = target.substr(0, target.find('?'));
    return matches_path(path, options_.path) ? options_.max_payload : options_.max_http_body;
}

http_response engine::body_too_large(std::string_view target) const {
    http_response res{http::status::payload_too_large, 11};
    res.set(http::field::content_type, "application/json");
    const auto path = target.substr(0, target.find('?'));
    if (matches_path(path, options_.path)) {
        res.body() = R"({"code":3,"message":"Bad request"})";
    } else {
        // The error shape of the application's endpoints (the daemon's /api, DESIGN.md).
        res.body() = R"({"error":{"code":"body_too_large","message":"the request body is larger than )" +
                     std::to_string(options_.max_http_body) + R"( bytes"}})";
    }
    return res;
}

void engine::dispatch(const std::shared_ptr<http_connection>& connection, http_request request) {
    const auto target = request.target();
    const auto path = target.substr(0, target.find('?'));
    if (!matches_path(std::string_view(path.data(), path.size()), options_.path)) {
        if (on_http && on_http(*connection, request)) return;
        http_response res{http::status::not_found, 11};
        res.set(http::field::content_type, "application/json");
        res.body() = R"({"error":{"code":"not_found","message":"no such path"}})";
        return connection->respond(std::move(res));
    }
    handle_engine_request(connection, request);
}

bool engine::migrate_if_foreign(const std::shared_ptr<http_connection>& connection,
                                http_request& request, std::string_view sid) {
    const int owner = worker_of_sid(sid);
    if (owner < 0 || group_ == nullptr || static_cast<std::size_t>(owner) >= group_->size() ||
        static_cast<unsigned>(owner) == index_) {
        return false;
    }
    connection->migrate_to(*(*group_)[static_cast<std::size_t>(owner)], std::move(request));
    return true;
}

void engine::handle_engine_request(const std::shared_ptr<http_connection>& connection,
                                   http_request& request) {
    if (request.method() == http::verb::options) {
        http_response res{http::status::no_content, 11};
        add_cors_headers(request, res);
        res.set(http::field::access_control_allow_methods, "GET,HEAD,PUT,PATCH,POST,DELETE");
        const auto asked = request[http::field::access_control_request_headers];
        if (!asked.empty()) res.set(http::field::access_control_allow_headers, asked);
        return connection->respond(std::move(res));
    }

    auto url = boost::urls::parse_origin_form(request.target());
    if (!url) return reject(*connection, request, engine_error_code::bad_request);
    const engine_query q = parse_query(*url);

    // Checks in the order of the reference server's verify().
    if (!q.has_transport || (q.transport != "polling" && q.transport != "websocket") ||
        (q.transport == "polling" && !options_.allow_polling) ||
        (q.transport == "websocket" && !options_.allow_websocket)) {
        return reject(*connection, request, engine_error_code::unknown_transport);
    }
    if (!q.has_eio || q.eio != "4") {
        return reject(*connection, request, engine_error_code::unsupported_protocol_version);
    }
    const bool upgrade = is_websocket_upgrade(request);
    if ((q.transport == "websocket") != upgrade) {
        return reject(*connection, request, engine_error_code::bad_request);
    }

    if (!q.sid.empty()) {
        if (migrate_if_foreign(connection, request, q.sid)) return;
        auto s = find(q.sid);
        if (!s) return reject(*connection, request, engine_error_code::unknown_sid);
        if (upgrade) return connection->hand_over_upgrade(std::move(request));
        if (s->transport() != transport_kind::polling) {
            return reject(*connection, request, engine_error_code::bad_request);
        }
        if (request.method() == http::verb::get) return s->on_poll(connection, request);
        if (request.method() == http::verb::post) return s->on_post(connection, request);
        return reject(*connection, request, engine_error_code::bad_request);
    }

    if (request.method() != http::verb::get) {
        return reject(*connection, request, engine_error_code::bad_handshake_method);
    }
    if (upgrade) return connection->hand_over_upgrade(std::move(request));

    // Long-polling handshake: the open packet is the body of this first GET.
    auto s = std::make_shared<session>(*this, make_sid(index_), transport_kind::polling,
                                       connection->remote_address());
    sessions_.emplace(s->id(), s);
    if (on_session) on_session(s, request);
    http_response res{http::status::ok, 11};
    res.set(http::field::content_type, "text/plain; charset=UTF-8");
    add_cors_headers(request, res);
    res.body() = "0" + s->handshake_payload();
    connection->respond(std::move(res));
    s->start();
}

void engine::upgrade(asio::ip::tcp::socket socket, boost::beast::flat_buffer buffer, http_request request,
                     std::string remote_address) {
    const auto key = request[http::field::sec_websocket_key];
    const auto version = request[http::field::sec_websocket_version];
    if (key.empty() || version != "13") {
        // Not a valid RFC 6455 handshake: answer and drop the connection.
        auto body = std::make_shared<std::string>(
            "HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Type: application/json\r\n"
            "Content-Length: 34\r\n\r\n{\"code\":3,\"message\":\"Bad request\"}");
        auto owned = std::make_shared<asio::ip::tcp::socket>(std::move(socket));
        asio::async_write(*owned, asio::buffer(*body), [owned, body](boost::system::error_code, std::size_t) {
            boost::system::error_code ignored;
            owned->shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
        });
        return;
    }
    std::string preamble =
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Accept: " +
        ws_accept_key(std::string_view(key.data(), key.size())) + "\r\n";
    std::optional<std::size_t> deflate_threshold;
    if (options_.per_message_deflate.enabled) {
        // A list header may be split over several fields (RFC 9110 5.3).
        std::string offers;
        for (auto [it, end] = request.equal_range(http::field::sec_websocket_extensions); it != end; ++it) {
            if (!offers.empty()) offers += ", ";
            offers.append(it->value().data(), it->value().size());
        }
        if (auto accepted = negotiate_permessage_deflate(offers)) {
            preamble += "Sec-WebSocket-Extensions: " + *accepted + "\r\n";
            deflate_threshold = options_.per_message_deflate.threshold;
        }
    }
    preamble += "\r\n";
    const auto pending = buffer.data();
    std::string initial(static_cast<const char*>(pending.data()), pending.size());
    auto ws = std::make_shared<ws_connection>(std::move(socket), options_.max_payload, std::move(initial),
                                              std::move(preamble), deflate_threshold);

    auto url = boost::urls::parse_origin_form(request.target());
    const engine_query q = url ? parse_query(*url) : engine_query{};
    if (!q.sid.empty()) {
        auto s = find(q.sid);
        if (!s || !s->can_upgrade()) {
            // The reference accepts the WebSocket and closes it at once.
            ws->start();
            ws->close(1000);
            return;
        }
        s->begin_upgrade(ws);
        ws->start();
        return;
    }

    auto s = std::make_shared<session>(*this, make_sid(index_), transport_kind::websocket,
                                       std::move(remote_address));
    sessions_.emplace(s->id(), s);
    s->attach_websocket(ws);
    s->send(wire_packet::text(packet_type::open, s->handshake_payload()));
    if (on_session) on_session(s, request);
    ws->start();
    s->start();
}

}  // namespace ferry::engineio
