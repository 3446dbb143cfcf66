#include "store/log_limiter.hpp"

namespace ferry::store {

std::optional<std::uint64_t> log_limiter::admit(clock::time_point now) {
    if (last_line_ && now - *last_line_ < interval_) {
        ++held_back_;
        return std::nullopt;
    }
    last_line_ = now;
    const auto held = held_back_;
    held_back_ = 0;
    return held;
}

}  // namespace ferry::store
