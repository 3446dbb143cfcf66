#include "http/api.hpp"

#include "engineio/engine.hpp"
#include "socketio/adapter.hpp"
#include "socketio/namespace_impl.hpp"
#include "socketio/server_impl.hpp"

#include <boost/asio/post.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cstdio>
#include <ctime>

namespace ferry::http {
namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
namespace json = boost::json;

namespace {

using connection_ptr = std::shared_ptr<engineio::http_connection>;

void respond_json(engineio::http_connection& c, bhttp::status status, std::string body, std::string_view allow = {}) {
    engineio::http_response res{status, 11};
    res.set(bhttp::field::content_type, "application/json");
    res.set(bhttp::field::cache_control, "no-store");
    if (!allow.empty()) res.set(bhttp::field::allow, allow);
    res.body() = std::move(body);
    c.respond(std::move(res));
}

void respond_error(engineio::http_connection& c, const api_error& e) {
    respond_json(c, e.status, error_body(e), e.allow);
}

// Completions come from the store's thread or from other workers: the answer
// is written on the connection's own worker (http_connection is not thread-safe).
template <class Fn>
void on_connection_worker(const connection_ptr& c, Fn fn) {
    asio::post(c->owner().context(), [c, fn = std::move(fn)]() mutable { fn(*c); });
}

api_error store_unavailable() {
    return {bhttp::status::service_unavailable, "store_unavailable", "the event log cannot be used right now", {}};
}

// ISO 8601, UTC, milliseconds.
std::string iso_time(std::chrono::system_clock::time_point t) {
    if (t == std::chrono::system_clock::time_point{}) return {};
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
    const std::time_t secs = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                  tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
    return buf;
}

// A socket as /api/sockets shows it. The handshake is summarised: the auth
// payload may hold tokens, so only its field names are shown.
json::object describe(const socket_info& s) {
    json::array rooms;
    for (const auto& r : s.rooms) {
        if (r != s.id) rooms.emplace_back(r);  // its own room is its id
    }
    std::sort(rooms.begin(), rooms.end(),
              [](const json::value& a, const json::value& b) { return a.get_string() < b.get_string(); });
    json::array auth_fields;
    if (const auto* auth = s.auth.if_object()) {
        for (const auto& [key, value] : *auth) auth_fields.emplace_back(key);
    }
    json::object handshake{{"address", s.address}, {"auth", std::move(auth_fields)}};
    if (auto t = iso_time(s.time); !t.empty()) handshake["time"] = t;
    return json::object{{"id", s.id},
                        {"namespace", s.nsp},
                        {"state", "connected"},
                        {"transport", s.transport},
                        {"rooms", std::move(rooms)},
                        {"handshake", std::move(handshake)}};
}

class executor {
public:
    executor(server& io, const connection_ptr& c) : io_(io), c_(c) {}

    void operator()(const api_error& e) const { respond_error(*c_, e); }

    void operator()(const emit_command& cmd) const {
        auto* n = find(cmd.nsp);
        if (!n) return;
        auto op = ferry::nsp(*n).all();
        if (!cmd.rooms.empty()) op = op.to(cmd.rooms);
        if (!cmd.except.empty()) op = op.except(cmd.except);
        if (cmd.is_volatile) op = op.volatile_();
        args a;
        a.values = cmd.args;
        // Scoped to the API and the namespace, so it cannot collide with a
        // client's publish ids (scoped to their room by the room protocol).
        std::string key = cmd.id.empty() ? std::string() : "api\x1f" + cmd.nsp + '\x1f' + cmd.id;
        op.publish(
            cmd.event, a,
            [c = c_](result<std::string> offset) {
                on_connection_worker(c, [offset = std::move(offset)](engineio::http_connection& conn) {
                    if (!offset && offset.error() == error::not_json) {
                        // parse_emit refuses such data first; publish's own gate says the same.
                        return respond_error(conn, {bhttp::status::bad_request, "bad_request",
                                                    "data cannot be sent as JSON (a non-finite number?)", {}});
                    }
                    if (!offset) return respond_error(conn, store_unavailable());
                    // Volatile events (and every event of a server without a log) have no offset.
                    json::value o = offset->empty() ? json::value(nullptr) : json::value(*offset);
                    respond_json(conn, bhttp::status::ok, json::serialize(json::object{{"offset", o}}));
                });
            },
            std::move(key));
    }

    void operator()(const history_query& q) const {
        auto* n = find(q.nsp);
        if (!n) return;
        ferry::nsp(*n).history(q.room, q.after, q.limit, [c = c_](result<nsp::history_page> page) {
            if (!page) return on_connection_worker(c, [](auto& conn) { respond_error(conn, store_unavailable()); });
            // Serialised here, on the store's thread: the worker only writes.
            json::array events;
            for (const auto& e : page->events) {
                events.push_back(json::object{{"offset", e.offset}, {"event", e.event}, {"args", e.args.values}});
            }
            auto body = json::serialize(
                json::object{{"events", std::move(events)}, {"gap", page->gap}, {"more", page->more}});
            on_connection_worker(c, [body = std::move(body)](engineio::http_connection& conn) mutable {
                respond_json(conn, bhttp::status::ok, std::move(body));
            });
        });
    }

    void operator()(const rooms_query& q) const {
        auto* n = find(q.nsp);
        if (!n) return;
        io_.impl().get_adapter().list_rooms(*n, [c = c_, nsp = q.nsp](std::vector<socketio::room_count> rooms) {
            json::array out;
            for (const auto& r : rooms) out.push_back(json::object{{"name", r.room}, {"members", r.members}});
            auto body = json::serialize(json::object{{"namespace", nsp}, {"rooms", std::move(out)}});
            on_connection_worker(c, [body = std::move(body)](engineio::http_connection& conn) mutable {
                respond_json(conn, bhttp::status::ok, std::move(body));
            });
        });
    }

    void operator()(const sockets_query& q) const {
        auto* n = find(q.nsp);
        if (!n) return;
        auto op = ferry::nsp(*n).all();
        if (q.id) op = op.to(*q.id);
        if (q.room) op = op.to(*q.room);
        op.fetch_sockets([c = c_, id = q.id](std::vector<socket_info> found) {
            std::string body;
            if (id) {
                // One session's state. Recoverable sessions are not listed by
                // the session store, so "disconnected" also covers "unknown".
                auto it = std::find_if(found.begin(), found.end(), [&id](const socket_info& s) { return s.id == *id; });
                body = it == found.end() ? json::serialize(json::object{{"id", *id}, {"state", "disconnected"}})
                                         : json::serialize(describe(*it));
            } else {
                std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
                json::array out;
                for (const auto& s : found) out.push_back(describe(s));
                body = json::serialize(json::object{{"sockets", std::move(out)}});
            }
            on_connection_worker(c, [body = std::move(body)](engineio::http_connection& conn) mutable {
                respond_json(conn, bhttp::status::ok, std::move(body));
            });
        });
    }

    void operator()(const sockets_command& cmd) const {
        auto* n = find(cmd.nsp);
        if (!n) return;
        broadcast_operator::selection sel;
        sel.rooms = cmd.in;
        sel.except = cmd.except;
        auto done = [c = c_](std::size_t matched) {
            on_connection_worker(c, [matched](engineio::http_connection& conn) {
                respond_json(conn, bhttp::status::ok, json::serialize(json::object{{"matched", matched}}));
            });
        };
        auto& a = io_.impl().get_adapter();
        switch (cmd.action) {
            case sockets_action::join: return a.add_sockets(*n, sel, cmd.rooms, done);
            case sockets_action::leave: return a.del_sockets(*n, sel, cmd.rooms, done);
            case sockets_action::disconnect: return a.disconnect_sockets(*n, sel, cmd.close, done);
        }
    }

private:
    // The namespace, or null after answering 404.
    socketio::namespace_impl* find(const std::string& name) const {
        auto* n = io_.impl().find_namespace(name, false);
        if (!n) {
            respond_error(*c_, {bhttp::status::not_found, "unknown_namespace", "no namespace named '" + name + "'", {}});
        }
        return n;
    }

    server& io_;
    connection_ptr c_;
};

}  // namespace

bool api::serve(engineio::http_connection& connection, engineio::http_request& request) const {
    if (!is_api_target(request.target())) return false;
    auto command = parse_api_request(request.method(), request.target(), request[bhttp::field::content_type],
                                     request.body(), rules_);
    std::visit(executor(*io_, connection.shared_from_this()), command);
    return true;
}

}  // namespace ferry::http
