#pragma once
// The SQLite store: the retained log in one SQLite file in WAL mode, for the
// daemon. Three parts, one job each:
//   - the writer thread (sqlite_writer.cpp) owns the write connection, numbers
//     appends and commits them in groups, one transaction per batch, then runs
//     the completion handlers; it also applies retention (sqlite_retention.cpp);
//   - an in-memory mirror of every room (head, watermark, counts) with a
//     bounded tail of recent events, which answers head() and most replays
//     without touching SQLite (this file's .cpp);
//   - the reader thread (sqlite_reader.cpp) owns a second connection and
//     answers replays that reach older than a tail, from one read snapshot.
// It deliberately does not share a connection between threads, never runs
// SQLite on a caller's thread after construction, and never calls a handler
// while holding a lock.
//
// Lives on: any thread (public API); the writer and reader threads it owns.

#include <ferry/event_store.hpp>

#include "store/event_ring.hpp"
#include "store/idempotency.hpp"
#include "store/retention.hpp"
#include "store/sqlite_db.hpp"
#include "store/string_map.hpp"

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace ferry::store {

struct loaded_state;  // sqlite_schema.hpp

class sqlite_store final : public event_store {
public:
    /// Most appends in one transaction: bounds the latency of the appends
    /// behind them (their handlers run after the whole group's commit).
    static constexpr std::size_t max_batch = 4096;
    /// Batch mode: a group this large is committed as soon as the writer is
    /// free; a smaller one waits for companions (see writer_loop). Large
    /// enough to spread a commit's fixed cost, small enough that publishers
    /// waiting for their acks are never held to in-flight / batch_interval.
    static constexpr std::size_t min_group = 64;

    explicit sqlite_store(sqlite_options options);
    ~sqlite_store() override;

    const std::string& epoch() const noexcept override { return epoch_; }
    void append(event_record record, std::function<void(result<offset>)> done) override;
    void read_after(offset after, std::string nsp, std::vector<std::string> rooms, std::size_t limit,
                    std::function<void(result<read_page>)> done) override;
    offset head(std::string_view nsp, std::string_view room) override;
    offset position() override;
    void trim() override;
    void flush() override;
    store_health health() const override;

    /// True when opening started a new epoch (fresh file, or commits possibly lost).
    bool started_new_epoch_for_test() const noexcept { return new_epoch_; }

private:
    // The in-memory mirror of one room. Changed only by the writer thread,
    // after the transaction that changed the room's rows has committed.
    struct room_state {
        event_ring tail;                    // the newest events of the room
        std::uint64_t tail_from = 0;        // every event above this sequence is in `tail`
        std::uint64_t head = 0;
        std::uint64_t trimmed_through = 0;  // newest sequence retention removed
        std::uint64_t count = 0;            // events kept in SQLite
        std::uint64_t oldest = 0;           // oldest kept sequence, 0 when none
        std::int64_t last_append_ms = 0;
    };
    struct nsp_state {
        string_map<room_state> rooms;
        std::uint64_t evicted_through = 0;  // see retention_policy
    };
    struct pending_append {
        event_record record;
        std::function<void(result<offset>)> done;
    };
    struct read_request {
        offset after;
        std::string nsp;
        std::vector<std::string> rooms;  // reader_rooms()
        std::size_t limit = 0;
        std::function<void(result<read_page>)> done;
    };
    struct writer_state;  // the write connection and what only the writer touches
    struct reader_state;  // the read connection

    // Public-API side (sqlite_store.cpp).
    std::optional<read_page> read_from_tail(const offset& after, const std::string& nsp,
                                            const std::vector<std::string>& rooms, std::size_t limit);
    room_state& room_locked(const std::string& nsp, const std::string& room);
    void install_mirror(loaded_state& loaded);

    // Writer thread (sqlite_writer.cpp, sqlite_retention.cpp).
    void writer_loop();
    void commit_batch(std::vector<pending_append>& batch);
    void sync_wal();
    void apply_retention();
    void begin_in_sync();
    void resync(std::uint64_t file_sequence);
    void probe();
    void note_failure(const char* what, const std::string& message);
    void note_success();

    // Reader thread (sqlite_reader.cpp).
    void reader_loop();
    read_page read_from_disk(const read_request& request);

    const sqlite_options options_;
    std::string epoch_;
    bool new_epoch_ = false;
    std::unique_ptr<writer_state> writer_;
    std::unique_ptr<reader_state> reader_;

    // The mirror. Writers: the writer thread; readers: any thread.
    std::mutex mu_;
    string_map<nsp_state> namespaces_;
    std::uint64_t last_sequence_ = 0;  // newest committed

    // What health() reports. Writer: the writer thread; readers: any thread.
    mutable std::mutex health_mu_;
    store_health health_;

    // Appends waiting for the writer.
    std::mutex queue_mu_;
    std::condition_variable queue_cv_;  // wakes the writer
    std::condition_variable done_cv_;   // wakes flush() and trim()
    std::vector<pending_append> queue_;
    std::uint64_t accepted_ = 0;   // appends queued so far
    std::uint64_t completed_ = 0;  // appends committed (or failed) and answered
    bool urgent_ = false;          // flush(): commit now, do not wait for the batch interval
    std::uint64_t trims_requested_ = 0;
    std::uint64_t trims_done_ = 0;
    bool stopping_ = false;

    // Replays waiting for the reader.
    std::mutex read_mu_;
    std::condition_variable read_cv_;
    std::deque<read_request> reads_;
    bool read_stopping_ = false;

    std::thread writer_thread_;
    std::thread reader_thread_;
};

}  // namespace ferry::store
