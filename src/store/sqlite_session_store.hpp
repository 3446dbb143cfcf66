#pragma once
// The SQLite session store (daemon default): session records in their own
// SQLite file in WAL mode, so that a client can recover after a restart or a
// kill -9 of the daemon.
//
// One writer thread owns the connection and applies every operation in call
// order: saves, removes, takes and expiry. Callers only queue. A save of a pid
// whose previous save or remove is still queued replaces it in place (a socket
// joining ten rooms in a burst is one row write), and each round of the writer
// commits everything queued in one transaction, at most max_batch operations.
// A take is an operation like the others, so it sees every earlier save, and
// its handler runs on the writer thread after the commit that removed the row.
//
// It deliberately does not fsync per commit (synchronous=NORMAL). Instead the
// file is marked in use (durably) at open and clean at close, and an open that
// finds it unclean after a reboot drops every record: a power cut may have
// taken back the newest commits, and a stale record (a room missing) would
// recover a session that silently misses events (docs/store.md "Sessions").
// It does not retry a failed transaction (its saves are lost, its takes
// answer store_unavailable), and never calls a handler while holding a lock.
//
// Lives on: any thread (public API); the writer thread it owns.

#include <ferry/session_store.hpp>

#include "store/session_rules.hpp"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>

namespace ferry::store {

class sqlite_session_store final : public session_store {
public:
    /// Opens (creating) `path`; drops every record if the last run did not
    /// close the file and the machine rebooted since; marks the records of a
    /// previous run that were still connected as disconnected now, and deletes
    /// expired ones. Throws std::runtime_error.
    sqlite_session_store(const std::string& path, session_clock clock, std::chrono::milliseconds expire_after);
    /// Commits everything queued, then closes the file.
    ~sqlite_session_store() override;

    void save(session_record record) override;
    void remove(const std::string& pid) override;
    void take(const std::string& pid, std::chrono::milliseconds max_age,
              std::function<void(result<std::optional<session_record>>)> done) override;
    void expire(std::chrono::milliseconds max_age) override;
    void flush() override;

    /// Rows written by saves and removes, and transactions committed, since open.
    std::uint64_t writes_for_test() const noexcept { return writes_.load(); }
    std::uint64_t transactions_for_test() const noexcept { return transactions_.load(); }

private:
    enum class op_kind { save, remove, take, expire };
    struct op {
        op_kind kind = op_kind::save;
        session_record record;                  // save: the record; remove, take: only its pid
        std::chrono::milliseconds max_age{0};  // take, expire
        std::function<void(result<std::optional<session_record>>)> done;  // take
    };
    struct writer_state;  // the connection and its statements

    void queue_write(op o);
    void queue_barrier(op o);
    void push_locked(op o);
    void writer_loop();
    void apply(std::deque<op>& batch, std::chrono::system_clock::time_point now, bool expiry_due);
    /// Reads and deletes one record inside the writer's transaction.
    std::optional<session_record> take_row(const std::string& pid, std::chrono::system_clock::time_point now,
                                           std::chrono::milliseconds max_age);

    const session_clock clock_;
    const std::chrono::milliseconds expire_after_;
    std::unique_ptr<writer_state> writer_;

    std::mutex mu_;
    std::condition_variable queue_cv_;  // writer waits: work or stop
    std::condition_variable done_cv_;   // flush() waits: completed_
    std::deque<op> queue_;
    std::uint64_t front_seq_ = 0;  // number of ops ever queued before queue_.front()
    std::uint64_t completed_ = 0;  // ops applied (committed or failed); they complete in order
    // pid -> the number of its queued save or remove that a later save or
    // remove of that pid may replace. Invariant: no take of that pid and no
    // expire was queued after it, so replacing it in place cannot reorder
    // anything that could tell the difference. Stale entries (below
    // front_seq_) are ignored.
    std::unordered_map<std::string, std::uint64_t> replaceable_;
    bool stopping_ = false;

    std::atomic<std::uint64_t> writes_{0};
    std::atomic<std::uint64_t> transactions_{0};

    std::thread thread_;  // last: it starts in the constructor and uses everything above
};

}  // namespace ferry::store
