// permessage-deflate (RFC 7692): negotiation of the offers real clients send,
// the RFC's own compressed examples, round trips through the frame reader,
// fragmentation, RSV1 rules, and the inflated-size limit (zip bombs).
#include "engineio/deflate.hpp"

#include "engineio/wire.hpp"
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
constexpr std::string_view both_no_context =
    "permessage-deflate; server_no_context_takeover; client_no_context_takeover";

// ---------------------------------------------------------------------------
// Negotiation (RFC 7692 5, 7.1)

TEST(DeflateNegotiation, AcceptsChromeAndWsOffer) {
    // Chrome and the Node `ws` client (perMessageDeflate: true) send this.
    EXPECT_EQ(negotiate_permessage_deflate("permessage-deflate; client_max_window_bits"), both_no_context);
}

TEST(DeflateNegotiation, AcceptsFirefoxAndSafariOffer) {
    EXPECT_EQ(negotiate_permessage_deflate("permessage-deflate"), both_no_context);
}

TEST(DeflateNegotiation, AcceptsOfferWithBothNoContextTakeover) {
    EXPECT_EQ(negotiate_permessage_deflate(
                  "permessage-deflate; client_no_context_takeover; server_no_context_takeover"),
              both_no_context);
}

TEST(DeflateNegotiation, AcceptsClientWindowBitsValues) {
    for (const char* bits : {"8", "9", "10", "15", "\"12\""}) {
        SCOPED_TRACE(bits);
        EXPECT_EQ(negotiate_permessage_deflate("permessage-deflate; client_max_window_bits="s + bits),
                  both_no_context);
    }
}

// 7.1.2.1: accepting server_max_window_bits means echoing it; only 15 can be honoured.
TEST(DeflateNegotiation, EchoesServerMaxWindowBitsOf15) {
    EXPECT_EQ(negotiate_permessage_deflate("permessage-deflate; server_max_window_bits=15"),
              std::string(both_no_context) + "; server_max_window_bits=15");
}

TEST(DeflateNegotiation, DeclinesSmallerServerWindow) {
    for (const char* bits : {"8", "9", "10", "14"}) {
        SCOPED_TRACE(bits);
        EXPECT_FALSE(negotiate_permessage_deflate("permessage-deflate; server_max_window_bits="s + bits));
    }
}

// RFC 7692 5.2's example: the first offer asks for a 10-bit server window,
// which ferry declines; the fallback offer is accepted.
TEST(DeflateNegotiation, FallsBackToNextOfferRfcExample) {
    EXPECT_EQ(negotiate_permessage_deflate("permessage-deflate; client_max_window_bits; server_max_window_bits=10, "
                                           "permessage-deflate; client_max_window_bits"),
              both_no_context);
}

TEST(DeflateNegotiation, IgnoresOtherExtensions) {
    EXPECT_EQ(negotiate_permessage_deflate("x-webkit-deflate-frame, permessage-deflate"), both_no_context);
    EXPECT_FALSE(negotiate_permessage_deflate("x-webkit-deflate-frame"));
    EXPECT_FALSE(negotiate_permessage_deflate(""));
}

// 7: an offer with an unknown or repeated parameter, or an invalid value, is declined.
TEST(DeflateNegotiation, DeclinesInvalidOffers) {
    for (const char* header : {
             "permessage-deflate; unknown",
             "permessage-deflate; client_max_window_bits; client_max_window_bits",
             "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
             "permessage-deflate; server_no_context_takeover=1",
             "permessage-deflate; client_no_context_takeover=true",
             "permessage-deflate; server_max_window_bits",
             "permessage-deflate; server_max_window_bits=015",
             "permessage-deflate; server_max_window_bits=16",
             "permessage-deflate; client_max_window_bits=7",
             "permessage-deflate; client_max_window_bits=16",
             "permessage-deflate; client_max_window_bits=08",
             "permessage-deflate; client_max_window_bits=abc",
             "permessage-deflate; client_max_window_bits=\"1 0\"",
             "Permessage-Deflate",
         }) {
        SCOPED_TRACE(header);
        EXPECT_FALSE(negotiate_permessage_deflate(header));
    }
}

TEST(DeflateNegotiation, DeclinesMalformedHeader) {
    EXPECT_FALSE(negotiate_permessage_deflate("permessage-deflate;"));
    EXPECT_FALSE(negotiate_permessage_deflate("permessage-deflate; a=\"open"));
}

// ---------------------------------------------------------------------------
// The codec (RFC 7692 7.2)

std::string pattern_text(std::size_t n) {
    std::string s;
    s.reserve(n);
    for (std::size_t i = 0; s.size() < n; ++i) {
        s += "{\"user\":" + std::to_string(i % 97) + ",\"text\":\"hello\"}";
    }
    s.resize(n);
    return s;
}

std::string noise(std::size_t n) {
    std::string s(n, '\0');
    std::uint32_t x = 2463534242U;
    for (auto& c : s) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        c = static_cast<char>(x & 0xFF);
    }
    return s;
}

// 7.2.3.1: "Hello" is f2 48 cd c9 c9 07 00 once the sync marker is removed.
TEST(DeflateMessage, CompressesRfcHelloExample) {
    EXPECT_EQ(deflate_message("Hello"), "\xf2\x48\xcd\xc9\xc9\x07\x00"sv);
}

// No context takeover: the same message compresses to the same bytes every time.
TEST(DeflateMessage, IsIndependentOfPreviousMessages) {
    const auto first = deflate_message("Hello");
    EXPECT_EQ(deflate_message("Hello"), first);
    (void)deflate_message(pattern_text(50'000));
    EXPECT_EQ(deflate_message("Hello"), first);
}

TEST(InflateMessage, DecodesRfcExamples) {
    // 7.2.3.1 one compressed block; 7.2.3.3 a stored block; 7.2.3.4 BFINAL
    // set; 7.2.3.5 two blocks; 7.2.3.6 an empty message.
    const std::vector<std::pair<std::string_view, std::string_view>> cases{
        {"\xf2\x48\xcd\xc9\xc9\x07\x00"sv, "Hello"sv},
        {"\x00\x05\x00\xfa\xff\x48\x65\x6c\x6c\x6f\x00"sv, "Hello"sv},
        {"\xf3\x48\xcd\xc9\xc9\x07\x00\x00"sv, "Hello"sv},
        {"\xf2\x48\x05\x00\x00\x00\xff\xff\xca\xc9\xc9\x07\x00"sv, "Hello"sv},
        {"\x00"sv, ""sv},
    };
    for (const auto& [compressed, plain] : cases) {
        auto r = inflate_message(compressed, default_limit);
        ASSERT_TRUE(r) << r.error().message();
        EXPECT_EQ(*r, plain);
    }
}

// 7.2.3.2's second message refers back into the first one: without context
// takeover it cannot be decoded alone, which is why ferry refuses takeover.
TEST(InflateMessage, HasNoContextFromPreviousMessage) {
    ASSERT_TRUE(inflate_message("\xf2\x48\xcd\xc9\xc9\x07\x00"sv, default_limit));
    auto r = inflate_message("\xf2\x00\x11\x00\x00"sv, default_limit);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), error::ws_bad_frame);
}

TEST(InflateMessage, RoundTripsManySizes) {
    for (const std::size_t n : {0UL, 1UL, 5UL, 100UL, 1024UL, 16'383UL, 16'384UL, 100'000UL, 700'000UL}) {
        SCOPED_TRACE(n);
        for (const auto& plain : {pattern_text(n), noise(n)}) {
            auto r = inflate_message(deflate_message(plain), default_limit);
            ASSERT_TRUE(r) << r.error().message();
            EXPECT_EQ(*r, plain);
        }
    }
}

TEST(InflateMessage, AcceptsMessageAtLimitAndRejectsOneByteMore) {
    const auto plain = pattern_text(50'000);
    const auto compressed = deflate_message(plain);
    EXPECT_TRUE(inflate_message(compressed, plain.size()));
    auto r = inflate_message(compressed, plain.size() - 1);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), error::ws_message_too_big);
}

// A zip bomb: 16 MiB of zeros compress to about 16 KiB; inflation stops past the limit.
TEST(InflateMessage, StopsZipBombAtLimit) {
    const auto bomb = deflate_message(std::string(16U << 20, '\0'));
    ASSERT_LT(bomb.size(), 30'000U);
    auto r = inflate_message(bomb, default_limit);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), error::ws_message_too_big);
    EXPECT_EQ(ws_close_code_for(r.error()), 1009);
}

TEST(InflateMessage, RejectsInvalidDeflateData) {
    for (const auto bad : {"\xff\xff\xff\xff"sv, "\x07"sv, "\x00\x05\x00\x00\x00Hello"sv}) {
        auto r = inflate_message(bad, default_limit);
        ASSERT_FALSE(r);
        EXPECT_EQ(r.error(), error::ws_bad_frame);
        EXPECT_EQ(ws_close_code_for(r.error()), 1002);
    }
    // The thread's decompressor recovers for the next message.
    EXPECT_EQ(inflate_message("\xf2\x48\xcd\xc9\xc9\x07\x00"sv, default_limit).value(), "Hello");
}

// Arbitrary bytes and damaged compressed messages give a value or an error,
// never a crash, and never more output than the limit.
TEST(InflateMessage, SurvivesArbitraryInput) {
    const auto good = deflate_message(pattern_text(3000));
    std::uint32_t x = 2463534242U;
    auto next = [&x] {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        return x;
    };
    for (int i = 0; i < 5'000; ++i) {
        std::string input = i % 2 == 0 ? noise(next() % 64) : good;
        if (i % 2 != 0) {
            for (int flips = 0; flips < 3; ++flips) input[next() % input.size()] = static_cast<char>(next());
            input.resize(next() % (input.size() + 1));
        }
        const auto r = inflate_message(input, 2000);
        if (r) {
            EXPECT_LE(r->size(), 2000U);
        }
    }
}

// ---------------------------------------------------------------------------
// The frame reader with the extension negotiated (RFC 7692 6)

// A masked client frame with `first_byte` verbatim (FIN, RSV, opcode).
std::string client_frame(std::uint8_t first_byte, std::string_view payload) {
    constexpr std::array<std::uint8_t, 4> key{0x37, 0xfa, 0x21, 0x3d};
    std::string out;
    out.push_back(static_cast<char>(first_byte));
    const std::uint64_t n = payload.size();
    if (n <= 125) {
        out.push_back(static_cast<char>(0x80 | n));
    } else if (n <= 0xFFFF) {
        out.push_back(static_cast<char>(0x80 | 126));
        out.push_back(static_cast<char>(n >> 8));
        out.push_back(static_cast<char>(n & 0xFF));
    } else {
        out.push_back(static_cast<char>(0x80 | 127));
        for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>((n >> shift) & 0xFF));
    }
    for (const auto k : key) out.push_back(static_cast<char>(k));
    for (std::size_t i = 0; i < payload.size(); ++i) {
        out.push_back(static_cast<char>(static_cast<unsigned char>(payload[i]) ^ key[i % 4]));
    }
    return out;
}

// The same frame as a client would send it: the server frame's first byte and
// payload, masked. `server_frame` is one unmasked frame.
std::string as_client_frame(std::string_view server_frame) {
    const auto len = static_cast<unsigned char>(server_frame[1]) & 0x7F;
    const std::size_t header = len == 126 ? 4 : len == 127 ? 10 : 2;
    return client_frame(static_cast<std::uint8_t>(server_frame[0]), server_frame.substr(header));
}

struct drained {
    std::vector<ws_message> messages;
    boost::system::error_code error;
};

drained read_all(std::string_view bytes, bool deflate = true, std::size_t limit = default_limit,
                 std::size_t chunk = std::string_view::npos) {
    ws_reader reader(limit, deflate);
    drained out;
    for (std::size_t i = 0; i < bytes.size() && !out.error; i += chunk) {
        reader.feed(bytes.substr(i, chunk));
        for (;;) {
            auto r = reader.next();
            if (r.has_error()) {
                out.error = r.error();
                break;
            }
            if (!r->has_value()) break;
            out.messages.push_back(std::move(**r));
        }
    }
    return out;
}

// 7.2.3.1: "Hello" in one compressed frame is c1 07 f2 48 cd c9 c9 07 00 (here masked).
TEST(DeflateReader, DecodesRfcCompressedFrame) {
    const auto r = read_all(client_frame(0xc1, "\xf2\x48\xcd\xc9\xc9\x07\x00"sv));
    ASSERT_FALSE(r.error) << r.error.message();
    ASSERT_EQ(r.messages.size(), 1U);
    EXPECT_EQ(r.messages[0].opcode, ws_opcode::text);
    EXPECT_TRUE(r.messages[0].compressed);
    EXPECT_EQ(r.messages[0].payload, "Hello");
}

// 7.2.3.1's fragmented form: 41 03 f2 48 cd, then 80 04 c9 c9 07 00 (RSV1 on the first frame only).
TEST(DeflateReader, DecodesRfcFragmentedCompressedMessage) {
    const auto bytes = client_frame(0x41, "\xf2\x48\xcd"sv) + client_frame(0x80, "\xc9\xc9\x07\x00"sv);
    for (const std::size_t chunk : {1UL, 3UL, 7UL, bytes.size()}) {
        SCOPED_TRACE(chunk);
        const auto r = read_all(bytes, true, default_limit, chunk);
        ASSERT_FALSE(r.error) << r.error.message();
        ASSERT_EQ(r.messages.size(), 1U);
        EXPECT_TRUE(r.messages[0].compressed);
        EXPECT_EQ(r.messages[0].payload, "Hello");
    }
}

TEST(DeflateReader, DeliversPingInsideFragmentedCompressedMessage) {
    const auto r = read_all(client_frame(0x41, "\xf2\x48\xcd"sv) + client_frame(0x89, "hi") +
                            client_frame(0x80, "\xc9\xc9\x07\x00"sv));
    ASSERT_FALSE(r.error) << r.error.message();
    ASSERT_EQ(r.messages.size(), 2U);
    EXPECT_EQ(r.messages[0].opcode, ws_opcode::ping);
    EXPECT_EQ(r.messages[1].payload, "Hello");
}

TEST(DeflateReader, AcceptsUncompressedMessagesToo) {
    const auto r = read_all(client_frame(0x81, "4plain") + client_frame(0xc1, deflate_message("4packed")));
    ASSERT_FALSE(r.error) << r.error.message();
    ASSERT_EQ(r.messages.size(), 2U);
    EXPECT_FALSE(r.messages[0].compressed);
    EXPECT_EQ(r.messages[0].payload, "4plain");
    EXPECT_TRUE(r.messages[1].compressed);
    EXPECT_EQ(r.messages[1].payload, "4packed");
}

TEST(DeflateReader, DecodesCompressedBinary) {
    const auto bytes = noise(3000);
    const auto r = read_all(client_frame(0xc2, deflate_message(bytes)));
    ASSERT_FALSE(r.error) << r.error.message();
    ASSERT_EQ(r.messages.size(), 1U);
    EXPECT_EQ(r.messages[0].opcode, ws_opcode::binary);
    EXPECT_EQ(r.messages[0].payload, bytes);
}

// RFC 6455 5.2: without the extension, RSV1 is still a protocol error.
TEST(DeflateReader, RejectsRsv1WithoutNegotiation) {
    const auto r = read_all(client_frame(0xc1, "\xf2\x48\xcd\xc9\xc9\x07\x00"sv), false);
    EXPECT_EQ(r.error, error::ws_bad_frame);
    EXPECT_TRUE(r.messages.empty());
}

// RFC 7692 6.1: never on control frames, nor on continuation frames.
TEST(DeflateReader, RejectsRsv1OnControlFrames) {
    for (const std::uint8_t op : {0x8, 0x9, 0xA}) {
        SCOPED_TRACE(static_cast<int>(op));
        EXPECT_EQ(read_all(client_frame(static_cast<std::uint8_t>(0xC0 | op), "")).error,
                  error::ws_bad_control_frame);
    }
}

TEST(DeflateReader, RejectsRsv1OnContinuation) {
    const auto r = read_all(client_frame(0x41, "\xf2\x48\xcd"sv) + client_frame(0xc0, "\xc9\xc9\x07\x00"sv));
    EXPECT_EQ(r.error, error::ws_bad_frame);
}

TEST(DeflateReader, StillRejectsRsv2AndRsv3) {
    for (const std::uint8_t rsv : {0x20, 0x10, 0x60, 0x50}) {
        SCOPED_TRACE(static_cast<int>(rsv));
        EXPECT_EQ(read_all(client_frame(static_cast<std::uint8_t>(0x81 | rsv), "4a")).error, error::ws_bad_frame);
    }
}

TEST(DeflateReader, ValidatesUtf8AfterInflating) {
    // "\xc3\x28" is invalid UTF-8; compressed, it is arbitrary bytes the reader must not judge.
    const auto r = read_all(client_frame(0xc1, deflate_message("4\xc3\x28")));
    EXPECT_EQ(r.error, error::ws_bad_utf8);
}

TEST(DeflateReader, RejectsInvalidDeflateData) {
    const auto r = read_all(client_frame(0xc1, "\xff\xff\xff"sv));
    EXPECT_EQ(r.error, error::ws_bad_frame);
}

// The limit is on the inflated size: a 1 KiB frame that inflates to 16 MiB
// is stopped at the limit and the connection is closed with 1009.
TEST(DeflateReader, StopsZipBombAtLimit) {
    const auto bomb = deflate_message(std::string(16U << 20, 'a'));
    ASSERT_LT(bomb.size(), 20'000U);
    const auto r = read_all(client_frame(0xc1, bomb), true, default_limit);
    EXPECT_EQ(r.error, error::ws_message_too_big);
    EXPECT_EQ(ws_close_code_for(r.error), 1009);
}

TEST(DeflateReader, AppliesLimitToInflatedFragmentedMessage) {
    const auto plain = std::string(10'000, 'a');
    const auto packed = deflate_message(plain);
    const auto bytes = client_frame(0x41, packed.substr(0, 5)) + client_frame(0x80, packed.substr(5));
    EXPECT_FALSE(read_all(bytes, true, plain.size()).error);
    EXPECT_EQ(read_all(bytes, true, plain.size() - 1).error, error::ws_message_too_big);
}

// ---------------------------------------------------------------------------
// End to end: wire_packet's compressed frame, read back by the reader

TEST(DeflateRoundTrip, WirePacketFrameReadsBack) {
    for (const std::size_t n : {200UL, 2000UL, 70'000UL, 500'000UL}) {
        SCOPED_TRACE(n);
        const auto data = pattern_text(n);
        const auto packet = wire_packet::text(packet_type::message, data);
        const auto frame = packet->deflated_ws_frame();
        ASSERT_NE(frame, packet->ws_frame());
        EXPECT_EQ(static_cast<unsigned char>(frame[0]), 0xC1);  // FIN, RSV1, text
        EXPECT_LT(frame.size(), packet->ws_frame().size());
        for (const std::size_t chunk : {13UL, 4096UL, std::string_view::npos}) {
            const auto r = read_all(as_client_frame(frame), true, default_limit, chunk);
            ASSERT_FALSE(r.error) << r.error.message();
            ASSERT_EQ(r.messages.size(), 1U);
            EXPECT_EQ(r.messages[0].payload, "4" + data);
        }
    }
}

TEST(DeflateRoundTrip, BinaryWirePacketFrameReadsBack) {
    const auto data = pattern_text(5000);
    const auto packet = wire_packet::binary(data);
    const auto frame = packet->deflated_ws_frame();
    EXPECT_EQ(static_cast<unsigned char>(frame[0]), 0xC2);  // FIN, RSV1, binary
    const auto r = read_all(as_client_frame(frame));
    ASSERT_FALSE(r.error) << r.error.message();
    ASSERT_EQ(r.messages.size(), 1U);
    EXPECT_EQ(r.messages[0].opcode, ws_opcode::binary);
    EXPECT_EQ(r.messages[0].payload, data);
}

}  // namespace
}  // namespace ferry::engineio
