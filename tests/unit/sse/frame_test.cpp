#include "sse/frame.hpp"

#include <gtest/gtest.h>

namespace ferry::sse {
namespace {

std::string field(std::string_view name, std::string_view value) {
    std::string out;
    append_field(out, name, value);
    return out;
}

TEST(SseField, OneLine) { EXPECT_EQ(field("data", R"({"a":1})"), "data: {\"a\":1}\n"); }

TEST(SseField, EmptyValueIsOneEmptyField) { EXPECT_EQ(field("data", ""), "data: \n"); }

TEST(SseField, SplitsAtLf) { EXPECT_EQ(field("data", "a\nb"), "data: a\ndata: b\n"); }

TEST(SseField, SplitsAtCrLfOnce) { EXPECT_EQ(field("data", "a\r\nb"), "data: a\ndata: b\n"); }

TEST(SseField, SplitsAtLoneCr) { EXPECT_EQ(field("data", "a\rb"), "data: a\ndata: b\n"); }

TEST(SseField, KeepsEmptyLinesBetweenAndAtTheEnd) {
    // "a\n\nb\n" has four lines: a, "", b, "" (the parser joins them back with LF).
    EXPECT_EQ(field("data", "a\n\nb\n"), "data: a\ndata: \ndata: b\ndata: \n");
    EXPECT_EQ(field("data", "\r\r\n"), "data: \ndata: \ndata: \n");
}

TEST(SseFrame, EventWithIdNameAndData) {
    EXPECT_EQ(event_frame("e-7", "news", "\"hi\""), "id: e-7\nevent: news\ndata: \"hi\"\n\n");
}

TEST(SseFrame, NoIdWhenNotInTheLog) { EXPECT_EQ(event_frame("", "tick", "1"), "event: tick\ndata: 1\n\n"); }

TEST(SseFrame, NameAndIdCannotInjectFields) {
    EXPECT_EQ(event_frame("1\n2", "a\r\ndata: x", "0"), "id: 1 2\nevent: a  data: x\ndata: 0\n\n");
}

TEST(SsePayload, OneArgumentIsItsJson) {
    auto p = split_payload(R"(["news",{"title":"x"}])");
    ASSERT_TRUE(p);
    EXPECT_EQ(p->name, "news");
    EXPECT_EQ(p->data, R"({"title":"x"})");
}

TEST(SsePayload, NoArgumentIsNull) {
    auto p = split_payload(R"(["ping"])");
    ASSERT_TRUE(p);
    EXPECT_EQ(p->data, "null");
}

TEST(SsePayload, SeveralArgumentsAreAnArray) {
    auto p = split_payload(R"(["move",1,"two",[3]])");
    ASSERT_TRUE(p);
    EXPECT_EQ(p->data, R"([1,"two",[3]])");
}

TEST(SsePayload, BinaryPlaceholdersAreWrittenAsTheyAre) {
    auto p = split_payload(R"(["file",{"_placeholder":true,"num":0}])");
    ASSERT_TRUE(p);
    EXPECT_EQ(p->data, R"({"_placeholder":true,"num":0})");
}

TEST(SsePayload, RejectsWhatIsNotAnEvent) {
    EXPECT_FALSE(split_payload(""));
    EXPECT_FALSE(split_payload("{}"));
    EXPECT_FALSE(split_payload("[]"));
    EXPECT_FALSE(split_payload("[1,2]"));
    EXPECT_FALSE(split_payload("[\"a\""));
    EXPECT_EQ(payload_frame("[]", "e-1"), "");
}

TEST(SsePayload, StringsWithNewlinesStayOnOneLine) {
    // JSON escapes control characters, so a serialized value never holds a raw newline.
    EXPECT_EQ(payload_frame(R"(["m","a\nb"])", "e-2"), "id: e-2\nevent: m\ndata: \"a\\nb\"\n\n");
}

TEST(SseFrame, Retry) { EXPECT_EQ(retry_frame(std::chrono::milliseconds(2500)), "retry: 2500\n\n"); }

TEST(SseFrame, HeartbeatIsAComment) {
    EXPECT_EQ(heartbeat_frame().front(), ':');
    EXPECT_EQ(heartbeat_frame(), ":\n\n");
}

TEST(SseFrame, Session) {
    EXPECT_EQ(session_frame("abc", ""), "event: session\ndata: {\"id\":\"abc\"}\n\n");
    EXPECT_EQ(session_frame("abc", "e-3"), "id: e-3\nevent: session\ndata: {\"id\":\"abc\"}\n\n");
}

TEST(SseFrame, Gap) {
    EXPECT_EQ(gap_frame({"a", "b"}, "e-9"), "event: gap\ndata: {\"rooms\":[\"a\",\"b\"],\"oldest\":\"e-9\"}\n\n");
    EXPECT_EQ(gap_frame({"a"}, ""), "event: gap\ndata: {\"rooms\":[\"a\"],\"oldest\":null}\n\n");
}

}  // namespace
}  // namespace ferry::sse
