#pragma once
// permessage-deflate (RFC 7692) for the WebSocket transport: the negotiation,
// and the per-message compressor and decompressor. Sans-I/O.
//
// ferry always negotiates no context takeover in both directions
// (server_no_context_takeover, client_no_context_takeover), so every message
// is compressed and decompressed on its own, with no history shared with the
// previous message of the connection. That buys two things:
//  - no per-connection zlib state: the compressor and the decompressor belong
//    to the thread (one of each per worker, allocated on first use), so an
//    idle connection costs no window memory, as without the extension;
//  - the compressed form of a message does not depend on the connection, so a
//    broadcast is compressed once and the same bytes are shared by every
//    recipient that negotiated the extension (wire_packet::deflated_ws_frame).
// The price is a lower ratio for streams of small, similar messages; messages
// under the threshold (engine_options::per_message_deflate) are not
// compressed at all.
//
// Deliberately not here: framing (ws_codec.hpp sets and checks RSV1), and the
// extension header grammar (ws_extensions.hpp).

#include <ferry/error.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace ferry::engineio {

/// The extension's name in Sec-WebSocket-Extensions (RFC 7692 6).
inline constexpr std::string_view permessage_deflate_name = "permessage-deflate";

/// Chooses the first permessage-deflate offer in a Sec-WebSocket-Extensions
/// value (all fields joined with ", ") that ferry can honour, and returns the
/// value of the response's Sec-WebSocket-Extensions header; std::nullopt
/// declines the extension (no offer, none acceptable, or a malformed header).
///
/// An offer is declined (RFC 7692 7, 7.1.2) when it has an unknown or
/// repeated parameter, an invalid value, or server_max_window_bits below 15:
/// ferry's compressed frames are shared by every recipient, so they are built
/// with one window size, 15. client_max_window_bits with or without a value is
/// accepted and not echoed: the decompressor has a 15-bit window, enough for
/// any client window. The response always carries server_no_context_takeover
/// and client_no_context_takeover (7.1.1.1 allows the latter unoffered).
std::optional<std::string> negotiate_permessage_deflate(std::string_view extensions_header);

/// Compresses one message payload as RFC 7692 7.2.1 specifies: raw DEFLATE,
/// ended by a sync flush whose trailing 00 00 FF FF is removed. The result is
/// the payload of a frame with RSV1 set. Uses this thread's compressor, reset
/// for each message (no context takeover).
///
/// Thread safety: safe from any thread (the compressor is thread-local).
std::string deflate_message(std::string_view payload);

/// Decompresses one message received with RSV1 set (RFC 7692 7.2.2): appends
/// 00 00 FF FF and inflates with this thread's decompressor, reset for each
/// message. Stops as soon as the output passes `max_size` and returns
/// error::ws_message_too_big, so a small "zip bomb" costs at most `max_size`+1
/// bytes of memory. Data that is not valid DEFLATE gives error::ws_bad_frame.
///
/// Thread safety: safe from any thread (the decompressor is thread-local).
result<std::string> inflate_message(std::string_view compressed, std::size_t max_size);

}  // namespace ferry::engineio
