#include "socketio/replay_cache.hpp"

#include "socketio/stored_event.hpp"

#include <ferry/event_store.hpp>

namespace ferry::socketio {

const std::vector<engineio::wire_ptr>& replay_cache::wire(std::string_view nsp, const stored_event& e,
                                                          std::string_view epoch) {
    auto encode = [&] {
        const offset o{std::string(epoch), e.sequence};
        return stored_event_wire(nsp, e.payload, e.attachments, o.to_string());
    };
    std::size_t size = e.payload.size();
    for (const auto& a : e.attachments) size += a.size();
    if (size > max_payload || e.sequence == 0) {
        uncached_ = encode();
        return uncached_;
    }
    if (slots_.empty()) slots_.resize(slots);
    slot& s = slots_[e.sequence % slots];
    if (s.sequence != e.sequence || s.nsp != nsp || s.epoch != epoch || s.wire.empty()) {
        s.wire = encode();
        s.sequence = e.sequence;
        s.nsp.assign(nsp);
        s.epoch.assign(epoch);
    }
    return s.wire;
}

}  // namespace ferry::socketio
