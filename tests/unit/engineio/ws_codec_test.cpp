// WebSocket framing (RFC 6455 section 5): the RFC's own examples, every error
// path of the reader, length-encoding boundaries, fragmentation and chunking.
#include "engineio/ws_codec.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ferry::engineio {
namespace {

using namespace std::literals;

constexpr std::size_t default_limit = 1 << 20;

enum class length_form { minimal, bits16, bits64 };

std::uint8_t op_bits(ws_opcode op) { return static_cast<std::uint8_t>(op); }

// A client frame: `first_byte` verbatim (FIN, RSV, opcode), then the length in
// the requested form, the masking key and the masked payload.
std::string client_frame(std::uint8_t first_byte, std::string_view payload,
                         length_form form = length_form::minimal,
                         std::array<std::uint8_t, 4> key = {0x37, 0xfa, 0x21, 0x3d}) {
    std::string out;
    out.push_back(static_cast<char>(first_byte));
    const std::uint64_t n = payload.size();
    if (form == length_form::minimal && n <= 125) {
        out.push_back(static_cast<char>(0x80 | n));
    } else if (form != length_form::bits64 && n <= 0xFFFF) {
        out.push_back(static_cast<char>(0x80 | 126));
        out.push_back(static_cast<char>(n >> 8));
        out.push_back(static_cast<char>(n & 0xFF));
    } else {
        out.push_back(static_cast<char>(0x80 | 127));
        for (int shift = 56; shift >= 0; shift -= 8) {
            out.push_back(static_cast<char>((n >> shift) & 0xFF));
        }
    }
    for (const auto k : key) {
        out.push_back(static_cast<char>(k));
    }
    for (std::size_t i = 0; i < payload.size(); ++i) {
        out.push_back(static_cast<char>(static_cast<unsigned char>(payload[i]) ^ key[i % 4]));
    }
    return out;
}

std::string frame(ws_opcode op, std::string_view payload, bool fin = true) {
    return client_frame(static_cast<std::uint8_t>((fin ? 0x80 : 0x00) | op_bits(op)), payload);
}

// A header announcing `length` bytes in the 64-bit form, without any payload.
std::string header64(ws_opcode op, std::uint64_t length) {
    std::string out;
    out.push_back(static_cast<char>(0x80 | op_bits(op)));
    out.push_back(static_cast<char>(0x80 | 127));
    for (int shift = 56; shift >= 0; shift -= 8) {
        out.push_back(static_cast<char>((length >> shift) & 0xFF));
    }
    out.append("\x01\x02\x03\x04");
    return out;
}

std::string pattern(std::size_t n) {
    std::string s(n, '\0');
    for (std::size_t i = 0; i < n; ++i) {
        s[i] = static_cast<char>((i * 31 + 7) & 0xFF);
    }
    return s;
}

struct drained {
    std::vector<ws_message> messages;
    boost::system::error_code error;
};

drained drain(ws_reader& reader) {
    drained out;
    for (;;) {
        auto r = reader.next();
        if (r.has_error()) {
            out.error = r.error();
            return out;
        }
        if (!r->has_value()) {
            return out;
        }
        out.messages.push_back(std::move(**r));
    }
}

drained read_all(std::string_view bytes, std::size_t limit = default_limit) {
    ws_reader reader(limit);
    reader.feed(bytes);
    return drain(reader);
}

// Feeds `bytes` in chunks of `chunk` bytes, draining after each, stopping at the first error.
drained read_chunked(std::string_view bytes, std::size_t chunk, std::size_t limit = default_limit) {
    ws_reader reader(limit);
    drained all;
    for (std::size_t i = 0; i < bytes.size() && !all.error; i += chunk) {
        reader.feed(bytes.substr(i, chunk));
        auto part = drain(reader);
        for (auto& m : part.messages) {
            all.messages.push_back(std::move(m));
        }
        all.error = part.error;
    }
    return all;
}

boost::system::error_code error_of(std::string_view bytes, std::size_t limit = default_limit) {
    return read_all(bytes, limit).error;
}

// RFC 6455 5.7: "A single-frame masked text message".
TEST(WsReader, DecodesRfcMaskedTextExample) {
    const auto r = read_all("\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58");
    ASSERT_FALSE(r.error);
    ASSERT_EQ(r.messages.size(), 1U);
    EXPECT_EQ(r.messages[0].opcode, ws_opcode::text);
    EXPECT_EQ(r.messages[0].payload, "Hello");
}

// RFC 6455 5.7: "Unmasked Pong response ... masked": 0x8a 0x85 + key + "Hello".
TEST(WsReader, DecodesRfcMaskedPongExample) {
    const auto r = read_all("\x8a\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58");
    ASSERT_FALSE(r.error);
    ASSERT_EQ(r.messages.size(), 1U);
    EXPECT_EQ(r.messages[0].opcode, ws_opcode::pong);
    EXPECT_EQ(r.messages[0].payload, "Hello");
}

// RFC 6455 5.7's unmasked examples are server frames: a server must reject them (5.1).
TEST(WsReader, RejectsRfcUnmaskedExamples) {
    EXPECT_EQ(error_of("\x81\x05Hello"), error::ws_unmasked_frame);
    EXPECT_EQ(error_of("\x01\x03Hel"), error::ws_unmasked_frame);
    EXPECT_EQ(error_of("\x89\x05Hello"), error::ws_unmasked_frame);
}

TEST(WsReader, RejectsUnmaskedFrameFromTwoBytes) {
    ws_reader reader(default_limit);
    reader.feed("\x82\x7f");  // the 8 length bytes have not arrived yet
    const auto r = reader.next();
    ASSERT_TRUE(r.has_error());
    EXPECT_EQ(r.error(), error::ws_unmasked_frame);
}

TEST(WsReader, DecodesBinaryMessage) {
    const std::string payload = pattern(300);
    const auto r = read_all(frame(ws_opcode::binary, payload));
    ASSERT_FALSE(r.error);
    ASSERT_EQ(r.messages.size(), 1U);
    EXPECT_EQ(r.messages[0].opcode, ws_opcode::binary);
    EXPECT_EQ(r.messages[0].payload, payload);
}

TEST(WsReader, DecodesEmptyMessages) {
    const auto r = read_all(frame(ws_opcode::text, "") + frame(ws_opcode::binary, ""));
    ASSERT_FALSE(r.error);
    ASSERT_EQ(r.messages.size(), 2U);
    EXPECT_EQ(r.messages[0].opcode, ws_opcode::text);
    EXPECT_EQ(r.messages[0].payload, "");
    EXPECT_EQ(r.messages[1].opcode, ws_opcode::binary);
    EXPECT_EQ(r.messages[1].payload, "");
}

TEST(WsReader, DecodesSeveralFramesFromOneFeed) {
    const auto r = read_all(frame(ws_opcode::text, "4a") + frame(ws_opcode::ping, "p") + frame(ws_opcode::text, "4b"));
    ASSERT_FALSE(r.error);
    ASSERT_EQ(r.messages.size(), 3U);
    EXPECT_EQ(r.messages[0].payload, "4a");
    EXPECT_EQ(r.messages[1].opcode, ws_opcode::ping);
    EXPECT_EQ(r.messages[1].payload, "p");
    EXPECT_EQ(r.messages[2].payload, "4b");
}

TEST(WsReader, ReturnsNulloptWhenEmpty) {
    ws_reader reader(default_limit);
    const auto r = reader.next();
    ASSERT_TRUE(r.has_value());
    EXPECT_FALSE(r->has_value());
}

TEST(WsReader, FeedsByteByByte) {
    const std::string bytes = frame(ws_opcode::text, "4hello") + frame(ws_opcode::binary, pattern(70000)) +
                              frame(ws_opcode::text, "\xe2\x82\xac", false) + frame(ws_opcode::ping, "x") +
                              frame(ws_opcode::continuation, "!");
    ws_reader reader(default_limit);
    std::vector<ws_message> messages;
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        reader.feed(bytes.substr(i, 1));
        auto part = drain(reader);
        ASSERT_FALSE(part.error) << "at byte " << i;
        for (auto& m : part.messages) {
            messages.push_back(std::move(m));
        }
        // A frame completes exactly on its last byte.
        if (i + 1 == 12) {
            ASSERT_EQ(messages.size(), 1U);
        }
    }
    ASSERT_EQ(messages.size(), 4U);
    EXPECT_EQ(messages[0].payload, "4hello");
    EXPECT_EQ(messages[1].payload, pattern(70000));
    EXPECT_EQ(messages[2].opcode, ws_opcode::ping);
    EXPECT_EQ(messages[3].payload, "\xe2\x82\xac!");
    EXPECT_EQ(reader.buffered(), 0U);
}

TEST(WsReader, GivesSameResultForEveryChunkSize) {
    std::string bytes;
    for (int i = 0; i < 20; ++i) {
        bytes += frame(ws_opcode::text, "4message " + std::to_string(i));
        bytes += frame(ws_opcode::binary, pattern(static_cast<std::size_t>(i) * 53), false);
        bytes += frame(ws_opcode::pong, "");
        bytes += frame(ws_opcode::continuation, pattern(200));
    }
    const auto whole = read_all(bytes);
    ASSERT_FALSE(whole.error);
    ASSERT_EQ(whole.messages.size(), 60U);
    for (const std::size_t chunk : {1U, 2U, 3U, 7U, 64U, 1000U, 4096U}) {
        SCOPED_TRACE(chunk);
        const auto chunked = read_chunked(bytes, chunk);
        ASSERT_FALSE(chunked.error);
        ASSERT_EQ(chunked.messages.size(), whole.messages.size());
        for (std::size_t i = 0; i < whole.messages.size(); ++i) {
            EXPECT_EQ(chunked.messages[i].opcode, whole.messages[i].opcode);
            EXPECT_EQ(chunked.messages[i].payload, whole.messages[i].payload);
        }
    }
}

TEST(WsReader, ReportsBufferedBytes) {
    ws_reader reader(default_limit);
    const std::string bytes = frame(ws_opcode::text, "4a") + frame(ws_opcode::text, "4b").substr(0, 3);
    reader.feed(bytes);
    EXPECT_EQ(reader.buffered(), bytes.size());
    const auto r = drain(reader);
    ASSERT_FALSE(r.error);
    EXPECT_EQ(r.messages.size(), 1U);
    EXPECT_EQ(reader.buffered(), 3U);
}

TEST(WsReader, UsesEachFramesOwnMaskingKey) {
    const std::string bytes = client_frame(0x81, "4abcdefghijk", length_form::minimal, {1, 2, 3, 4}) +
                              client_frame(0x81, "4abcdefghijk", length_form::minimal, {0xff, 0, 0x80, 0x7f}) +
                              client_frame(0x81, "4abcdefghijk", length_form::minimal, {0, 0, 0, 0});
    const auto r = read_all(bytes);
    ASSERT_FALSE(r.error);
    ASSERT_EQ(r.messages.size(), 3U);
    for (const auto& m : r.messages) {
        EXPECT_EQ(m.payload, "4abcdefghijk");
    }
}

// RFC 6455 5.2: 7-bit lengths up to 125, 16-bit up to 65535, 64-bit beyond.
TEST(WsReader, DecodesLengthBoundaries) {
    for (const std::size_t size : {0U, 1U, 7U, 8U, 9U, 125U, 126U, 127U, 65535U, 65536U, 70001U}) {
        SCOPED_TRACE(size);
        const std::string payload = pattern(size);
        const std::string bytes = frame(ws_opcode::binary, payload);
        const std::size_t header = size <= 125 ? 2 : size <= 65535 ? 4 : 10;
        ASSERT_EQ(bytes.size(), header + 4 + size);
        ws_reader reader(default_limit);
        // One byte short of the frame is not a message yet.
        reader.feed(std::string_view(bytes).substr(0, bytes.size() - 1));
        const auto partial = reader.next();
        ASSERT_TRUE(partial.has_value());
        ASSERT_FALSE(partial->has_value());
        reader.feed(std::string_view(bytes).substr(bytes.size() - 1));
        const auto r = drain(reader);
        ASSERT_FALSE(r.error);
        ASSERT_EQ(r.messages.size(), 1U);
        EXPECT_EQ(r.messages[0].payload, payload);
    }
}

TEST(WsReader, AcceptsNonMinimalLengthEncoding) {
    const auto r = read_all(client_frame(0x81, "4abc", length_form::bits16) +
                            client_frame(0x82, pattern(200), length_form::bits64));
    ASSERT_FALSE(r.error);
    ASSERT_EQ(r.messages.size(), 2U);
    EXPECT_EQ(r.messages[0].payload, "4abc");
    EXPECT_EQ(r.messages[1].payload, pattern(200));
}

TEST(WsReader, RejectsLengthWithMostSignificantBitSet) {
    EXPECT_EQ(error_of(header64(ws_opcode::binary, 0x8000000000000000ULL)), error::ws_bad_frame);
    EXPECT_EQ(error_of(header64(ws_opcode::binary, 0xFFFFFFFFFFFFFFFFULL)), error::ws_bad_frame);
}

TEST(WsReader, RejectsReservedBits) {
    for (const std::uint8_t rsv : {0x40, 0x20, 0x10, 0x70}) {
        SCOPED_TRACE(static_cast<int>(rsv));
        EXPECT_EQ(error_of(client_frame(static_cast<std::uint8_t>(0x81 | rsv), "4a")), error::ws_bad_frame);
        EXPECT_EQ(error_of(client_frame(static_cast<std::uint8_t>(0x89 | rsv), "")), error::ws_bad_frame);
    }
}

TEST(WsReader, RejectsReservedOpcodes) {
    for (const std::uint8_t op : {0x3, 0x4, 0x5, 0x6, 0x7, 0xB, 0xC, 0xD, 0xE, 0xF}) {
        SCOPED_TRACE(static_cast<int>(op));
        EXPECT_EQ(error_of(client_frame(static_cast<std::uint8_t>(0x80 | op), "")), error::ws_bad_opcode);
    }
}

TEST(WsReader, RejectsFragmentedControlFrames) {
    for (const auto op : {ws_opcode::ping, ws_opcode::pong, ws_opcode::close}) {
        SCOPED_TRACE(static_cast<int>(op));
        EXPECT_EQ(error_of(frame(op, "", false)), error::ws_bad_control_frame);
    }
}

TEST(WsReader, RejectsControlFramesOver125Bytes) {
    for (const auto op : {ws_opcode::ping, ws_opcode::pong, ws_opcode::close}) {
        SCOPED_TRACE(static_cast<int>(op));
        EXPECT_EQ(error_of(frame(op, pattern(126))), error::ws_bad_control_frame);
        // The 16-bit form is refused even for a small length: control lengths must fit in 7 bits.
        EXPECT_EQ(error_of(client_frame(static_cast<std::uint8_t>(0x80 | op_bits(op)), "", length_form::bits16)),
                  error::ws_bad_control_frame);
    }
}

TEST(WsReader, AcceptsControlFramesOf125Bytes) {
    const std::string ping_payload = pattern(125);
    const std::string close_payload = ws_close_payload(1000, std::string(123, 'r'));
    const auto r = read_all(frame(ws_opcode::ping, ping_payload) + frame(ws_opcode::close, close_payload));
    ASSERT_FALSE(r.error);
    ASSERT_EQ(r.messages.size(), 2U);
    EXPECT_EQ(r.messages[0].payload, ping_payload);
    EXPECT_EQ(r.messages[1].close_reason, std::string(123, 'r'));
}

TEST(WsReader, AppliesLimitOnlyToDataMessages) {
    const auto r = read_all(frame(ws_opcode::ping, pattern(100)), 10);
    ASSERT_FALSE(r.error);
    ASSERT_EQ(r.messages.size(), 1U);
}

// RFC 6455 5.4, the RFC's own example: "Hel" then "lo".
TEST(WsReader, ReassemblesFragmentedText) {
    const auto r = read_all(frame(ws_opcode::text, "Hel", false) + frame(ws_opcode::continuation, "lo"));
    ASSERT_FALSE(r.error);
    ASSERT_EQ(r.messages.size(), 1U);
    EXPECT_EQ(r.messages[0].opcode, ws_opcode::text);
    EXPECT_EQ(r.messages[0].payload, "Hello");
}

TEST(WsReader, ReassemblesManyBinaryFragments) {
    const std::string payload = pattern(5000);
    std::string bytes = frame(ws_opcode::binary, "", false);
    std::size_t at = 0;
    for (std::size_t step = 1; at < payload.size(); ++step) {
        const std::size_t n = std::min(step * 7, payload.size() - at);
        bytes += frame(ws_opcode::continuation, std::string_view(payload).substr(at, n), false);
        at += n;
    }
    bytes += frame(ws_opcode::continuation, "");
    const auto r = read_all(bytes);
    ASSERT_FALSE(r.error);
    ASSERT_EQ(r.messages.size(), 1U);
    EXPECT_EQ(r.messages[0].opcode, ws_opcode::binary);
    EXPECT_EQ(r.messages[0].payload, payload);
}

TEST(WsReader, ReassemblesConsecutiveFragmentedMessages) {
    const auto r = read_all(frame(ws_opcode::text, "4a", false) + frame(ws_opcode::continuation, "b") +
                            frame(ws_opcode::binary, "\xff", false) + frame(ws_opcode::continuation, "\xfe"));
    ASSERT_FALSE(r.error);
    ASSERT_EQ(r.messages.size(), 2U);
    EXPECT_EQ(r.messages[0].opcode, ws_opcode::text);
    EXPECT_EQ(r.messages[0].payload, "4ab");
    EXPECT_EQ(r.messages[1].opcode, ws_opcode::binary);
    EXPECT_EQ(r.messages[1].payload, "\xff\xfe");
}

// RFC 6455 5.4: control frames may be injected in the middle of a fragmented message.
TEST(WsReader, DeliversPingInterleavedInFragmentedMessage) {
    const auto r = read_all(frame(ws_opcode::text, "4hel", false) + frame(ws_opcode::ping, "ping") +
                            frame(ws_opcode::continuation, "l", false) + frame(ws_opcode::pong, "") +
                            frame(ws_opcode::continuation, "o"));
    ASSERT_FALSE(r.error);
    ASSERT_EQ(r.messages.size(), 3U);
    EXPECT_EQ(r.messages[0].opcode, ws_opcode::ping);
    EXPECT_EQ(r.messages[0].payload, "ping");
    EXPECT_EQ(r.messages[1].opcode, ws_opcode::pong);
    EXPECT_EQ(r.messages[2].opcode, ws_opcode::text);
    EXPECT_EQ(r.messages[2].payload, "4hello");
}

TEST(WsReader, DeliversCloseInterleavedInFragmentedMessage) {
    const auto r = read_all(frame(ws_opcode::binary, "ab", false) + frame(ws_opcode::close, ws_close_payload(1001, "")));
    ASSERT_FALSE(r.error);
    ASSERT_EQ(r.messages.size(), 1U);
    EXPECT_EQ(r.messages[0].opcode, ws_opcode::close);
    EXPECT_EQ(r.messages[0].close_code, 1001);
}

TEST(WsReader, RejectsContinuationWithoutStart) {
    EXPECT_EQ(error_of(frame(ws_opcode::continuation, "x")), error::ws_bad_continuation);
    EXPECT_EQ(error_of(frame(ws_opcode::continuation, "x", false)), error::ws_bad_continuation);
    // A finished message does not leave a message open.
    EXPECT_EQ(error_of(frame(ws_opcode::text, "4a", false) + frame(ws_opcode::continuation, "b") +
                       frame(ws_opcode::continuation, "c")),
              error::ws_bad_continuation);
}

TEST(WsReader, RejectsNewMessageInsideFragmentedMessage) {
    EXPECT_EQ(error_of(frame(ws_opcode::text, "4a", false) + frame(ws_opcode::text, "4b")),
              error::ws_bad_continuation);
    EXPECT_EQ(error_of(frame(ws_opcode::binary, "a", false) + frame(ws_opcode::binary, "b", false)),
              error::ws_bad_continuation);
}

TEST(WsReader, AcceptsMessageAtLimit) {
    const auto r = read_all(frame(ws_opcode::binary, pattern(10)) + frame(ws_opcode::text, "4ab", false) +
                                frame(ws_opcode::continuation, "cdefgh", false) + frame(ws_opcode::continuation, "i"),
                            10);
    ASSERT_FALSE(r.error);
    ASSERT_EQ(r.messages.size(), 2U);
    EXPECT_EQ(r.messages[1].payload, "4abcdefghi");
}

TEST(WsReader, RejectsTooBigFrameFromHeaderAlone) {
    ws_reader reader(10);
    const std::string bytes = frame(ws_opcode::binary, pattern(11));
    reader.feed(std::string_view(bytes).substr(0, 6));  // header and key, no payload
    const auto r = reader.next();
    ASSERT_TRUE(r.has_error());
    EXPECT_EQ(r.error(), error::ws_message_too_big);
}

TEST(WsReader, RejectsHugeDeclaredLengthWithoutBuffering) {
    ws_reader reader(default_limit);
    reader.feed(header64(ws_opcode::binary, 1ULL << 62));
    const auto r = reader.next();
    ASSERT_TRUE(r.has_error());
    EXPECT_EQ(r.error(), error::ws_message_too_big);
}

TEST(WsReader, RejectsTooBigFragmentedMessage) {
    ws_reader reader(10);
    reader.feed(frame(ws_opcode::text, "4abcdef", false));
    ASSERT_FALSE(drain(reader).error);
    // The second fragment's header alone pushes the total past the limit.
    reader.feed(frame(ws_opcode::continuation, "ghij").substr(0, 6));
    const auto r = reader.next();
    ASSERT_TRUE(r.has_error());
    EXPECT_EQ(r.error(), error::ws_message_too_big);
}

TEST(WsReader, RejectsTooBigWithZeroLimit) {
    EXPECT_EQ(error_of(frame(ws_opcode::text, "4"), 0), error::ws_message_too_big);
    const auto r = read_all(frame(ws_opcode::text, ""), 0);
    ASSERT_FALSE(r.error);
    EXPECT_EQ(r.messages.size(), 1U);
}

TEST(WsReader, RejectsInvalidUtf8Text) {
    for (const std::string_view text : {
             "\xff"sv, "\x80"sv, "\xc0\xaf"sv, "\xc1\xbf"sv, "\xe0\x80\xaf"sv, "\xed\xa0\x80"sv, "\xf0\x80\x80\xaf"sv,
             "\xf4\x90\x80\x80"sv, "\xf5\x80\x80\x80"sv, "\xe2\x82"sv, "4ok\xce"sv, "\xce\xba\xe1\xbd\xb9\xed\xa0\x80"sv}) {
        SCOPED_TRACE(::testing::PrintToString(std::string(text)));
        EXPECT_EQ(error_of(frame(ws_opcode::text, text)), error::ws_bad_utf8);
    }
}

TEST(WsReader, AcceptsAnyBytesInBinary) {
    const auto r = read_all(frame(ws_opcode::binary, "\xff\xc0\xaf\xed\xa0\x80"));
    ASSERT_FALSE(r.error);
    ASSERT_EQ(r.messages.size(), 1U);
}

TEST(WsReader, AcceptsCodePointSplitAcrossFragments) {
    const auto r = read_all(frame(ws_opcode::text, "4\xf0\x9f", false) + frame(ws_opcode::continuation, "\x98", false) +
                            frame(ws_opcode::continuation, "\x80"));
    ASSERT_FALSE(r.error);
    ASSERT_EQ(r.messages.size(), 1U);
    EXPECT_EQ(r.messages[0].payload, "4\xf0\x9f\x98\x80");
}

// Autobahn 6.4.x: invalid text must fail on the fragment that breaks it, not at FIN.
TEST(WsReader, RejectsInvalidUtf8FragmentBeforeMessageEnds) {
    ws_reader reader(default_limit);
    reader.feed(frame(ws_opcode::text, "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5", false));
    ASSERT_FALSE(drain(reader).error);
    reader.feed(frame(ws_opcode::continuation, "\xf4\x90\x80\x80", false));
    const auto r = reader.next();
    ASSERT_TRUE(r.has_error());
    EXPECT_EQ(r.error(), error::ws_bad_utf8);
}

TEST(WsReader, RejectsInvalidUtf8FirstFragment) {
    EXPECT_EQ(error_of(frame(ws_opcode::text, "\xed\xa0\x80", false)), error::ws_bad_utf8);
}

TEST(WsReader, RejectsTruncatedCodePointAtMessageEnd) {
    EXPECT_EQ(error_of(frame(ws_opcode::text, "4\xe2\x82", false) + frame(ws_opcode::continuation, "")),
              error::ws_bad_utf8);
}

TEST(WsReader, DecodesCloseWithoutBody) {
    const auto r = read_all(frame(ws_opcode::close, ""));
    ASSERT_FALSE(r.error);
    ASSERT_EQ(r.messages.size(), 1U);
    EXPECT_EQ(r.messages[0].opcode, ws_opcode::close);
    EXPECT_FALSE(r.messages[0].close_code.has_value());
    EXPECT_EQ(r.messages[0].close_reason, "");
}

TEST(WsReader, DecodesCloseCodeAndReason) {
    const auto r = read_all(frame(ws_opcode::close, "\x03\xe8" "bye \xe2\x82\xac"));
    ASSERT_FALSE(r.error);
    ASSERT_EQ(r.messages.size(), 1U);
    EXPECT_EQ(r.messages[0].close_code, 1000);
    EXPECT_EQ(r.messages[0].close_reason, "bye \xe2\x82\xac");
    EXPECT_EQ(r.messages[0].payload, "\x03\xe8" "bye \xe2\x82\xac");
}

TEST(WsReader, RejectsOneByteClosePayload) {
    EXPECT_EQ(error_of(frame(ws_opcode::close, "\x03")), error::ws_bad_close_code);
}

TEST(WsReader, AcceptsValidCloseCodes) {
    for (const std::uint16_t code : {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000,
                                     3999, 4000, 4999}) {
        SCOPED_TRACE(code);
        const auto r = read_all(frame(ws_opcode::close, ws_close_payload(code, "")));
        ASSERT_FALSE(r.error);
        ASSERT_EQ(r.messages.size(), 1U);
        EXPECT_EQ(r.messages[0].close_code, code);
    }
}

TEST(WsReader, RejectsInvalidCloseCodes) {
    for (const std::uint16_t code : {0, 1, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535}) {
        SCOPED_TRACE(code);
        EXPECT_EQ(error_of(frame(ws_opcode::close, ws_close_payload(code, ""))), error::ws_bad_close_code);
    }
}

TEST(WsReader, RejectsCloseReasonThatIsNotUtf8) {
    EXPECT_EQ(error_of(frame(ws_opcode::close, ws_close_payload(1000, "\xce\xba\xed\xa0\x80"))), error::ws_bad_utf8);
}

TEST(WsReader, HandlesLargeMessageFedInSmallChunks) {
    const std::string payload = pattern(1 << 20);
    const std::string bytes = frame(ws_opcode::binary, payload) + frame(ws_opcode::text, "4tail");
    const auto r = read_chunked(bytes, 13, 1 << 20);
    ASSERT_FALSE(r.error);
    ASSERT_EQ(r.messages.size(), 2U);
    EXPECT_EQ(r.messages[0].payload, payload);
    EXPECT_EQ(r.messages[1].payload, "4tail");
}

// RFC 6455 5.7 examples, seen from the server side.
TEST(WsWriter, EncodesRfcUnmaskedTextExample) {
    std::string out;
    ws_encode_frame(ws_opcode::text, "Hello", out);
    EXPECT_EQ(out, "\x81\x05Hello");
}

TEST(WsWriter, EncodesRfcUnmaskedPingExample) {
    std::string out;
    ws_encode_frame(ws_opcode::ping, "Hello", out);
    EXPECT_EQ(out, "\x89\x05Hello");
}

TEST(WsWriter, EncodesRfcLengthExamples) {
    // "256 bytes binary message in a single unmasked frame" and "64KiB ...".
    EXPECT_EQ(ws_frame_header(ws_opcode::binary, 256), "\x82\x7e\x01\x00"s);
    EXPECT_EQ(ws_frame_header(ws_opcode::binary, 65536), "\x82\x7f\x00\x00\x00\x00\x00\x01\x00\x00"s);
}

TEST(WsWriter, EncodesHeaderSizeBoundaries) {
    EXPECT_EQ(ws_frame_header(ws_opcode::text, 0), "\x81\x00"s);
    EXPECT_EQ(ws_frame_header(ws_opcode::text, 125), "\x81\x7d"s);
    EXPECT_EQ(ws_frame_header(ws_opcode::text, 126), "\x81\x7e\x00\x7e"s);
    EXPECT_EQ(ws_frame_header(ws_opcode::text, 65535), "\x81\x7e\xff\xff"s);
    EXPECT_EQ(ws_frame_header(ws_opcode::text, 65536), "\x81\x7f\x00\x00\x00\x00\x00\x01\x00\x00"s);
    EXPECT_EQ(ws_frame_header(ws_opcode::close, 2), "\x88\x02"s);
    EXPECT_EQ(ws_frame_header(ws_opcode::pong, 0), "\x8a\x00"s);
}

TEST(WsWriter, EncodeFrameAppendsHeaderAndPayload) {
    std::string out = "x";
    const std::string payload = pattern(300);
    ws_encode_frame(ws_opcode::binary, payload, out);
    EXPECT_EQ(out, "x" + ws_frame_header(ws_opcode::binary, 300) + payload);
}

TEST(WsWriter, BuildsClosePayload) {
    EXPECT_EQ(ws_close_payload(1000, "bye"), "\x03\xe8" "bye");
    EXPECT_EQ(ws_close_payload(4999, ""), "\x13\x87");
}

TEST(WsCloseCode, MapsReaderErrors) {
    EXPECT_EQ(ws_close_code_for(error::ws_bad_utf8), 1007);
    EXPECT_EQ(ws_close_code_for(error::ws_message_too_big), 1009);
    EXPECT_EQ(ws_close_code_for(error::payload_too_large), 1009);
    for (const auto e : {error::ws_bad_frame, error::ws_bad_opcode, error::ws_unmasked_frame,
                         error::ws_bad_control_frame, error::ws_bad_continuation, error::ws_bad_close_code}) {
        EXPECT_EQ(ws_close_code_for(e), 1002);
    }
}

// RFC 6455 4.2.2 / 1.3 example.
TEST(WsAcceptKey, MatchesRfcExample) {
    EXPECT_EQ(ws_accept_key("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST(Utf8, AcceptsValidText) {
    for (const std::string_view text : {
             ""sv, "4hello"sv, "\xe2\x82\xac"sv, "\xf0\x9f\x98\x80"sv, "\xc2\x80"sv, "\xdf\xbf"sv, "\xe0\xa0\x80"sv,
             "\xed\x9f\xbf"sv, "\xee\x80\x80"sv, "\xef\xbf\xbf"sv, "\xf0\x90\x80\x80"sv, "\xf4\x8f\xbf\xbf"sv,
             "\0"sv, "0123456\xc3\xa9" "0123456789abcdef"sv, "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5"sv}) {
        SCOPED_TRACE(::testing::PrintToString(std::string(text)));
        EXPECT_TRUE(is_valid_utf8(text));
    }
}

TEST(Utf8, RejectsInvalidText) {
    for (const std::string_view text : {
             "\x80"sv, "\xbf"sv, "\xc0\x80"sv, "\xc1\xbf"sv, "\xc2"sv, "\xc2\x41"sv, "\xe0\x9f\xbf"sv, "\xed\xa0\x80"sv,
             "\xed\xbf\xbf"sv, "\xf0\x8f\xbf\xbf"sv, "\xf4\x90\x80\x80"sv, "\xf5\x80\x80\x80"sv, "\xfe"sv, "\xff"sv,
             "0123456789abcdef\xe2\x82"sv, "\xf0\x9f\x98"sv}) {
        SCOPED_TRACE(::testing::PrintToString(std::string(text)));
        EXPECT_FALSE(is_valid_utf8(text));
    }
}

TEST(Utf8, ValidatesTextSplitAnywhere) {
    const std::string text = "ab\xe2\x82\xac" "cdefghij\xf0\x9f\x98\x80" "0123456789\xc3\xa9";
    for (std::size_t cut = 0; cut <= text.size(); ++cut) {
        SCOPED_TRACE(cut);
        utf8_validator v;
        ASSERT_TRUE(v.feed(std::string_view(text).substr(0, cut)));
        ASSERT_TRUE(v.feed(std::string_view(text).substr(cut)));
        EXPECT_TRUE(v.complete());
    }
    utf8_validator v;
    ASSERT_TRUE(v.feed("\xe2\x82"));
    EXPECT_FALSE(v.complete());
    EXPECT_FALSE(v.feed("A"));
}

}  // namespace
}  // namespace ferry::engineio
