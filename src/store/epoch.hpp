#pragma once
// Epochs: short random names for one history of a store. A new epoch is made
// whenever a store may have lost data, so cursors of an older history are
// recognised and answered with a gap.

#include <string>

namespace ferry::store {

/// A fresh epoch: 12 alphanumeric characters (about 71 bits) from OpenSSL's
/// CSPRNG. URL-safe and free of '-', so "<epoch>-<sequence>" reads unambiguously.
/// Throws std::runtime_error if the CSPRNG fails (only at store creation).
std::string make_epoch();

}  // namespace ferry::store
