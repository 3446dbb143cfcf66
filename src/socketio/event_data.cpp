#include "socketio/event_data.hpp"

#include <boost/json/value.hpp>

#include <cmath>
#include <string_view>
#include <vector>

namespace ferry::socketio {

bool is_valid_utf8(std::string_view s) noexcept {
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    const auto* end = p + s.size();
    while (p < end) {
        const unsigned char c = *p;
        if (c < 0x80) {
            ++p;
            continue;
        }
        std::size_t extra = 0;
        unsigned char lo = 0x80, hi = 0xBF;  // the bounds of the second byte
        if (c >= 0xC2 && c <= 0xDF) {
            extra = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
            extra = 2;
            if (c == 0xE0) lo = 0xA0;  // overlong
            if (c == 0xED) hi = 0x9F;  // surrogates
        } else if (c >= 0xF0 && c <= 0xF4) {
            extra = 3;
            if (c == 0xF0) lo = 0x90;  // overlong
            if (c == 0xF4) hi = 0x8F;  // above U+10FFFF
        } else {
            return false;
        }
        if (static_cast<std::size_t>(end - p) <= extra) return false;
        if (p[1] < lo || p[1] > hi) return false;
        for (std::size_t i = 2; i <= extra; ++i) {
            if ((p[i] & 0xC0) != 0x80) return false;
        }
        p += extra + 1;
    }
    return true;
}

std::string event_data_problem(const boost::json::value& value) {
    std::vector<const boost::json::value*> pending{&value};
    while (!pending.empty()) {
        const auto* v = pending.back();
        pending.pop_back();
        switch (v->kind()) {
            case boost::json::kind::double_:
                if (!std::isfinite(v->get_double())) {
                    return "data holds a number JSON cannot represent (infinite or NaN; 1e400 and 400-digit "
                           "integers overflow to infinity)";
                }
                break;
            case boost::json::kind::string:
                if (!is_valid_utf8(v->get_string())) return "data holds a string that is not valid UTF-8";
                break;
            case boost::json::kind::array:
                for (const auto& item : v->get_array()) pending.push_back(&item);
                break;
            case boost::json::kind::object:
                for (const auto& [key, item] : v->get_object()) {
                    if (!is_valid_utf8(key)) return "data holds a key that is not valid UTF-8";
                    pending.push_back(&item);
                }
                break;
            default: break;  // null, bool, int64, uint64: always JSON
        }
    }
    return {};
}

std::string event_data_problem(const args& a) {
    for (const auto& v : a.values) {
        if (auto p = event_data_problem(v); !p.empty()) return p;
    }
    return {};
}

}  // namespace ferry::socketio
