// wire_packet: one encoding shared by every recipient, including the
// permessage-deflate frame built on first use by whichever thread needs it.
#include "engineio/wire.hpp"

#include "engineio/deflate.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace ferry::engineio {
namespace {

std::string compressible(std::size_t n) {
    std::string s;
    while (s.size() < n) s += "[\"chat\",{\"room\":\"lobby\",\"text\":\"hello there\"}]";
    s.resize(n);
    return s;
}

TEST(WirePacket, EncodesTextFrame) {
    const auto p = wire_packet::text(packet_type::message, "hi");
    EXPECT_EQ(p->ws_frame(), std::string_view("\x81\x03" "4hi", 5));
    EXPECT_EQ(p->payload(), "4hi");
    EXPECT_EQ(p->size(), 5U);
}

TEST(WirePacket, DeflatedFrameIsHeaderWithRsv1AndCompressedPayload) {
    const auto p = wire_packet::text(packet_type::message, compressible(3000));
    const auto frame = p->deflated_ws_frame();
    const auto compressed = deflate_message(p->payload());
    ASSERT_LT(compressed.size(), 126U);
    EXPECT_EQ(static_cast<unsigned char>(frame[0]), 0xC1);
    EXPECT_EQ(static_cast<unsigned char>(frame[1]), compressed.size());
    EXPECT_EQ(frame.substr(2), compressed);
    EXPECT_EQ(inflate_message(frame.substr(2), 1 << 20).value(), p->payload());
}

TEST(WirePacket, BuildsDeflatedFrameOnce) {
    const auto p = wire_packet::text(packet_type::message, compressible(3000));
    const auto first = p->deflated_ws_frame();
    const auto second = p->deflated_ws_frame();
    EXPECT_EQ(first.data(), second.data());  // the same bytes, not a second compression
    // The plain frame is untouched: polling and non-deflate recipients share it.
    EXPECT_EQ(p->ws_frame().substr(4), "4" + compressible(3000));
}

TEST(WirePacket, KeepsPlainFrameWhenCompressionDoesNotHelp) {
    std::string random(4000, '\0');
    unsigned x = 12345;
    for (auto& c : random) {
        x = x * 1103515245U + 12345U;
        c = static_cast<char>(x >> 16);
    }
    const auto p = wire_packet::binary(random);
    EXPECT_EQ(p->deflated_ws_frame().data(), p->ws_frame().data());
    const auto tiny = wire_packet::text(packet_type::ping, {});
    EXPECT_EQ(tiny->deflated_ws_frame().data(), tiny->ws_frame().data());
}

// Workers race for the first compression: each gets either the plain frame
// (while another thread builds) or the one shared compressed frame.
TEST(WirePacket, SharesDeflatedFrameAcrossThreads) {
    for (int round = 0; round < 20; ++round) {
        const auto p = wire_packet::text(packet_type::message, compressible(200'000));
        std::atomic<bool> go{false};
        std::vector<std::string_view> seen(8);
        std::vector<std::thread> threads;
        for (std::size_t i = 0; i < seen.size(); ++i) {
            threads.emplace_back([&, i] {
                while (!go.load()) {
                }
                seen[i] = p->deflated_ws_frame();
            });
        }
        go = true;
        for (auto& t : threads) t.join();
        const auto final_frame = p->deflated_ws_frame();
        ASSERT_NE(final_frame.data(), p->ws_frame().data());
        for (const auto v : seen) {
            EXPECT_TRUE(v.data() == final_frame.data() || v.data() == p->ws_frame().data());
        }
        EXPECT_EQ(inflate_message(final_frame.substr(4), 1 << 20).value(), p->payload());
    }
}

}  // namespace
}  // namespace ferry::engineio
