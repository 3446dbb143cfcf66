// WebSocket framing (RFC 6455 section 5): the client frame reader, the server
// frame writer, UTF-8 validation and the handshake accept key.
//
// The reader validates each frame header as soon as its first bytes arrive, so
// a peer that breaks a rule, or announces a message above the limit, is
// rejected before it can make us buffer its payload.

#include "engineio/ws_codec.hpp"

#include "engineio/deflate.hpp"
#include "engineio/packet.hpp"

#include <openssl/evp.h>

#include <cstring>
#include <stdexcept>
#include <utility>

namespace ferry::engineio {
namespace {

constexpr std::uint8_t fin_bit = 0x80;
constexpr std::uint8_t rsv_bits = 0x70;
constexpr std::uint8_t rsv1_bit = 0x40;  // permessage-deflate's "Per-Message Compressed" bit (RFC 7692 6)
constexpr std::uint8_t opcode_bits = 0x0F;
constexpr std::uint8_t mask_bit = 0x80;
constexpr std::uint8_t length_bits = 0x7F;
constexpr std::uint8_t length_16 = 126;
constexpr std::uint8_t length_64 = 127;
constexpr std::size_t max_control_payload = 125;
constexpr std::size_t mask_size = 4;

// Above this capacity an idle receive buffer is released rather than kept,
// so that one large message does not pin memory for the connection's life.
constexpr std::size_t idle_buffer_capacity = 64 * 1024;

bool is_known_opcode(std::uint8_t op) noexcept {
    switch (static_cast<ws_opcode>(op)) {
        case ws_opcode::continuation:
        case ws_opcode::text:
        case ws_opcode::binary:
        case ws_opcode::close:
        case ws_opcode::ping:
        case ws_opcode::pong:
            return true;
    }
    return false;
}

// RFC 6455 7.4: codes a peer may send. 1004-1006 and 1015 are reserved and
// never sent on the wire; 1012-1014 are IANA-registered and sent by real
// servers, and Autobahn accepts them; 3000-4999 belong to libraries and apps.
bool is_valid_close_code(std::uint16_t code) noexcept {
    return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}

// XORs `n` bytes with the 4-byte masking key (RFC 6455 5.3), starting at key
// offset 0. Eight bytes per step: payloads are copied once and unmasked in
// place, so this loop is the reader's only per-byte work besides UTF-8.
void unmask(char* data, std::size_t n, const unsigned char* key) noexcept {
    std::uint32_t key32 = 0;
    std::memcpy(&key32, key, mask_size);
    // Both halves are the same 4 bytes, so this is byte-order independent.
    const std::uint64_t key64 = (std::uint64_t{key32} << 32) | key32;
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        std::uint64_t word = 0;
        std::memcpy(&word, data + i, 8);
        word ^= key64;
        std::memcpy(data + i, &word, 8);
    }
    for (; i < n; ++i) {
        data[i] = static_cast<char>(static_cast<unsigned char>(data[i]) ^ key[i % mask_size]);
    }
}

void append_frame_header(ws_opcode opcode, std::size_t payload_size, bool compressed, std::string& out) {
    out.push_back(static_cast<char>(fin_bit | (compressed ? rsv1_bit : 0) | static_cast<std::uint8_t>(opcode)));
    if (payload_size <= max_control_payload) {
        out.push_back(static_cast<char>(payload_size));
    } else if (payload_size <= 0xFFFF) {
        out.push_back(static_cast<char>(length_16));
        out.push_back(static_cast<char>((payload_size >> 8) & 0xFF));
        out.push_back(static_cast<char>(payload_size & 0xFF));
    } else {
        out.push_back(static_cast<char>(length_64));
        const auto size = static_cast<std::uint64_t>(payload_size);
        for (int shift = 56; shift >= 0; shift -= 8) {
            out.push_back(static_cast<char>((size >> shift) & 0xFF));
        }
    }
}

}  // namespace

bool utf8_validator::feed(std::string_view chunk) noexcept {
    const auto* p = reinterpret_cast<const unsigned char*>(chunk.data());
    const auto* const end = p + chunk.size();
    std::uint8_t need = need_;
    std::uint8_t lo = lo_;
    std::uint8_t hi = hi_;
    while (p != end) {
        if (need != 0) {
            const unsigned char c = *p++;
            if (c < lo || c > hi) {
                return false;
            }
            --need;
            lo = 0x80;
            hi = 0xBF;
            continue;
        }
        // Between code points: skip ASCII a word at a time, the common case
        // for Engine.IO text (JSON).
        while (end - p >= 8) {
            std::uint64_t word = 0;
            std::memcpy(&word, p, 8);
            if ((word & 0x8080808080808080ULL) != 0) {
                break;
            }
            p += 8;
        }
        if (p == end) {
            break;
        }
        const unsigned char c = *p++;
        if (c < 0x80) {
            continue;
        }
        // The lead byte fixes the length and, for E0/ED/F0/F4, narrows the
        // range of the next byte: that rules out overlong forms, UTF-16
        // surrogates (U+D800..U+DFFF) and code points above U+10FFFF.
        if (c < 0xC2) {
            return false;  // a stray continuation byte, or an overlong C0/C1 form
        }
        if (c < 0xE0) {
            need = 1;
        } else if (c < 0xF0) {
            need = 2;
            lo = c == 0xE0 ? 0xA0 : 0x80;
            hi = c == 0xED ? 0x9F : 0xBF;
        } else if (c < 0xF5) {
            need = 3;
            lo = c == 0xF0 ? 0x90 : 0x80;
            hi = c == 0xF4 ? 0x8F : 0xBF;
        } else {
            return false;
        }
    }
    need_ = need;
    lo_ = lo;
    hi_ = hi;
    return true;
}

bool is_valid_utf8(std::string_view text) noexcept {
    utf8_validator v;
    return v.feed(text) && v.complete();
}

void ws_reader::feed(std::string_view bytes) {
    // Compact lazily: move the unconsumed tail to the front only when it is no
    // longer than what has been consumed, so each byte is moved O(1) times
    // overall however the input is chunked.
    if (consumed_ == buffer_.size()) {
        if (buffer_.capacity() > idle_buffer_capacity) {
            std::string().swap(buffer_);
        } else {
            buffer_.clear();
        }
        consumed_ = 0;
    } else if (consumed_ >= buffer_.size() - consumed_) {
        buffer_.erase(0, consumed_);
        consumed_ = 0;
    }
    buffer_.append(bytes);
}

result<std::optional<ws_message>> ws_reader::next() {
    // Loops only over non-final fragments of a data message, which are
    // absorbed into message_; everything else returns.
    for (;;) {
        const std::size_t available = buffer_.size() - consumed_;
        if (available < 2) {
            return std::nullopt;
        }
        const auto* const frame = reinterpret_cast<const unsigned char*>(buffer_.data() + consumed_);

        // Everything that can be judged from the first two bytes is judged
        // before waiting for more.
        const bool fin = (frame[0] & fin_bit) != 0;
        const bool rsv1 = (frame[0] & rsv1_bit) != 0;
        if ((frame[0] & rsv_bits & ~rsv1_bit) != 0 || (rsv1 && !deflate_)) {
            return error::ws_bad_frame;  // RFC 6455 5.2: no extension gave these bits a meaning
        }
        const std::uint8_t raw_opcode = frame[0] & opcode_bits;
        if (!is_known_opcode(raw_opcode)) {
            return error::ws_bad_opcode;
        }
        const auto opcode = static_cast<ws_opcode>(raw_opcode);
        if ((frame[1] & mask_bit) == 0) {
            return error::ws_unmasked_frame;  // RFC 6455 5.1
        }
        const std::uint8_t length_code = frame[1] & length_bits;
        const bool control = (raw_opcode & 0x08) != 0;
        if (control) {
            // RFC 6455 5.5: control frames are never fragmented and carry at
            // most 125 bytes, which also forbids the 16/64-bit length forms.
            // RFC 7692 6.1: control frames are never compressed.
            if (!fin || length_code > max_control_payload || rsv1) {
                return error::ws_bad_control_frame;
            }
        } else if (opcode == ws_opcode::continuation) {
            if (!in_message_) {
                return error::ws_bad_continuation;
            }
            if (rsv1) {
                return error::ws_bad_frame;  // RFC 7692 6.1: RSV1 only on a message's first frame
            }
        } else if (in_message_) {
            return error::ws_bad_continuation;  // RFC 6455 5.4: fragments are not interleaved
        }

        const std::size_t extended = length_code == length_16 ? 2 : length_code == length_64 ? 8 : 0;
        const std::size_t header_size = 2 + extended + mask_size;
        if (available < header_size) {
            return std::nullopt;
        }
        std::uint64_t length = length_code;
        if (extended != 0) {
            // Non-minimal encodings (a 16-bit length below 126, ...) are
            // accepted: they are unambiguous and RFC 6455 does not make them a
            // reason to fail the connection.
            length = 0;
            for (std::size_t i = 0; i < extended; ++i) {
                length = (length << 8) | frame[2 + i];
            }
            if ((length >> 63) != 0) {
                return error::ws_bad_frame;  // RFC 6455 5.2: the most significant bit must be 0
            }
        }
        if (!control) {
            // Invariant: message_.size() <= max_message_, so no underflow.
            const std::size_t so_far = in_message_ ? message_.size() : 0;
            if (length > max_message_ - so_far) {
                return error::ws_message_too_big;
            }
        }
        if (length > available - header_size) {
            return std::nullopt;
        }

        const auto size = static_cast<std::size_t>(length);
        const unsigned char* const key = frame + header_size - mask_size;
        const std::string_view payload(buffer_.data() + consumed_ + header_size, size);
        consumed_ += header_size + size;

        if (opcode == ws_opcode::continuation) {
            const std::size_t old_size = message_.size();
            message_.append(payload);
            unmask(message_.data() + old_size, size, key);
            const bool check_utf8 = message_opcode_ == ws_opcode::text && !message_compressed_;
            if (check_utf8 && !utf8_.feed(std::string_view(message_).substr(old_size))) {
                return error::ws_bad_utf8;
            }
            if (!fin) {
                continue;
            }
            if (check_utf8 && !utf8_.complete()) {
                return error::ws_bad_utf8;
            }
            in_message_ = false;
            std::string whole = std::move(message_);
            message_.clear();
            if (!message_compressed_) {
                ws_message message;
                message.opcode = message_opcode_;
                message.payload = std::move(whole);
                return message;
            }
            return finish_message(message_opcode_, true, std::move(whole));
        }

        if (!control && !fin) {
            in_message_ = true;
            message_compressed_ = rsv1;
            message_opcode_ = opcode;
            message_.assign(payload);
            unmask(message_.data(), size, key);
            utf8_.reset();
            // Check the first fragment now, so that bad text fails fast
            // (compressed text can only be checked once inflated).
            if (opcode == ws_opcode::text && !rsv1 && !utf8_.feed(message_)) {
                return error::ws_bad_utf8;
            }
            continue;
        }

        if (!control) {
            std::string whole(payload);
            unmask(whole.data(), size, key);
            return finish_message(opcode, rsv1, std::move(whole));
        }

        ws_message message;
        message.opcode = opcode;
        message.payload.assign(payload);
        unmask(message.payload.data(), size, key);
        if (opcode == ws_opcode::close && size != 0) {
            // RFC 6455 5.5.1: a body is a 2-byte code and an optional UTF-8 reason.
            if (size == 1) {
                return error::ws_bad_close_code;
            }
            const auto code = static_cast<std::uint16_t>(
                (static_cast<unsigned char>(message.payload[0]) << 8) | static_cast<unsigned char>(message.payload[1]));
            if (!is_valid_close_code(code)) {
                return error::ws_bad_close_code;
            }
            message.close_code = code;
            message.close_reason.assign(message.payload, 2);
            if (!is_valid_utf8(message.close_reason)) {
                return error::ws_bad_utf8;
            }
        }
        return message;
    }
}

result<std::optional<ws_message>> ws_reader::finish_message(ws_opcode opcode, bool compressed,
                                                             std::string payload) {
    ws_message message;
    message.opcode = opcode;
    message.compressed = compressed;
    if (compressed) {
        // RFC 7692 7.2.2. The limit applies to the inflated size too, and
        // inflation stops as soon as it is passed.
        auto inflated = inflate_message(payload, max_message_);
        if (!inflated) {
            return inflated.error();
        }
        message.payload = std::move(*inflated);
    } else {
        message.payload = std::move(payload);
    }
    if (opcode == ws_opcode::text && !is_valid_utf8(message.payload)) {
        return error::ws_bad_utf8;
    }
    return message;
}

void ws_encode_frame(ws_opcode opcode, std::string_view payload, std::string& out) {
    out.reserve(out.size() + 10 + payload.size());
    append_frame_header(opcode, payload.size(), false, out);
    out.append(payload);
}

std::string ws_frame_header(ws_opcode opcode, std::size_t payload_size, bool compressed) {
    std::string out;
    append_frame_header(opcode, payload_size, compressed, out);
    return out;
}

std::string ws_close_payload(std::uint16_t code, std::string_view reason) {
    std::string out;
    out.reserve(2 + reason.size());
    out.push_back(static_cast<char>(code >> 8));
    out.push_back(static_cast<char>(code & 0xFF));
    out.append(reason);
    return out;
}

std::uint16_t ws_close_code_for(const boost::system::error_code& ec) {
    if (ec == make_error_code(error::ws_bad_utf8)) {
        return 1007;  // invalid frame payload data
    }
    if (ec == make_error_code(error::ws_message_too_big) || ec == make_error_code(error::payload_too_large)) {
        return 1009;  // message too big
    }
    return 1002;  // protocol error
}

std::string ws_accept_key(std::string_view client_key) {
    static constexpr std::string_view websocket_guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    std::string input;
    input.reserve(client_key.size() + websocket_guid.size());
    input.append(client_key).append(websocket_guid);
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int digest_size = 0;
    // Fails only when OpenSSL itself is unusable (no memory, SHA-1 disabled by
    // configuration): a broken environment, not peer input, hence the throw.
    if (EVP_Digest(input.data(), input.size(), digest, &digest_size, EVP_sha1(), nullptr) != 1) {
        throw std::runtime_error("ferry: SHA-1 is unavailable in OpenSSL");
    }
    return base64_encode(std::string_view(reinterpret_cast<const char*>(digest), digest_size));
}

}  // namespace ferry::engineio
