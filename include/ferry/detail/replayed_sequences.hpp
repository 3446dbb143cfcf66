#pragma once
/// @file
/// @cond internal
/// The sequences a replay wrote to one client (a Socket.IO socket or a
/// Server-Sent Events stream), so that the same events arriving live are
/// dropped: the client sees one ordered stream without duplicates. Not part
/// of the library's API; public only because ferry::socket holds one.

#include <algorithm>
#include <cstdint>
#include <vector>

namespace ferry::detail {

class replayed_sequences {
public:
    /// Records a replayed sequence. A replay reads in sequence order, so this
    /// is an append unless two replays (recovery and a join_since) interleave.
    void add(std::uint64_t sequence) {
        if (sorted_.empty() || sorted_.back() < sequence) {
            sorted_.push_back(sequence);
            return;
        }
        const auto at = std::lower_bound(sorted_.begin(), sorted_.end(), sequence);
        if (at == sorted_.end() || *at != sequence) sorted_.insert(at, sequence);
    }

    /// Whether a live event with this sequence (0: not in the log) was
    /// already written by a replay. Live events arrive in sequence order:
    /// once one is newer than every replayed sequence, none older can follow,
    /// and the memory is released.
    bool already_sent(std::uint64_t sequence) {
        if (sequence == 0 || sorted_.empty()) return false;
        if (sequence <= sorted_.back()) return std::binary_search(sorted_.begin(), sorted_.end(), sequence);
        std::vector<std::uint64_t>().swap(sorted_);
        return false;
    }

    bool empty() const noexcept { return sorted_.empty(); }

private:
    std::vector<std::uint64_t> sorted_;
};

}  // namespace ferry::detail
/// @endcond
