#pragma once
// The memory store: the whole retained log in per-room rings, for the library
// and for tests. Appends complete inline; nothing survives the process, so each
// instance has a new epoch and every cursor of a previous instance is a gap.
//
// It deliberately has no thread: retention runs inline, on appends at most
// once per second of the policy's clock and on trim().
//
// Lives on: any thread; one mutex guards everything, held only to assign a
// sequence and link the event (appends) or to collect shared pointers (reads).

#include <ferry/event_store.hpp>

#include "store/event_ring.hpp"
#include "store/idempotency.hpp"
#include "store/retention.hpp"
#include "store/string_map.hpp"

#include <mutex>
#include <string>

namespace ferry::store {

class memory_store final : public event_store {
public:
    explicit memory_store(retention_policy retention);

    const std::string& epoch() const noexcept override { return epoch_; }
    void append(event_record record, std::function<void(result<offset>)> done) override;
    void read_after(offset after, std::string nsp, std::vector<std::string> rooms, std::size_t limit,
                    std::function<void(result<read_page>)> done) override;
    offset head(std::string_view nsp, std::string_view room) override;
    offset position() override;
    void trim() override;
    void flush() override {}  // nothing is ever pending

private:
    struct room_state {
        event_ring events;
        std::uint64_t head = 0;
        std::uint64_t trimmed_through = 0;  // newest sequence retention removed
        time_point last_append;
    };
    struct nsp_state {
        string_map<room_state> rooms;
        // Newest head of a room evicted from this namespace: stands in for the
        // watermark of every room the store does not know (see retention_policy).
        std::uint64_t evicted_through = 0;
    };

    void sweep_locked(time_point now);

    const retention_policy retention_;
    const std::string epoch_;

    std::mutex mu_;
    string_map<nsp_state> namespaces_;
    idempotency_index idempotency_;
    std::uint64_t last_sequence_ = 0;
    time_point last_time_{};   // event times never go back, even if the clock does
    time_point last_sweep_{};
};

}  // namespace ferry::store
