#pragma once
// Room lists as the store uses them: sorted and without duplicates, so that
// "does this event's except intersect the reader's rooms" is a merge, and one
// event sent to "a" twice is stored in "a" once.

#include <ferry/event_store.hpp>

#include <string>
#include <vector>

namespace ferry::store {

/// Sorted, unique.
std::vector<std::string> normalize_rooms(std::vector<std::string> rooms);

/// The rooms an event is stored under: normalized; empty means the whole
/// namespace ({all_room}).
std::vector<std::string> target_rooms(std::vector<std::string> rooms);

/// The rooms a reader reads: normalized, all_room always included.
std::vector<std::string> reader_rooms(std::vector<std::string> rooms);

/// True when any of the (normalized) `except` rooms is one of the (normalized)
/// `rooms`: the reader is a member of an excluded room.
bool intersects(const std::vector<std::string>& except, const std::vector<std::string>& rooms) noexcept;

}  // namespace ferry::store
