// permessage-deflate (RFC 7692): offer negotiation (section 7) and the
// per-message codec (7.2), on Boost.Beast's port of zlib (raw DEFLATE).

#include "engineio/deflate.hpp"

#include "engineio/ws_extensions.hpp"

#include <boost/beast/zlib/deflate_stream.hpp>
#include <boost/beast/zlib/error.hpp>
#include <boost/beast/zlib/inflate_stream.hpp>

#include <algorithm>
#include <limits>
#include <stdexcept>

namespace ferry::engineio {
namespace zlib = boost::beast::zlib;

namespace {

// Window of every compressed frame ferry sends, and of the decompressor (a
// 15-bit window decodes streams built with any smaller one).
constexpr int window_bits = 15;
// RFC 7692 7.2.1: the empty stored block a sync flush ends with; the sender
// removes it, the receiver appends it back.
constexpr unsigned char sync_tail[4] = {0x00, 0x00, 0xFF, 0xFF};
// First output buffer of the decompressor, when the limit allows it.
constexpr std::size_t inflate_initial = 16 * 1024;

// RFC 7692 7.1.2.1 / 7.1.2.2: a decimal integer 8..15 without leading zeros.
std::optional<int> parse_window_bits(std::string_view value) noexcept {
    if (value.size() == 1 && value[0] >= '8' && value[0] <= '9') return value[0] - '0';
    if (value.size() == 2 && value[0] == '1' && value[1] >= '0' && value[1] <= '5') return 10 + (value[1] - '0');
    return std::nullopt;
}

// The response to one offer, or std::nullopt to decline it (RFC 7692 7.1).
std::optional<std::string> accept_offer(const ws_extension& offer) {
    bool server_no_context_takeover = false;
    bool client_no_context_takeover = false;
    bool server_max_window_bits = false;
    bool client_max_window_bits = false;
    auto once = [](bool& seen) {
        const bool repeated = seen;
        seen = true;
        return !repeated;
    };
    for (const auto& p : offer.params) {
        if (p.name == "server_no_context_takeover" || p.name == "client_no_context_takeover") {
            // 7.1.1.1 / 7.1.1.2: these parameters have no value.
            auto& seen = p.name[0] == 's' ? server_no_context_takeover : client_no_context_takeover;
            if (!once(seen) || p.value) return std::nullopt;
        } else if (p.name == "server_max_window_bits") {
            // 7.1.2.1: accepting means answering with the same or a smaller
            // value, i.e. compressing with at most that window. The shared
            // frames use 15 bits, so only 15 can be honoured.
            if (!once(server_max_window_bits) || !p.value) return std::nullopt;
            const auto bits = parse_window_bits(*p.value);
            if (!bits || *bits != window_bits) return std::nullopt;
        } else if (p.name == "client_max_window_bits") {
            // 7.1.2.2: with or without a value; any window is decodable.
            if (!once(client_max_window_bits)) return std::nullopt;
            if (p.value && !parse_window_bits(*p.value)) return std::nullopt;
        } else {
            return std::nullopt;  // 7.1: an unknown parameter declines the offer
        }
    }
    std::string response(permessage_deflate_name);
    response += "; server_no_context_takeover; client_no_context_takeover";
    if (server_max_window_bits) response += "; server_max_window_bits=15";
    return response;
}

}  // namespace

std::optional<std::string> negotiate_permessage_deflate(std::string_view extensions_header) {
    const auto offers = parse_ws_extensions(extensions_header);
    if (!offers) return std::nullopt;
    // RFC 7692 5: offers come in the client's order of preference.
    for (const auto& offer : *offers) {
        if (offer.name != permessage_deflate_name) continue;
        if (auto response = accept_offer(offer)) return response;
    }
    return std::nullopt;
}

std::string deflate_message(std::string_view payload) {
    // Level 6, 15-bit window, memLevel 8: zlib's defaults, as the `ws` library
    // uses them. Allocated on first use in each thread, then reused.
    thread_local zlib::deflate_stream stream;
    stream.reset();  // no context takeover: each message starts afresh

    std::string out(stream.upper_bound(payload.size()) + 2 * sizeof(sync_tail), '\0');
    zlib::z_params zs;
    zs.next_in = payload.data();
    zs.avail_in = payload.size();
    for (;;) {
        zs.next_out = out.data() + zs.total_out;
        zs.avail_out = out.size() - zs.total_out;
        boost::system::error_code ec;
        stream.write(zs, zlib::Flush::sync, ec);
        if (ec && ec != zlib::error::need_buffers) {
            // The compressor fails only on misuse, never because of the data.
            throw std::logic_error("ferry: deflate failed: " + ec.message());
        }
        // zlib's contract: a flush is complete once it returns with output space left.
        if (zs.avail_in == 0 && zs.avail_out != 0) break;
        out.resize(out.size() * 2);
    }
    out.resize(zs.total_out);
    if (out.size() < sizeof(sync_tail) ||
        std::string_view(out).substr(out.size() - sizeof(sync_tail)) !=
            std::string_view(reinterpret_cast<const char*>(sync_tail), sizeof(sync_tail))) {
        throw std::logic_error("ferry: deflate sync flush did not end with 00 00 FF FF");
    }
    out.resize(out.size() - sizeof(sync_tail));
    return out;
}

result<std::string> inflate_message(std::string_view compressed, std::size_t max_size) {
    thread_local zlib::inflate_stream stream;
    stream.reset(window_bits);  // no context takeover: no history from the previous message

    // The output never grows past max_size + 1 bytes: one byte over the limit
    // proves the message too big without inflating the rest.
    const std::size_t cap = max_size == std::numeric_limits<std::size_t>::max() ? max_size : max_size + 1;
    std::string out(std::min(cap, std::max(inflate_initial, compressed.size() * 4)), '\0');
    zlib::z_params zs;
    zs.next_in = compressed.data();
    zs.avail_in = compressed.size();
    bool tail_fed = false;
    for (;;) {
        zs.next_out = out.data() + zs.total_out;
        zs.avail_out = out.size() - zs.total_out;
        boost::system::error_code ec;
        stream.write(zs, zlib::Flush::sync, ec);
        if (zs.total_out > max_size) return error::ws_message_too_big;
        // A block with BFINAL set ends the stream (RFC 7692 7.2.3.4 allows it).
        if (ec == zlib::error::end_of_stream) break;
        if (ec && ec != zlib::error::need_buffers) return error::ws_bad_frame;
        if (zs.avail_out == 0) {
            if (out.size() == cap) return error::ws_message_too_big;
            out.resize(std::min(cap, out.size() * 2));
            continue;
        }
        if (zs.avail_in == 0) {
            if (tail_fed) break;  // all input, tail included, is consumed
            // RFC 7692 7.2.2: append 00 00 FF FF to the payload, then inflate.
            zs.next_in = sync_tail;
            zs.avail_in = sizeof(sync_tail);
            tail_fed = true;
            continue;
        }
        if (ec) return error::ws_bad_frame;  // input and room left, yet no progress
    }
    out.resize(zs.total_out);
    return out;
}

}  // namespace ferry::engineio
