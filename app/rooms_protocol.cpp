#include "rooms_protocol.hpp"

#include "socketio/event_data.hpp"
#include "socketio/reserved_events.hpp"
#include "store/cursor.hpp"

#include <boost/json.hpp>

namespace ferry::app {
namespace json = boost::json;

namespace {

json::object failure(std::string_view code, std::string_view message) {
    return json::object{{"ok", false}, {"error", json::object{{"code", code}, {"message", message}}}};
}

// "room" or { room, since? }.
struct room_request {
    std::string room;
    std::string since;
    std::string problem;
};

room_request read_room_request(const args& a) {
    room_request r;
    if (a.values.empty()) return r.problem = "expected a room name or { room }", r;
    const json::value& v = a.values.front();
    if (v.is_string()) {
        r.room = std::string(v.get_string());
    } else if (const auto* o = v.if_object()) {
        if (const auto* room = o->if_contains("room"); room && room->is_string()) r.room = std::string(room->get_string());
        // The cursor rule every surface shares: malformed is refused, another
        // epoch's offset is a gap (told by join_since), null is no cursor.
        auto cursor = store::read_cursor(o->if_contains("since"), "since");
        if (!cursor.problem.empty()) return r.problem = std::move(cursor.problem), r;
        if (cursor.at) r.since = cursor.at->to_string();
    } else {
        return r.problem = "expected a room name or { room }", r;
    }
    if (auto p = room_name_problem(r.room); !p.empty()) r.problem = p;
    return r;
}

void on_subscribe(const socket_ptr& s, nsp n, const room_policy& policy, event& e) {
    auto r = read_room_request(e.args);
    if (!r.problem.empty()) return e.ack(failure("bad_request", r.problem));
    if (policy.may_subscribe && !policy.may_subscribe(*s, r.room)) return e.ack(failure("forbidden", "not allowed"));
    // The room's head: the client knows its position before any event arrives.
    const std::string offset = n.head(r.room);
    if (r.since.empty()) {
        s->join(r.room);
    } else {
        s->join_since({r.room}, r.since);
    }
    e.ack(json::object{{"ok", true}, {"offset", offset}});
}

void on_unsubscribe(const socket_ptr& s, event& e) {
    auto r = read_room_request(e.args);
    if (!r.problem.empty()) return e.ack(failure("bad_request", r.problem));
    s->leave(r.room);
    e.ack(json::object{{"ok", true}});
}

void on_publish(const socket_ptr& s, nsp n, const room_policy& policy, event& e) {
    const json::object* o = e.args.values.empty() ? nullptr : e.args.values.front().if_object();
    if (!o) return e.ack(failure("bad_request", "expected { room, event, data, id? }"));
    const auto* room = o->if_contains("room");
    const auto* name = o->if_contains("event");
    const auto* id = o->if_contains("id");
    if (!room || !room->is_string()) return e.ack(failure("bad_request", "room must be a string"));
    if (auto p = room_name_problem(room->get_string()); !p.empty()) return e.ack(failure("bad_request", p));
    if (!name || !name->is_string() || name->get_string().empty()) {
        return e.ack(failure("bad_request", "event must be a non-empty string"));
    }
    // Neither ferry's signals (gap, session) nor Socket.IO's own may be forged to a room.
    if (socketio::is_reserved_event(name->get_string())) {
        return e.ack(failure("bad_request", "reserved event name"));
    }
    if (id && !id->is_string() && !id->is_number()) return e.ack(failure("bad_request", "id must be a string or number"));
    const std::string room_name(room->get_string());
    if (policy.may_publish && !policy.may_publish(*s, room_name)) return e.ack(failure("forbidden", "not allowed"));
    args payload;
    if (const auto* data = o->if_contains("data")) {
        // 1e400 parses to infinity: refused here with the reason (publish refuses it too).
        if (auto p = socketio::event_data_problem(*data); !p.empty()) return e.ack(failure("bad_request", p));
        payload.values.push_back(*data);
    }
    payload.attachments = e.args.attachments;
    // The id is scoped to its room, so two rooms cannot collide on a client's counter.
    const std::string key = id ? room_name + '\x1f' + json::serialize(*id) : std::string();
    n.to(room_name).publish(std::string(name->get_string()), payload,
                            [ack = e.ack](result<std::string> offset) {
                                if (offset) ack(json::object{{"ok", true}, {"offset", *offset}});
                                else if (offset.error() == error::not_json)
                                    ack(failure("bad_request", "data cannot be sent as JSON"));
                                else ack(failure("store_unavailable", "the event log cannot append"));
                            },
                            key);
}

}  // namespace

void install_rooms_protocol(nsp n, room_policy policy) {
    // Rooms and the cursor named in auth are checked before the client is
    // admitted: a malformed `since` is refused (it cannot be placed in the
    // log), never answered with a gap and a full replay.
    n.use([](socket& s, middleware_next next) {
        auto refuse = [&next](std::string message) {
            next(connect_error{std::move(message), json::object{{"code", "bad_request"}}});
        };
        const auto* auth = s.handshake().auth.if_object();
        const auto* rooms = auth ? auth->if_contains("rooms") : nullptr;
        if (rooms && !rooms->is_array()) return refuse("auth.rooms must be an array");
        if (rooms) {
            for (const auto& r : rooms->get_array()) {
                if (!r.is_string()) return refuse("auth.rooms must hold strings");
                if (auto p = room_name_problem(r.get_string()); !p.empty()) return refuse(std::move(p));
            }
        }
        if (auth) {
            auto cursor = store::read_cursor(auth->if_contains("since"), "auth.since");
            if (!cursor.problem.empty()) return refuse(std::move(cursor.problem));
        }
        next();
    });
    n.on_connection([n, policy](socket_ptr s) {
        // After a recovery the client re-sends its first auth: its rooms are
        // restored already, and a stale `since` must not replay them twice.
        if (!s->recovered()) {
            const auto* auth = s->handshake().auth.if_object();
            const auto* rooms = auth ? auth->if_contains("rooms") : nullptr;
            if (rooms && rooms->is_array()) {
                std::vector<std::string> names;
                for (const auto& r : rooms->get_array()) {
                    if (policy.may_subscribe && !policy.may_subscribe(*s, r.get_string())) continue;
                    names.emplace_back(r.get_string());
                }
                // The cursor: socket.io-client's own `offset` (the newest event it
                // received) when its session was not restored, else the app's `since`.
                // Either way the rooms get exactly what came after it, or a gap.
                const auto* offset = auth->if_contains("offset");
                const auto* since = auth->if_contains("since");
                const auto* cursor = offset && offset->is_string() ? offset : since;
                if (cursor && cursor->is_string()) {
                    s->join_since(names, std::string(cursor->get_string()));
                } else {
                    s->join(names);
                }
            }
        }
        std::weak_ptr<socket> weak = s;
        s->on("subscribe", [weak, n, policy](event& e) {
            if (auto self = weak.lock()) on_subscribe(self, n, policy, e);
        });
        s->on("unsubscribe", [weak](event& e) {
            if (auto self = weak.lock()) on_unsubscribe(self, e);
        });
        s->on("publish", [weak, n, policy](event& e) {
            if (auto self = weak.lock()) on_publish(self, n, policy, e);
        });
    });
}

}  // namespace ferry::app
