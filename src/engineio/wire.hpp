#pragma once
// The unit of outbound data: one Engine.IO packet, encoded once, shared by
// every recipient on every worker.
//
// A broadcast builds its wire_packet once; each recipient's queue holds a
// shared_ptr to the same immutable bytes. The bytes are the complete unmasked
// WebSocket frame; the Engine.IO text form used by long-polling is the same
// bytes without the frame header, so no recipient ever re-encodes.
//
// The permessage-deflate form (RFC 7692) is shared the same way. ferry
// negotiates no context takeover, so a message compresses to the same bytes
// for every connection; the compressed frame is built once, by the first
// worker that writes the packet to a connection that negotiated deflate, and
// kept with the packet for every later recipient (deflated_ws_frame()).

#include "engineio/packet.hpp"

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace ferry::engineio {

/// One encoded Engine.IO packet. Immutable after construction, except for the
/// internal cache of its compressed frame; thread-safe to share.
class wire_packet {
public:
    /// A text packet: type digit + data, e.g. (message, "2[\"ev\"]") -> "42[\"ev\"]".
    static std::shared_ptr<const wire_packet> text(packet_type type, std::string_view data);
    /// A binary message packet carrying raw bytes.
    static std::shared_ptr<const wire_packet> binary(std::string_view bytes);

    /// The whole WebSocket frame (header + payload).
    std::string_view ws_frame() const noexcept { return frame_; }
    /// The Engine.IO encoding of a text packet ("4..."), or the raw bytes of a binary one.
    std::string_view payload() const noexcept {
        return std::string_view(frame_).substr(header_size_);
    }
    bool is_binary() const noexcept { return binary_; }
    packet_type type() const noexcept { return type_; }
    /// Bytes this packet occupies in an outbound queue (for backpressure accounting).
    std::size_t size() const noexcept { return frame_.size(); }

    /// The frame for a connection that negotiated permessage-deflate: the
    /// payload compressed without context (RFC 7692 7.2.1), RSV1 set.
    ///
    /// Built on the first call and then shared by every caller on every
    /// thread. Returns ws_frame() instead, which RFC 7692 allows for any
    /// message, when compression does not make the payload smaller (or fails
    /// for lack of memory), or while another thread is still building the
    /// compressed frame: a worker never waits for another worker, and no
    /// payload is compressed twice.
    ///
    /// Thread safety: safe to call concurrently. The returned view stays
    /// valid as long as the packet.
    std::string_view deflated_ws_frame() const;

private:
    // Life of the compressed frame: none -> building -> ready or plain.
    enum class deflate_state : std::uint8_t { none, building, ready, plain };

    std::string frame_;
    std::uint8_t header_size_ = 0;
    bool binary_ = false;
    packet_type type_ = packet_type::message;
    // Written only by the thread that moved the state from none to building,
    // before it publishes `ready` (release); read only after observing
    // `ready` (acquire); never written again.
    mutable std::atomic<deflate_state> deflate_state_{deflate_state::none};
    mutable std::string deflated_frame_;
};

using wire_ptr = std::shared_ptr<const wire_packet>;

}  // namespace ferry::engineio
