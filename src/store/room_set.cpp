#include "store/room_set.hpp"

#include <algorithm>

namespace ferry::store {

std::vector<std::string> normalize_rooms(std::vector<std::string> rooms) {
    std::sort(rooms.begin(), rooms.end());
    rooms.erase(std::unique(rooms.begin(), rooms.end()), rooms.end());
    return rooms;
}

std::vector<std::string> target_rooms(std::vector<std::string> rooms) {
    if (rooms.empty()) rooms.emplace_back(all_room);
    return normalize_rooms(std::move(rooms));
}

std::vector<std::string> reader_rooms(std::vector<std::string> rooms) {
    rooms.emplace_back(all_room);
    return normalize_rooms(std::move(rooms));
}

bool intersects(const std::vector<std::string>& except, const std::vector<std::string>& rooms) noexcept {
    auto a = except.begin();
    auto b = rooms.begin();
    while (a != except.end() && b != rooms.end()) {
        if (*a < *b) {
            ++a;
        } else if (*b < *a) {
            ++b;
        } else {
            return true;
        }
    }
    return false;
}

}  // namespace ferry::store
