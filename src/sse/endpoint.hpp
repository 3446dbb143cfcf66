#pragma once
// Server-Sent Events for the rooms and the log of a ferry server (WHATWG HTML,
// "Server-sent events"; docs/sse.md):
//
//   GET /events?rooms=a,b[&since=<offset>]    (or Last-Event-ID / lastEventId)
//   -> 200 text/event-stream: retry, `event: session`, [gap], replay, live events
//
// Each stream is a member of the room index of the worker that read the
// request, next to the Socket.IO sockets, under its session id (also a room).
// What this module deliberately does not do: namespaces other than the one
// configured, binary data (placeholders are written as JSON), authorization
// (the daemon has none yet), compression.

#include "engineio/engine.hpp"
#include "sse/options.hpp"

#include <memory>
#include <string>

namespace ferry::socketio {
class server_impl;
}

namespace ferry::sse {

/// The HTTP handler of the endpoint, for socketio::server_impl::set_http_handler.
/// Copyable; copies share the options.
///
/// @par Thread safety
/// Called on any worker; each stream lives on the worker that read its request.
class endpoint {
public:
    endpoint(socketio::server_impl& server, options opts = {});

    /// Serves the request when its path is the endpoint's: answers errors
    /// itself, or takes the connection for a stream. False for other paths.
    bool operator()(engineio::http_connection& connection, engineio::http_request& request) const;

private:
    socketio::server_impl* server_;
    std::shared_ptr<const options> options_;
};

/// The text of an HTTP/1.1 response head (status line, fields, blank line).
std::string response_head(const engineio::http_response& response);

}  // namespace ferry::sse
