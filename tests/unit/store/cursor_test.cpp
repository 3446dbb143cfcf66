// The gap rule as a table: epoch, head, watermarks, the quiet client and the
// zero cursor (DESIGN.md "Offsets, epochs and retention").
#include "store/cursor.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <gtest/gtest.h>

namespace ferry::store {
namespace {

TEST(CursorCheck, AppliesTheGapRule) {
    struct row {
        const char* what;
        offset after;
        std::uint64_t last_sequence;
        std::uint64_t trimmed_through;
        std::uint64_t from;
        bool gap;
    };
    const row rows[] = {
        {"fresh store, zero cursor", {"E", 0}, 0, 0, 0, false},
        {"zero cursor, nothing trimmed", {"E", 0}, 50, 0, 0, false},
        {"zero cursor, something trimmed", {"E", 0}, 50, 10, 0, true},
        {"cursor below the watermark", {"E", 9}, 50, 10, 9, true},
        {"cursor at the watermark: nothing newer was trimmed", {"E", 10}, 50, 10, 10, false},
        {"quiet client: old cursor, nothing after it trimmed", {"E", 50}, 50, 50, 50, false},
        {"cursor at the head", {"E", 50}, 50, 0, 50, false},
        {"cursor beyond the head", {"E", 51}, 50, 0, 0, true},
        {"another epoch", {"X", 5}, 50, 0, 0, true},
        {"another epoch, zero cursor", {"X", 0}, 50, 0, 0, true},
    };
    for (const auto& r : rows) {
        const auto c = check_cursor(r.after, "E", r.last_sequence, r.trimmed_through);
        EXPECT_EQ(c.gap, r.gap) << r.what;
        EXPECT_EQ(c.from, r.from) << r.what;
    }
}

// The one cursor rule of every surface (docs/recovery.md "Cursors"): absent,
// well-formed (another epoch included: that is a gap, decided later), or malformed.
TEST(ReadCursor, SortsTextIntoAbsentWellFormedAndMalformed) {
    struct row {
        const char* what;
        std::optional<std::string_view> text;
        empty_cursor empty;
        std::optional<offset> at;
        bool malformed;
    };
    const auto m = empty_cursor::malformed;
    const row rows[] = {
        {"absent", std::nullopt, m, std::nullopt, false},
        {"an offset", "5kmoFRF0EffG-17", m, offset{"5kmoFRF0EffG", 17}, false},
        {"the zero offset", "E-0", m, offset{"E", 0}, false},
        {"another epoch's offset is well-formed", "otherepoch-5", m, offset{"otherepoch", 5}, false},
        {"an epoch with dashes", "a-b_c-9", m, offset{"a-b_c", 9}, false},
        {"beyond any head is well-formed", "E-18446744073709551615", m, offset{"E", 18446744073709551615ull}, false},
        {"empty since", "", m, std::nullopt, true},
        {"empty Last-Event-ID means none", "", empty_cursor::absent, std::nullopt, false},
        {"garbage", "nonsense", m, std::nullopt, true},
        {"garbage where empty means none", "nonsense", empty_cursor::absent, std::nullopt, true},
        {"no epoch", "-5", m, std::nullopt, true},
        {"no sequence", "E-", m, std::nullopt, true},
        {"a leading zero", "E-05", m, std::nullopt, true},
        {"a sign", "E-+5", m, std::nullopt, true},
        {"overflow", "E-18446744073709551616", m, std::nullopt, true},
        {"a space", "E -5", m, std::nullopt, true},
        {"a NUL", std::string_view("E-5\0", 4), m, std::nullopt, true},
    };
    for (const auto& r : rows) {
        const auto c = read_cursor(r.text, "since", r.empty);
        EXPECT_EQ(c.at, r.at) << r.what;
        EXPECT_EQ(!c.problem.empty(), r.malformed) << r.what;
        if (r.malformed) {
            EXPECT_TRUE(c.problem.starts_with("since ")) << r.what << ": " << c.problem;
        }
    }
}

TEST(ReadCursor, JsonNullIsAbsentAndNonStringsAreMalformed) {
    const boost::json::value null_value(nullptr);
    EXPECT_FALSE(read_cursor(nullptr, "since").at);
    EXPECT_EQ(read_cursor(nullptr, "since").problem, "");
    EXPECT_EQ(read_cursor(&null_value, "since").problem, "");
    for (const char* text : {"5", "true", "[]", "{}", "1.5"}) {
        const auto v = boost::json::parse(text);
        EXPECT_EQ(read_cursor(&v, "auth.since").problem, "auth.since must be an offset string") << text;
    }
    const boost::json::value good("E-3"), empty(""), bad("nonsense");
    EXPECT_EQ(read_cursor(&good, "since").at, (offset{"E", 3}));
    EXPECT_NE(read_cursor(&empty, "since").problem, "");
    EXPECT_NE(read_cursor(&bad, "since").problem, "");
}

}  // namespace
}  // namespace ferry::store
