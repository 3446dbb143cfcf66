#include "socketio/room_index.hpp"

#include "socketio/selection.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <random>
#include <set>
#include <unordered_map>

namespace {

struct member {
    int id = 0;
    std::unordered_map<const void*, std::size_t> room_slots;
    std::uint64_t delivered_mark = 0;
    std::uint64_t excluded_mark = 0;
};

using index_t = ferry::socketio::basic_room_index<member>;

std::set<int> ids_in(const index_t& rooms, const std::string& room) {
    std::set<int> out;
    if (const auto* m = rooms.find(room)) {
        for (const member* x : *m) out.insert(x->id);
    }
    return out;
}

TEST(RoomIndex, AddReportsCreationOnce) {
    index_t rooms;
    member a{1}, b{2};
    EXPECT_TRUE(rooms.add("r", a));
    EXPECT_FALSE(rooms.add("r", b));
    EXPECT_FALSE(rooms.add("r", a));  // joining twice is a no-op
    EXPECT_EQ(ids_in(rooms, "r"), (std::set<int>{1, 2}));
    EXPECT_EQ(rooms.find("r")->size(), 2u);
}

TEST(RoomIndex, RemoveReportsDeletionOfTheLastMember) {
    index_t rooms;
    member a{1}, b{2};
    rooms.add("r", a);
    rooms.add("r", b);
    EXPECT_FALSE(rooms.remove("r", a));
    EXPECT_TRUE(rooms.remove("r", b));
    EXPECT_EQ(rooms.find("r"), nullptr);
    EXPECT_FALSE(rooms.remove("r", b));
    EXPECT_FALSE(rooms.remove("nowhere", a));
}

TEST(RoomIndex, RandomJoinsAndLeavesMatchAReferenceModel) {
    index_t rooms;
    std::array<member, 50> members{};
    for (int i = 0; i < 50; ++i) members[i].id = i;
    std::map<std::string, std::set<int>> model;
    std::mt19937 rng(7);
    for (int step = 0; step < 20000; ++step) {
        member& m = members[rng() % members.size()];
        const std::string room = "room" + std::to_string(rng() % 8);
        if (rng() % 2) {
            rooms.add(room, m);
            model[room].insert(m.id);
        } else {
            const bool was_member = model.count(room) && model[room].count(m.id);
            const bool deleted = rooms.remove(room, m);
            model[room].erase(m.id);
            // The room is deleted exactly when its last member left.
            EXPECT_EQ(deleted, was_member && model[room].empty());
            if (model[room].empty()) model.erase(room);
        }
    }
    for (const auto& [room, ids] : model) EXPECT_EQ(ids_in(rooms, room), ids) << room;
    EXPECT_EQ(rooms.all().size(), model.size());
    for (const auto& m : members) {
        std::size_t expected = 0;
        for (const auto& [room, ids] : model) expected += ids.count(m.id);
        EXPECT_EQ(m.room_slots.size(), expected);
    }
}

class Selection : public ::testing::Test {
protected:
    void SetUp() override {
        for (int i = 0; i < 6; ++i) all[i].id = i;
        // a: 0 1 2   b: 2 3   c: 4
        for (int i : {0, 1, 2}) rooms.add("a", all[i]);
        for (int i : {2, 3}) rooms.add("b", all[i]);
        rooms.add("c", all[4]);
    }

    std::vector<int> select(const std::vector<std::string>& to, const std::vector<std::string>& except) {
        std::vector<int> out;
        auto everyone = [this](auto&& visit) {
            for (auto& m : all) visit(&m);
        };
        ferry::socketio::for_each_selected(rooms, everyone, to, except, ++mark,
                                           [&out](member& m) { out.push_back(m.id); });
        std::sort(out.begin(), out.end());
        return out;
    }

    std::array<member, 6> all{};
    index_t rooms;
    std::uint64_t mark = 0;
};

TEST_F(Selection, NoTargetMeansEveryone) { EXPECT_EQ(select({}, {}), (std::vector<int>{0, 1, 2, 3, 4, 5})); }

TEST_F(Selection, OverlappingRoomsDeliverOneCopy) { EXPECT_EQ(select({"a", "b"}, {}), (std::vector<int>{0, 1, 2, 3})); }

TEST_F(Selection, ExceptRemovesMembersOfAnyExceptRoom) {
    EXPECT_EQ(select({"a", "b"}, {"b"}), (std::vector<int>{0, 1}));
    EXPECT_EQ(select({}, {"a", "c"}), (std::vector<int>{3, 5}));
}

TEST_F(Selection, UnknownRoomsSelectNobody) { EXPECT_TRUE(select({"zzz"}, {}).empty()); }

TEST_F(Selection, MarksDoNotLeakIntoTheNextSelection) {
    EXPECT_EQ(select({"a"}, {"b"}), (std::vector<int>{0, 1}));
    EXPECT_EQ(select({"b"}, {}), (std::vector<int>{2, 3}));
}

}  // namespace
