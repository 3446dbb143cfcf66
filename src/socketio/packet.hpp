#pragma once
// Socket.IO v5 packet codec (socketio/socket.io-protocol, "Packet encoding").
//
// <type>[<#attachments>-][<namespace>,][<ack id>][JSON payload]
//
// Binary attachments travel as separate Engine.IO binary messages after the
// text part; in the JSON they are `{"_placeholder":true,"num":N}` objects.
// ferry keeps placeholders in place (it never has to rebuild a JS object
// graph), and carries the buffers beside the JSON in `attachments`, in `num`
// order. Echoing a packet therefore re-encodes it byte for byte.
//
// Pure functions over bytes and a small reassembly state machine; no I/O.

#include <ferry/error.hpp>

#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ferry::socketio {

/// Socket.IO packet types, with their wire digits.
enum class packet_type : std::uint8_t {
    connect = 0,
    disconnect = 1,
    event = 2,
    ack = 3,
    connect_error = 4,
    binary_event = 5,
    binary_ack = 6,
};

/// One Socket.IO packet.
struct packet {
    packet_type type = packet_type::event;
    /// Namespace, "/" when absent on the wire.
    std::string nsp = "/";
    /// Ack id, when present.
    std::optional<std::uint64_t> id;
    /// JSON payload; null when the packet has none.
    boost::json::value data;
    /// Binary attachments, index = placeholder `num`.
    std::vector<std::string> attachments;

    friend bool operator==(const packet&, const packet&) = default;
};

/// Maximum number of binary attachments accepted in one packet (the reference
/// parser has no limit; an unbounded count would let one client hold memory).
inline constexpr std::size_t max_attachments = 64;

/// Decodes the text part of a packet. For binary types the returned packet has
/// no attachments yet; `expected_attachments` tells how many binary messages
/// must follow. Validates the payload shape as the reference parser does.
result<packet> decode_text(std::string_view text, std::size_t& expected_attachments);

/// Encodes the text part of `p`. When `p.attachments` is non-empty an event or
/// ack is written as binary_event / binary_ack with the attachment count; the
/// attachments themselves are sent by the caller as binary messages, in order.
std::string encode_text(const packet& p);

/// True when `v` is a binary placeholder object `{"_placeholder":true,"num":N}`.
bool is_placeholder(const boost::json::value& v) noexcept;

/// Reassembles packets from the Engine.IO messages of one connection.
///
/// Thread safety: none; one decoder per connection.
class decoder {
public:
    /// Feeds a text message. Returns a complete packet, std::nullopt when the
    /// packet waits for binary attachments, or an error (close the connection).
    result<std::optional<packet>> on_text(std::string_view text);

    /// Feeds a binary message. Returns the packet once its last attachment
    /// arrived, std::nullopt while more are expected, or
    /// error::sio_unexpected_binary when no packet is waiting for one.
    result<std::optional<packet>> on_binary(std::string_view bytes);

private:
    std::optional<packet> pending_;
    std::size_t expected_ = 0;
};

}  // namespace ferry::socketio
