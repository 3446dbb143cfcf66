#include "open_files.hpp"

#include <spdlog/spdlog.h>

#include <sys/resource.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

namespace ferry::app {

open_file_limit raise_open_file_limit() noexcept {
    open_file_limit result;
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0) {
        result.error = errno;
        return result;
    }
    result.before = result.soft = limit.rlim_cur;
    result.hard = limit.rlim_max;
    if (limit.rlim_cur >= limit.rlim_max) return result;
    limit.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &limit) != 0) {
        result.error = errno;
        return result;
    }
    result.soft = limit.rlim_cur;
    return result;
}

namespace {

// Descriptors this process holds now; 0 when /proc is not mounted.
std::uint64_t open_descriptors() {
    std::error_code ec;
    std::uint64_t n = 0;
    for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end; it.increment(ec)) ++n;
    // The iterator held one descriptor of its own while counting.
    return n > 0 ? n - 1 : 0;
}

}  // namespace

void log_connection_capacity(const open_file_limit& limit) {
    if (limit.soft == 0) {
        spdlog::warn("cannot read the open-file limit: {}", std::strerror(limit.error));
        return;
    }
    const auto used = open_descriptors();
    const auto room = limit.soft > used ? limit.soft - used : 0;
    if (limit.error != 0) {
        spdlog::warn("cannot raise the open-file limit from {} to {}: {}", limit.before, limit.hard,
                     std::strerror(limit.error));
    }
    if (limit.soft != limit.before) {
        spdlog::info("open-file limit raised from {} to {} (the hard limit): room for about {} connections",
                     limit.before, limit.soft, room);
    } else {
        spdlog::info("open-file limit {} (hard limit {}): room for about {} connections", limit.soft, limit.hard,
                     room);
    }
}

}  // namespace ferry::app
