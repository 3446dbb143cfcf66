#pragma once
// Remembers which cross-origin requests were refused, so each origin is
// logged once.
//
// A browser page on another origin that is not allowed (cors_options) gets
// responses without Access-Control-Allow-Origin: the browser hides them from
// the page, which stays blank with the reason only in its console. The server
// is the one place an operator looks, so it says which origin it refused, once
// per origin (a page polls many times a minute), with bounded memory: past
// `capacity` distinct origins it says so once and stops remembering.
//
// WebSocket handshakes are not subject to CORS and never come here.
//
// Lives on: any worker thread (one instance per engineio::server, shared by its
// engines); thread-safe.

#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_set>

namespace ferry::engineio {

/// True when `origin` (an Origin header, e.g. "http://localhost:8080") names the
/// same host and port as `host` (the Host header): a same-origin request, which
/// a browser lets through without CORS headers.
bool is_same_origin(std::string_view origin, std::string_view host) noexcept;

/// `origin` as it may appear in a log line: at most 128 characters, anything
/// but printable ASCII (and the quote and backslash, which would break the JSON
/// log format) replaced by '?'. The Origin header is peer input.
std::string printable_origin(std::string_view origin);

class refused_origins {
public:
    enum class verdict { already_noted, first_time, too_many };

    static constexpr std::size_t default_capacity = 64;
    explicit refused_origins(std::size_t capacity = default_capacity) : capacity_(capacity) {}

    /// Records a refusal of `origin` (a printable_origin): first_time the
    /// first time it is seen, too_many once when the set is full and a new
    /// origin arrives, already_noted otherwise.
    verdict note(std::string_view origin);

private:
    std::mutex mutex_;
    std::size_t capacity_;
    std::unordered_set<std::string> seen_;
    bool overflowed_ = false;
};

}  // namespace ferry::engineio
