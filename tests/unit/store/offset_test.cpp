// ferry::offset's client form: round trips, the canonical form only, and a
// parser that is total over arbitrary bytes (cursors come from clients).
#include <ferry/event_store.hpp>

#include "store/epoch.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

namespace ferry {
namespace {

using namespace std::string_literals;

TEST(Offset, PrintsEpochDashSequence) {
    EXPECT_EQ((offset{"AbC9", 42}.to_string()), "AbC9-42");
    EXPECT_EQ((offset{"e", 0}.to_string()), "e-0");
}

TEST(Offset, RoundTrips) {
    for (const auto& o : {offset{"e", 0}, offset{"Zz09_x", 1}, offset{"abc", 1234567890},
                          offset{"q", std::numeric_limits<std::uint64_t>::max()}}) {
        const auto parsed = offset::parse(o.to_string());
        ASSERT_TRUE(parsed.has_value()) << o.to_string();
        EXPECT_EQ(*parsed, o);
    }
}

TEST(Offset, SplitsAtTheLastDashSoEpochsMayContainDashes) {
    const auto parsed = offset::parse("a-b--7");
    ASSERT_TRUE(parsed.has_value());
    EXPECT_EQ(parsed->epoch, "a-b-");
    EXPECT_EQ(parsed->sequence, 7u);
}

TEST(Offset, AcceptsTheLargestSequenceAndRejectsOverflow) {
    EXPECT_TRUE(offset::parse("e-18446744073709551615").has_value());
    EXPECT_FALSE(offset::parse("e-18446744073709551616").has_value());
    EXPECT_FALSE(offset::parse("e-99999999999999999999").has_value());
    EXPECT_FALSE(offset::parse("e-100000000000000000000").has_value());
}

TEST(Offset, RejectsMalformedText) {
    const std::string cases[] = {
        "",          "-",        "-5",      "abc",     "abc-",    "abc-x",   "abc-5x",  "abc-x5",
        "abc- 5",    "abc-+5",   "abc--",   "abc-05",  "abc-00",  "ab c-5",  "ab/c-5",  "ab.c-5",
        "\xc3\xa9-5", "abc-5 ",  " abc-5",  "abc-1-",  "abc-0x1f", "abc-1e3", "abc-\xd9\xa1",
        "ab\0c-5"s,  "abc-5\0"s,
    };
    for (const auto& text : cases) EXPECT_FALSE(offset::parse(text).has_value()) << text;
}

TEST(Offset, BoundsTheEpochLength) {
    EXPECT_TRUE(offset::parse(std::string(64, 'a') + "-1").has_value());
    EXPECT_FALSE(offset::parse(std::string(65, 'a') + "-1").has_value());
    EXPECT_FALSE(offset::parse(std::string(100000, 'a') + "-1").has_value());
}

// Total over bytes: no input throws, and whatever parses prints back unchanged.
TEST(Offset, ParseIsTotalAndCanonical) {
    std::uint64_t state = 12345;
    const auto next = [&state] {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        return static_cast<unsigned char>(state >> 56);
    };
    const std::string_view alphabet = "aZ09_--+ 0123456789\xff";
    int parsed_count = 0;
    for (int i = 0; i < 20000; ++i) {
        std::string text(next() % 24, '\0');
        for (auto& c : text) {
            const auto b = next();
            c = (b & 1) ? alphabet[b % alphabet.size()] : static_cast<char>(b);
        }
        std::optional<offset> parsed;
        EXPECT_NO_THROW(parsed = offset::parse(text));
        if (parsed) {
            ++parsed_count;
            EXPECT_EQ(parsed->to_string(), text);
        }
    }
    EXPECT_GT(parsed_count, 0);
}

TEST(Epoch, IsShortUrlSafeAndFresh) {
    const auto a = store::make_epoch();
    const auto b = store::make_epoch();
    EXPECT_EQ(a.size(), 12u);
    EXPECT_NE(a, b);
    for (char c : a) EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c))) << a;
    const auto parsed = offset::parse(offset{a, 9}.to_string());
    ASSERT_TRUE(parsed.has_value());
    EXPECT_EQ(parsed->epoch, a);
}

}  // namespace
}  // namespace ferry
