#pragma once
// Encoded forms of recently replayed events, one cache per worker and wire
// format (Socket.IO packets, Server-Sent Events frames).
//
// When many clients recover at once (a node restarts, a network blip cuts a
// region), every one of them replays the same events: each is encoded once
// per worker instead of once per client. Direct-mapped by sequence, so it is
// bounded and a hit allocates nothing; events over max_payload are not kept
// (they would pin memory) and are encoded for each client.
//
// Lives on: its worker's thread. Not thread-safe.

#include <ferry/event_store.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ferry::socketio {

template <class Encoded>
class replay_cache {
public:
    static constexpr std::size_t slots = 2048;
    static constexpr std::size_t max_payload = 4096;

    /// The encoded form of `e`, replayed in namespace `nsp` with offset
    /// `<epoch>-<e.sequence>`; `encode()` makes it on a miss. Valid until the next call.
    template <class Encode>
    const Encoded& get(std::string_view nsp, const stored_event& e, std::string_view epoch, Encode&& encode) {
        std::size_t size = e.payload.size();
        for (const auto& a : e.attachments) size += a.size();
        if (size > max_payload || e.sequence == 0) {
            uncached_ = encode();
            return uncached_;
        }
        if (slots_.empty()) slots_.resize(slots);  // a server that never replays pays nothing
        slot& s = slots_[e.sequence % slots];
        if (!s.used || s.sequence != e.sequence || s.nsp != nsp || s.epoch != epoch) {
            s.encoded = encode();
            s.used = true;
            s.sequence = e.sequence;
            s.nsp.assign(nsp);
            s.epoch.assign(epoch);
        }
        return s.encoded;
    }

private:
    struct slot {
        bool used = false;
        std::uint64_t sequence = 0;
        std::string nsp;
        std::string epoch;
        Encoded encoded;
    };
    std::vector<slot> slots_;
    Encoded uncached_;
};

}  // namespace ferry::socketio
