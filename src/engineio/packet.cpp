// Engine.IO v4 packet codec: text packets, long-polling payloads and the
// base64 used for binary packets in polling bodies.
//
// Decoding is canonical: every input that decodes re-encodes to exactly the
// same bytes (base64 must be padded and its unused trailing bits zero). The
// fuzz target relies on that, and it means two encodings never alias one packet.

#include "engineio/packet.hpp"

#include <array>
#include <cstddef>
#include <utility>

namespace ferry::engineio {
namespace {

constexpr std::string_view base64_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// Value of each base64 character, or invalid_sextet for anything else.
constexpr std::uint8_t invalid_sextet = 0xFF;
constexpr std::array<std::uint8_t, 256> base64_values = [] {
    std::array<std::uint8_t, 256> table{};
    table.fill(invalid_sextet);
    for (std::size_t i = 0; i < base64_alphabet.size(); ++i) {
        table[static_cast<unsigned char>(base64_alphabet[i])] = static_cast<std::uint8_t>(i);
    }
    return table;
}();

std::size_t base64_encoded_size(std::size_t n) noexcept { return (n + 2) / 3 * 4; }

void base64_append(std::string_view bytes, std::string& out) {
    const std::size_t start = out.size();
    out.resize(start + base64_encoded_size(bytes.size()));
    char* dst = out.data() + start;
    const auto* src = reinterpret_cast<const unsigned char*>(bytes.data());
    std::size_t i = 0;
    for (; i + 3 <= bytes.size(); i += 3) {
        const std::uint32_t v = (std::uint32_t{src[i]} << 16) | (std::uint32_t{src[i + 1]} << 8) | src[i + 2];
        *dst++ = base64_alphabet[(v >> 18) & 0x3F];
        *dst++ = base64_alphabet[(v >> 12) & 0x3F];
        *dst++ = base64_alphabet[(v >> 6) & 0x3F];
        *dst++ = base64_alphabet[v & 0x3F];
    }
    const std::size_t rest = bytes.size() - i;
    if (rest == 1) {
        const std::uint32_t v = std::uint32_t{src[i]} << 16;
        *dst++ = base64_alphabet[(v >> 18) & 0x3F];
        *dst++ = base64_alphabet[(v >> 12) & 0x3F];
        *dst++ = '=';
        *dst++ = '=';
    } else if (rest == 2) {
        const std::uint32_t v = (std::uint32_t{src[i]} << 16) | (std::uint32_t{src[i + 1]} << 8);
        *dst++ = base64_alphabet[(v >> 18) & 0x3F];
        *dst++ = base64_alphabet[(v >> 12) & 0x3F];
        *dst++ = base64_alphabet[(v >> 6) & 0x3F];
        *dst++ = '=';
    }
}

// Decodes into `out` (replacing its contents) so that callers can decode
// straight into a packet's data without a temporary.
bool base64_decode_into(std::string_view text, std::string& out) {
    out.clear();
    if (text.size() % 4 != 0) {
        return false;
    }
    if (text.empty()) {
        return true;
    }
    std::size_t padding = 0;
    if (text.back() == '=') {
        padding = text[text.size() - 2] == '=' ? 2 : 1;
    }
    out.resize(text.size() / 4 * 3 - padding);
    char* dst = out.data();
    const std::size_t full_quads = text.size() / 4 - (padding != 0 ? 1 : 0);
    const auto* src = reinterpret_cast<const unsigned char*>(text.data());
    for (std::size_t q = 0; q < full_quads; ++q, src += 4) {
        const std::uint8_t a = base64_values[src[0]];
        const std::uint8_t b = base64_values[src[1]];
        const std::uint8_t c = base64_values[src[2]];
        const std::uint8_t d = base64_values[src[3]];
        // Valid sextets are below 64, so any high bit means an invalid character.
        if (((a | b | c | d) & 0xC0) != 0) {
            return false;
        }
        const std::uint32_t v = (std::uint32_t{a} << 18) | (std::uint32_t{b} << 12) | (std::uint32_t{c} << 6) | d;
        *dst++ = static_cast<char>(v >> 16);
        *dst++ = static_cast<char>((v >> 8) & 0xFF);
        *dst++ = static_cast<char>(v & 0xFF);
    }
    if (padding == 0) {
        return true;
    }
    // The last quad: "xx==" carries one byte, "xxx=" two. Unused low bits must
    // be zero (RFC 4648 3.5) so that the encoding stays canonical.
    const std::uint8_t a = base64_values[src[0]];
    const std::uint8_t b = base64_values[src[1]];
    if (a == invalid_sextet || b == invalid_sextet) {
        return false;
    }
    if (padding == 2) {
        if ((b & 0x0F) != 0) {
            return false;
        }
        *dst = static_cast<char>((a << 2) | (b >> 4));
        return true;
    }
    const std::uint8_t c = base64_values[src[2]];
    if (c == invalid_sextet || (c & 0x03) != 0) {
        return false;
    }
    *dst++ = static_cast<char>((a << 2) | (b >> 4));
    *dst = static_cast<char>(((b & 0x0F) << 4) | (c >> 2));
    return true;
}

// Decodes one segment into `p`; shared by decode_text and decode_payload.
bool decode_into(std::string_view text, packet& p) {
    if (text.empty()) {
        return false;
    }
    const char type = text.front();
    if (type == 'b') {
        // engine.io-parser's decodePacket treats a leading 'b' as a base64
        // binary message whatever the transport; only polling sends it.
        p.type = packet_type::message;
        p.binary = true;
        return base64_decode_into(text.substr(1), p.data);
    }
    if (type < '0' || type > '6') {
        return false;
    }
    p.type = static_cast<packet_type>(type - '0');
    p.binary = false;
    p.data.assign(text.substr(1));
    return true;
}

std::size_t encoded_size(const packet& p) noexcept {
    return 1 + (p.binary ? base64_encoded_size(p.data.size()) : p.data.size());
}

}  // namespace

result<packet> decode_text(std::string_view text) {
    packet p;
    if (!decode_into(text, p)) {
        return error::bad_packet;
    }
    return p;
}

packet decode_binary(std::string_view bytes) {
    return packet{packet_type::message, true, std::string(bytes)};
}

result<std::vector<packet>> decode_payload(std::string_view body) {
    if (body.empty()) {
        return error::bad_payload;
    }
    std::size_t count = 1;
    for (const char c : body) {
        count += c == record_separator ? 1 : 0;
    }
    std::vector<packet> packets(count);
    std::size_t start = 0;
    for (auto& p : packets) {
        std::size_t end = body.find(record_separator, start);
        if (end == std::string_view::npos) {
            end = body.size();
        }
        // An empty segment ("4a\x1e\x1e4b" or a trailing separator) is an
        // error, as in engine.io-parser, where it decodes to an error packet.
        if (!decode_into(body.substr(start, end - start), p)) {
            return error::bad_payload;
        }
        start = end + 1;
    }
    return packets;
}

void encode_text(const packet& p, std::string& out) {
    // A binary packet is always a message in Engine.IO v4; the 'b' form has
    // no type digit, so any other type is not representable and is not kept.
    out.reserve(out.size() + encoded_size(p));
    if (p.binary) {
        out.push_back('b');
        base64_append(p.data, out);
        return;
    }
    out.push_back(static_cast<char>('0' + static_cast<int>(p.type)));
    out.append(p.data);
}

std::string encode_payload(const std::vector<packet>& packets) {
    std::size_t size = packets.empty() ? 0 : packets.size() - 1;
    for (const auto& p : packets) {
        size += encoded_size(p);
    }
    std::string out;
    out.reserve(size);
    for (std::size_t i = 0; i < packets.size(); ++i) {
        if (i != 0) {
            out.push_back(record_separator);
        }
        encode_text(packets[i], out);
    }
    return out;
}

std::string base64_encode(std::string_view bytes) {
    std::string out;
    base64_append(bytes, out);
    return out;
}

result<std::string> base64_decode(std::string_view text) {
    std::string out;
    if (!base64_decode_into(text, out)) {
        return error::bad_payload;
    }
    return out;
}

}  // namespace ferry::engineio
