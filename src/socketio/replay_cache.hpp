#pragma once
// Wire packets of recently replayed events, one cache per worker.
//
// When many clients recover at once (a node restarts, a network blip cuts a
// region), every one of them replays the same events: each is encoded once
// per worker instead of once per client. Direct-mapped by sequence, so it is
// bounded and a hit allocates nothing; events over max_payload are not kept
// (they would pin memory) and are encoded for each client.
//
// Lives on: its worker's thread. Not thread-safe.

#include "engineio/wire.hpp"

#include <ferry/event_store.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ferry::socketio {

class replay_cache {
public:
    static constexpr std::size_t slots = 2048;
    static constexpr std::size_t max_payload = 4096;

    /// The wire packets of `e` replayed in namespace `nsp` with offset
    /// `<epoch>-<e.sequence>`. Valid until the next call.
    const std::vector<engineio::wire_ptr>& wire(std::string_view nsp, const stored_event& e, std::string_view epoch);

private:
    struct slot {
        std::uint64_t sequence = 0;
        std::string nsp;
        std::string epoch;
        std::vector<engineio::wire_ptr> wire;
    };
    std::vector<slot> slots_;  // sized on first use: a server that never replays pays nothing
    std::vector<engineio::wire_ptr> uncached_;
};

}  // namespace ferry::socketio
