#include "engineio/refused_origins.hpp"

#include <boost/beast/core/string.hpp>

namespace ferry::engineio {

bool is_same_origin(std::string_view origin, std::string_view host) noexcept {
    // An Origin is scheme "://" host [":" port] (RFC 6454); "null" and other
    // opaque origins never match.
    const auto sep = origin.find("://");
    if (sep == std::string_view::npos || host.empty()) return false;
    return boost::beast::iequals(origin.substr(sep + 3), host);
}

std::string printable_origin(std::string_view origin) {
    std::string out(origin.substr(0, 128));
    for (char& c : out) {
        if (c < 0x21 || c > 0x7e || c == '"' || c == '\\') c = '?';
    }
    return out;
}

refused_origins::verdict refused_origins::note(std::string_view origin) {
    std::lock_guard lock(mutex_);
    if (seen_.find(std::string(origin)) != seen_.end()) return verdict::already_noted;
    if (seen_.size() >= capacity_) {
        if (overflowed_) return verdict::already_noted;
        overflowed_ = true;
        return verdict::too_many;
    }
    seen_.emplace(origin);
    return verdict::first_time;
}

}  // namespace ferry::engineio
