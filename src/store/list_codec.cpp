#include "store/list_codec.hpp"

#include <cstdint>

namespace ferry::store {

std::string encode_list(const std::vector<std::string>& items) {
    std::string out;
    std::size_t total = 0;
    for (const auto& item : items) total += item.size() + 2;
    out.reserve(total);
    for (const auto& item : items) {
        std::uint64_t n = item.size();
        do {
            auto byte = static_cast<unsigned char>(n & 0x7f);
            n >>= 7;
            if (n != 0) byte |= 0x80;
            out += static_cast<char>(byte);
        } while (n != 0);
        out += item;
    }
    return out;
}

std::optional<std::vector<std::string>> decode_list(std::string_view bytes) {
    std::vector<std::string> items;
    std::size_t at = 0;
    while (at < bytes.size()) {
        std::uint64_t n = 0;
        int shift = 0;
        for (;;) {
            if (at == bytes.size() || shift > 56) return std::nullopt;  // truncated or absurd length
            const auto byte = static_cast<unsigned char>(bytes[at++]);
            n |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
            shift += 7;
            if ((byte & 0x80) == 0) break;
        }
        if (n > bytes.size() - at) return std::nullopt;
        items.emplace_back(bytes.substr(at, n));
        at += n;
    }
    return items;
}

}  // namespace ferry::store
