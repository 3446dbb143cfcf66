#pragma once
/// @file
/// ferry::handshake — what a client sent when it connected (Socket.IO's
/// `socket.handshake`), and the HTTP request it came with.

#include <boost/json/value.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace ferry {

/// The request that opened a connection: its target and headers, kept as one
/// block of text and read on demand. One copy serves every socket of the
/// connection; per-socket maps of headers would cost more memory than the
/// rest of an idle connection.
class request_head {
public:
    request_head() = default;
    /// `headers`: "name: value\r\n" lines, names in lower case.
    request_head(std::string_view target, std::string_view headers);

    /// The request target (path and query), e.g. "/socket.io/?EIO=4&transport=websocket".
    std::string_view target() const noexcept { return std::string_view(text_).substr(0, target_size_); }
    /// The value of header `name` (any case); the first when repeated.
    std::optional<std::string_view> header(std::string_view name) const;
    /// Every header in request order, names in lower case.
    std::vector<std::pair<std::string_view, std::string_view>> headers() const;
    /// The value of query parameter `name`, percent-decoded; the first when repeated.
    std::optional<std::string> query(std::string_view name) const;
    /// Every query parameter, percent-decoded (the first of repeated names).
    std::unordered_map<std::string, std::string> query_params() const;

private:
    std::string text_;  // the target, then the header lines
    std::size_t target_size_ = 0;
};

/// What the client sent when it connected (Socket.IO's `socket.handshake`).
struct handshake {
    std::shared_ptr<const request_head> request;           ///< the HTTP request (shared by the connection's sockets)
    boost::json::value auth;                               ///< CONNECT payload, {} when absent
    std::string address;                                   ///< remote address
    std::chrono::system_clock::time_point time;            ///< connection time
    bool secure = false;                                   ///< TLS

    /// Shorthands for request->header(name) / request->query(name); empty without a request.
    std::optional<std::string_view> header(std::string_view name) const {
        return request ? request->header(name) : std::nullopt;
    }
    std::optional<std::string> query(std::string_view name) const {
        return request ? request->query(name) : std::nullopt;
    }
    /// The request target.
    std::string_view url() const noexcept { return request ? request->target() : std::string_view(); }
};

}  // namespace ferry
