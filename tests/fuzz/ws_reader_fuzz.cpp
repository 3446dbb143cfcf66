// libFuzzer target for the WebSocket frame reader (engineio/ws_codec.hpp).
//
// The first bytes of the input choose the message limit and the seed of the
// chunk sizes; the rest is fed to two readers, one in a single chunk and one
// in pseudo-random chunks. Invariants:
//  - no crash, no sanitizer report, whatever the bytes;
//  - chunking never changes the outcome: same messages, same error;
//  - a delivered data message never exceeds the limit, a control frame never
//    exceeds 125 bytes, text and close reasons are valid UTF-8, and a close
//    code is one a peer may send.
#include "engineio/ws_codec.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

namespace {

using namespace ferry::engineio;

void check(bool ok) {
    if (!ok) {
        std::abort();
    }
}

struct outcome {
    std::vector<ws_message> messages;
    boost::system::error_code error;
    std::size_t buffered = 0;
};

bool is_control(ws_opcode op) { return (static_cast<std::uint8_t>(op) & 0x08) != 0; }

void check_message(const ws_message& m, std::size_t limit) {
    if (is_control(m.opcode)) {
        check(m.payload.size() <= 125);
    } else {
        check(m.opcode == ws_opcode::text || m.opcode == ws_opcode::binary);
        check(m.payload.size() <= limit);
    }
    if (m.opcode == ws_opcode::text) {
        check(is_valid_utf8(m.payload));
    }
    if (m.opcode == ws_opcode::close) {
        check(m.close_code.has_value() == !m.payload.empty());
        if (m.close_code) {
            const auto code = *m.close_code;
            check((code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999));
            check(is_valid_utf8(m.close_reason));
            check(m.close_reason.size() + 2 == m.payload.size());
        }
    }
}

// Drains the reader; returns false once it has failed.
bool drain(ws_reader& reader, outcome& out, std::size_t limit) {
    for (;;) {
        auto r = reader.next();
        if (r.has_error()) {
            out.error = r.error();
            return false;
        }
        if (!r->has_value()) {
            return true;
        }
        check_message(**r, limit);
        out.messages.push_back(std::move(**r));
    }
}

// xorshift32: deterministic per input, as libFuzzer requires.
std::uint32_t next_random(std::uint32_t& state) {
    state ^= state << 13;
    state ^= state >> 17;
    state ^= state << 5;
    return state;
}

outcome run(std::string_view input, std::size_t limit, std::uint32_t seed) {
    ws_reader reader(limit);
    outcome out;
    std::size_t fed = 0;
    while (fed < input.size()) {
        std::size_t chunk = input.size();
        if (seed != 0) {
            // Mostly tiny chunks, to split headers and code points; sometimes big ones.
            const std::uint32_t r = next_random(seed);
            chunk = (r & 0x7) != 0 ? 1 + (r >> 8) % 16 : 1 + (r >> 8) % 4096;
        }
        chunk = std::min(chunk, input.size() - fed);
        reader.feed(input.substr(fed, chunk));
        fed += chunk;
        check(reader.buffered() <= fed);
        if (!drain(reader, out, limit)) {
            return out;
        }
    }
    out.buffered = reader.buffered();
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 4) {
        return 0;
    }
    // A small limit so that fuzz inputs can actually reach it.
    const std::size_t limit = (std::size_t{data[0]} << 8) | data[1];
    const std::uint32_t seed = ((std::uint32_t{data[2]} << 8) | data[3]) | 1;
    const std::string_view input(reinterpret_cast<const char*>(data) + 4, size - 4);

    const outcome whole = run(input, limit, 0);
    const outcome chunked = run(input, limit, seed);
    check(whole.error == chunked.error);
    check(whole.buffered == chunked.buffered);
    check(whole.messages.size() == chunked.messages.size());
    for (std::size_t i = 0; i < whole.messages.size(); ++i) {
        const auto& a = whole.messages[i];
        const auto& b = chunked.messages[i];
        check(a.opcode == b.opcode && a.payload == b.payload && a.close_code == b.close_code &&
              a.close_reason == b.close_reason);
    }
    return 0;
}
