#pragma once
// Engine.IO v4 packet codec (socketio/engine.io-protocol, "Packet encoding").
//
// Pure functions over bytes: no I/O, no allocation beyond the output. Used by
// the polling transport (payloads of packets separated by U+001E, binary as
// "b" + base64) and by the WebSocket transport (one packet per message, binary
// packets as binary messages without a type prefix).
//
// Deliberately not here: the session state machine (session.hpp) and the
// WebSocket framing (ws_codec.hpp).

#include <ferry/error.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ferry::engineio {

/// Engine.IO packet types, with their wire digits.
enum class packet_type : std::uint8_t {
    open = 0,
    close = 1,
    ping = 2,
    pong = 3,
    message = 4,
    upgrade = 5,
    noop = 6,
};

/// One decoded Engine.IO packet.
struct packet {
    packet_type type = packet_type::message;
    /// True for a binary message: `data` holds raw bytes, not text.
    bool binary = false;
    /// Text after the type digit, or the raw bytes of a binary message.
    std::string data;

    friend bool operator==(const packet&, const packet&) = default;
};

/// The separator between packets in a long-polling payload.
inline constexpr char record_separator = '\x1e';

/// Decodes one text-encoded packet: a type digit followed by data ("4hello", "2probe"),
/// or 'b' + base64 for a binary message, as engine.io-parser's decodePacket accepts.
/// Returns error::bad_packet when empty, when the type is not 0..6 or 'b', or on bad base64.
result<packet> decode_text(std::string_view text);

/// Wraps a binary WebSocket message as a binary message packet (no prefix on the wire).
packet decode_binary(std::string_view bytes);

/// Decodes a long-polling payload (POST body): packets separated by U+001E;
/// a segment starting with 'b' is a base64 binary message.
/// Returns error::bad_payload for an empty body, a bad segment or bad base64.
result<std::vector<packet>> decode_payload(std::string_view body);

/// Appends the text encoding of `p` to `out`: type digit + data for text packets,
/// 'b' + base64(data) for binary ones (the polling form).
void encode_text(const packet& p, std::string& out);

/// Encodes packets as one long-polling payload, separated by U+001E.
std::string encode_payload(const std::vector<packet>& packets);

/// Standard base64 (RFC 4648, with padding).
std::string base64_encode(std::string_view bytes);
/// Decodes standard base64; returns error::bad_payload on invalid input.
result<std::string> base64_decode(std::string_view text);

}  // namespace ferry::engineio
