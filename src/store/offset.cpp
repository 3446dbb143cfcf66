// ferry::offset's client form "<epoch>-<sequence>". Parsing is a pure, total
// function over untrusted bytes (a cursor comes from a client: the Socket.IO
// handshake, an SSE Last-Event-ID, an HTTP `since`): it never throws and
// accepts only the canonical form to_string produces, so a parsed offset
// prints back to the same text. It deliberately does not check that the epoch
// is the store's: that is the gap rule's job (store/cursor.hpp).
#include <ferry/event_store.hpp>

#include <cstdint>
#include <limits>

namespace ferry {
namespace {

// Longer than any epoch a ferry store makes; bounds what a client can send.
constexpr std::size_t max_epoch_length = 64;
// UINT64_MAX has 20 decimal digits.
constexpr std::size_t max_sequence_digits = 20;

bool epoch_char(char c) noexcept {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

}  // namespace

std::string offset::to_string() const {
    std::string out;
    out.reserve(epoch.size() + 1 + max_sequence_digits);
    out += epoch;
    out += '-';
    out += std::to_string(sequence);
    return out;
}

std::optional<offset> offset::parse(std::string_view text) {
    // The sequence has no '-', the epoch may (base64url), so split at the last one.
    const auto dash = text.rfind('-');
    if (dash == std::string_view::npos) return std::nullopt;
    const auto epoch = text.substr(0, dash);
    const auto digits = text.substr(dash + 1);

    if (epoch.empty() || epoch.size() > max_epoch_length) return std::nullopt;
    for (char c : epoch) {
        if (!epoch_char(c)) return std::nullopt;
    }

    if (digits.empty() || digits.size() > max_sequence_digits) return std::nullopt;
    if (digits.size() > 1 && digits.front() == '0') return std::nullopt;  // canonical form only
    std::uint64_t value = 0;
    constexpr auto max = std::numeric_limits<std::uint64_t>::max();
    for (char c : digits) {
        if (c < '0' || c > '9') return std::nullopt;
        const auto digit = static_cast<std::uint64_t>(c - '0');
        if (value > (max - digit) / 10) return std::nullopt;  // would overflow
        value = value * 10 + digit;
    }
    return offset{std::string(epoch), value};
}

}  // namespace ferry
