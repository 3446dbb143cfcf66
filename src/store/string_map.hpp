#pragma once
// A string-keyed hash map that can be searched with a std::string_view
// (C++20 heterogeneous lookup), so lookups by nsp and room never allocate.

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace ferry::store {

struct string_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

template <class Value>
using string_map = std::unordered_map<std::string, Value, string_hash, std::equal_to<>>;

}  // namespace ferry::store
