#pragma once
// Session ids: 20 characters of base64url from a CSPRNG, the first of which
// names the worker that owns the session, so any worker that receives a
// request can hand it to the owner without a shared lookup table.

#include <string>
#include <string_view>

namespace ferry::engineio {

/// Most workers a sid can name (one base64url character).
inline constexpr unsigned max_workers = 64;

/// A fresh session id owned by `worker` (< max_workers). Thread-safe.
std::string make_sid(unsigned worker);

/// The worker named by a sid, or -1 when the sid is malformed.
int worker_of_sid(std::string_view sid) noexcept;

}  // namespace ferry::engineio
