// libFuzzer target for the Engine.IO packet codec (engineio/packet.hpp).
//
// Invariants checked on arbitrary input:
//  - decoding never crashes, and is canonical: whatever decode_payload,
//    decode_text or base64_decode accepts re-encodes to exactly the input;
//  - each decoded packet survives encode_text -> decode_text unchanged;
//  - packets built from the input survive encode_payload -> decode_payload.
#include "engineio/packet.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace ferry::engineio;

// Aborting makes libFuzzer save the input as a crash reproducer.
void check(bool ok) {
    if (!ok) {
        std::abort();
    }
}

void check_decoders(std::string_view input) {
    if (const auto packets = decode_payload(input)) {
        check(!packets->empty());
        check(encode_payload(*packets) == input);
        for (const auto& p : *packets) {
            check(!p.binary || p.type == packet_type::message);
            std::string one;
            encode_text(p, one);
            const auto again = decode_text(one);
            check(again.has_value() && *again == p);
        }
    }
    if (const auto p = decode_text(input)) {
        std::string out;
        encode_text(*p, out);
        check(out == input);
    }
    if (const auto bytes = base64_decode(input)) {
        check(base64_encode(*bytes) == input);
    }
    const auto back = base64_decode(base64_encode(input));
    check(back.has_value() && *back == input);
}

// Reads the input as records (control byte, length byte, data) and turns each
// into a packet that encode_payload can represent: binary packets are always
// messages, and text data cannot contain the record separator.
std::vector<packet> packets_from(std::string_view input) {
    std::vector<packet> packets;
    while (input.size() >= 2) {
        const auto control = static_cast<unsigned char>(input[0]);
        const std::size_t length = std::min<std::size_t>(static_cast<unsigned char>(input[1]), input.size() - 2);
        packet p;
        p.binary = (control & 0x80) != 0;
        p.type = p.binary ? packet_type::message : static_cast<packet_type>((control & 0x7F) % 7);
        p.data.assign(input.substr(2, length));
        if (!p.binary) {
            for (auto& c : p.data) {
                if (c == record_separator) {
                    c = ' ';
                }
            }
        }
        packets.push_back(std::move(p));
        input.remove_prefix(2 + length);
    }
    return packets;
}

void check_round_trip(std::string_view input) {
    const auto packets = packets_from(input);
    if (packets.empty()) {
        return;
    }
    const std::string body = encode_payload(packets);
    const auto decoded = decode_payload(body);
    check(decoded.has_value() && *decoded == packets);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    check_decoders(input);
    check_round_trip(input);
    return 0;
}
