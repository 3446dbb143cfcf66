#include "store/epoch.hpp"

#include <openssl/rand.h>

#include <array>
#include <stdexcept>
#include <string_view>

namespace ferry::store {

std::string make_epoch() {
    constexpr std::string_view alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    constexpr std::size_t length = 12;
    // Bytes >= 248 are rejected so that every character is equally likely
    // (248 = 4 * 62); 64 bytes leave far more than 12 usable ones in practice,
    // and the loop draws again in the unlikely case they do not.
    std::string epoch;
    epoch.reserve(length);
    while (epoch.size() < length) {
        std::array<unsigned char, 64> bytes{};
        if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
            throw std::runtime_error("OpenSSL RAND_bytes failed");
        }
        for (unsigned char b : bytes) {
            if (b >= 248) continue;
            epoch += alphabet[b % alphabet.size()];
            if (epoch.size() == length) break;
        }
    }
    return epoch;
}

}  // namespace ferry::store
