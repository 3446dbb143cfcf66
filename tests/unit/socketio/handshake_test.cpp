// request_head: the compact form of the request that opened a connection.
#include <ferry/handshake.hpp>

#include <gtest/gtest.h>

namespace {

ferry::request_head sample() {
    return ferry::request_head("/socket.io/?EIO=4&transport=websocket&room=a%20b&room=second&flag",
                               "host: 127.0.0.1:3000\r\nx-token: secret\r\ncookie: a=1\r\ncookie: b=2\r\n"
                               "x-empty: \r\n");
}

TEST(RequestHead, KeepsTheTarget) {
    EXPECT_EQ(sample().target(), "/socket.io/?EIO=4&transport=websocket&room=a%20b&room=second&flag");
}

TEST(RequestHead, FindsHeadersInAnyCaseFirstOfRepeated) {
    const auto head = sample();
    EXPECT_EQ(head.header("X-Token").value_or("?"), "secret");
    EXPECT_EQ(head.header("host").value_or("?"), "127.0.0.1:3000");
    EXPECT_EQ(head.header("cookie").value_or("?"), "a=1");
    EXPECT_EQ(head.header("x-empty").value_or("?"), "");
    EXPECT_FALSE(head.header("x-tok").has_value());
    EXPECT_FALSE(head.header("authorization").has_value());
}

TEST(RequestHead, ListsEveryHeaderInOrder) {
    const auto head = sample();  // the views point into it
    const auto all = head.headers();
    ASSERT_EQ(all.size(), 5u);
    EXPECT_EQ(all[0].first, "host");
    EXPECT_EQ(all[2].second, "a=1");
    EXPECT_EQ(all[3].second, "b=2");
}

TEST(RequestHead, DecodesQueryParameters) {
    const auto head = sample();
    EXPECT_EQ(head.query("room").value_or("?"), "a b");
    EXPECT_EQ(head.query("EIO").value_or("?"), "4");
    EXPECT_EQ(head.query("flag").value_or("?"), "");
    EXPECT_FALSE(head.query("sid").has_value());
    const auto params = head.query_params();
    EXPECT_EQ(params.at("transport"), "websocket");
    EXPECT_EQ(params.at("room"), "a b");
}

TEST(RequestHead, SurvivesMalformedInput) {
    const ferry::request_head head("not a target", "no colon here\r\n: novalue\r\nx:1");
    EXPECT_FALSE(head.query("a").has_value());
    EXPECT_TRUE(head.query_params().empty());
    EXPECT_EQ(head.header("x").value_or("?"), "1");
    EXPECT_EQ(head.headers().size(), 2u);
}

TEST(RequestHead, NamesCompareInAnyCaseOnBothSides) {
    const ferry::request_head head("/", "X-Token: secret\r\n");
    EXPECT_EQ(head.header("x-token").value_or("?"), "secret");
    EXPECT_EQ(head.header("X-TOKEN").value_or("?"), "secret");
}

TEST(RequestHead, QueryFindsWhatQueryParamsLists) {
    // Found by the fuzzer: '+' decodes to a space in keys too.
    const ferry::request_head head("/socket.io/?UIO=4&r+o=1", "");
    EXPECT_EQ(head.query_params().count("r o"), 1u);
    EXPECT_EQ(head.query("r o").value_or("?"), "1");
}

TEST(Handshake, ShorthandsWithoutARequestAreEmpty) {
    const ferry::handshake hs;
    EXPECT_FALSE(hs.header("host").has_value());
    EXPECT_FALSE(hs.query("room").has_value());
    EXPECT_EQ(hs.url(), "");
}

}  // namespace
