#pragma once
// ferry::http::api — the daemon's HTTP API for backends, under /api
// (docs/http-api.md): emit through the event log, read a room's history, list
// rooms and sockets, make sockets join / leave rooms or disconnect them.
//
// Each request is checked whole by parse_api_request (api_request.hpp) before
// anything acts, so a refused request changes nothing. Answers are JSON; the
// connection stays open for the next request (HTTP/1.1 keep-alive).
//
// Deliberately not here: authentication of backends (a seam for API keys
// comes with the auth module), CORS (backends call the API, browsers do not),
// the body limit (enforced while reading, by the engine: max_http_body).
//
// Lives on: serve() runs on the worker that read the request; completions
// from the store or other workers are posted back to that worker before the
// answer is written. The object itself is immutable after construction.

#include "engineio/http_connection.hpp"
#include "http/api_request.hpp"

#include <ferry/server.hpp>

namespace ferry::http {

class api {
public:
    explicit api(server& io, api_rules rules = {}) : io_(&io), rules_(std::move(rules)) {}

    /// Serves `request` if its path is under /api (answering it, now or
    /// later); false otherwise, so the next handler can try.
    bool serve(engineio::http_connection& connection, engineio::http_request& request) const;

private:
    server* io_;
    api_rules rules_;
};

}  // namespace ferry::http
