#pragma once
// The unit of outbound data: one Engine.IO packet, encoded once, shared by
// every recipient on every worker.
//
// A broadcast builds its wire_packet once; each recipient's queue holds a
// shared_ptr to the same immutable bytes. The bytes are the complete unmasked
// WebSocket frame; the Engine.IO text form used by long-polling is the same
// bytes without the frame header, so no recipient ever re-encodes.

#include "engineio/packet.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace ferry::engineio {

/// One encoded Engine.IO packet. Immutable after construction; thread-safe to share.
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

private:
    std::string frame_;
    std::uint8_t header_size_ = 0;
    bool binary_ = false;
    packet_type type_ = packet_type::message;
};

using wire_ptr = std::shared_ptr<const wire_packet>;

}  // namespace ferry::engineio
