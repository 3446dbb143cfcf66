// What the log stores is what every client can parse: the check itself, the
// payload it guards, and the publish gate (nothing appended, nothing sent).
#include "socketio/event_data.hpp"

#include "socketio/stored_event.hpp"

#include <ferry/event_store.hpp>
#include <ferry/server.hpp>

#include <boost/json/parse.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <optional>
#include <string>

namespace ferry::socketio {
namespace {

namespace json = boost::json;

TEST(EventData, BoostJsonParsesOverflowToInfinityWithoutAnError) {
    // Why the check exists: Boost.JSON 1.81 accepts these and writes them back as `Infinity`.
    for (const std::string& text : {std::string("1e400"), std::string("-1e400"), "1" + std::string(400, '0')}) {
        boost::system::error_code ec;
        const auto v = json::parse(text, ec);
        ASSERT_FALSE(ec) << text;
        ASSERT_TRUE(v.is_double()) << text;
        EXPECT_TRUE(std::isinf(v.get_double())) << text;
    }
}

TEST(EventData, RefusesWhatJsonTextCannotCarry) {
    struct row {
        const char* what;
        json::value value;
        bool refused;
    };
    const double inf = std::numeric_limits<double>::infinity();
    const row rows[] = {
        {"an ordinary object", json::parse(R"({"a":[1,2.5,"x",null,true,{"b":-3}]})"), false},
        {"the largest double", json::value(std::numeric_limits<double>::max()), false},
        {"an underflow is zero, not a problem", json::parse("1e-400"), false},
        {"a huge uint64", json::value(std::numeric_limits<std::uint64_t>::max()), false},
        {"1e400", json::parse("1e400"), true},
        {"-1e400", json::parse("-1e400"), true},
        {"a 400-digit integer", json::parse("9" + std::string(399, '9')), true},
        {"NaN", json::value(std::nan("")), true},
        {"deep inside an array", json::parse("[[[[1,[2,[1e999]]]]]]"), true},
        {"inside an object", json::object{{"x", json::object{{"y", -inf}}}}, true},
        {"an emoji", json::value("\xF0\x9F\x98\x80"), false},
        {"a string not UTF-8", json::value("\xFF"), true},
        {"a lone surrogate in UTF-8 form", json::value("\xED\xA0\x80"), true},
        {"an overlong slash", json::value("\xC0\xAF"), true},
        {"a truncated sequence", json::value("ab\xE2\x82"), true},
        {"a key not UTF-8", json::object{{"\xFE", 1}}, true},
    };
    for (const auto& r : rows) {
        EXPECT_EQ(!event_data_problem(r.value).empty(), r.refused) << r.what;
    }
}

TEST(EventData, AVeryDeepValueIsWalkedWithoutRecursion) {
    json::value v = json::value(std::numeric_limits<double>::infinity());
    for (int i = 0; i < 100000; ++i) v = json::array{std::move(v)};
    EXPECT_NE(event_data_problem(v), "");
}

TEST(EventPayload, RefusesWhatNoClientCouldParse) {
    EXPECT_EQ(*event_payload("v", make_args(1, "x")), R"(["v",1,"x"])");
    auto bad = event_payload("v", make_args(json::parse("1e400")));
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error(), error::not_json);
    EXPECT_FALSE(event_payload("\xFF", make_args(1)));
}

server_options with_memory_store() {
    server_options o;
    o.workers = 1;
    o.store = make_memory_store();
    return o;
}

// The memory store completes inline, so publish finishes before it returns.
result<std::string> publish(server& io, const args& a) {
    std::optional<result<std::string>> out;
    io.of("/").to("r").publish("v", a, [&](result<std::string> r) { out = std::move(r); });
    EXPECT_TRUE(out.has_value());
    return out.value_or(make_error_code(error::timeout));
}

TEST(PublishGate, NothingIsAppendedForDataNoClientCouldParse) {
    server io(with_memory_store());
    const auto first = publish(io, make_args(1));
    ASSERT_TRUE(first);
    const auto poisoned = publish(io, make_args(json::parse("1e400")));
    ASSERT_FALSE(poisoned);
    EXPECT_EQ(poisoned.error(), error::not_json);
    EXPECT_EQ(io.of("/").head("r"), *first) << "nothing was appended";
    // The room keeps working: the next event takes the next offset.
    const auto next = publish(io, make_args(2));
    ASSERT_TRUE(next);
    EXPECT_EQ(offset::parse(*next)->sequence, offset::parse(*first)->sequence + 1);
}

TEST(PublishGate, VolatileEventsPassTheSameGate) {
    server io(with_memory_store());
    std::optional<result<std::string>> out;
    io.of("/").to("r").volatile_().publish("v", make_args(json::parse("-1e400")),
                                           [&](result<std::string> r) { out = std::move(r); });
    ASSERT_TRUE(out.has_value());
    ASSERT_FALSE(*out);
    EXPECT_EQ(out->error(), error::not_json);
}

}  // namespace
}  // namespace ferry::socketio
