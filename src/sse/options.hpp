#pragma once
// Options of the Server-Sent Events endpoint (docs/sse.md).

#include <chrono>
#include <string>

namespace ferry::sse {

struct options {
    /// The path of the endpoint.
    std::string path = "/events";
    /// A comment line is written this often, so proxies and clients do not
    /// close a quiet stream. Zero: none.
    std::chrono::milliseconds heartbeat{15000};
    /// The `retry` sent on connect: how long an EventSource waits before it reconnects.
    std::chrono::milliseconds retry{3000};
    /// The namespace whose rooms and log streams use.
    std::string nsp = "/";
};

}  // namespace ferry::sse
