#pragma once
// Idempotency keys (the publish `id`): key -> the sequence its first append
// got, remembered for a time window, forgotten oldest first. It does not lock:
// the memory store calls it under its mutex, the SQLite store only from its
// writer thread.

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "store/string_map.hpp"

namespace ferry::store {

class idempotency_index {
public:
    using time_point = std::chrono::system_clock::time_point;

    explicit idempotency_index(std::chrono::seconds window) : window_(window) {}

    /// The sequence of `key` if it was appended within the window before `now`.
    std::optional<std::uint64_t> find(std::string_view key, time_point now) const;
    /// Remembers `key` (appended at `time`) as `sequence`.
    void insert(std::string key, std::uint64_t sequence, time_point time);
    /// Forgets keys older than the window.
    void expire(time_point now);

    std::size_t size() const noexcept { return keys_.size(); }

private:
    struct entry {
        std::uint64_t sequence;
        time_point time;
    };
    std::chrono::seconds window_;
    string_map<entry> keys_;
    std::deque<std::pair<time_point, std::string>> by_time_;  // insertion order ~ time order
};

}  // namespace ferry::store
