#include "http/api_request.hpp"

#include "socketio/event_data.hpp"
#include "socketio/reserved_events.hpp"
#include "store/cursor.hpp"

#include <ferry/event_store.hpp>

#include <boost/beast/core/string.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <unordered_set>

namespace ferry::http {
namespace json = boost::json;
namespace bhttp = boost::beast::http;

namespace {

api_error bad_request(std::string message) { return {bhttp::status::bad_request, "bad_request", std::move(message), {}}; }

api_error not_found() { return {bhttp::status::not_found, "not_found", "no such API endpoint", {}}; }

api_error method_not_allowed(std::string allow) {
    return {bhttp::status::method_not_allowed, "method_not_allowed", "use " + allow + " on this path", allow};
}

std::optional<api_error> check_room(std::string_view room, std::string_view field, const api_rules& rules) {
    std::string problem = rules.room_problem ? rules.room_problem(room) : std::string();
    if (problem.empty()) return std::nullopt;
    return api_error{bhttp::status::bad_request, "bad_room", std::string(field) + ": " + problem, {}};
}

// Reads the fields of one JSON object; remembers the first problem only.
class field_reader {
public:
    field_reader(const json::object& o, const api_rules& rules) : o_(o), rules_(rules) {}

    // Every field of the body must be one of `known` (a typo must not be ignored silently).
    void only(std::initializer_list<std::string_view> known) {
        for (const auto& [key, value] : o_) {
            if (std::find(known.begin(), known.end(), std::string_view(key)) == known.end()) {
                fail(bad_request("unknown field '" + std::string(key) + "'"));
                return;
            }
        }
    }

    bool has(std::string_view key) const { return o_.contains(key); }

    // The namespace (`namespace`, default "/"); a missing leading '/' is added as socket.io-client does.
    void nsp(std::string& out) {
        const auto* v = o_.if_contains("namespace");
        if (!v) return;
        if (!v->is_string() || v->get_string().empty()) return fail(bad_request("namespace must be a non-empty string"));
        out = std::string(v->get_string());
        if (out.front() != '/') out.insert(out.begin(), '/');
    }

    void string(std::string_view key, std::string& out) {
        const auto* v = o_.if_contains(key);
        if (!v) return;
        if (!v->is_string()) return fail(bad_request(std::string(key) + " must be a string"));
        out = std::string(v->get_string());
    }

    void boolean(std::string_view key, bool& out) {
        const auto* v = o_.if_contains(key);
        if (!v) return;
        if (!v->is_bool()) return fail(bad_request(std::string(key) + " must be true or false"));
        out = v->get_bool();
    }

    // A room name, or (with `list`) a room name or a non-empty array of them.
    // Appends to `out`, skipping duplicates.
    void rooms(std::string_view key, std::vector<std::string>& out, bool allow_single, bool allow_list) {
        const auto* v = o_.if_contains(key);
        if (!v) return;
        const std::string what = allow_single && allow_list ? " must be a room name or an array of room names"
                                 : allow_list              ? " must be an array of room names"
                                                           : " must be a room name";
        // Duplicates are found with a hash set (a 50,000-room emit is linear,
        // not quadratic). Its views point into `out`, which is reserved up
        // front so that no element moves, and into the JSON body.
        out.reserve(out.size() + (v->is_array() ? v->get_array().size() : 1));
        std::unordered_set<std::string_view> seen(out.begin(), out.end());
        auto add = [&](const json::value& item) {
            if (!item.is_string()) return fail(bad_request(std::string(key) + what));
            const std::string_view room = item.get_string();
            if (auto e = check_room(room, key, rules_)) return fail(std::move(*e));
            if (seen.insert(room).second) out.emplace_back(room);
        };
        if (v->is_string() && allow_single) return add(*v);
        if (!v->is_array() || !allow_list) return fail(bad_request(std::string(key) + what));
        // An empty list is refused rather than read as "everyone": a backend
        // that computed no recipients must not reach the whole namespace.
        if (v->get_array().empty()) {
            return fail(bad_request(std::string(key) + " must not be empty (leave it out to mean every socket)"));
        }
        for (const auto& item : v->get_array()) {
            add(item);
            if (error_) return;
        }
    }

    void fail(api_error e) {
        if (!error_) error_ = std::move(e);
    }
    const std::optional<api_error>& error() const { return error_; }

private:
    const json::object& o_;
    const api_rules& rules_;
    std::optional<api_error> error_;
};

// Parses a JSON body that must be an object.
std::variant<api_error, json::value> parse_body(std::string_view body) {
    boost::system::error_code ec;
    json::value v = json::parse(body, ec);
    if (ec) {
        return api_error{bhttp::status::bad_request, "malformed_json", "the body is not valid JSON: " + ec.message(), {}};
    }
    if (!v.is_object()) return bad_request("the body must be a JSON object");
    return v;
}

bool is_json(std::string_view content_type) {
    const auto type = content_type.substr(0, content_type.find(';'));
    auto trimmed = type;
    while (!trimmed.empty() && (trimmed.back() == ' ' || trimmed.back() == '\t')) trimmed.remove_suffix(1);
    while (!trimmed.empty() && (trimmed.front() == ' ' || trimmed.front() == '\t')) trimmed.remove_prefix(1);
    return boost::beast::iequals(trimmed, "application/json");
}

// The query parameters every GET understands.
struct query_params {
    std::string nsp = "/";
    std::optional<std::string> room;
    std::optional<std::string> after;
    std::optional<std::string> limit;
};

std::variant<api_error, query_params> read_query(const boost::urls::url_view& url) {
    query_params q;
    for (auto param : url.params()) {
        if (param.key == "namespace") {
            if (param.value.empty()) return bad_request("namespace must not be empty");
            q.nsp = param.value;
            if (q.nsp.front() != '/') q.nsp.insert(q.nsp.begin(), '/');
        } else if (param.key == "room") {
            q.room = param.value;
        } else if (param.key == "after") {
            q.after = param.value;
        } else if (param.key == "limit") {
            q.limit = param.value;
        }
    }
    return q;
}

api_request parse_history(const query_params& q, std::string room, const api_rules& rules) {
    history_query h;
    h.nsp = q.nsp;
    if (auto e = check_room(room, "room", rules)) return *e;
    h.room = std::move(room);
    // The cursor rule every surface shares (store/cursor.hpp): another
    // epoch's offset is accepted and answered with gap: true by the read.
    auto cursor = q.after ? store::read_cursor(std::string_view(*q.after), "after") : store::client_cursor{};
    if (!cursor.problem.empty()) return api_error{bhttp::status::bad_request, "bad_offset", cursor.problem, {}};
    if (cursor.at) h.after = *q.after;
    if (q.limit) {
        std::size_t n = 0;
        const char* first = q.limit->data();
        const char* last = first + q.limit->size();
        auto [end, ec] = std::from_chars(first, last, n);
        if (q.limit->empty() || ec == std::errc::invalid_argument || end != last || (ec == std::errc{} && n == 0)) {
            return bad_request("limit must be a positive integer");
        }
        // Too large a number (out of range included) is lowered to the maximum page.
        h.limit = ec == std::errc::result_out_of_range ? max_history_limit : std::min(n, max_history_limit);
    }
    return h;
}

}  // namespace

bool is_api_target(std::string_view target) noexcept {
    const auto path = target.substr(0, target.find('?'));
    return path == "/api" || path.starts_with("/api/");
}

std::string error_body(const api_error& e) {
    return json::serialize(json::object{{"error", json::object{{"code", e.code}, {"message", e.message}}}});
}

api_request parse_emit(const json::value& body, const api_rules& rules) {
    const json::object& o = body.as_object();
    field_reader r(o, rules);
    r.only({"namespace", "room", "rooms", "except", "event", "data", "args", "volatile", "id"});
    emit_command c;
    r.nsp(c.nsp);
    if (r.has("room") && r.has("rooms")) r.fail(bad_request("give room or rooms, not both"));
    r.rooms("room", c.rooms, true, false);
    r.rooms("rooms", c.rooms, false, true);
    r.rooms("except", c.except, true, true);
    if (const auto* event = o.if_contains("event"); !event) {
        r.fail(bad_request("event is required"));
    } else if (!event->is_string() || event->get_string().empty()) {
        r.fail(bad_request("event must be a non-empty string"));
    } else {
        c.event = std::string(event->get_string());
        // An emit may not impersonate a signal of ferry or of Socket.IO (a fake gap, an SSE session id).
        if (socketio::is_reserved_event(c.event)) r.fail(bad_request("event '" + c.event + "' is reserved"));
    }
    if (r.has("data") && r.has("args")) r.fail(bad_request("give data or args, not both"));
    if (const auto* data = o.if_contains("data")) c.args.push_back(*data);
    if (const auto* a = o.if_contains("args")) {
        if (!a->is_array()) r.fail(bad_request("args must be an array"));
        else c.args = a->get_array();
    }
    // What the log stores is what clients can parse (publish refuses it too;
    // here the backend gets the reason).
    for (const auto& v : c.args) {
        if (auto p = socketio::event_data_problem(v); !p.empty()) r.fail(bad_request(std::move(p)));
    }
    r.boolean("volatile", c.is_volatile);
    if (const auto* id = o.if_contains("id")) {
        if (id->is_string() && !id->get_string().empty()) c.id = std::string(id->get_string());
        else if (id->is_int64() || id->is_uint64()) c.id = json::serialize(*id);
        else r.fail(bad_request("id must be a non-empty string or an integer"));
        if (c.is_volatile) r.fail(bad_request("a volatile event is not stored: it cannot have an id"));
    }
    if (r.error()) return *r.error();
    return c;
}

api_request parse_sockets_command(sockets_action action, const json::value& body, const api_rules& rules) {
    const json::object& o = body.as_object();
    field_reader r(o, rules);
    if (action == sockets_action::disconnect) {
        r.only({"namespace", "in", "except", "sockets", "close"});
    } else {
        r.only({"namespace", "in", "except", "sockets", "rooms"});
    }
    sockets_command c;
    c.action = action;
    r.nsp(c.nsp);
    r.rooms("in", c.in, true, true);
    // A socket's id is the name of its own room: `sockets` adds those rooms to `in`.
    r.rooms("sockets", c.in, false, true);
    r.rooms("except", c.except, true, true);
    if (action == sockets_action::disconnect) {
        r.boolean("close", c.close);
    } else {
        if (!r.has("rooms")) r.fail(bad_request("rooms is required: the rooms to join or leave"));
        r.rooms("rooms", c.rooms, true, true);
    }
    if (r.error()) return *r.error();
    return c;
}

api_request parse_api_request(bhttp::verb method, std::string_view target, std::string_view content_type,
                              std::string_view body, const api_rules& rules) {
    auto parsed = boost::urls::parse_origin_form(target);
    if (!parsed) return bad_request("the request target is not a valid URL");
    const boost::urls::url_view url = *parsed;
    // Decoded segments: a room with a '/' in its name is sent as %2F and stays one segment.
    std::vector<std::string> seg;
    for (auto s : url.segments()) seg.push_back(s);
    if (!seg.empty() && seg.back().empty()) seg.pop_back();  // a trailing slash
    if (seg.empty() || seg.front() != "api") return not_found();

    auto get = [&](auto&& make) -> api_request {
        if (method != bhttp::verb::get) return method_not_allowed("GET");
        auto q = read_query(url);
        if (auto* e = std::get_if<api_error>(&q)) return *e;
        return make(std::get<query_params>(q));
    };
    auto post = [&](auto&& make) -> api_request {
        if (method != bhttp::verb::post) return method_not_allowed("POST");
        if (!is_json(content_type)) {
            return api_error{bhttp::status::unsupported_media_type, "unsupported_media_type",
                             "Content-Type must be application/json", {}};
        }
        auto v = parse_body(body);
        if (auto* e = std::get_if<api_error>(&v)) return *e;
        return make(std::get<json::value>(v));
    };

    if (seg.size() == 2 && seg[1] == "emit") {
        return post([&](const json::value& v) { return parse_emit(v, rules); });
    }
    if (seg.size() == 2 && seg[1] == "rooms") {
        return get([](const query_params& q) -> api_request { return rooms_query{q.nsp}; });
    }
    if (seg.size() == 4 && seg[1] == "rooms" && seg[3] == "events") {
        return get([&](const query_params& q) { return parse_history(q, seg[2], rules); });
    }
    if (seg.size() == 2 && seg[1] == "sockets") {
        return get([&](const query_params& q) -> api_request {
            sockets_query s;
            s.nsp = q.nsp;
            if (q.room) {
                if (auto e = check_room(*q.room, "room", rules)) return *e;
                s.room = q.room;
            }
            return s;
        });
    }
    if (seg.size() == 3 && seg[1] == "sockets") {
        static constexpr std::array<std::pair<std::string_view, sockets_action>, 3> actions{
            {{"join", sockets_action::join}, {"leave", sockets_action::leave}, {"disconnect", sockets_action::disconnect}}};
        for (const auto& [name, action] : actions) {
            if (seg[2] == name) {
                return post([&, a = action](const json::value& v) { return parse_sockets_command(a, v, rules); });
            }
        }
        return get([&](const query_params& q) -> api_request {
            if (auto e = check_room(seg[2], "id", rules)) return *e;
            sockets_query s;
            s.nsp = q.nsp;
            s.id = seg[2];
            return s;
        });
    }
    return not_found();
}

}  // namespace ferry::http
