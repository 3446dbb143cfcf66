#pragma once
// Whether event data can be carried as JSON text to every client. Boost.JSON
// holds values JSON text cannot: it parses 1e400 (or a 400-digit integer) to
// an infinite double without an error, and serializes infinities and NaN as
// `Infinity` / `NaN`, which JSON.parse refuses (socket.io-client then drops
// the connection, reconnects, is replayed the same event, and loops). A
// string built in C++ may also hold bytes that are not UTF-8, which a
// WebSocket text frame may not carry (RFC 6455 8.1).
//
// server_impl::publish applies this before anything is appended, so no
// surface can acknowledge an event that no client could parse; the surfaces
// that read client JSON apply it too, to answer with their own error first.
// A pure function.

#include <ferry/args.hpp>

#include <boost/json/fwd.hpp>

#include <string>
#include <string_view>

namespace ferry::socketio {

/// True when `text` is UTF-8 (RFC 3629: shortest forms, no surrogates, at most U+10FFFF).
bool is_valid_utf8(std::string_view text) noexcept;

/// Why `value` cannot be sent as JSON text, or empty when it can: a
/// non-finite number, or a string or key that is not valid UTF-8. Walks the
/// whole value without recursion (depth is not bounded for values built in C++).
std::string event_data_problem(const boost::json::value& value);

/// The same for every value of `a` (binary attachments are not JSON).
std::string event_data_problem(const args& a);

}  // namespace ferry::socketio
