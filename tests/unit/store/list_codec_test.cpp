// The BLOB form of room and attachment lists: round trips with awkward bytes,
// and decoding that rejects damaged input without throwing.
#include "store/list_codec.hpp"

#include <gtest/gtest.h>

namespace ferry::store {
namespace {

using namespace std::string_literals;

TEST(ListCodec, RoundTrips) {
    const std::vector<std::vector<std::string>> cases = {
        {},
        {""},
        {"", "a"},
        {"room", "\0\xff\x80"s, std::string(300, 'x'), std::string(20000, '\0')},
    };
    for (const auto& items : cases) {
        const auto decoded = decode_list(encode_list(items));
        ASSERT_TRUE(decoded.has_value());
        EXPECT_EQ(*decoded, items);
    }
}

TEST(ListCodec, KeepsTheEmptyListApartFromTheEmptyRoom) {
    EXPECT_EQ(encode_list({}), "");
    EXPECT_EQ(encode_list({""}), "\0"s);
}

TEST(ListCodec, RejectsDamagedBytes) {
    EXPECT_FALSE(decode_list("\x05" "abc").has_value());                                // truncated item
    EXPECT_FALSE(decode_list("\x80").has_value());                                      // truncated length
    EXPECT_FALSE(decode_list("\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01").has_value());  // absurd length
}

}  // namespace
}  // namespace ferry::store
