#include "engineio/sid.hpp"

#include <openssl/rand.h>

#include <array>
#include <stdexcept>

namespace ferry::engineio {
namespace {

constexpr std::string_view alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr std::size_t sid_length = 20;

// Random bytes come from OpenSSL in blocks: one RAND_bytes call per 256 sids
// instead of one per handshake. The block is per thread, so no lock.
struct random_pool {
    std::array<unsigned char, 4096> bytes{};
    std::size_t used = bytes.size();

    unsigned char next() {
        if (used == bytes.size()) {
            if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
                throw std::runtime_error("OpenSSL RAND_bytes failed");
            }
            used = 0;
        }
        return bytes[used++];
    }
};

}  // namespace

std::string make_sid(unsigned worker) {
    thread_local random_pool pool;
    std::string sid(sid_length, '\0');
    sid[0] = alphabet[worker % max_workers];
    for (std::size_t i = 1; i < sid_length; ++i) sid[i] = alphabet[pool.next() & 63];
    return sid;
}

int worker_of_sid(std::string_view sid) noexcept {
    if (sid.size() != sid_length) return -1;
    const auto pos = alphabet.find(sid[0]);
    return pos == std::string_view::npos ? -1 : static_cast<int>(pos);
}

}  // namespace ferry::engineio
