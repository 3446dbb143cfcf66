#pragma once
// The requests of the daemon's HTTP API for backends (docs/http-api.md), as
// values: routing, content type, JSON and every field are checked here, by
// pure functions, before anything acts. A request either becomes a command
// struct, or an api_error that says what the client gets (status, code,
// message), so nothing is ever half-applied.
//
// Deliberately not here: namespace lookup (needs the server), and I/O.
//
// Thread safety: pure functions; call from any thread.

#include "socketio/room_name.hpp"

#include <boost/beast/http/status.hpp>
#include <boost/beast/http/verb.hpp>
#include <boost/json/array.hpp>
#include <boost/json/value.hpp>

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace ferry::http {

/// What a refused request is answered with: `status` and
/// `{"error":{"code","message"}}`; `allow` is the Allow header of a 405.
struct api_error {
    boost::beast::http::status status = boost::beast::http::status::bad_request;
    std::string code;
    std::string message;
    std::string allow;

    bool operator==(const api_error&) const = default;
};

/// The rules a request is checked against.
struct api_rules {
    /// Why a room name is refused, or "" when acceptable. By default the rule
    /// every surface shares (socketio/room_name.hpp).
    std::function<std::string(std::string_view room)> room_problem = socketio::room_name_problem;
};

/// Events in one page of a room's history, unless `limit` says otherwise.
inline constexpr std::size_t default_history_limit = 100;
/// The most events one page may hold; a larger `limit` is lowered to this.
inline constexpr std::size_t max_history_limit = 1000;

/// POST /api/emit.
struct emit_command {
    std::string nsp = "/";
    std::vector<std::string> rooms;  ///< empty: the whole namespace
    std::vector<std::string> except;
    std::string event;
    boost::json::array args;
    bool is_volatile = false;
    /// Publish id (idempotency key within the store's window), "" when absent.
    std::string id;

    bool operator==(const emit_command&) const = default;
};

/// GET /api/rooms/{room}/events.
struct history_query {
    std::string nsp = "/";
    std::string room;
    std::string after;  ///< "" = from the oldest kept event
    std::size_t limit = default_history_limit;

    bool operator==(const history_query&) const = default;
};

/// GET /api/rooms.
struct rooms_query {
    std::string nsp = "/";

    bool operator==(const rooms_query&) const = default;
};

/// GET /api/sockets[?room=] and GET /api/sockets/{id}.
struct sockets_query {
    std::string nsp = "/";
    std::optional<std::string> room;  ///< only the members of this room
    /// Set for GET /api/sockets/{id}: the state of one session.
    std::optional<std::string> id;

    bool operator==(const sockets_query&) const = default;
};

enum class sockets_action { join, leave, disconnect };

/// POST /api/sockets/join | leave | disconnect.
struct sockets_command {
    sockets_action action = sockets_action::join;
    std::string nsp = "/";
    std::vector<std::string> in;  ///< `in` plus `sockets`; empty: every socket
    std::vector<std::string> except;
    std::vector<std::string> rooms;  ///< the rooms to join / leave
    bool close = false;              ///< disconnect: close the whole connection

    bool operator==(const sockets_command&) const = default;
};

using api_request = std::variant<api_error, emit_command, history_query, rooms_query, sockets_query, sockets_command>;

/// True when `target` (the request target, query included) is under /api.
bool is_api_target(std::string_view target) noexcept;

/// Checks one request under /api and turns it into its command, or into the
/// error it is answered with. `content_type` is the request's header ("" when
/// absent); `body` its body.
api_request parse_api_request(boost::beast::http::verb method, std::string_view target,
                              std::string_view content_type, std::string_view body, const api_rules& rules);

/// Each piece on its own (parse_api_request uses them; tests call them directly).
api_request parse_emit(const boost::json::value& body, const api_rules& rules);
api_request parse_sockets_command(sockets_action action, const boost::json::value& body, const api_rules& rules);

/// The JSON text of an error answer: {"error":{"code","message"}}.
std::string error_body(const api_error& e);

}  // namespace ferry::http
