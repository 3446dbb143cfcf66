#pragma once
// What a client asks of GET /events: its rooms and where to start. A pure
// function over the request target and the Last-Event-ID header; no I/O.
//
//   rooms=a,b        required; comma-separated, may be repeated (rooms=a&rooms=b);
//                    each name by socketio::room_name_problem, duplicates dropped
//   since=<offset>   replay the log after this offset
//   lastEventId=...  the same, from EventSource polyfills that cannot set headers
//   Last-Event-ID    the same, from a reconnecting EventSource
// When several cursors are given the newest source wins: the header (sent by
// the EventSource on reconnect, with the URL it first used), then lastEventId,
// then since.

#include <ferry/event_store.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ferry::sse {

struct stream_request {
    std::vector<std::string> rooms;
    /// Where the replay starts; none: live events only.
    std::optional<offset> cursor;
    /// Why the request is refused (then the rest is meaningless); empty when accepted.
    std::string problem;
};

/// Parses `target` (origin form, "/events?rooms=...") and the Last-Event-ID
/// header value (empty when absent).
stream_request parse_stream_request(std::string_view target, std::string_view last_event_id);

}  // namespace ferry::sse
