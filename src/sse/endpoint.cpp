#include "sse/endpoint.hpp"

#include "sse/request.hpp"
#include "sse/stream.hpp"
#include "socketio/server_impl.hpp"

#include <boost/beast/http/field.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace ferry::sse {
namespace http = boost::beast::http;
namespace json = boost::json;

namespace {

void answer_error(engineio::http_connection& c, const engineio::http_request& r, http::status status,
                  std::string_view code, std::string_view message) {
    engineio::http_response res{status, 11};
    res.set(http::field::content_type, "application/json");
    c.owner().add_cors_headers(r, res);
    if (status == http::status::method_not_allowed) res.set(http::field::allow, "GET, OPTIONS");
    res.body() = json::serialize(json::object{{"error", json::object{{"code", code}, {"message", message}}}});
    c.respond(std::move(res));
}

}  // namespace

std::string response_head(const engineio::http_response& response) {
    std::string out = "HTTP/1.1 ";
    out += std::to_string(response.result_int());
    out += ' ';
    out += response.reason();
    out += "\r\n";
    for (const auto& f : response) {
        out += f.name_string();
        out += ": ";
        out += f.value();
        out += "\r\n";
    }
    out += "\r\n";
    return out;
}

endpoint::endpoint(socketio::server_impl& server, options opts)
    : server_(&server), options_(std::make_shared<const options>(std::move(opts))) {}

bool endpoint::operator()(engineio::http_connection& c, engineio::http_request& r) const {
    const auto target = r.target();
    const auto path = target.substr(0, target.find('?'));
    if (std::string_view(path.data(), path.size()) != options_->path) return false;

    if (r.method() == http::verb::options) {
        // A preflight (a cross-origin request that sets Last-Event-ID itself).
        engineio::http_response res{http::status::no_content, 11};
        c.owner().add_cors_headers(r, res);
        res.set(http::field::access_control_allow_methods, "GET");
        const auto asked = r[http::field::access_control_request_headers];
        if (!asked.empty()) res.set(http::field::access_control_allow_headers, asked);
        c.respond(std::move(res));
        return true;
    }
    if (r.method() != http::verb::get) {
        answer_error(c, r, http::status::method_not_allowed, "method_not_allowed", "use GET");
        return true;
    }
    const auto last_id = r["Last-Event-ID"];
    stream_request request = parse_stream_request(std::string_view(target.data(), target.size()),
                                                  std::string_view(last_id.data(), last_id.size()));
    if (!request.problem.empty()) {
        answer_error(c, r, http::status::bad_request, "bad_request", request.problem);
        return true;
    }
    auto* nsp = server_->find_namespace(options_->nsp, true);

    // The stream ends by closing, so the body has neither a length nor chunks
    // (RFC 9112 6.3: read until close). The fields are those that keep
    // proxies from buffering or caching it (nginx honours X-Accel-Buffering).
    engineio::http_response head{http::status::ok, 11};
    head.set(http::field::content_type, "text/event-stream; charset=utf-8");
    head.set(http::field::cache_control, "no-cache");
    head.set(http::field::connection, "keep-alive");
    head.set("X-Accel-Buffering", "no");
    c.owner().add_cors_headers(r, head);

    auto& owner = c.owner();
    const std::string address = c.remote_address();
    std::string leftover;  // a client sends nothing after its GET; ignored
    auto socket = c.take_socket(leftover);
    auto s = std::make_shared<stream>(*server_, server_->worker(owner.index()), *nsp, std::move(socket),
                                      server_->make_socket_id(), address, options_);
    s->start(response_head(head), request);
    return true;
}

}  // namespace ferry::sse
