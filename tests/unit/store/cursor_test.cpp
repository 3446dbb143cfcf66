// The gap rule as a table: epoch, head, watermarks, the quiet client and the
// zero cursor (DESIGN.md "Offsets, epochs and retention").
#include "store/cursor.hpp"

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

}  // namespace
}  // namespace ferry::store
