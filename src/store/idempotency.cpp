#include "store/idempotency.hpp"

namespace ferry::store {

std::optional<std::uint64_t> idempotency_index::find(std::string_view key, time_point now) const {
    const auto it = keys_.find(key);
    if (it == keys_.end() || now - it->second.time > window_) return std::nullopt;
    return it->second.sequence;
}

void idempotency_index::insert(std::string key, std::uint64_t sequence, time_point time) {
    by_time_.emplace_back(time, key);
    keys_.insert_or_assign(std::move(key), entry{sequence, time});
}

void idempotency_index::expire(time_point now) {
    while (!by_time_.empty() && now - by_time_.front().first > window_) {
        const auto it = keys_.find(by_time_.front().second);
        // A key inserted again after it expired has a newer entry: keep that one.
        if (it != keys_.end() && it->second.time == by_time_.front().first) keys_.erase(it);
        by_time_.pop_front();
    }
}

}  // namespace ferry::store
