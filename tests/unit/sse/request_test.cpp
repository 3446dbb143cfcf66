#include "sse/request.hpp"

#include <gtest/gtest.h>

namespace ferry::sse {
namespace {

using rooms = std::vector<std::string>;

TEST(SseRequest, RoomsCommaSeparatedAndRepeated) {
    auto r = parse_stream_request("/events?rooms=a,b&rooms=c,a", "");
    EXPECT_EQ(r.problem, "");
    EXPECT_EQ(r.rooms, (rooms{"a", "b", "c"}));
    EXPECT_FALSE(r.cursor);
}

TEST(SseRequest, RoomsArePercentDecoded) {
    auto r = parse_stream_request("/events?rooms=news%2Fsport,caf%C3%A9", "");
    EXPECT_EQ(r.problem, "");
    EXPECT_EQ(r.rooms, (rooms{"news/sport", "caf\xC3\xA9"}));
}

TEST(SseRequest, RoomsRequired) {
    EXPECT_NE(parse_stream_request("/events", "").problem, "");
    EXPECT_NE(parse_stream_request("/events?since=e-1", "").problem, "");
}

TEST(SseRequest, BadRoomNames) {
    EXPECT_EQ(parse_stream_request("/events?rooms=", "").problem, "room name is empty");
    EXPECT_EQ(parse_stream_request("/events?rooms=a,,b", "").problem, "room name is empty");
    EXPECT_EQ(parse_stream_request("/events?rooms=a%0Ab", "").problem, "room name contains a control character");
    EXPECT_EQ(parse_stream_request("/events?rooms=" + std::string(201, 'x'), "").problem,
              "room name is longer than 200 bytes");
}

TEST(SseRequest, Since) {
    auto r = parse_stream_request("/events?rooms=a&since=ep-12", "");
    ASSERT_TRUE(r.cursor);
    EXPECT_EQ(r.cursor->epoch, "ep");
    EXPECT_EQ(r.cursor->sequence, 12u);
}

TEST(SseRequest, BadCursorsAreRefused) {
    // The messages come from store::read_cursor, the rule every surface shares.
    auto problem = [](std::string_view target, std::string_view header) {
        return parse_stream_request(target, header).problem;
    };
    EXPECT_TRUE(problem("/events?rooms=a&since=nope", "").starts_with("since is not an offset"));
    EXPECT_TRUE(problem("/events?rooms=a&since=", "").starts_with("since is empty"));
    EXPECT_TRUE(problem("/events?rooms=a", "x-01").starts_with("Last-Event-ID is not an offset"));
    EXPECT_TRUE(problem("/events?rooms=a&lastEventId=%20", "").starts_with("lastEventId is not an offset"));
}

TEST(SseRequest, AnotherEpochsOffsetIsAcceptedForTheGapRule) {
    auto r = parse_stream_request("/events?rooms=a&since=otherepoch-5", "");
    EXPECT_EQ(r.problem, "");
    ASSERT_TRUE(r.cursor);
    EXPECT_EQ(r.cursor->epoch, "otherepoch");
}

TEST(SseRequest, EmptyLastEventIdMeansNone) {
    auto r = parse_stream_request("/events?rooms=a&lastEventId=", "");
    EXPECT_EQ(r.problem, "");
    EXPECT_FALSE(r.cursor);
}

TEST(SseRequest, LastEventIdHeaderWinsOverQueryCursors) {
    // A reconnecting EventSource reuses its first URL and adds the header.
    auto r = parse_stream_request("/events?rooms=a&since=ep-1&lastEventId=ep-5", "ep-9");
    ASSERT_TRUE(r.cursor);
    EXPECT_EQ(r.cursor->sequence, 9u);
    auto q = parse_stream_request("/events?rooms=a&since=ep-1&lastEventId=ep-5", "");
    ASSERT_TRUE(q.cursor);
    EXPECT_EQ(q.cursor->sequence, 5u);
    auto e = parse_stream_request("/events?rooms=a&since=ep-1&lastEventId=", "");
    ASSERT_TRUE(e.cursor);
    EXPECT_EQ(e.cursor->sequence, 1u);
}

TEST(SseRequest, TooManyRooms) {
    std::string target = "/events?rooms=r0";
    for (int i = 1; i <= 100; ++i) target += ",r" + std::to_string(i);
    EXPECT_EQ(parse_stream_request(target, "").problem, "more than 100 rooms");
}

}  // namespace
}  // namespace ferry::sse
