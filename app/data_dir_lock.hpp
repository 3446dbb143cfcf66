#pragma once
// The daemon's claim on its data directory: an flock()ed `ferry.lock` file
// holding the pid. Two daemons on one directory would both write the same
// SQLite files and hand out the same offsets for different events; with the
// lock the second one stops at start with one line naming the first.
//
// The kernel releases an flock when its last descriptor closes, so the lock
// goes with the process however it ends (kill -9 included): there is never a
// stale lock to clean up. The file itself stays; its content is only a hint
// for the error message.
//
// Lives on: the main thread (taken before the stores open, released after).

#include <string>

namespace ferry::app {

class data_dir_lock {
public:
    /// Holds no lock (the memory store needs none).
    data_dir_lock() = default;
    /// Creates `dir` if needed and locks it. Throws std::runtime_error naming
    /// the holder's pid when another process holds the lock.
    explicit data_dir_lock(const std::string& dir);
    ~data_dir_lock();
    data_dir_lock(data_dir_lock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
    data_dir_lock& operator=(data_dir_lock&& other) noexcept;
    data_dir_lock(const data_dir_lock&) = delete;
    data_dir_lock& operator=(const data_dir_lock&) = delete;

    /// The lock file's name inside the data directory.
    static constexpr const char* file_name = "ferry.lock";

private:
    int fd_ = -1;
};

}  // namespace ferry::app
