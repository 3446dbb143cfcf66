#include "engineio/refused_origins.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

using ferry::engineio::is_same_origin;
using ferry::engineio::printable_origin;
using ferry::engineio::refused_origins;
using verdict = refused_origins::verdict;

TEST(RefusedOrigins, SameOriginComparesHostAndPortWithTheHostHeader) {
    EXPECT_TRUE(is_same_origin("http://127.0.0.1:3000", "127.0.0.1:3000"));
    EXPECT_TRUE(is_same_origin("https://Example.COM", "example.com"));
    EXPECT_FALSE(is_same_origin("http://localhost:8080", "127.0.0.1:3000"));
    EXPECT_FALSE(is_same_origin("http://127.0.0.1:3001", "127.0.0.1:3000"));
    EXPECT_FALSE(is_same_origin("null", "127.0.0.1:3000"));  // a file:// page
    EXPECT_FALSE(is_same_origin("http://127.0.0.1:3000", ""));
}

TEST(RefusedOrigins, EachOriginIsNotedOnce) {
    refused_origins r;
    EXPECT_EQ(r.note("http://a.test"), verdict::first_time);
    EXPECT_EQ(r.note("http://a.test"), verdict::already_noted);
    EXPECT_EQ(r.note("http://b.test"), verdict::first_time);
    EXPECT_EQ(r.note("http://a.test"), verdict::already_noted);
}

TEST(RefusedOrigins, MemoryIsBoundedAndTheOverflowSaidOnce) {
    refused_origins r(3);
    for (int i = 0; i < 3; ++i) EXPECT_EQ(r.note("http://" + std::to_string(i)), verdict::first_time);
    EXPECT_EQ(r.note("http://3"), verdict::too_many);
    for (int i = 4; i < 1000; ++i) EXPECT_EQ(r.note("http://" + std::to_string(i)), verdict::already_noted);
    EXPECT_EQ(r.note("http://0"), verdict::already_noted);
}

TEST(RefusedOrigins, PrintableOriginIsShortAndSafeForJsonLogs) {
    EXPECT_EQ(printable_origin("http://localhost:8080"), "http://localhost:8080");
    EXPECT_EQ(printable_origin("http://a\"b\\c d\x01"), "http://a?b?c?d?");
    EXPECT_EQ(printable_origin(std::string(1000, 'x')).size(), 128u);
}

}  // namespace
