#include "engineio/wire.hpp"

#include "engineio/deflate.hpp"
#include "engineio/ws_codec.hpp"

#include <exception>

namespace ferry::engineio {

std::shared_ptr<const wire_packet> wire_packet::text(packet_type type, std::string_view data) {
    auto p = std::make_shared<wire_packet>();
    const std::size_t payload_size = 1 + data.size();
    std::string header = ws_frame_header(ws_opcode::text, payload_size);
    p->frame_.reserve(header.size() + payload_size);
    p->frame_.append(header);
    p->frame_.push_back(static_cast<char>('0' + static_cast<int>(type)));
    p->frame_.append(data);
    p->header_size_ = static_cast<std::uint8_t>(header.size());
    p->type_ = type;
    return p;
}

std::shared_ptr<const wire_packet> wire_packet::binary(std::string_view bytes) {
    auto p = std::make_shared<wire_packet>();
    std::string header = ws_frame_header(ws_opcode::binary, bytes.size());
    p->frame_.reserve(header.size() + bytes.size());
    p->frame_.append(header);
    p->frame_.append(bytes);
    p->header_size_ = static_cast<std::uint8_t>(header.size());
    p->binary_ = true;
    return p;
}

std::string_view wire_packet::deflated_ws_frame() const {
    auto state = deflate_state_.load(std::memory_order_acquire);
    if (state == deflate_state::none &&
        deflate_state_.compare_exchange_strong(state, deflate_state::building, std::memory_order_acquire)) {
        // This thread builds; the others send the plain frame until it is ready.
        deflate_state result = deflate_state::plain;
        try {
            const std::string compressed = deflate_message(payload());
            // Sending more bytes to save nothing is pointless: incompressible
            // payloads (already compressed binary) keep the plain frame.
            if (compressed.size() < payload().size()) {
                const std::string header =
                    ws_frame_header(is_binary() ? ws_opcode::binary : ws_opcode::text, compressed.size(), true);
                deflated_frame_.reserve(header.size() + compressed.size());
                deflated_frame_.append(header).append(compressed);
                result = deflate_state::ready;
            }
        } catch (const std::exception&) {
            // Out of memory (or a bug in the compressor): compression is only
            // an optimisation, so the plain frame is sent from now on.
            deflated_frame_.clear();
            result = deflate_state::plain;
        }
        deflate_state_.store(result, std::memory_order_release);
        state = result;
    }
    return state == deflate_state::ready ? std::string_view(deflated_frame_) : ws_frame();
}

}  // namespace ferry::engineio
