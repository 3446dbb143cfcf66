#include "engineio/wire.hpp"

#include "engineio/ws_codec.hpp"

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

}  // namespace ferry::engineio
