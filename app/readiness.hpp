#pragma once
// GET /readyz: whether the daemon can do its job now, as a list of named
// checks (the event store today; Redis when the cluster comes). /healthz stays
// the liveness probe: a daemon that is alive but cannot append is not ready,
// and a load balancer should send publishers elsewhere rather than restart it.
//
// Lives on: built on the main thread before the server starts, then only read
// (run() from any worker thread at once; every check must be thread-safe).

#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace ferry::app {

/// What one check found.
struct check_outcome {
    bool ready = true;
    std::string reason;   ///< machine-readable, e.g. "store_unavailable"; empty when ready
    std::string message;  ///< for people: what failed, as the component said it
};

class readiness {
public:
    using check = std::function<check_outcome()>;

    /// Adds a check, run in the order added.
    void add(std::string name, check c) { checks_.emplace_back(std::move(name), std::move(c)); }

    struct report {
        bool ready = true;
        /// {"ready":true,"checks":[{"name":"store","ready":true}]}, or with
        /// ready false the first failing check's "reason" and "message" at the
        /// top level too.
        std::string json;
    };
    /// Runs every check.
    report run() const;

private:
    std::vector<std::pair<std::string, check>> checks_;
};

}  // namespace ferry::app
