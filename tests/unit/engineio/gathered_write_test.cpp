// drop_written: what is left of a gather list after a partial write.
#include "engineio/gathered_write.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

namespace asio = boost::asio;

std::string rest_of(const std::vector<asio::const_buffer>& buffers) {
    std::string out;
    for (const auto& b : buffers) out.append(static_cast<const char*>(b.data()), b.size());
    return out;
}

class DropWritten : public ::testing::Test {
protected:
    std::string a = "abc", b = "de", c = "fghi";
    std::vector<asio::const_buffer> buffers{asio::buffer(a), asio::buffer(b), asio::buffer(c)};
};

TEST_F(DropWritten, NothingWrittenLeavesEverything) {
    ferry::engineio::drop_written(buffers, 0);
    EXPECT_EQ(buffers.size(), 3u);
    EXPECT_EQ(rest_of(buffers), "abcdefghi");
}

TEST_F(DropWritten, InsideTheFirstBuffer) {
    ferry::engineio::drop_written(buffers, 2);
    EXPECT_EQ(buffers.size(), 3u);
    EXPECT_EQ(rest_of(buffers), "cdefghi");
}

TEST_F(DropWritten, ExactlyAtABufferBoundary) {
    ferry::engineio::drop_written(buffers, 5);
    ASSERT_EQ(buffers.size(), 1u);
    EXPECT_EQ(rest_of(buffers), "fghi");
}

TEST_F(DropWritten, InsideALaterBuffer) {
    ferry::engineio::drop_written(buffers, 7);
    ASSERT_EQ(buffers.size(), 1u);
    EXPECT_EQ(rest_of(buffers), "hi");
}

TEST_F(DropWritten, EverythingWrittenLeavesNothing) {
    ferry::engineio::drop_written(buffers, 9);
    EXPECT_TRUE(buffers.empty());
}

TEST(DropWrittenEmpty, SkipsEmptyBuffers) {
    std::string x = "xy";
    std::vector<asio::const_buffer> buffers{asio::const_buffer(), asio::buffer(x)};
    ferry::engineio::drop_written(buffers, 1);
    EXPECT_EQ(rest_of(buffers), "y");
}

}  // namespace
