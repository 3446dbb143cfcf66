#pragma once
// The Sec-WebSocket-Extensions header grammar (RFC 6455 9.1), as a pure
// function of the header value, so it can be table-tested and fuzzed.
//
//   extension-list = 1#extension
//   extension      = extension-token *( ";" extension-param )
//   extension-param = token [ "=" ( token | quoted-string ) ]
//
// Deliberately not here: what any extension's parameters mean (deflate.hpp
// negotiates permessage-deflate), and joining repeated header fields (the
// caller joins them with ", ", RFC 9110 5.3).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ferry::engineio {

/// One parameter of an extension offer: `name` or `name=value`.
struct ws_extension_param {
    std::string name;
    /// The value, unquoted and unescaped when it was a quoted-string; none for a bare name.
    std::optional<std::string> value;

    friend bool operator==(const ws_extension_param&, const ws_extension_param&) = default;
};

/// One element of an extension list, in the order the client sent it (its preference).
struct ws_extension {
    std::string name;
    std::vector<ws_extension_param> params;

    friend bool operator==(const ws_extension&, const ws_extension&) = default;
};

/// Parses a Sec-WebSocket-Extensions value into its offers, in order.
///
/// Whitespace around separators is allowed and empty list elements are
/// skipped (RFC 9110 5.6.1). Returns std::nullopt when the value does not
/// follow the grammar; the server then negotiates no extension (it does not
/// fail the handshake, so a client with a broken header still connects).
/// Never throws on any input except std::bad_alloc.
std::optional<std::vector<ws_extension>> parse_ws_extensions(std::string_view header);

}  // namespace ferry::engineio
