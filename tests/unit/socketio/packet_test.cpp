#include "socketio/packet.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace ferry::socketio {

// gtest finds this by ADL, so it lives beside packet rather than in the
// unnamed namespace; failures then show the wire form instead of raw bytes.
void PrintTo(const packet& p, std::ostream* os) {
    *os << encode_text(p) << " + " << p.attachments.size() << " attachment(s), type "
        << static_cast<int>(p.type);
}

namespace {

namespace json = boost::json;

const std::string ph0 = R"({"_placeholder":true,"num":0})";
const std::string ph1 = R"({"_placeholder":true,"num":1})";

packet decode_ok(std::string_view text, std::size_t expected = 0) {
    std::size_t attachments = 99;
    auto p = decode_text(text, attachments);
    EXPECT_TRUE(p.has_value()) << text << ": " << p.error().message();
    EXPECT_EQ(attachments, expected) << text;
    return p.has_value() ? *p : packet{};
}

boost::system::error_code decode_error(std::string_view text) {
    std::size_t attachments = 99;
    auto p = decode_text(text, attachments);
    EXPECT_FALSE(p.has_value()) << text << " decoded";
    EXPECT_EQ(attachments, 0U) << text;
    return p.has_value() ? boost::system::error_code{} : p.error();
}

void expect_rejected(std::initializer_list<std::string_view> texts, error expected) {
    for (const std::string_view text : texts) {
        EXPECT_EQ(decode_error(text), make_error_code(expected)) << text;
    }
}

packet make(packet_type type, std::string nsp, std::string_view data,
            std::optional<std::uint64_t> id = std::nullopt,
            std::vector<std::string> attachments = {}) {
    packet p;
    p.type = type;
    p.nsp = std::move(nsp);
    p.id = id;
    if (!data.empty()) p.data = json::parse(data);
    p.attachments = std::move(attachments);
    return p;
}

/// decode_text then encode_text gives back the input.
void expect_round_trip(std::string_view text, std::size_t expected = 0) {
    packet p = decode_ok(text, expected);
    p.attachments.resize(expected);
    EXPECT_EQ(encode_text(p), text);
}

// ---- decoding, every packet type --------------------------------------------

TEST(SocketioPacket, DecodesConnectToMainNamespace) {
    const packet p = decode_ok("0");
    EXPECT_EQ(p.type, packet_type::connect);
    EXPECT_EQ(p.nsp, "/");
    EXPECT_FALSE(p.id.has_value());
    EXPECT_TRUE(p.data.is_null());
    EXPECT_TRUE(p.attachments.empty());
}

TEST(SocketioPacket, DecodesConnectWithNamespaceAndPayload) {
    const packet p = decode_ok(R"(0/admin,{"token":"123"})");
    EXPECT_EQ(p, make(packet_type::connect, "/admin", R"({"token":"123"})"));
}

TEST(SocketioPacket, DecodesConnectToNamespaceWithoutTrailingComma) {
    // The protocol test suite sends "40/custom" and "40/random".
    EXPECT_EQ(decode_ok("0/custom"), make(packet_type::connect, "/custom", ""));
    EXPECT_EQ(decode_ok("0/custom,"), make(packet_type::connect, "/custom", ""));
}

TEST(SocketioPacket, DecodesExplicitMainNamespace) {
    EXPECT_EQ(decode_ok("0/,{}"), make(packet_type::connect, "/", "{}"));
}

TEST(SocketioPacket, DecodesDisconnect) {
    EXPECT_EQ(decode_ok("1"), make(packet_type::disconnect, "/", ""));
    EXPECT_EQ(decode_ok("1/admin,"), make(packet_type::disconnect, "/admin", ""));
    EXPECT_EQ(decode_ok("1/custom"), make(packet_type::disconnect, "/custom", ""));
}

TEST(SocketioPacket, DecodesEvent) {
    EXPECT_EQ(decode_ok(R"(2["foo"])"), make(packet_type::event, "/", R"(["foo"])"));
    EXPECT_EQ(decode_ok(R"(2/admin,["bar"])"), make(packet_type::event, "/admin", R"(["bar"])"));
}

TEST(SocketioPacket, DecodesEventWithAck) {
    EXPECT_EQ(decode_ok(R"(212["foo"])"), make(packet_type::event, "/", R"(["foo"])", 12));
    EXPECT_EQ(decode_ok(R"(2/admin,0["foo"])"), make(packet_type::event, "/admin", R"(["foo"])", 0));
}

TEST(SocketioPacket, DecodesAck) {
    EXPECT_EQ(decode_ok(R"(3/admin,13["bar"])"), make(packet_type::ack, "/admin", R"(["bar"])", 13));
    EXPECT_EQ(decode_ok("312[]"), make(packet_type::ack, "/", "[]", 12));
}

TEST(SocketioPacket, DecodesConnectErrorObjectOrString) {
    EXPECT_EQ(decode_ok(R"(4{"message":"Not authorized"})"),
              make(packet_type::connect_error, "/", R"({"message":"Not authorized"})"));
    EXPECT_EQ(decode_ok(R"(4/admin,"denied")"), make(packet_type::connect_error, "/admin", R"("denied")"));
}

TEST(SocketioPacket, DecodesBinaryEventTextPart) {
    const packet p = decode_ok(R"(51-["baz",)" + ph0 + "]", 1);
    EXPECT_EQ(p.type, packet_type::binary_event);
    EXPECT_EQ(p.nsp, "/");
    EXPECT_TRUE(p.attachments.empty());
    EXPECT_TRUE(is_placeholder(p.data.as_array().at(1)));
}

TEST(SocketioPacket, DecodesBinaryEventWithNamespaceAndAck) {
    const packet p = decode_ok(R"(52-/admin,7["baz",)" + ph0 + "," + ph1 + "]", 2);
    EXPECT_EQ(p.type, packet_type::binary_event);
    EXPECT_EQ(p.nsp, "/admin");
    EXPECT_EQ(p.id, 7U);
}

TEST(SocketioPacket, DecodesBinaryAck) {
    const packet p = decode_ok(R"(61-15["bar",)" + ph0 + "]", 1);
    EXPECT_EQ(p.type, packet_type::binary_ack);
    EXPECT_EQ(p.id, 15U);
    // From the protocol's sample session.
    const packet q = decode_ok("61-/admin,1[" + ph0 + "]", 1);
    EXPECT_EQ(q.type, packet_type::binary_ack);
    EXPECT_EQ(q.nsp, "/admin");
    EXPECT_EQ(q.id, 1U);
}

TEST(SocketioPacket, DecodesBinaryPacketWithUnreferencedAttachments) {
    // The reference does not require each attachment to be referenced.
    EXPECT_EQ(decode_ok(R"(52-["a"])", 2).type, packet_type::binary_event);
    EXPECT_EQ(decode_ok("564-[\"a\"]", max_attachments).type, packet_type::binary_event);
}

TEST(SocketioPacket, AcceptsNumberAsEventName) {
    // isPayloadValid: typeof payload[0] === "number" is allowed.
    EXPECT_EQ(decode_ok("2[1]"), make(packet_type::event, "/", "[1]"));
    EXPECT_EQ(decode_ok("2[1.5,true]").type, packet_type::event);
}

TEST(SocketioPacket, AcceptsJsonWhitespaceAroundPayload) {
    EXPECT_EQ(decode_ok("2 [\"a\"] \n"), make(packet_type::event, "/", R"(["a"])"));
    EXPECT_EQ(decode_ok("21 [\"a\"]"), make(packet_type::event, "/", R"(["a"])", 1));
}

TEST(SocketioPacket, DecodesLargestAckId) {
    EXPECT_EQ(decode_ok(R"(218446744073709551615["a"])").id, std::numeric_limits<std::uint64_t>::max());
    EXPECT_EQ(decode_ok("2" + std::string(19, '0') + "7[\"a\"]").id, 7U);
}

TEST(SocketioPacket, KeepsNamespaceBytesVerbatim) {
    EXPECT_EQ(decode_ok(R"(2/a b/é?x=1,["e"])").nsp, "/a b/é?x=1");
}

// ---- malformed input ----------------------------------------------------------

TEST(SocketioPacket, RejectsUnknownType) {
    // Engine.IO "4abc" carries the Socket.IO packet "abc" (protocol test suite).
    expect_rejected({"", "abc", "7", "9[\"a\"]", " ", "-1", "\xff"}, error::sio_bad_type);
}

TEST(SocketioPacket, RejectsMalformedAttachmentCount) {
    expect_rejected(
        {
            "5",                            // no count at all
            "5-[\"a\"]",                    // empty count
            "51[\"a\"]",                    // unterminated: no '-'
            "51",                           // unterminated at end of text
            "50-[\"a\"]",                   // zero attachments
            "565-[\"a\"]",                  // above max_attachments
            "599999999999999999999999-[\"a\"]",  // overflows size_t
            "5a-[\"a\"]",                   // not a number
            "5 1-[\"a\"]",                  // Number(" 1") is 1 in JS, not here
            "6-[]",
        },
        error::sio_bad_attachments);
}

TEST(SocketioPacket, RejectsMalformedAckId) {
    expect_rejected(
        {
            R"(2abc["message-with-ack",1,"2",{"3":[false]}])",  // protocol test suite "42abc[...]"
            R"(42abc["message-with-ack"])",                      // the same bytes read as CONNECT_ERROR
            R"(21abc["a"])",
            R"(2/admin,12x["a"])",
            R"(218446744073709551616["a"])",   // UINT64_MAX + 1
            "2" + std::string(20, '0') + "1[\"a\"]",  // 21 digits
            "2nul",
            "3-x",
        },
        error::sio_bad_ack_id);
}

TEST(SocketioPacket, RejectsInvalidJson) {
    expect_rejected({R"(2["a")", R"(2["a",])", R"(2['a'])", R"(2["a"]x)", R"(2["a"]["b"])",
                     R"(2{"a":1}})", "2[\"\\ud800\"]", "2[\"a\xff\"]", "0{", "4\"unterminated"},
                    error::sio_bad_payload);
}

TEST(SocketioPacket, RejectsPayloadOfWrongShape) {
    expect_rejected(
        {
            "0[]", "0\"x\"", "0null", "0 1",      // CONNECT: object or nothing
            "1{}", "1[]", "1\"x\"",               // DISCONNECT: nothing
            "4", "4[]", "4 1", "4 true",          // CONNECT_ERROR: string or object
            "2{}", "2[]", "2[{}]", "2[null]",     // EVENT: non-empty array, name first
            "2[[\"a\"]]", "2[true]", "2\"a\"",
            "2null", "2-1", "2true",
            "3{}", "3\"a\"", "3 1", "3-1",        // ACK: array
        },
        error::sio_bad_payload);
}

TEST(SocketioPacket, RejectsMissingPayloadWhereMandatory) {
    // The protocol makes the payload of EVENT and ACK mandatory.
    expect_rejected({"2", "212", "3", "312", "2/admin,", "2/admin,5", "51-", "61-3"}, error::sio_bad_payload);
}

TEST(SocketioPacket, TreatsPayloadWithoutCommaAsNamespace) {
    // As in the reference, a namespace runs to the comma: without one it eats
    // the payload, leaving an event with none.
    EXPECT_EQ(decode_error(R"(2/admin["a"])"), make_error_code(error::sio_bad_payload));
}

TEST(SocketioPacket, RejectsReservedEventNames) {
    for (const char* name :
         {"connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"}) {
        EXPECT_EQ(decode_error(std::string("2[\"") + name + "\"]"), make_error_code(error::sio_bad_payload))
            << name;
    }
    EXPECT_EQ(decode_ok(R"(2["connection"])").type, packet_type::event);
    EXPECT_EQ(decode_ok(R"(3["disconnect"])").type, packet_type::ack);
}

TEST(SocketioPacket, RejectsPlaceholderOutOfRange) {
    expect_rejected(
        {
            "51-[\"a\"," + ph1 + "]",
            "52-[\"a\",{\"x\":[" + ph0 + "," + R"({"_placeholder":true,"num":2})" + "]}]",
            R"(51-["a",{"_placeholder":true,"num":-1}])",
            R"(51-["a",{"_placeholder":true,"num":"0"}])",
            R"(51-["a",{"_placeholder":true,"num":0.0}])",
            R"(51-["a",{"_placeholder":true}])",
            R"(61-[{"_placeholder":true,"num":18446744073709551615}])",
        },
        error::sio_bad_payload);
}

TEST(SocketioPacket, RejectsPlaceholderInTextPacket) {
    // A text packet carries no attachments for a placeholder to name.
    expect_rejected({"2[\"a\"," + ph0 + "]", "3[" + ph0 + "]"}, error::sio_bad_payload);
    EXPECT_EQ(decode_ok(R"(2["a",{"_placeholder":false,"num":0}])").type, packet_type::event);
}

TEST(SocketioPacket, RejectsNumbersOutsideDoubleRange) {
    expect_rejected({R"(2["a",1e400])", R"(3[{"x":-1e400}])"}, error::sio_bad_payload);
}

TEST(SocketioPacket, RejectsPayloadNestedTooDeeply) {
    const std::string deep = "2[\"a\"," + std::string(40, '[') + std::string(40, ']') + "]";
    EXPECT_EQ(decode_error(deep), make_error_code(error::sio_bad_payload));
}

TEST(SocketioPacket, ErrorsAreProtocolViolations) {
    for (const std::string_view text : {"", "51", "2abc", "2{}"}) {
        EXPECT_EQ(decode_error(text), condition::protocol_violation) << text;
    }
}

// ---- encoding ---------------------------------------------------------------

TEST(SocketioPacket, EncodesConnectReplies) {
    EXPECT_EQ(encode_text(make(packet_type::connect, "/", R"({"sid":"abc"})")), R"(0{"sid":"abc"})");
    EXPECT_EQ(encode_text(make(packet_type::connect, "/custom", R"({"sid":"x"})")), R"(0/custom,{"sid":"x"})");
    EXPECT_EQ(encode_text(make(packet_type::connect, "/", "")), "0");
}

TEST(SocketioPacket, EncodesConnectError) {
    EXPECT_EQ(encode_text(make(packet_type::connect_error, "/random", R"({"message":"Invalid namespace"})")),
              R"(4/random,{"message":"Invalid namespace"})");
    EXPECT_EQ(encode_text(make(packet_type::connect_error, "/", R"({"message":"Not authorized"})")),
              R"(4{"message":"Not authorized"})");
}

TEST(SocketioPacket, EncodesDisconnect) {
    EXPECT_EQ(encode_text(make(packet_type::disconnect, "/", "")), "1");
    EXPECT_EQ(encode_text(make(packet_type::disconnect, "/custom", "")), "1/custom,");
}

TEST(SocketioPacket, NeverWritesMainOrEmptyNamespace) {
    EXPECT_EQ(encode_text(make(packet_type::event, "/", R"(["a"])")), R"(2["a"])");
    EXPECT_EQ(encode_text(make(packet_type::event, "", R"(["a"])")), R"(2["a"])");
}

TEST(SocketioPacket, EncodesEventAndAckWithId) {
    EXPECT_EQ(encode_text(make(packet_type::event, "/", R"(["foo"])", 12)), R"(212["foo"])");
    EXPECT_EQ(encode_text(make(packet_type::ack, "/admin", R"(["bar"])", 13)), R"(3/admin,13["bar"])");
    EXPECT_EQ(encode_text(make(packet_type::ack, "/", "[]", 12)), "312[]");
    EXPECT_EQ(encode_text(make(packet_type::ack, "/", "[]", std::numeric_limits<std::uint64_t>::max())),
              "318446744073709551615[]");
}

TEST(SocketioPacket, EncodesEventWithAttachmentsAsBinaryEvent) {
    const packet p = make(packet_type::event, "/", "[\"message-back\"," + ph0 + "," + ph1 + "]", std::nullopt,
                          {"\x01\x02\x03", "\x04\x05\x06"});
    EXPECT_EQ(encode_text(p), "52-[\"message-back\"," + ph0 + "," + ph1 + "]");
}

TEST(SocketioPacket, EncodesAckWithAttachmentsAsBinaryAck) {
    const packet p = make(packet_type::ack, "/", "[" + ph0 + "," + ph1 + "]", 789, {"\x01\x02\x03", "\x04\x05\x06"});
    EXPECT_EQ(encode_text(p), "62-789[" + ph0 + "," + ph1 + "]");
    const packet q = make(packet_type::binary_ack, "/admin", "[" + ph0 + "]", 1, {"x"});
    EXPECT_EQ(encode_text(q), "61-/admin,1[" + ph0 + "]");
}

TEST(SocketioPacket, EncodesBinaryTypeWithoutAttachmentsAsPlainType) {
    // "50-" would not decode anywhere; the attachments decide the wire type.
    EXPECT_EQ(encode_text(make(packet_type::binary_event, "/", R"(["a"])")), R"(2["a"])");
    EXPECT_EQ(encode_text(make(packet_type::binary_ack, "/", "[]", 4)), "34[]");
}

TEST(SocketioPacket, EncodesLargePayload) {
    packet p = make(packet_type::event, "/chat", "");
    p.data = json::array{"big", std::string(100000, 'x')};
    const std::string text = encode_text(p);
    EXPECT_EQ(text, "2/chat,[\"big\",\"" + std::string(100000, 'x') + "\"]");
    EXPECT_EQ(decode_ok(text), p);
}

TEST(SocketioPacket, EncodesStringsAsJsonStringifyDoes) {
    // Same escapes as JSON.stringify: short forms, lowercase \u00XX,
    // DEL, '/' and U+2028 raw.
    packet p = make(packet_type::event, "/", "");
    p.data = json::array{"e", std::string("\x01\x1f\b\n\"\\/\x7f\xe2\x80\xa8")};
    EXPECT_EQ(encode_text(p), "2[\"e\",\"\\u0001\\u001f\\b\\n\\\"\\\\/\x7f\xe2\x80\xa8\"]");
}

TEST(SocketioPacket, EncodesNumbersAsBoostJsonDoes) {
    // Documents where Boost.JSON's output differs from JSON.stringify
    // (see packet.cpp): doubles get an exponent, integers match.
    EXPECT_EQ(encode_text(decode_ok(R"(2["n",1.5,0.1,1e21,1.0,-0.0])")), R"(2["n",1.5E0,1E-1,1E21,1E0,-0E0])");
    EXPECT_EQ(encode_text(decode_ok(R"(2["n",-0,9007199254740993,18446744073709551615])")),
              R"(2["n",0,9007199254740993,18446744073709551615])");
}

TEST(SocketioPacket, ReencodedDoublesDecodeToSameValues) {
    const packet p = decode_ok(R"(2["n",1.5,0.1,1e21,5e-324,1.7976931348623157e308])");
    EXPECT_EQ(decode_ok(encode_text(p)), p);
}

TEST(SocketioPacket, EncodesProtocolDocumentExamples) {
    EXPECT_EQ(encode_text(make(packet_type::connect, "/admin", R"({"sid":"oSO0OpakMV_3jnilAAAA"})")),
              R"(0/admin,{"sid":"oSO0OpakMV_3jnilAAAA"})");
    EXPECT_EQ(encode_text(make(packet_type::event, "/", R"(["foo"])")), R"(2["foo"])");
    EXPECT_EQ(encode_text(make(packet_type::event, "/admin", R"(["bar"])")), R"(2/admin,["bar"])");
    EXPECT_EQ(encode_text(make(packet_type::binary_event, "/", "[\"baz\"," + ph0 + "]", std::nullopt,
                               {"\x01\x02\x03\x04"})),
              "51-[\"baz\"," + ph0 + "]");
    EXPECT_EQ(encode_text(make(packet_type::binary_event, "/admin", "[\"baz\"," + ph0 + "," + ph1 + "]",
                               std::nullopt, {"\x01\x02", "\x03\x04"})),
              "52-/admin,[\"baz\"," + ph0 + "," + ph1 + "]");
    EXPECT_EQ(encode_text(make(packet_type::binary_ack, "/", "[\"bar\"," + ph0 + "]", 15, {"\x01\x02\x03\x04"})),
              "61-15[\"bar\"," + ph0 + "]");
}

TEST(SocketioPacket, RoundTripsProtocolAndTestSuiteStrings) {
    for (const std::string_view text :
         {"0", "1", "1/admin,", R"(0/admin,{"sid":"oSO0OpakMV_3jnilAAAA"})", R"(0{"token":"123"})",
          R"(4{"message":"Not authorized"})", R"(4/random,{"message":"Invalid namespace"})", R"(2["foo"])",
          R"(2/admin,["bar"])", R"(212["foo"])", R"(3/admin,13["bar"])", "312[]",
          R"(2["message",1,"2",{"3":[true]}])", R"(2["auth",{}])", R"(2/custom,["auth",{"token":"abc"}])",
          R"(2456["message-with-ack",1,"2",{"3":[false]}])", R"(3456[1,"2",{"3":[false]}])"}) {
        expect_round_trip(text);
    }
    expect_round_trip("51-[\"baz\"," + ph0 + "]", 1);
    expect_round_trip("52-/admin,[\"baz\"," + ph0 + "," + ph1 + "]", 2);
    expect_round_trip("61-15[\"bar\"," + ph0 + "]", 1);
    expect_round_trip("61-/admin,1[" + ph0 + "]", 1);
    expect_round_trip("52-789[\"message-with-ack\"," + ph0 + "," + ph1 + "]", 2);
}

TEST(SocketioPacket, NormalizesOptionalSyntaxOnReencode) {
    EXPECT_EQ(encode_text(decode_ok("0/,{ \"a\" : 1 }")), R"(0{"a":1})");
    EXPECT_EQ(encode_text(decode_ok("0/custom")), "0/custom,");
    EXPECT_EQ(encode_text(decode_ok(R"(2007["a"])")), R"(27["a"])");
}

TEST(SocketioPacket, RecognizesPlaceholders) {
    EXPECT_TRUE(is_placeholder(json::parse(ph0)));
    EXPECT_TRUE(is_placeholder(json::parse(R"({"num":3,"_placeholder":true})")));
    EXPECT_FALSE(is_placeholder(json::parse(R"({"_placeholder":false,"num":0})")));
    EXPECT_FALSE(is_placeholder(json::parse(R"({"_placeholder":1,"num":0})")));
    EXPECT_FALSE(is_placeholder(json::parse(R"({"_placeholder":true})")));
    EXPECT_FALSE(is_placeholder(json::parse(R"({"_placeholder":true,"num":-1})")));
    EXPECT_FALSE(is_placeholder(json::parse(R"({"_placeholder":true,"num":1.0})")));
    EXPECT_FALSE(is_placeholder(json::parse(R"([true,0])")));
    EXPECT_FALSE(is_placeholder(json::value{}));
}

// ---- decoder state machine --------------------------------------------------

TEST(SocketioDecoder, ReturnsTextPacketsImmediately) {
    decoder d;
    auto r = d.on_text(R"(2["message",1,"2",{"3":[true]}])");
    ASSERT_TRUE(r.has_value());
    ASSERT_TRUE(r->has_value());
    EXPECT_EQ(**r, make(packet_type::event, "/", R"(["message",1,"2",{"3":[true]}])"));
    EXPECT_EQ(d.on_binary("x").error(), make_error_code(error::sio_unexpected_binary));
}

TEST(SocketioDecoder, ReassemblesBinaryEvent) {
    decoder d;
    auto first = d.on_text("51-[\"baz\"," + ph0 + "]");
    ASSERT_TRUE(first.has_value());
    EXPECT_FALSE(first->has_value());

    auto done = d.on_binary(std::string_view("\x01\x02\x03\x04", 4));
    ASSERT_TRUE(done.has_value());
    ASSERT_TRUE(done->has_value());
    const packet& p = **done;
    // As Decoder.add in the reference: a reassembled packet reports the plain type.
    EXPECT_EQ(p.type, packet_type::event);
    EXPECT_EQ(p.attachments, std::vector<std::string>{std::string("\x01\x02\x03\x04", 4)});
    EXPECT_EQ(encode_text(p), "51-[\"baz\"," + ph0 + "]");
}

TEST(SocketioDecoder, ReassemblesBinaryAckWithTwoAttachments) {
    decoder d;
    ASSERT_FALSE(d.on_text("62-/admin,9[" + ph0 + "," + ph1 + "]").value().has_value());
    ASSERT_FALSE(d.on_binary("first").value().has_value());
    auto done = d.on_binary(std::string_view("\0sec", 4));
    ASSERT_TRUE(done.has_value() && done->has_value());
    const packet& p = **done;
    EXPECT_EQ(p.type, packet_type::ack);
    EXPECT_EQ(p.nsp, "/admin");
    EXPECT_EQ(p.id, 9U);
    EXPECT_EQ(p.attachments, (std::vector<std::string>{"first", std::string("\0sec", 4)}));
}

TEST(SocketioDecoder, AcceptsEmptyAttachment) {
    decoder d;
    ASSERT_FALSE(d.on_text("51-[\"a\"," + ph0 + "]").value().has_value());
    auto done = d.on_binary("");
    ASSERT_TRUE(done.has_value() && done->has_value());
    EXPECT_EQ((*done)->attachments, std::vector<std::string>{""});
}

TEST(SocketioDecoder, EchoesTestSuiteBinaryMessage) {
    decoder d;
    ASSERT_FALSE(d.on_text("52-[\"message\"," + ph0 + "," + ph1 + "]").value().has_value());
    ASSERT_FALSE(d.on_binary("\x01\x02\x03").value().has_value());
    auto done = d.on_binary("\x04\x05\x06");
    ASSERT_TRUE(done.has_value() && done->has_value());
    packet reply = **done;
    reply.data.as_array().at(0) = "message-back";
    EXPECT_EQ(encode_text(reply), "52-[\"message-back\"," + ph0 + "," + ph1 + "]");

    ASSERT_FALSE(d.on_text("52-789[\"message-with-ack\"," + ph0 + "," + ph1 + "]").value().has_value());
    ASSERT_FALSE(d.on_binary("\x01\x02\x03").value().has_value());
    auto with_ack = d.on_binary("\x04\x05\x06");
    ASSERT_TRUE(with_ack.has_value() && with_ack->has_value());
    packet ack = make(packet_type::ack, (*with_ack)->nsp, "", (*with_ack)->id, (*with_ack)->attachments);
    ack.data = json::array((*with_ack)->data.as_array().begin() + 1, (*with_ack)->data.as_array().end());
    EXPECT_EQ(encode_text(ack), "62-789[" + ph0 + "," + ph1 + "]");
}

TEST(SocketioDecoder, RejectsBinaryWithoutPendingPacket) {
    decoder d;
    EXPECT_EQ(d.on_binary("x").error(), make_error_code(error::sio_unexpected_binary));
}

TEST(SocketioDecoder, RejectsBinaryBeyondAnnouncedCount) {
    decoder d;
    ASSERT_FALSE(d.on_text("51-[\"a\"," + ph0 + "]").value().has_value());
    ASSERT_TRUE(d.on_binary("one").value().has_value());
    EXPECT_EQ(d.on_binary("two").error(), make_error_code(error::sio_unexpected_binary));
}

TEST(SocketioDecoder, RejectsTextWhileAttachmentsPending) {
    // The reference throws "got plaintext data when reconstructing a packet".
    decoder d;
    ASSERT_FALSE(d.on_text("52-[\"a\"," + ph0 + "," + ph1 + "]").value().has_value());
    ASSERT_FALSE(d.on_binary("one").value().has_value());
    EXPECT_EQ(d.on_text(R"(2["b"])").error(), make_error_code(error::sio_bad_attachments));
    // The half-built packet is dropped rather than completed by later binary.
    EXPECT_EQ(d.on_binary("two").error(), make_error_code(error::sio_unexpected_binary));
}

TEST(SocketioDecoder, ReportsDecodeErrorsAndStaysUsable) {
    decoder d;
    EXPECT_EQ(d.on_text("2{}").error(), make_error_code(error::sio_bad_payload));
    EXPECT_EQ(d.on_text("51-[\"a\"," + ph1 + "]").error(), make_error_code(error::sio_bad_payload));
    EXPECT_EQ(d.on_binary("x").error(), make_error_code(error::sio_unexpected_binary));
    auto r = d.on_text(R"(2["a"])");
    ASSERT_TRUE(r.has_value() && r->has_value());
}

TEST(SocketioDecoder, HandlesConsecutiveBinaryPackets) {
    decoder d;
    for (int i = 0; i < 3; ++i) {
        ASSERT_FALSE(d.on_text("51-" + std::to_string(i) + "[\"a\"," + ph0 + "]").value().has_value());
        auto done = d.on_binary(std::to_string(i));
        ASSERT_TRUE(done.has_value() && done->has_value());
        EXPECT_EQ((*done)->id, static_cast<std::uint64_t>(i));
        EXPECT_EQ((*done)->attachments, std::vector<std::string>{std::to_string(i)});
    }
}

}  // namespace
}  // namespace ferry::socketio
