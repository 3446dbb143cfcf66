// libFuzzer target for request_head (include/ferry/handshake.hpp): the
// compact form of the HTTP request that opened a connection, read on demand
// by applications (header(name), query(name)).
//
// The input's first line is the request target, the rest the header block.
// Invariants checked on arbitrary input:
//  - no lookup crashes or reads out of bounds;
//  - header(name) finds, for every name that headers() lists, the value of
//    its first occurrence, in any case;
//  - every parameter that query_params() lists is found by query(name).
#include <ferry/handshake.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const std::size_t eol = input.find('\n');
    const std::string_view target = input.substr(0, eol);
    const std::string_view headers = eol == std::string_view::npos ? std::string_view() : input.substr(eol + 1);
    const ferry::request_head head(target, headers);
    if (head.target() != target) std::abort();

    const auto all = head.headers();
    for (std::size_t i = 0; i < all.size(); ++i) {
        const auto& [name, value] = all[i];
        bool first = true;
        for (std::size_t j = 0; j < i; ++j) {
            if (all[j].first.size() != name.size()) continue;
            bool same = true;
            for (std::size_t k = 0; k < name.size() && same; ++k) {
                auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
                same = lower(all[j].first[k]) == lower(name[k]);
            }
            if (same) first = false;
        }
        const auto found = head.header(name);
        if (!found) std::abort();
        if (first && *found != value) std::abort();
        std::string upper(name);
        for (char& c : upper) c = c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
        if (!head.header(upper)) std::abort();
    }
    for (const auto& [key, value] : head.query_params()) {
        if (!head.query(key)) std::abort();
    }
    return 0;
}
