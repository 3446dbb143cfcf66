#pragma once
// WebSocket framing (RFC 6455 section 5), server side, sans-I/O.
//
// The reader is fed bytes as they arrive and yields complete messages (text,
// binary) and control frames (ping, pong, close), reassembling fragmented
// messages. Client frames must be masked (5.1); control frames must be final
// and at most 125 bytes (5.5); text messages must be valid UTF-8 (8.1).
//
// The writer builds unmasked server frames. Because server frames are never
// masked, one encoded frame can be shared, byte for byte, by every recipient of
// a broadcast: that is why ferry frames messages itself instead of going
// through a per-connection stream.
//
// permessage-deflate (RFC 7692), when negotiated, shows here only as the RSV1
// bit: the reader accepts it on the first frame of a data message and hands
// the reassembled payload to inflate_message (deflate.hpp); the writer sets it
// on frames whose payload deflate_message produced.
//
// Deliberately not here: the HTTP upgrade handshake (engine.cpp), the
// extension negotiation (deflate.hpp), and any socket I/O.

#include <ferry/error.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ferry::engineio {

/// WebSocket opcodes (RFC 6455 5.2).
enum class ws_opcode : std::uint8_t {
    continuation = 0x0,
    text = 0x1,
    binary = 0x2,
    close = 0x8,
    ping = 0x9,
    pong = 0xA,
};

/// A complete message or control frame delivered by ws_reader.
struct ws_message {
    ws_opcode opcode = ws_opcode::text;  ///< text, binary, close, ping or pong
    std::string payload;                 ///< unmasked payload (reassembled for fragmented messages, inflated if compressed)
    /// The message arrived compressed (RSV1 on its first frame, RFC 7692 6).
    bool compressed = false;
    /// For close: the status code, if the payload carried one (RFC 6455 7.1.5).
    std::optional<std::uint16_t> close_code;
    /// For close: the reason text after the code.
    std::string close_reason;
};

/// Incremental UTF-8 validator (RFC 3629): text may be split anywhere, even
/// inside a code point, so a fragmented text message can be rejected on the
/// fragment that breaks it (RFC 6455 8.1, "fail fast") in linear time overall.
///
/// Thread safety: none.
class utf8_validator {
public:
    /// Validates the next chunk. Returns false as soon as the text fed so far
    /// cannot be the prefix of valid UTF-8; the validator must then be reset.
    bool feed(std::string_view chunk) noexcept;
    /// True when the text fed so far ends on a code point boundary.
    bool complete() const noexcept { return need_ == 0; }
    void reset() noexcept { *this = utf8_validator{}; }

private:
    std::uint8_t need_ = 0;   // continuation bytes still expected
    std::uint8_t lo_ = 0x80;  // allowed range of the next continuation byte,
    std::uint8_t hi_ = 0xBF;  // narrower after E0, ED, F0, F4 (overlongs, surrogates, > U+10FFFF)
};

/// Incremental RFC 6455 frame reader for frames sent by a client.
///
/// Thread safety: none; one reader per connection.
class ws_reader {
public:
    /// @param max_message largest reassembled data message accepted, in bytes,
    /// both as received and, for a compressed message, once inflated.
    /// Control frames are bounded by 125 bytes instead.
    /// @param deflate permessage-deflate was negotiated: RSV1 on the first
    /// frame of a data message marks it compressed; without it, RSV1 is an error.
    explicit ws_reader(std::size_t max_message, bool deflate = false)
        : max_message_(max_message), deflate_(deflate) {}

    /// Appends received bytes to the internal buffer.
    void feed(std::string_view bytes);

    /// Returns the next complete message or control frame, std::nullopt if more
    /// bytes are needed, or an error (the connection must then be closed with
    /// ws_close_code_for(error); the reader must not be used again). Frame
    /// header errors and ws_message_too_big are reported as soon as the header
    /// is buffered, before any of the payload; a compressed message that
    /// inflates past the limit is reported once its last frame is in.
    /// Call it until it returns std::nullopt after each feed().
    result<std::optional<ws_message>> next();

    /// Bytes buffered but not yet consumed.
    std::size_t buffered() const noexcept { return buffer_.size() - consumed_; }

private:
    result<std::optional<ws_message>> finish_message(ws_opcode opcode, bool compressed, std::string payload);

    std::size_t max_message_;
    bool deflate_;
    std::string buffer_;
    std::size_t consumed_ = 0;
    // Reassembly state of a fragmented data message.
    bool in_message_ = false;
    bool message_compressed_ = false;  // then message_ holds DEFLATE data, validated once inflated
    ws_opcode message_opcode_ = ws_opcode::text;
    std::string message_;
    utf8_validator utf8_;  // state of message_ when it is uncompressed text
};

/// Appends one complete, unmasked server frame (FIN set) to `out`.
void ws_encode_frame(ws_opcode opcode, std::string_view payload, std::string& out);

/// Returns the header of an unmasked final frame of `payload_size` bytes, so a
/// caller can write header and payload as two buffers without copying.
/// `compressed` sets RSV1, the permessage-deflate marker (RFC 7692 6).
/// The result is 2, 4 or 10 bytes long.
std::string ws_frame_header(ws_opcode opcode, std::size_t payload_size, bool compressed = false);

/// Builds a close frame payload: 2-byte code, then reason.
std::string ws_close_payload(std::uint16_t code, std::string_view reason);

/// The close code to send for a reader error (1002 protocol error, 1007 bad
/// UTF-8, 1009 message too big).
std::uint16_t ws_close_code_for(const boost::system::error_code& ec);

/// True when `text` is valid UTF-8 (RFC 3629: no overlongs, no surrogates, <= U+10FFFF).
bool is_valid_utf8(std::string_view text) noexcept;

/// Sec-WebSocket-Accept value for a Sec-WebSocket-Key (RFC 6455 4.2.2):
/// base64(SHA-1(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")).
std::string ws_accept_key(std::string_view client_key);

}  // namespace ferry::engineio
