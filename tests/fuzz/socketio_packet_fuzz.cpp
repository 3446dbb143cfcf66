// libFuzzer target for the Socket.IO packet codec (socketio/packet.hpp).
//
// The input is a sequence of Engine.IO messages separated by U+001E (the
// long-polling separator, so seeds read like captured traffic); a message
// starting with 'b' is binary (the rest of it), any other is text. No valid
// Socket.IO text starts with 'b', so nothing reachable is lost.
//
// Invariants checked on arbitrary input:
//  - the decoder never crashes, whatever order text and binary arrive in;
//  - a packet it completes reports a plain type (never binary_event/ack)
//    and survives encode_text -> decoder unchanged, attachments included;
//  - decode_text alone obeys the same round trip.
//
// "Unchanged" allows a double to move by one unit in the last place: Boost
// 1.81 parses numbers in its fast, imprecise mode (the precise mode arrived
// in 1.83), so the shortest form Boost writes can read back 1 ULP away.
#include "socketio/packet.hpp"

#include <boost/json/value.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

namespace {

using namespace ferry::socketio;

// Aborting makes libFuzzer save the input as a crash reproducer.
void check(bool ok) {
    if (!ok) {
        std::abort();
    }
}

bool same_double(double a, double b) { return a == b || std::nextafter(a, b) == b; }

bool same_json(const boost::json::value& a, const boost::json::value& b) {
    if (a.is_double() && b.is_double()) {
        return same_double(a.get_double(), b.get_double());
    }
    if (a.is_array() && b.is_array()) {
        const auto& x = a.get_array();
        const auto& y = b.get_array();
        return x.size() == y.size() && std::equal(x.begin(), x.end(), y.begin(), same_json);
    }
    if (a.is_object() && b.is_object()) {
        const auto& x = a.get_object();
        const auto& y = b.get_object();
        return x.size() == y.size() && std::all_of(x.begin(), x.end(), [&](const auto& kv) {
                   const boost::json::value* other = y.if_contains(kv.key());
                   return other != nullptr && same_json(kv.value(), *other);
               });
    }
    return a == b;
}

bool same_packet(const packet& a, const packet& b) {
    return a.type == b.type && a.nsp == b.nsp && a.id == b.id && a.attachments == b.attachments &&
           same_json(a.data, b.data);
}

/// Runs the wire form of `p` through a fresh decoder.
std::optional<packet> redecode(const std::string& text, const packet& p) {
    decoder d;
    auto r = d.on_text(text);
    check(r.has_value());
    for (const std::string& attachment : p.attachments) {
        check(r.has_value() && !r->has_value());
        r = d.on_binary(attachment);
        check(r.has_value());
    }
    return *r;
}

void check_round_trip(const packet& p) {
    check(p.type != packet_type::binary_event && p.type != packet_type::binary_ack);
    check(p.attachments.size() <= max_attachments);
    const std::string text = encode_text(p);
    const std::optional<packet> again = redecode(text, p);
    check(again.has_value() && same_packet(*again, p));
}

void check_decode_text(std::string_view text) {
    std::size_t expected = 0;
    auto p = decode_text(text, expected);
    if (!p) {
        check(expected == 0);
        return;
    }
    const bool binary = p->type == packet_type::binary_event || p->type == packet_type::binary_ack;
    check(binary == (expected != 0));
    check(expected <= max_attachments);
    p->attachments.assign(expected, std::string("\x00\xff", 2));
    const std::string out = encode_text(*p);
    std::size_t expected_again = 0;
    const auto again = decode_text(out, expected_again);
    check(again.has_value() && expected_again == expected);
    p->attachments.clear();
    check(same_packet(*again, *p));
}

void feed(decoder& d, std::string_view message) {
    const bool binary = !message.empty() && message.front() == 'b';
    if (!binary) {
        check_decode_text(message);
    }
    const auto r = binary ? d.on_binary(message.substr(1)) : d.on_text(message);
    if (r.has_value() && r->has_value()) {
        check_round_trip(**r);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    decoder d;
    std::size_t start = 0;
    while (start <= input.size()) {
        const std::size_t end = std::min(input.find('\x1e', start), input.size());
        feed(d, input.substr(start, end - start));
        start = end + 1;
    }
    return 0;
}
