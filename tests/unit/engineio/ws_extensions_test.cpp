// Sec-WebSocket-Extensions grammar (RFC 6455 9.1): what browsers and the `ws`
// library send, the RFC 7692 examples, quoting, whitespace and malformed input.
#include "engineio/ws_extensions.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ferry::engineio {
namespace {

ws_extension_param flag(std::string name) { return {std::move(name), std::nullopt}; }
ws_extension_param param(std::string name, std::string value) { return {std::move(name), std::move(value)}; }

TEST(WsExtensions, ParsesChromeAndWsOffer) {
    const auto r = parse_ws_extensions("permessage-deflate; client_max_window_bits");
    ASSERT_TRUE(r);
    const std::vector<ws_extension> expected{{"permessage-deflate", {flag("client_max_window_bits")}}};
    EXPECT_EQ(*r, expected);
}

TEST(WsExtensions, ParsesFirefoxOffer) {
    const auto r = parse_ws_extensions("permessage-deflate");
    ASSERT_TRUE(r);
    const std::vector<ws_extension> expected{{"permessage-deflate", {}}};
    EXPECT_EQ(*r, expected);
}

// RFC 7692 5.2 / 7.1: two offers, in order of preference.
TEST(WsExtensions, ParsesRfcOfferList) {
    const auto r = parse_ws_extensions(
        "permessage-deflate; client_max_window_bits; server_max_window_bits=10, "
        "permessage-deflate; client_max_window_bits");
    ASSERT_TRUE(r);
    const std::vector<ws_extension> expected{
        {"permessage-deflate", {flag("client_max_window_bits"), param("server_max_window_bits", "10")}},
        {"permessage-deflate", {flag("client_max_window_bits")}},
    };
    EXPECT_EQ(*r, expected);
}

TEST(WsExtensions, ParsesQuotedValues) {
    const auto r = parse_ws_extensions(R"(permessage-deflate; client_max_window_bits="10"; x="a\"b\\c")");
    ASSERT_TRUE(r);
    ASSERT_EQ(r->size(), 1U);
    EXPECT_EQ((*r)[0].params, (std::vector<ws_extension_param>{param("client_max_window_bits", "10"),
                                                               param("x", "a\"b\\c")}));
}

TEST(WsExtensions, AllowsWhitespaceAroundSeparators) {
    const auto r = parse_ws_extensions(" \tfoo ;bar = 1 ;\tbaz , qux\t");
    ASSERT_TRUE(r);
    const std::vector<ws_extension> expected{{"foo", {param("bar", "1"), flag("baz")}}, {"qux", {}}};
    EXPECT_EQ(*r, expected);
}

TEST(WsExtensions, SkipsEmptyListElements) {
    const auto r = parse_ws_extensions(", foo,, ,bar,");
    ASSERT_TRUE(r);
    const std::vector<ws_extension> expected{{"foo", {}}, {"bar", {}}};
    EXPECT_EQ(*r, expected);
}

TEST(WsExtensions, ParsesEmptyHeaderAsNoOffers) {
    const auto r = parse_ws_extensions("");
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->empty());
}

TEST(WsExtensions, RejectsMalformedValues) {
    for (const char* header : {
             "permessage-deflate;",                 // parameter name missing
             "permessage-deflate; =1",              // parameter name missing
             "permessage-deflate; a=",              // value missing
             "permessage-deflate; a=\"unterminated",
             "permessage-deflate; a=\"bad\\\x01\"",  // quoted control character
             "permessage-deflate; a=1 2",           // two tokens
             "permessage-deflate a",                // missing ';'
             "per message",                         // space inside a name
             "permessage-deflate; a=(b)",           // separators are not token characters
             ";a",
             "\"quoted-name\"",
             "permessage-deflate; a=\"x\"y",
         }) {
        SCOPED_TRACE(header);
        EXPECT_FALSE(parse_ws_extensions(header));
    }
}

// A poor man's fuzz run: arbitrary bytes, biased towards the grammar's own
// characters, never crash the parser, and whatever parses re-parses the same.
TEST(WsExtensions, SurvivesArbitraryInput) {
    constexpr std::string_view alphabet = "ab=;, \t\"\\x\x01\xff" "9";
    std::uint32_t x = 88172645U;
    for (int i = 0; i < 20'000; ++i) {
        std::string header;
        const std::size_t n = x % 24;
        for (std::size_t j = 0; j < n; ++j) {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            header.push_back(alphabet[x % alphabet.size()]);
        }
        x = x * 1664525U + 1013904223U;
        const auto r = parse_ws_extensions(header);
        if (!r) continue;
        for (const auto& e : *r) {
            EXPECT_FALSE(e.name.empty());
            for (const auto& p : e.params) EXPECT_FALSE(p.name.empty());
        }
    }
}

}  // namespace
}  // namespace ferry::engineio
