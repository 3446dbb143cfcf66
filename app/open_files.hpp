#pragma once
// The daemon's open-file budget: every connection holds one file descriptor,
// so RLIMIT_NOFILE is its connection limit. Distributions start processes with
// a soft limit of 1,024 and a much higher hard limit; the daemon raises the
// soft limit to the hard one at start (as nginx's worker_rlimit_nofile and Go
// since 1.19 do) and says how many connections that leaves room for, so the
// operator learns the ceiling before reaching it (the accept loop pauses then:
// src/engineio/accept_backoff.hpp).

#include <cstdint>

namespace ferry::app {

struct open_file_limit {
    std::uint64_t before = 0;  ///< soft limit found at start
    std::uint64_t soft = 0;    ///< soft limit now
    std::uint64_t hard = 0;
    int error = 0;             ///< errno of a failed raise, 0 otherwise
};

/// Raises the soft RLIMIT_NOFILE to the hard limit. Call before opening files.
open_file_limit raise_open_file_limit() noexcept;

/// Logs the limit and the connections it leaves room for, counting the
/// descriptors already open (stores, listener, event loops). Call once listening.
void log_connection_capacity(const open_file_limit& limit);

}  // namespace ferry::app
