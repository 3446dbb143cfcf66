// Engine.IO v4 packet codec: the protocol document's own examples first, then
// every packet type, malformed input and round trips.
#include "engineio/packet.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace ferry::engineio {
namespace {

using namespace std::string_literals;

packet text_packet(packet_type type, std::string data = {}) { return packet{type, false, std::move(data)}; }
packet binary_packet(std::string data) { return packet{packet_type::message, true, std::move(data)}; }

std::string encode(const packet& p) {
    std::string out;
    encode_text(p, out);
    return out;
}

// engine.io-protocol v4, "Packet encoding": a message over WebSocket is "4hello".
TEST(EngineioPacket, DecodesSpecMessageExample) {
    const auto p = decode_text("4hello");
    ASSERT_TRUE(p.has_value());
    EXPECT_EQ(*p, text_packet(packet_type::message, "hello"));
}

// engine.io-protocol v4: the payload "4hello\x1e2\x1e4world" is message, ping, message.
TEST(EngineioPacket, DecodesSpecPayloadExample) {
    const auto packets = decode_payload("4hello\x1e" "2\x1e" "4world");
    ASSERT_TRUE(packets.has_value());
    const std::vector<packet> expected{text_packet(packet_type::message, "hello"), text_packet(packet_type::ping),
                                       text_packet(packet_type::message, "world")};
    EXPECT_EQ(*packets, expected);
}

// engine.io-protocol v4: "4hello\x1ebAQIDBA==" carries the buffer <01 02 03 04>.
TEST(EngineioPacket, DecodesSpecBinaryPayloadExample) {
    const auto packets = decode_payload("4hello\x1e" "bAQIDBA==");
    ASSERT_TRUE(packets.has_value());
    const std::vector<packet> expected{text_packet(packet_type::message, "hello"),
                                       binary_packet("\x01\x02\x03\x04"s)};
    EXPECT_EQ(*packets, expected);
}

TEST(EngineioPacket, EncodesSpecBinaryPayloadExample) {
    const std::vector<packet> packets{text_packet(packet_type::message, "hello"), binary_packet("\x01\x02\x03\x04"s)};
    EXPECT_EQ(encode_payload(packets), "4hello\x1e" "bAQIDBA==");
}

TEST(EngineioPacket, DecodesEveryPacketType) {
    struct row {
        std::string_view wire;
        packet_type type;
        std::string_view data;
    };
    const row rows[] = {
        {R"(0{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000})",
         packet_type::open,
         R"({"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000})"},
        {"1", packet_type::close, ""},
        {"2", packet_type::ping, ""},
        {"2probe", packet_type::ping, "probe"},
        {"3", packet_type::pong, ""},
        {"3probe", packet_type::pong, "probe"},
        {"4", packet_type::message, ""},
        {"4hello", packet_type::message, "hello"},
        {"5", packet_type::upgrade, ""},
        {"6", packet_type::noop, ""},
    };
    for (const auto& r : rows) {
        SCOPED_TRACE(r.wire);
        const auto p = decode_text(r.wire);
        ASSERT_TRUE(p.has_value());
        EXPECT_EQ(p->type, r.type);
        EXPECT_FALSE(p->binary);
        EXPECT_EQ(p->data, r.data);
        EXPECT_EQ(encode(*p), r.wire);
    }
}

TEST(EngineioPacket, EncodesEveryPacketType) {
    EXPECT_EQ(encode(text_packet(packet_type::open, "{}")), "0{}");
    EXPECT_EQ(encode(text_packet(packet_type::close)), "1");
    EXPECT_EQ(encode(text_packet(packet_type::ping, "probe")), "2probe");
    EXPECT_EQ(encode(text_packet(packet_type::pong, "probe")), "3probe");
    EXPECT_EQ(encode(text_packet(packet_type::message, "hello")), "4hello");
    EXPECT_EQ(encode(text_packet(packet_type::upgrade)), "5");
    EXPECT_EQ(encode(text_packet(packet_type::noop)), "6");
}

TEST(EngineioPacket, EncodeTextAppends) {
    std::string out = "prefix:";
    encode_text(text_packet(packet_type::message, "a"), out);
    encode_text(binary_packet("\xff"s), out);
    EXPECT_EQ(out, "prefix:4ab/w==");
}

TEST(EngineioPacket, KeepsUtf8AndSeparatorFreeDataVerbatim) {
    const auto p = decode_text("4\xe2\x82\xac \"json\" \n\t");
    ASSERT_TRUE(p.has_value());
    EXPECT_EQ(p->data, "\xe2\x82\xac \"json\" \n\t");
}

TEST(EngineioPacket, RejectsEmptyText) {
    const auto p = decode_text("");
    ASSERT_TRUE(p.has_error());
    EXPECT_EQ(p.error(), error::bad_packet);
}

TEST(EngineioPacket, RejectsUnknownType) {
    for (const std::string_view wire : {"7", "9hello", "/x", "a", "B", "x4", " 4", "\x1e"}) {
        SCOPED_TRACE(wire);
        const auto p = decode_text(wire);
        ASSERT_TRUE(p.has_error());
        EXPECT_EQ(p.error(), error::bad_packet);
    }
}

TEST(EngineioPacket, DecodesBase64TextAsBinaryMessage) {
    const auto p = decode_text("bAQIDBA==");
    ASSERT_TRUE(p.has_value());
    EXPECT_EQ(*p, binary_packet("\x01\x02\x03\x04"s));
}

TEST(EngineioPacket, RejectsBadBase64Text) {
    const auto p = decode_text("bAQID!A==");
    ASSERT_TRUE(p.has_error());
    EXPECT_EQ(p.error(), error::bad_packet);
}

TEST(EngineioPacket, WrapsBinaryWebSocketMessage) {
    const auto p = decode_binary("\x00\x01\xff"s);
    EXPECT_EQ(p, binary_packet("\x00\x01\xff"s));
}

TEST(EngineioPacket, EncodesBinaryAsBase64ForPolling) {
    EXPECT_EQ(encode(binary_packet("\x01\x02\x03\x04"s)), "bAQIDBA==");
    EXPECT_EQ(encode(binary_packet("")), "b");
}

TEST(EngineioPayload, DecodesSinglePacket) {
    const auto packets = decode_payload("4hello");
    ASSERT_TRUE(packets.has_value());
    ASSERT_EQ(packets->size(), 1U);
    EXPECT_EQ(packets->front(), text_packet(packet_type::message, "hello"));
}

TEST(EngineioPayload, DecodesEmptyBinarySegment) {
    const auto packets = decode_payload("b\x1e" "6");
    ASSERT_TRUE(packets.has_value());
    const std::vector<packet> expected{binary_packet(""), text_packet(packet_type::noop)};
    EXPECT_EQ(*packets, expected);
}

TEST(EngineioPayload, RejectsEmptyBody) {
    const auto packets = decode_payload("");
    ASSERT_TRUE(packets.has_error());
    EXPECT_EQ(packets.error(), error::bad_payload);
}

TEST(EngineioPayload, RejectsEmptySegments) {
    for (const std::string_view body : {"\x1e", "4a\x1e", "\x1e" "4a", "4a\x1e\x1e" "4b"}) {
        SCOPED_TRACE(body);
        const auto packets = decode_payload(body);
        ASSERT_TRUE(packets.has_error());
        EXPECT_EQ(packets.error(), error::bad_payload);
    }
}

TEST(EngineioPayload, RejectsBadSegmentType) {
    const auto packets = decode_payload("4hello\x1e" "9oops");
    ASSERT_TRUE(packets.has_error());
    EXPECT_EQ(packets.error(), error::bad_payload);
}

TEST(EngineioPayload, RejectsBadBase64Segment) {
    for (const std::string_view body : {"bAQIDBA=", "bAQID*A==", "4a\x1e" "bAQ", "bAQIDBB=="}) {
        SCOPED_TRACE(body);
        const auto packets = decode_payload(body);
        ASSERT_TRUE(packets.has_error());
        EXPECT_EQ(packets.error(), error::bad_payload);
    }
}

TEST(EngineioPayload, RoundTripsMixedPackets) {
    std::string all_bytes;
    for (int i = 0; i < 256; ++i) {
        all_bytes.push_back(static_cast<char>(i));
    }
    const std::vector<packet> packets{
        text_packet(packet_type::open, R"({"sid":"abc"})"),
        text_packet(packet_type::ping, "probe"),
        text_packet(packet_type::message, "\xe2\x82\xac"),
        binary_packet(all_bytes),
        binary_packet(""),
        text_packet(packet_type::message),
        binary_packet("x"),
        binary_packet("xy"),
        text_packet(packet_type::noop),
    };
    const std::string body = encode_payload(packets);
    const auto decoded = decode_payload(body);
    ASSERT_TRUE(decoded.has_value());
    EXPECT_EQ(*decoded, packets);
    EXPECT_EQ(encode_payload(*decoded), body);
}

TEST(EngineioPayload, EncodesEmptyListAsEmptyBody) { EXPECT_EQ(encode_payload({}), ""); }

// RFC 4648 section 10 test vectors.
TEST(Base64, EncodesRfc4648Vectors) {
    EXPECT_EQ(base64_encode(""), "");
    EXPECT_EQ(base64_encode("f"), "Zg==");
    EXPECT_EQ(base64_encode("fo"), "Zm8=");
    EXPECT_EQ(base64_encode("foo"), "Zm9v");
    EXPECT_EQ(base64_encode("foob"), "Zm9vYg==");
    EXPECT_EQ(base64_encode("fooba"), "Zm9vYmE=");
    EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
}

TEST(Base64, DecodesRfc4648Vectors) {
    const std::pair<std::string_view, std::string_view> rows[] = {
        {"", ""},         {"Zg==", "f"},         {"Zm8=", "fo"},         {"Zm9v", "foo"},
        {"Zm9vYg==", "foob"}, {"Zm9vYmE=", "fooba"}, {"Zm9vYmFy", "foobar"},
    };
    for (const auto& [encoded, decoded] : rows) {
        SCOPED_TRACE(encoded);
        const auto r = base64_decode(encoded);
        ASSERT_TRUE(r.has_value());
        EXPECT_EQ(*r, decoded);
    }
}

TEST(Base64, UsesPlusAndSlash) {
    EXPECT_EQ(base64_encode("\xfb\xff\xbf"s), "+/+/");
    const auto r = base64_decode("+/+/");
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(*r, "\xfb\xff\xbf"s);
}

TEST(Base64, RoundTripsEveryLengthAndByte) {
    std::string bytes;
    for (int i = 0; i < 300; ++i) {
        const auto encoded = base64_encode(bytes);
        EXPECT_EQ(encoded.size() % 4, 0U);
        const auto decoded = base64_decode(encoded);
        ASSERT_TRUE(decoded.has_value());
        EXPECT_EQ(*decoded, bytes);
        bytes.push_back(static_cast<char>((i * 97 + 13) & 0xFF));
    }
}

TEST(Base64, RejectsMalformedInput) {
    for (const std::string_view text : {
             "Z",          // not a multiple of 4
             "Zg",         // unpadded
             "Zg=",        // short padding
             "Zg=a",       // padding in the middle
             "Z===",       // too much padding
             "====",       // padding only
             "=Zg=",       // leading padding
             "Zg==Zg==",   // padding before the end
             "Zm9v!A==",   // character outside the alphabet
             "Zm9-",       // base64url alphabet
             "Zm9_",       // base64url alphabet
             "Zm 9v",      // whitespace
             "Zh==",       // non-zero unused bits (one byte)
             "Zm9=",       // non-zero unused bits (two bytes)
         }) {
        SCOPED_TRACE(text);
        const auto r = base64_decode(text);
        ASSERT_TRUE(r.has_error());
        EXPECT_EQ(r.error(), error::bad_payload);
    }
    // A NUL or a high byte is outside the alphabet too.
    EXPECT_TRUE(base64_decode("Zm9\0"s).has_error());
    EXPECT_TRUE(base64_decode("Zm9\xff"s).has_error());
}

}  // namespace
}  // namespace ferry::engineio
