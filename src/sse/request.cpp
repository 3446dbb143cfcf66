#include "sse/request.hpp"

#include "socketio/room_name.hpp"
#include "store/cursor.hpp"

#include <boost/url/parse.hpp>

#include <algorithm>

namespace ferry::sse {

namespace {

// Bounds the work one request can ask for (each room is a room-index entry).
constexpr std::size_t max_rooms = 100;

}  // namespace

stream_request parse_stream_request(std::string_view target, std::string_view last_event_id) {
    stream_request out;
    auto url = boost::urls::parse_origin_form(target);
    if (!url) return out.problem = "malformed request target", out;
    std::string since;
    std::string query_last_id;
    bool has_since = false;
    bool has_query_last_id = false;
    bool has_rooms = false;
    for (auto param : url->params()) {
        if (param.key == "rooms") {
            has_rooms = true;
            std::string_view list = param.value;
            std::size_t start = 0;
            for (;;) {
                const std::size_t comma = list.find(',', start);
                std::string name(list.substr(start, comma == std::string_view::npos ? std::string_view::npos
                                                                                     : comma - start));
                if (auto p = socketio::room_name_problem(name); !p.empty()) return out.problem = p, out;
                if (std::find(out.rooms.begin(), out.rooms.end(), name) == out.rooms.end()) {
                    out.rooms.push_back(std::move(name));
                }
                if (comma == std::string_view::npos) break;
                start = comma + 1;
            }
        } else if (param.key == "since") {
            has_since = true;
            since = param.value;
        } else if (param.key == "lastEventId") {
            has_query_last_id = true;
            query_last_id = param.value;
        }
    }
    if (!has_rooms) return out.problem = "rooms is required (rooms=a,b)", out;
    if (out.rooms.size() > max_rooms) return out.problem = "more than 100 rooms", out;

    // The newest source wins; an empty Last-Event-ID or lastEventId means
    // "none" (WHATWG: the header is only sent when the last event id is not
    // empty), an empty since is malformed (store/cursor.hpp, the rule every
    // surface shares).
    store::client_cursor cursor;
    if (!last_event_id.empty()) {
        cursor = store::read_cursor(last_event_id, "Last-Event-ID", store::empty_cursor::absent);
    } else if (has_query_last_id && !query_last_id.empty()) {
        cursor = store::read_cursor(query_last_id, "lastEventId", store::empty_cursor::absent);
    } else if (has_since) {
        cursor = store::read_cursor(since, "since");
    }
    if (!cursor.problem.empty()) return out.problem = std::move(cursor.problem), out;
    out.cursor = std::move(cursor.at);
    return out;
}

}  // namespace ferry::sse
