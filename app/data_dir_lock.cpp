#include "data_dir_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace ferry::app {
namespace {

std::string read_all(int fd) {
    std::string text;
    char buffer[64];
    for (off_t at = 0;;) {
        const auto n = ::pread(fd, buffer, sizeof buffer, at);
        if (n <= 0) break;
        text.append(buffer, static_cast<std::size_t>(n));
        at += n;
        if (text.size() > 64) break;  // a pid is short; anything longer is not ours
    }
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    return text;
}

}  // namespace

data_dir_lock::data_dir_lock(const std::string& dir) {
    std::filesystem::create_directories(dir);
    const auto path = (std::filesystem::path(dir) / file_name).string();
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) throw std::runtime_error("cannot open the lock file " + path + ": " + std::strerror(errno));
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
        const int err = errno;
        std::string holder = err == EWOULDBLOCK ? read_all(fd_) : std::string();
        ::close(fd_);
        fd_ = -1;
        if (err != EWOULDBLOCK) throw std::runtime_error("cannot lock " + path + ": " + std::strerror(err));
        // The holder writes its pid right after locking: empty only in that instant.
        if (holder.empty()) holder = "unknown";
        throw std::runtime_error("data directory " + dir + " is in use by another ferry (pid " + holder +
                                 ", lock " + path + "): stop it or choose another --data-dir");
    }
    const auto pid = std::to_string(::getpid()) + "\n";
    // Only a hint for the message above: a failure to write it is no reason to stop.
    if (::ftruncate(fd_, 0) == 0) {
        [[maybe_unused]] const auto written = ::pwrite(fd_, pid.data(), pid.size(), 0);
    }
}

data_dir_lock::~data_dir_lock() {
    // Closing the descriptor releases the flock.
    if (fd_ >= 0) ::close(fd_);
}

data_dir_lock& data_dir_lock::operator=(data_dir_lock&& other) noexcept {
    if (this != &other) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = other.fd_;
        other.fd_ = -1;
    }
    return *this;
}

}  // namespace ferry::app
